"""`python real_time_video.py`: emotions of every face, live from a webcam or a network
camera, or from a video or an image."""

from __future__ import annotations

import argparse
import contextlib
import inspect
import logging
import os
import sys
from pathlib import Path

from ..errors import ModelError, SourceError
from .common import (EXIT_INTERRUPTED, EXIT_TERMINATED, ArgumentParser, fraction,
                     interrupt_deferred, non_negative, one_line_errors, positive, setup_logging,
                     sigterm_as_interrupt)

PROG = "real_time_video.py"
log = logging.getLogger(__name__)


AUTO = "auto"


def workers_count(text: str) -> int | str:
    """argparse type for --workers: a number above 0, or auto."""
    if text == AUTO:
        return AUTO
    return positive(int)(text)


def workers_for(args: argparse.Namespace, sources: int) -> int:
    """--workers as a number: auto is one per CPU core this process may use, no more than
    the sources, and 1 with the window (which shows one source at a time)."""
    if args.workers != AUTO:
        return args.workers
    if not args.no_display:
        return 1
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")  # Linux
             else os.cpu_count() or 1)
    return max(1, min(cores, sources))


def detect_width(text: str) -> int:
    """argparse type for --detect-width: 0 (full size) or a width the finder accepts."""
    from ..detection.face_finder import MIN_DETECT_WIDTH

    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not (value == 0 or value >= MIN_DETECT_WIDTH):
        got = repr(text) if value is None else text
        raise argparse.ArgumentTypeError(
            f"expected 0 (full size) or at least {MIN_DETECT_WIDTH}, got {got}")
    return value


STDOUT = Path("/dev/stdout")


def output_path(text: str) -> Path:
    """argparse type for a text output: a file name, or "-" for stdout."""
    return STDOUT if text == "-" else Path(text)


