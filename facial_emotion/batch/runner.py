"""Running a batch: every source analysed once, here or in worker processes, and every
outcome handed on in source order, whatever order the sources finish in.

With `workers` > 1 each worker process loads the model once and takes the next source when
it finishes one. Outcomes reach `deliver` in source order, so the records written are the
same for any number of workers. With a `BatchState`, each source analysed to its end is
stored before it is handed on, and sources stored by an earlier run are read back instead
of analysed again (--resume).

A source that cannot be read becomes a failed outcome and the batch goes on. A worker that
dies (a crash in a decoder) fails its source alone: the sources it may have been on are
analysed again one at a time, and only the one that kills its process again is failed.
An output that cannot be written (OutputError: a full disk) stops the batch; Ctrl-C and
SIGTERM stop it too, after the outcomes already finished are handed on.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from .analyser import Analyser, Job
from .outcome import Outcome
from .progress import BatchProgress
from .state import BatchState

log = logging.getLogger(__name__)

CRASHED = "the process analysing it stopped unexpectedly (a crash while decoding it?)"


@dataclass
class BatchReport:
    """What a batch did, for its last line and exit code."""

    sources: int
    skipped: int = 0
    done: int = 0      # analysed to their end, in this run or (resumed) an earlier one
    resumed: int = 0
    failed: list[str] = field(default_factory=list)
    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    quit: bool = False

    def add(self, outcome: Outcome, resumed: bool = False) -> None:
        if outcome.failed:
            self.failed.append(outcome.source)
            return
        self.done += outcome.complete
        self.resumed += resumed
        self.frames += outcome.frames
        self.faces += outcome.faces

    @property
    def finished(self) -> bool:
        """Every source was tried (none left for --resume)."""
        return self.done + len(self.failed) == self.sources

    def line(self, resumable: bool = True) -> str:
        """resumable: the batch keeps a state that --resume continues from."""
        parts = [f"{self.done} of {self.sources} sources done"
                 + (f" ({self.resumed} by an earlier run)" if self.resumed else "")]
        if self.failed:
            shown = ", ".join(self.failed[:5]) + (", ..." if len(self.failed) > 5 else "")
            parts.append(f"{len(self.failed)} failed ({shown})")
        if self.skipped:
            parts.append(f"{self.skipped} other files skipped")
        fps = self.frames / self.seconds if self.seconds > 0 else 0.0
        line = "; ".join(parts) + f"; {self.frames} frames, {self.faces} faces, {fps:.1f} fps"
        if not self.finished and self.interrupted:
            line += (" (interrupted: run it again with --resume to finish)" if resumable
                     else " (interrupted)")
        elif not self.finished and self.quit:
            line += " (stopped: --resume finishes it)" if resumable else " (stopped)"
        return line


class _InOrder:
    """Hands outcomes to `deliver(outcome, resumed)` in source order. An outcome stored in
    the batch state waits as its index only, and is read back when its turn comes, so a
    long source holding up the order does not keep the records of those after it in
    memory."""

    def __init__(self, jobs: list[Job], deliver, state: BatchState | None):
        self.order = [job.index for job in jobs]
        self.deliver, self.state = deliver, state
        self.waiting: dict[int, tuple[Outcome | None, bool]] = {}
        self.position = 0

    def add(self, index: int, outcome: Outcome | None, resumed: bool = False) -> None:
        """outcome None: read it from the state when its turn comes."""
        self.waiting[index] = (outcome, resumed)
        while self.position < len(self.order) and self.order[self.position] in self.waiting:
            self._hand_on(self.order[self.position])
            self.position += 1

    def flush(self) -> None:
        """Hand on what is waiting, in order, past the sources never finished."""
        for index in self.order[self.position:]:
            if index in self.waiting:
                self._hand_on(index)
        self.position = len(self.order)

    def _hand_on(self, index: int) -> None:
        outcome, resumed = self.waiting.pop(index)
        self.deliver(outcome if outcome is not None else self.state.load(index), resumed)


def run_batch(jobs: list[Job], detector_options: dict, deliver, *, workers: int = 1,
              state: BatchState | None = None, analyser: Analyser | None = None,
              progress: bool = False, verbose: bool = False,
              clock=time.perf_counter) -> BatchReport:
    """Analyse every job and call `deliver(outcome, resumed)` for each, in job order.

    analyser: the one to use with workers=1 (one made from `detector_options` if None);
    the caller makes it to load the model at a moment of its choosing or to show a window.
    progress: draw a progress bar. Returns the report; raises OutputError (and whatever
    `deliver` raises) after handing on what was finished.
    """
    report = BatchReport(len(jobs))
    stored = state.done() if state is not None else set()
    bar = BatchProgress(len(jobs), len(stored & {job.index for job in jobs}), progress)

    def hand_on(outcome: Outcome, resumed: bool) -> None:
        report.add(outcome, resumed)
        deliver(outcome, resumed)

    order = _InOrder(jobs, hand_on, state)
    todo = []
    for job in jobs:
        if job.index in stored:
            order.add(job.index, None, resumed=True)
        else:
            todo.append(job)

    def finished(outcome: Outcome) -> None:
        with _signals_held():  # a finished source is stored and handed on whole
            if outcome.complete and state is not None:
                state.save(outcome)  # first: once handed on, it is never analysed again
                order.add(outcome.index, None)
            else:
                order.add(outcome.index, outcome)
        if outcome.complete or outcome.failed:
            bar.source_done()

    started = clock()
    try:
        if workers == 1:
            analyser = analyser or Analyser(detector_options, report_frames=bar.frames)
            if analyser.report_frames is None:
                analyser.report_frames = bar.frames
            for job in todo:
                outcome = analyser.analyse(job)
                finished(outcome)
                if outcome.quit or outcome.interrupted:
                    report.quit, report.interrupted = outcome.quit, outcome.interrupted
                    break
        else:
            _in_workers(todo, detector_options, workers, finished, bar, verbose)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        report.seconds = clock() - started
        bar.close()
    order.flush()
    return report


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM that come while the block runs take effect when it ends. Without
    this a signal landing while a finished source is stored (an fsync takes a while) or its
    records written left it out of the interrupted run's outputs, or left no --csv at all.
    Only the main thread takes signals; elsewhere nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: received.append(signum))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
    for signum in dict.fromkeys(received):
        signal.raise_signal(signum)  # to the handler the block held it from


# --- worker processes --------------------------------------------------------------------------

_analyser: Analyser | None = None
_setup_error: BaseException | None = None
_events = None


def _init_worker(detector_options: dict, parent_pid: int, verbose: bool, events) -> None:
    """Set a worker process up: the parent handles Ctrl-C and stops the workers, a worker
    whose parent is gone (kill -9) ends itself, and the model is loaded once. An error here
    (a damaged model) is raised by the worker's first job, so the parent reports it."""
    global _analyser, _setup_error, _events
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # tqdm's own lock is a multiprocessing one, which a worker ended by SIGTERM or a crash
    # leaves registered: the resource tracker then warns of a "leaked semaphore" on stderr.
    # A worker draws no bar, so a thread lock will do.
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
    _events = events
    threading.Thread(target=_end_with_parent, args=(parent_pid,), daemon=True).start()
    try:
        from ..cli.common import setup_logging
        from ..runtime import configure_opencv, configure_tensorflow

        setup_logging(verbose)
        configure_opencv(quiet=not verbose)
        configure_tensorflow(quiet=not verbose, load=False)
        _analyser = Analyser(detector_options,
                             report_frames=lambda index, n: events.put(("frames", index, n)))
        _analyser.detector(False)
    except BaseException as exc:  # noqa: BLE001 - handed to the parent with the first job
        _setup_error = exc


