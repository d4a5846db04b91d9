"""real_time_video.py on many sources: a folder, a glob, several files (see batch/).

What differs from one source: --output and --timeline name folders (one file per source,
named after it), the records of every source go to one --csv / --jsonl in source order,
--summary holds every source, a source that cannot be read is named and skipped, and the
batch can be resumed (--resume) from the state it keeps beside its first output.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from tqdm import tqdm

from ..errors import OutputError, SourceError
from .common import EXIT_INTERRUPTED, EXIT_TERMINATED, interrupt_deferred
from .video import AUTO, check_paths, workers_for

EXIT_SOURCES_FAILED = 1
FOLDER_OPTIONS = ("output", "timeline")  # one file per source in each
FILE_OPTIONS = ("csv", "jsonl", "summary")


def check_batch_options(args: argparse.Namespace, sources: tuple[str, ...]) -> None:
    """Refuse, before any work, what a batch cannot do. Raises SourceError."""
    from ..batch.naming import output_stems, possible_names
    from ..batch.naming import TIMELINE_SUFFIX

    if args.workers != AUTO and args.workers > 1 and not args.no_display:
        raise SourceError("the window shows one source at a time: add --no-display to "
                          f"analyse {args.workers} sources at once")
    for name in FOLDER_OPTIONS:
        folder = getattr(args, name)
        if folder is None:
            continue
        if folder.exists() and not folder.is_dir():
            raise SourceError(f"--{name} {folder}: with several sources --{name} names a "
                              "folder (one file per source), and this is a file")
        existing = next(p for p in (folder, *folder.absolute().parents) if p.exists())
        if not os.access(existing, os.W_OK | os.X_OK):
            raise SourceError(f"cannot write {folder}: {existing} is not writable")
    if args.resume and state_anchor(args) is None:
        raise SourceError("--resume needs an output file or folder to keep the batch's state "
                          "beside (--csv FILE, --jsonl FILE, --summary FILE, --output or "
                          "--timeline)")
    inputs = {os.path.realpath(s): s for s in sources}
    stems = output_stems(sources)
    for name in FOLDER_OPTIONS:
        folder = getattr(args, name)
        if folder is None:
            continue
        for stem, source in zip(stems, sources):
            names = possible_names(stem, source) if name == "output" else {stem + TIMELINE_SUFFIX}
            for candidate in names:
                clash = inputs.get(os.path.realpath(folder / candidate))
                if clash is not None:
                    raise SourceError(f"--{name} {folder} would replace the source {clash} "
                                      "with its annotated copy: choose another folder")


def state_anchor(args: argparse.Namespace) -> Path | None:
    """The output the batch's state is kept beside: the first output file (not a stream
    such as stdout), else the first output folder."""
    from ..files import writes_through

    for name in (*FILE_OPTIONS, *FOLDER_OPTIONS):
        path = getattr(args, name)
        if path is not None and not writes_through(path):
            return path
    return None


def manifest(args: argparse.Namespace, sources: tuple[str, ...], options: dict) -> dict:
    """What a resumed batch must share with the one it continues."""
    from ..files import sha256_file
    from ..shipped import DEFAULT_MODEL

    model = Path(args.model or DEFAULT_MODEL)
    settings = {**options, "model": os.path.realpath(model), "model_sha256": sha256_file(model)}
    outputs = {name: os.path.abspath(getattr(args, name)) for name in (*FILE_OPTIONS,
               *FOLDER_OPTIONS) if getattr(args, name) is not None}
    return {"sources": [os.path.abspath(s) for s in sources], "settings": settings,
            "outputs": outputs}


def model_class_names(model: Path | None) -> tuple[str, ...]:
    """The class names the model carries, read without TensorFlow."""
    from ..labels import EMOTIONS
    from ..model.archive import stored_class_names
    from ..shipped import DEFAULT_MODEL

    return stored_class_names(model or DEFAULT_MODEL) or EMOTIONS


def run_batch_cli(args: argparse.Namespace, listing, detector_options: dict,
                  to_stdout: bool) -> int:
    """Analyse every source of `listing`; returns the exit code: 0, 1 when a source failed,
    130/143 when interrupted. Raises what the caller turns into one line (an output that
    cannot be written, a state of another batch)."""
    from ..batch import Analyser, BatchOutputs, BatchState, Job, output_stems, run_batch
    from ..batch.naming import TIMELINE_SUFFIX
    from ..batch.state import state_folder
    from .common import sigterm_as_interrupt

    sources = listing.sources
    workers = workers_for(args, len(sources))
    if args.model is None:
        from ..shipped import DEFAULT_MODEL

        check_paths(args, DEFAULT_MODEL, sources)
    stems = output_stems(sources)
    jobs = [Job(i, source,
                args.output / stem if args.output is not None else None,
                args.timeline / (stem + TIMELINE_SUFFIX) if args.timeline is not None else None)
            for i, (source, stem) in enumerate(zip(sources, stems))]
    lines = sys.stderr if to_stdout else sys.stdout
    progress = args.no_display and sys.stderr.isatty()
    state = None
    try:
        with sigterm_as_interrupt() as sigterm, contextlib.ExitStack() as stack:
            anchor = state_anchor(args)
            if anchor is not None:
                state = BatchState.open(state_folder(anchor), manifest(args, sources,
                                                                       detector_options),
                                        args.resume)
                stack.callback(state.close)
            for name in FOLDER_OPTIONS:
                if getattr(args, name) is not None:
                    getattr(args, name).mkdir(parents=True, exist_ok=True)
            analyser = None
            if workers == 1:  # else each worker process loads the model
                with interrupt_deferred():  # TensorFlow and LiteRT load here
                    from ..runtime import configure_tensorflow

                    configure_tensorflow(quiet=not args.verbose, load=False)
                    analyser = Analyser(detector_options, display=not args.no_display,
                                        fast=args.fast)
                    analyser.detector(False)
            outputs = BatchOutputs(stack, csv=args.csv, jsonl=args.jsonl, summary=args.summary,
                                   skipped=listing.skipped)

            def deliver(outcome, resumed):
                outputs.deliver(outcome, resumed)
                if not resumed:  # above the progress bar, which is drawn again below
                    tqdm.write(outcome.line(), file=sys.stderr if outcome.failed else lines)

            report = run_batch(jobs, detector_options, deliver, workers=workers, state=state,
                               analyser=analyser, progress=progress, verbose=args.verbose)
            report.skipped = len(listing.skipped)
            outputs.finish(model_class_names(args.model))
    except BaseException as exc:
        if state is None:
            raise
        if not state.done():  # nothing to resume (a damaged model): the next run starts anew
            state.remove()
            raise
        if isinstance(exc, OutputError):  # a full disk, also as the outputs are committed
            raise OutputError(f"{exc}; the sources done are kept: run it again with --resume "
                              "once it can be written") from None
        raise
    if state is not None and (report.finished or not state.done()):
        state.remove()  # every output is in place, or there is nothing to resume
    print(report.line(resumable=state is not None and state.folder.exists()), file=lines)
    if sigterm.received:
        return EXIT_TERMINATED
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_SOURCES_FAILED if report.failed else 0