def is_stdout(path: os.PathLike) -> bool:
    """Whether writing `path` writes where print() does (/dev/stdout, or the very file or
    pipe that stdout is)."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):  # not there yet, or stdout has no file descriptor
        return Path(path) == STDOUT


class _HelpFormatter(argparse.HelpFormatter):
    """Appends "(default X)" to the help of options whose default is a value."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
            return f"{text} (default %(default)s)"
        return text


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    # Face finding's defaults are read from the detector (light to import), so that each
    # lives in one place.
    from ..detection.detector import EmotionDetector
    from ..detection.face_finder import FACE_FINDERS, IMAGE_DETECT_WIDTH, VIDEO_DETECT_WIDTH
    from ..video.streams import RECONNECT_S

    default = {name: parameter.default
               for name, parameter in inspect.signature(EmotionDetector).parameters.items()}
    p = ArgumentParser(prog=prog, formatter_class=_HelpFormatter, description=(
        "Find every face (YuNet, Haar cascade or MTCNN), classify its emotion with "
        "Mini-Xception, and show, save or export the result. Keys in the window: q or Esc "
        "quit; type a face's "
        "id (the #N on screen) to show its bars; 0 goes back to the largest face."))
    p.add_argument("--source", nargs="+", default=["0"], metavar="SOURCE",
                   help="webcam index, network camera URL (rtsp://, rtsps://, http://, "
                        "https://), video or image file, folder of them, or quoted glob "
                        "(\"clips/*.mp4\"); several files, a folder or a glob make a batch, "
                        "whose --output and --timeline name folders (default 0, the first "
                        "webcam)")
    p.add_argument("--recursive", action="store_true",
                   help="a folder's subfolders too")
    p.add_argument("--workers", type=workers_count, default=AUTO, metavar="N",
                   help="analyse N sources of a batch at once, each in its own process "
                        "(with --no-display); auto is one per CPU core (measured: 2 on 2 "
                        "cores analysed clips 1.5x as fast as 1, 3 were slower than 2), and "
                        "1 with the window")
    p.add_argument("--resume", action="store_true",
                   help="continue a batch that was stopped (Ctrl-C, kill, a crash, a full "
                        "disk) with the same options: the sources it finished are not "
                        "analysed again")
    # The default is streams.RECONNECT_S (30 s), where the reason for it is kept too.
    p.add_argument("--reconnect", type=non_negative(float), default=RECONNECT_S, metavar="S",
                   help="for a network camera: how long to keep reopening a stream that "
                        "stalled or dropped, long enough to ride out a Wi-Fi blip or a camera "
                        "restarting its stream; then the run ends normally (exit 0, outputs "
                        "written) with one line that says why; 0 ends it at the first drop")
    p.add_argument("--model", type=Path, metavar="FILE",
                   help="saved classifier (.keras); default models/emotion_mini_xception.keras")
    p.add_argument("--cascade", metavar="XML",
                   help="Haar cascade XML for --detector haar: a path, or a file name in "
                        "haarcascade_files/ or OpenCV's cascades; default the frontal-face "
                        "cascade")
    p.add_argument("--no-display", action="store_true",
                   help="no window: run headless, as fast as it goes, e.g. to write --output "
                        "or --csv")
    p.add_argument("--fast", action="store_true",
                   help="show a video file in the window as fast as it is processed, not at "
                        "its own pace")
    p.add_argument("--verbose", action="store_true",
                   help="show TensorFlow's, OpenCV's and FFmpeg's own log lines, and debug "
                        "messages")

    out = p.add_argument_group(
        "outputs", "Each is written under a temporary name beside it and renamed when the run "
        "ends; after an error none is left half-written, and Ctrl-C keeps what was done. An "
        "output may not be an input (the source, the model) or another output.")
    out.add_argument("--output", type=Path, metavar="FILE",
                     help="annotated video (.mp4, .avi, ...; same frame count and fps as the "
                          "input) or, for an image source, annotated image")
    out.add_argument("--csv", type=output_path, metavar="FILE",
                     help="one row per face per frame: frame, time_s, face_id, box, the "
                          "probabilities, the top emotion; - streams the rows to stdout "
                          "(the summary line then goes to stderr)")
    out.add_argument("--jsonl", type=output_path, metavar="FILE",
                     help="the same records as JSON lines; - for stdout")
    out.add_argument("--timeline", type=Path, metavar="FILE",
                     help="picture (.png, .pdf, .svg) of each face's emotions over time: one "
                          "panel per face id, seconds across")
    out.add_argument("--summary", type=output_path, metavar="FILE",
                     help="JSON: per face id, the frames it was seen in, its mean "
                          "probabilities and its dominant emotion; - for stdout")

    det = p.add_argument_group("finding and tracking faces")
    det.add_argument("--detector", choices=FACE_FINDERS, default=default["detector"],
                     help="face finder: yunet (OpenCV's YuNet: the fastest, finds tilted "
                          "heads and hardly any false faces, and crops each face with its eyes "
                          "levelled as in FER2013), haar (the paper's Haar cascade: upright "
                          "faces only, more false faces) or mtcnn (needs the mtcnn package; "
                          "landmarks too; several times slower)")
    det.add_argument("--detect-width", type=detect_width, metavar="PX",
                     help=f"frames are shrunk to this width to find faces, 0 for full size; "
                          f"lower is faster but misses small faces (default "
                          f"{VIDEO_DETECT_WIDTH} for video, {IMAGE_DETECT_WIDTH} for a still "
                          f"image)")
    det.add_argument("--full-scan-every", type=positive(int), metavar="N",
                     default=default["full_scan_every"],
                     help="scan the whole frame every N frames, and in between only near the "
                          "faces followed; 1 finds a face entering the picture at once, "
                          "higher is faster")
    det.add_argument("--min-neighbors", type=non_negative(int), metavar="N",
                     default=default["min_neighbors"],
                     help="Haar votes a face needs (--detector haar); higher gives fewer "
                          "false faces but misses more")
    det.add_argument("--no-track", action="store_true",
                     help="no face ids (faces cannot be selected), no confirmation of new "
                          "faces and no smoothing")
    det.add_argument("--smoothing", type=fraction, metavar="F", default=default["smoothing"],
                     help="0 turns smoothing off; towards 1 labels are steadier but slower "
                          "to change")
    det.add_argument("--no-flip", action="store_true",
                     help="classify each face as it is, not averaged with its mirror image "
                          "(less classifier work, slightly less accurate)")
    return p