def _end_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


def _analyse_in_worker(job: Job) -> Outcome:
    if _setup_error is not None:
        raise _setup_error
    _events.put(("start", job.index, os.getpid()))
    return _analyser.analyse(job)


def _in_workers(todo: list[Job], detector_options: dict, workers: int, finished,
                bar: BatchProgress, verbose: bool) -> None:
    """Analyse `todo` in `workers` processes. After a worker dies, the sources that were
    being analysed are run again one at a time, each alone in a fresh process, and only a
    source whose process dies again is failed."""
    context = multiprocessing.get_context("spawn")  # TensorFlow is not fork-safe
    # A SimpleQueue writes in the caller's thread: a worker that crashes right after saying
    # which source it starts has said it (a Queue's feeder thread may not have sent it).
    events = context.SimpleQueue()
    pending, suspects = list(todo), []
    while pending or suspects:
        alone = bool(suspects)
        jobs = [suspects.pop(0)] if alone else pending
        running: dict[int, int] = {}  # pid -> job index
        with _ctrl_c_ignored_by_children():
            pool = ProcessPoolExecutor(1 if alone else min(workers, len(jobs)), context,
                                       initializer=_init_worker,
                                       initargs=(detector_options, os.getpid(), verbose, events))
            futures = {pool.submit(_analyse_in_worker, job): job for job in jobs}
        done_here: set[int] = set()
        try:
            broken = False
            while len(done_here) < len(jobs) and not broken:
                ready, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(events, running, bar)
                for future in ready:
                    job = futures.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:  # every job not yet done ends so
                        broken = True
                        continue
                    done_here.add(job.index)
                    finished(outcome)
            pool.shutdown(wait=True)
        except BaseException:
            _stop(pool)
            raise
        if alone:
            if not done_here:
                finished(Outcome(jobs[0].index, jobs[0].source, error=CRASHED))
            continue
        _drain(events, running, bar)
        left = [job for job in jobs if job.index not in done_here]
        on_it = set(running.values())
        suspects = [job for job in left if job.index in on_it]
        if left and not suspects:
            # No start was heard from the dead process (it died before its first source):
            # the first source left is the one it took, as workers take sources in order, so
            # it is tried alone. Without this the batch could run forever.
            suspects = left[:1]
        pending = [job for job in left if job not in suspects]
        if suspects:
            log.warning("a worker process stopped unexpectedly; analysing %s again one at "
                        "a time", ", ".join(job.source for job in suspects))


@contextlib.contextmanager
def _ctrl_c_ignored_by_children():
    """Start worker processes with SIGINT ignored from their first instruction (an ignored
    signal stays ignored across exec, and Python then leaves it so): a Ctrl-C while they
    import TensorFlow would otherwise print a traceback from each. The parent stops them.
    Submitting the jobs starts the processes (a spawn pool starts one per job submitted,
    up to its size), so the block covers both."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    # A Ctrl-C in the few milliseconds of the block is lost; the next one stops the batch.


def _drain(events, running: dict[int, int], bar: BatchProgress) -> None:
    while not events.empty():
        kind, index, value = events.get()
        if kind == "start":
            running[value] = index
        else:
            bar.frames(index, value)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers now (Ctrl-C, an error): their sources are analysed again on resume."""
    for process in list((pool._processes or {}).values()):  # no public way to end them
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
