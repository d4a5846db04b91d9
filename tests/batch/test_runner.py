"""run_batch: every source analysed once and handed on in source order, whatever order the
sources finish in; sources stored by an earlier run read back, not analysed again; a failed,
stopped or crashed source does not take the others with it.

In this process the analyser is a fake that makes an outcome from the source's name. The
tests with worker processes give those processes the same fake through a sitecustomize.py
on their PYTHONPATH (no TensorFlow, no model), which also crashes the process analysing a
source named crash*: a decoder's segfault, as far as the batch can tell.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from facial_emotion.batch import BatchReport, BatchState, Job, Outcome, run_batch
from facial_emotion.batch.runner import CRASHED
from facial_emotion.cli.common import sigterm_as_interrupt

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = {"sources": [], "settings": {}, "outputs": {}}


def fake_outcome(job: Job) -> Outcome:
    """What the fake analyser gives for a source named "<kind>_<name>": kinds fail (cannot
    be read), quit (the window's q), stop (Ctrl-C during it); anything else completes."""
    name = Path(job.source).name
    if name.startswith("fail"):
        return Outcome(job.index, job.source, error="not a readable video")
    records = [{"source": job.source, "frame": frame, "face_id": 1, "pid": os.getpid()}
               for frame in range(len(name))]
    return Outcome(job.index, job.source, records, {"source": job.source, "frames": len(name)},
                   frames=len(name), frames_with_faces=len(name), faces=len(name),
                   seconds=time.time(), quit=name.startswith("quit"),
                   interrupted=name.startswith("stop"))


class FakeAnalyser:
    """Analyses in this process; a source named ctrl-c* raises KeyboardInterrupt as Ctrl-C
    at a moment outside the frame loop would."""

    def __init__(self):
        self.report_frames = None
        self.analysed: list[int] = []

    def analyse(self, job: Job) -> Outcome:
        self.analysed.append(job.index)
        if Path(job.source).name.startswith("ctrl-c"):
            raise KeyboardInterrupt
        self.report_frames(job.index, 1)
        return fake_outcome(job)


def jobs_of(*names: str) -> list[Job]:
    return [Job(i, f"/in/{name}") for i, name in enumerate(names)]


class Delivered(list):
    """deliver(outcome, resumed), recording (index, resumed, outcome)."""

    def __call__(self, outcome: Outcome, resumed: bool) -> None:
        self.append((outcome.index, resumed, outcome))

    @property
    def order(self) -> list[tuple[int, bool]]:
        return [(index, resumed) for index, resumed, _ in self]


def run_here(jobs, state=None) -> tuple[BatchReport, Delivered, FakeAnalyser]:
    delivered, analyser = Delivered(), FakeAnalyser()
    report = run_batch(jobs, {}, delivered, state=state, analyser=analyser)
    return report, delivered, analyser


def test_every_source_is_handed_on_once_in_order(tmp_path):
    report, delivered, analyser = run_here(jobs_of("a.mp4", "fail.mp4", "bb.jpg"))
    assert delivered.order == [(0, False), (1, False), (2, False)]
    assert analyser.analysed == [0, 1, 2]
    assert [o.failed for _, _, o in delivered] == [False, True, False]
    assert (report.done, report.failed, report.frames, report.finished) == (
        2, ["/in/fail.mp4"], 5 + 6, True)


def test_a_resume_reads_stored_sources_back_in_their_place(tmp_path):
    jobs = jobs_of("a.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4")
    state = BatchState.open(tmp_path / "state", MANIFEST, resume=False)
    earlier = {i: fake_outcome(jobs[i]) for i in (1, 3)}
    for outcome in earlier.values():
        state.save(outcome)
    report, delivered, analyser = run_here(jobs, state)
    assert analyser.analysed == [0, 2, 4]  # the stored ones are not analysed again
    assert delivered.order == [(0, False), (1, True), (2, False), (3, True), (4, False)]
    assert {i: o for i, _, o in delivered if i in earlier} == earlier
    assert state.done() == {0, 1, 2, 3, 4}  # each stored before it was handed on
    assert (report.done, report.resumed, report.finished) == (5, 2, True)
    assert report.line().startswith("5 of 5 sources done (2 by an earlier run); ")
    state.close()


# (the sources, what is analysed, what is stored, the report's quit and interrupted)
STOPS = {
    "a failed source is not stored, the batch goes on": (
        ["a.mp4", "fail.mp4", "c.mp4"], [0, 1, 2], {0, 2}, (False, False)),
    "q in the window ends the batch": (
        ["a.mp4", "quit.mp4", "c.mp4"], [0, 1], {0}, (True, False)),
    "Ctrl-C in a source's frames ends the batch": (
        ["a.mp4", "stop.mp4", "c.mp4"], [0, 1], {0}, (False, True)),
    "Ctrl-C between frames ends the batch": (
        ["a.mp4", "ctrl-c.mp4", "c.mp4"], [0, 1], {0}, (False, True)),
}


@pytest.mark.parametrize("case", list(STOPS))
def test_only_complete_sources_are_stored(tmp_path, case):
    names, analysed, stored, (quit, interrupted) = STOPS[case]
    state = BatchState.open(tmp_path / "state", MANIFEST, resume=False)
    report, delivered, analyser = run_here(jobs_of(*names), state)
    assert analyser.analysed == analysed
    assert state.done() == stored
    # what was analysed is handed on, the stopped source's frames too (as for one source)
    assert [i for i, _, _ in delivered] == [i for i in analysed if "ctrl-c" not in names[i]]
    assert (report.quit, report.interrupted) == (quit, interrupted)
    assert report.finished is (len(stored) + len(report.failed) == len(names))
    state.close()


def test_sources_stored_after_a_ctrl_c_are_still_handed_on(tmp_path):
    """Outputs hold every finished source: those analysed before the interruption and those
    an earlier run stored beyond it."""
    jobs = jobs_of("a.mp4", "ctrl-c.mp4", "c.mp4")
    state = BatchState.open(tmp_path / "state", MANIFEST, resume=False)
    state.save(fake_outcome(jobs[2]))
    report, delivered, _ = run_here(jobs, state)
    assert delivered.order == [(0, False), (2, True)]
    assert report.interrupted and not report.finished
    assert report.line().endswith("(interrupted: run it again with --resume to finish)")
    state.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_source_being_stored_when_a_signal_comes_is_still_handed_on(tmp_path, monkeypatch,
                                                                     signum):
    """Ctrl-C or SIGTERM may land once the part is written, during the folder's fsync: the
    source is finished all the same, and the interrupted run's outputs must hold it."""
    state = BatchState.open(tmp_path / "state", MANIFEST, resume=False)
    save = state.save

    def save_then_signal(outcome):
        save(outcome)
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(state, "save", save_then_signal)
    with sigterm_as_interrupt() as sigterm:
        report, delivered, analyser = run_here(jobs_of("a.mp4", "b.mp4"), state)
    assert analyser.analysed == [0] and state.done() == {0}
    assert delivered.order == [(0, False)]
    assert delivered[0][2].records == fake_outcome(jobs_of("a.mp4")[0]).records
    assert report.interrupted and sigterm.received is (signum == signal.SIGTERM)
    state.close()


# (report fields, its line)
LINES = [
    (dict(sources=3, done=3, frames=30, faces=12, seconds=2.0),
     "3 of 3 sources done; 30 frames, 12 faces, 15.0 fps"),
    (dict(sources=4, done=2, failed=["a.mp4", "b.mp4"], skipped=1, frames=10, seconds=0.0),
     "2 of 4 sources done; 2 failed (a.mp4, b.mp4); 1 other files skipped; 10 frames, "
     "0 faces, 0.0 fps"),
    (dict(sources=7, failed=[f"{n}.mp4" for n in range(6)], done=1),
     "1 of 7 sources done; 6 failed (0.mp4, 1.mp4, 2.mp4, 3.mp4, 4.mp4, ...); 0 frames, "
     "0 faces, 0.0 fps"),
    (dict(sources=3, done=1, quit=True), "1 of 3 sources done; 0 frames, 0 faces, 0.0 fps "
     "(stopped: --resume finishes it)"),
]


@pytest.mark.parametrize("fields, line", LINES)
def test_the_report_line(fields, line):
    assert BatchReport(**fields).line() == line


def test_without_a_state_the_report_line_does_not_offer_resume():
    """Outputs only to stdout: nothing is kept to resume from."""
    assert BatchReport(3, done=1, interrupted=True).line(resumable=False).endswith(
        "fps (interrupted)")
    assert BatchReport(3, done=1, quit=True).line(resumable=False).endswith("fps (stopped)")


# --- worker processes -------------------------------------------------------------------------

# Imported by every Python started with its folder on PYTHONPATH: the spawned workers. A
# name "<seconds>_..." takes that long; one with "crash" in it ends the process after that,
# and one that starts with "crash" ends it before the worker has told the parent that it
# took the source (as when the message is lost with the process).
SITECUSTOMIZE = '''
import os, time
from pathlib import Path

import facial_emotion.batch.analyser as analyser
import facial_emotion.batch.runner as runner
import facial_emotion.runtime as runtime
from tests.batch.test_runner import fake_outcome

take = runner._analyse_in_worker


def analyse_in_worker(job):
    if Path(job.source).name.startswith("crash"):
        os._exit(1)
    return take(job)


def analyse(self, job):
    name = Path(job.source).name
    time.sleep(float(name.split("_")[0]) if name[0].isdigit() else 0.05)
    if "crash" in name:
        os._exit(1)
    return fake_outcome(job)


runner._analyse_in_worker = analyse_in_worker
analyser.Analyser.analyse = analyse
analyser.Analyser.detector = lambda self, still: None  # no model to load
runtime.configure_tensorflow = lambda quiet=True, load=True: None  # nor TensorFlow
'''


@pytest.fixture
def fake_workers(tmp_path, monkeypatch):
    """Worker processes started from here on analyse with the fake; a batch that has not
    ended after 30 s is stopped (the test fails rather than hangs)."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), str(ROOT)]))

    def expire(signum, frame):
        raise TimeoutError("the batch did not end within 30 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def run_in_workers(jobs, state=None) -> tuple[BatchReport, Delivered]:
    delivered = Delivered()
    return run_batch(jobs, {}, delivered, workers=2, state=state), delivered


def without_pids(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in record.items() if k != "pid"} for record in records]


@pytest.mark.slow
def test_workers_hand_on_in_source_order_what_finishes_out_of_order(fake_workers):
    # 0 takes a second; 1 and 2 finish on the other worker meanwhile
    jobs = jobs_of("1.0_a.mp4", "b.mp4", "cc.mp4")
    report, delivered = run_in_workers(jobs)
    assert delivered.order == [(0, False), (1, False), (2, False)]
    finished_at = [o.seconds for _, _, o in delivered]
    assert finished_at[1] < finished_at[0] and finished_at[2] < finished_at[0]
    pids = {o.records[0]["pid"] for _, _, o in delivered}
    assert len(pids) == 2 and os.getpid() not in pids
    assert [without_pids(o.records) for _, _, o in delivered] == [
        without_pids(fake_outcome(job).records) for job in jobs]
    assert (report.done, report.finished) == (3, True)


# The crash comes before the parent learns which source the worker took, or later.
@pytest.mark.slow
@pytest.mark.parametrize("crash", ["crash_b.mp4", "0.3_crash_b.mp4"])
def test_a_crashed_worker_fails_only_its_source(fake_workers, tmp_path, caplog, crash):
    jobs = jobs_of("0.3_a.mp4", crash, "c.mp4", "fail_d.mp4", "0.1_e.mp4")
    state = BatchState.open(tmp_path / "state", MANIFEST, resume=False)
    report, delivered = run_in_workers(jobs, state)
    assert delivered.order == [(i, False) for i in range(5)]
    errors = [o.error for _, _, o in delivered]
    assert errors == [None, CRASHED, None, "not a readable video", None]
    assert report.failed == [f"/in/{crash}", "/in/fail_d.mp4"] and report.done == 3
    assert state.done() == {0, 2, 4}
    # tried again alone before it is failed
    assert re.search(f"analysing [^\\n]*/in/{crash}[^\\n]* again one at a time", caplog.text)
    state.close()