OUTPUT_OPTIONS = ("output", "csv", "jsonl", "timeline", "summary")
FOLDER_OPTIONS = ("output", "timeline")  # with several sources: one file per source in them
# Suffixes that name another format than the option writes: `--csv rows.json` would leave CSV
# in a file that every other tool reads as JSON.
OTHER_FORMATS = {"csv": (".json", ".jsonl", ".ndjson"), "jsonl": (".csv", ".tsv"),
                 "summary": (".csv", ".tsv", ".jsonl")}
WRITES = {"csv": "CSV", "jsonl": "JSON lines", "summary": "one JSON document"}


def is_camera(source: str) -> bool:
    return source.isdigit()


def source_name(source: str) -> str:
    """The source as titles and the summary name it; a stream's password hidden."""
    from ..video.streams import is_stream, masked

    if is_stream(source):
        return masked(source)
    return f"camera {source}" if is_camera(source) else Path(source).name


def check_options(args: argparse.Namespace):
    """What can be checked before TensorFlow loads, which takes seconds: the sources exist
    (a folder or glob gives files), each output can be created and has a suffix of its
    format, a given --model exists, the face finder can be made (YuNet's model file intact),
    and no output is an input. Returns the SourceList; for one source, `args.source` becomes
    its name. Raises SourceError, ModelError or ValueError."""
    from ..detection.face_finder import check_finder
    from ..video.outputs import checked_target
    from ..video.sources import check_source

    from ..batch import expand_sources

    # Files in the output folders are outputs, not sources, should a folder hold them.
    listing = expand_sources(args.source, args.recursive, exclude=(args.output, args.timeline))
    if not listing.batch:
        args.source = listing.sources[0]
        check_source(args.source)
        if args.resume:
            raise SourceError("--resume continues a batch (several sources, a folder or a "
                              "glob); one source is analysed from its start")
        if args.workers not in (AUTO, 1):
            raise SourceError(f"--workers {args.workers} analyses several sources at once; "
                              "give several, a folder or a glob")
    check_finder(args.detector, args.cascade)
    for name in OUTPUT_OPTIONS:
        path = getattr(args, name)
        if path is None or (listing.batch and name in FOLDER_OPTIONS):
            continue  # a batch's folders are checked by check_batch_options
        checked_target(path)
        if path.suffix.lower() in OTHER_FORMATS.get(name, ()):
            raise SourceError(f"--{name} {path}: {path.suffix} names another format, but "
                              f"--{name} writes {WRITES[name]}: choose a name that says so")
    if args.model is not None and not args.model.is_file():
        raise ModelError(f"model file not found: {args.model}")
    if listing.batch:
        from .batch import check_batch_options

        check_batch_options(args, listing.sources)
    check_paths(args, None, listing.sources)
    return listing


def check_paths(args: argparse.Namespace, default_model: Path | None,
                sources: tuple[str, ...] | None = None) -> None:
    """Refuse before anything is written: an output that is an input or another output.
    default_model: the model used without --model; None leaves it out of the check.
    sources: every source of a batch (default: args.source), whose output folders
    check_batch_options checks.

    Every input counts by the file it resolves to, however it was named: the cascade found
    by name in haarcascade_files/ or OpenCV's own folder, or left at its default, is
    protected as much as one given by path; so is the YuNet model shipped in the package.
    """
    from ..detection import yunet_finder
    from ..detection.face_finder import resolve_cascade
    from ..video.streams import is_stream

    sources = [args.source] if sources is None else sources
    batch = len(sources) > 1 or sources[0] != args.source
    model = args.model or default_model
    inputs = {f"the source {s}" if batch else "the source": Path(s)
              for s in sources if not (is_camera(s) or is_stream(s))}
    if model is not None:
        inputs["--model"] = model
    with contextlib.suppress(ModelError):  # none found: the face finder says so, and where
        inputs["--cascade"] = resolve_cascade(args.cascade)
    inputs["YuNet's model"] = yunet_finder.MODEL_FILE
    from ..video import check_distinct

    check_distinct({f"--{name}": getattr(args, name) for name in OUTPUT_OPTIONS
                    if getattr(args, name) is not None
                    and not (batch and name in FOLDER_OPTIONS)}, inputs)


