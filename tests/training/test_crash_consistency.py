"""A run killed at any moment resumes exactly: fault injection with a real SIGKILL.

Subprocesses resume copies of the shared one-epoch run towards 2 epochs, each killing itself
(SIGKILL, as `kill -9` or a power cut) at one write point of epoch 2's commit (tests/training/
kill_driver.py). Each test checks what its kill left, then resumes in-process and checks the
run: 2 epochs, the optimizer's step count, log rows 1-2 once each, no temporary files, and a
best model that never got worse and is the one state.json names.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from facial_emotion.cli.train import main
from facial_emotion.data import load_fer2013
from facial_emotion.evaluation import evaluate
from facial_emotion.model import load_classifier
from tests.training.conftest import STEPS, read_log, read_state, temp_files
from tests.training.kill_driver import WRITE_POINTS

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("restore_logging")]

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("kill_driver.py")
EPOCHS = 2
KILLED_IN = 2  # epoch 1 is committed, so there is a best model to protect


def kill_during_epoch(run_dir: Path, point: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
           "XDG_CACHE_HOME": str(run_dir.parent / "cache")}
    return subprocess.run(
        [sys.executable, str(DRIVER), point, str(KILLED_IN), "--",
         "--resume", "--epochs", str(EPOCHS), "--out", str(run_dir)],
        env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def killed_runs(one_epoch_run, tmp_path_factory) -> dict[str, tuple[Path, float, subprocess.CompletedProcess]]:
    """{write point: (run folder, best score before the kill, the killed process)}. The
    kills run side by side, as many at a time as there are CPU cores."""
    runs = {point: one_epoch_run.copy(tmp_path_factory.mktemp("killed") / "run")
            for point in WRITE_POINTS}
    best = read_state(one_epoch_run.folder)["best"]
    with ThreadPoolExecutor(max_workers=max(1, min(len(runs), os.cpu_count() or 1))) as pool:
        done = dict(zip(runs, pool.map(kill_during_epoch, runs.values(), runs)))
    return {point: (runs[point], best, done[point]) for point in runs}


def left_by_the_kill(run_dir: Path, point: str) -> bool:
    """Whether the run folder shows the damage this write point leaves (proof the kill hit)."""
    checkpoints = run_dir / "checkpoints"
    log_text = (run_dir / "log.csv").read_text()
    if point == "checkpoint begun":
        return [p.stat().st_size for p in checkpoints.glob(".tmp-epoch_002-*.keras")] == [0]
    if point == "checkpoint written":
        return (checkpoints / "epoch_002.keras").is_file()
    if point == "log row cut short":
        return log_text.endswith("\n2,0.12")
    if point == "log row written":
        return log_text.splitlines()[-1].startswith("2,")
    if point == "state written":
        return len(list(run_dir.glob(".tmp-state-*.json"))) == 1
    return read_state(run_dir)["epochs_done"] == KILLED_IN  # "state replaced"


# The kill commits epoch 2 only once state.json is replaced.
@pytest.mark.parametrize("point, committed", [
    (point, KILLED_IN if point == "state replaced" else KILLED_IN - 1) for point in WRITE_POINTS])
def test_a_kill_at_any_write_point_resumes_exactly(killed_runs, one_epoch_run, point, committed):
    run_dir, best_before, killed = killed_runs[point]

    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert left_by_the_kill(run_dir, point)
    assert read_state(run_dir)["epochs_done"] == committed

    # The stale lock of the killed process does not block, and the resume is clean.
    assert main(["--resume", "--out", str(run_dir)]) == 0

    state = read_state(run_dir)
    assert state["epochs_done"] == EPOCHS
    last = load_classifier(run_dir / "checkpoints" / f"epoch_{EPOCHS:03d}.keras", compile=True)
    assert int(last.optimizer.iterations) == EPOCHS * STEPS
    log = read_log(run_dir)
    assert [row["epoch"] for row in log] == [str(n) for n in range(1, EPOCHS + 1)]
    assert temp_files(run_dir) == []
    assert {p.name for p in (run_dir / "checkpoints").iterdir()} == {
        f"epoch_{EPOCHS:03d}.keras", f"epoch_{state['best_epoch']:03d}.keras"}

    # The best model never got worse, is the best epoch of the log, and is the file named.
    scores = [float(row["val_accuracy"]) for row in log]
    assert state["best"] >= best_before
    assert state["best"] == pytest.approx(max(scores), abs=1e-5)
    assert state["best_epoch"] == 1 + scores.index(max(scores))
    best = load_classifier(run_dir / "checkpoints" / f"epoch_{state['best_epoch']:03d}.keras")
    public_test = load_fer2013(one_epoch_run.data).val
    assert evaluate(best, public_test).accuracy == pytest.approx(state["best"], abs=1e-6)