def detector_options(args: argparse.Namespace) -> dict:
    """EmotionDetector's options from the command line, with `detect_width` as given
    (None: the default for video or for a still, chosen per source)."""
    return {"model": None if args.model is None else str(args.model), "cascade": args.cascade,
            "detector": args.detector, "detect_width": args.detect_width,
            "min_neighbors": args.min_neighbors, "track": not args.no_track,
            "smoothing": args.smoothing, "full_scan_every": args.full_scan_every,
            "flip": not args.no_flip}


def make_sinks(args, source, class_names, stack: contextlib.ExitStack) -> list:
    """The sinks the options ask for, entered into `stack` one by one, so that an error in a
    later one still discards the files of those made before it. The window comes last."""
    from ..video import (CsvSink, ImageFileSink, JsonlSink, SummarySink, TimelineSink,
                         VideoFileSink, WindowSink)
    from ..video.sinks import FOURCC
    from ..video.streams import masked

    info, name = source.info, source_name(args.source)
    sinks = []

    def add(sink):
        sinks.append(stack.enter_context(sink))

    if args.output:
        still = info.is_image and args.output.suffix.lower() not in FOURCC
        add(ImageFileSink(args.output) if still else VideoFileSink(args.output, info))
    if args.csv:
        add(CsvSink(args.csv, class_names, source=masked(str(args.source))))
    if args.jsonl:
        add(JsonlSink(args.jsonl, source=masked(str(args.source))))
    if args.timeline:
        add(TimelineSink(args.timeline, class_names, title=name))
    if args.summary:
        add(SummarySink(args.summary, class_names, source=masked(str(args.source))))
    if not args.no_display:
        # A file plays at its own pace, like in a video player; a camera paces itself.
        add(WindowSink(f"{name} - facial emotion", (info.width, info.height),
                       still=info.is_image, pace=not (args.fast or info.live)))
    return sinks


@one_line_errors(PROG)
def main(argv=None, prog: str = PROG) -> int:
    from ..runtime import quiet_native_logs, show_native_logs

    quiet_native_logs()  # before the parser imports OpenCV, which reads its level on import
    args = build_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    if args.verbose:
        show_native_logs()
    listing = check_options(args)  # before any heavy import: a typo is reported at once
    if not args.no_display:
        from ..video.window import window_unavailable

        reason = window_unavailable()
        if reason:  # before anything is written: OpenCV would abort the process (exit 134)
            raise SourceError(f"cannot open a window: {reason}; use --no-display to run "
                              "without one (with --output or --csv to keep the results)")
    from ..runtime import configure_opencv, configure_tensorflow
    from ..video import FrameSource, run

    configure_opencv(quiet=not args.verbose)
    # Rows streamed to stdout must not be mixed with the summary line.
    to_stdout = any(is_stdout(getattr(args, name)) for name in OUTPUT_OPTIONS
                    if getattr(args, name) is not None)
    options = detector_options(args)
    if listing.batch:
        from .batch import run_batch_cli

        return run_batch_cli(args, listing, options, to_stdout)
    with sigterm_as_interrupt() as sigterm, contextlib.ExitStack() as stack:
        # Opened before TensorFlow loads, so an unreadable file or a missing camera is
        # reported at once.
        source = stack.enter_context(FrameSource(args.source, reconnect_s=args.reconnect))
        with interrupt_deferred():  # TensorFlow and LiteRT load here
            configure_tensorflow(quiet=not args.verbose, load=False)
            from ..annotators import default_annotators
            from ..detection import EmotionDetector, detect_width_for
            from ..shipped import DEFAULT_MODEL

            if args.model is None:
                check_paths(args, DEFAULT_MODEL)
            annotators = default_annotators()
            still = source.info.is_image
            override = options.pop("detect_width")
            detector = EmotionDetector(**options, still=still,
                                       detect_width=detect_width_for(still, override))
        sinks = make_sinks(args, source, detector.class_names, stack)
        info = source.info
        progress = (args.no_display and not info.live and not info.is_image
                    and sys.stderr.isatty())
        summary = run(source, detector.detect, annotators, sinks, progress=progress)
    print(summary.line(), file=sys.stderr if to_stdout else sys.stdout)
    if sigterm.received:
        return EXIT_TERMINATED
    return EXIT_INTERRUPTED if summary.interrupted else 0


if __name__ == "__main__":
    raise SystemExit(main())
