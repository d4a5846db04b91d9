"""Ctrl-C while training: one line, exit 130, and the run folder as the last commit left it.

KeyboardInterrupt is raised from a patched function at the moment under test, in-process,
while a copy of the shared one-epoch run is resumed towards epoch 2.
"""

from __future__ import annotations

import pytest

import facial_emotion.files
from facial_emotion.cli.train import main
from facial_emotion.training.checkpoints import STATE_FILE
from facial_emotion.training.progress import EpochProgress
from tests.training.conftest import read_state, temp_files

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("restore_logging")]


@pytest.fixture(autouse=True)
def quiet_onednn_notice(monkeypatch):
    """Set the oneDNN cap the CLI would announce on an AVX-512 CPU, so stderr holds only
    the lines under test."""
    from facial_emotion.runtime import cpu_flags

    if "avx512f" in cpu_flags():
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")


def snapshot(run_dir) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in run_dir.rglob("*")
            if p.is_file() and p.name != ".lock"}


def interrupt_mid_epoch(monkeypatch):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(EpochProgress, "on_train_batch_end", on_train_batch_end)


def interrupt_in_checkpoint_save(monkeypatch):
    import keras

    def save(model, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"PK half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save", save)


def interrupt_after_commit(monkeypatch):
    replace = facial_emotion.files.os.replace

    def replace_then_interrupt(src, dst):
        replace(src, dst)
        if str(dst).endswith(STATE_FILE):
            raise KeyboardInterrupt

    monkeypatch.setattr(facial_emotion.files.os, "replace", replace_then_interrupt)


# (where Ctrl-C comes, the epoch committed afterwards)
@pytest.mark.parametrize("interrupt, committed", [
    pytest.param(interrupt_mid_epoch, 1, id="mid-epoch"),
    pytest.param(interrupt_in_checkpoint_save, 1, id="while saving the checkpoint"),
    pytest.param(interrupt_after_commit, 2, id="just after the commit"),
])
def test_ctrl_c_keeps_the_last_committed_epoch(one_epoch_run, tmp_path, capsys, monkeypatch,
                                               interrupt, committed):
    run_dir = one_epoch_run.copy(tmp_path / "run")
    before = snapshot(run_dir)
    interrupt(monkeypatch)

    assert main(["--resume", "--epochs", "2", "--out", str(run_dir)]) == 130

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (f"interrupted: epoch {committed} is the last one saved in "
                                    f"{run_dir}; continue with --resume")
    assert read_state(run_dir)["epochs_done"] == committed
    assert temp_files(run_dir) == []
    if committed == 1:  # nothing of epoch 2 was kept: no mid-epoch weights under a full epoch
        after = snapshot(run_dir)
        after.pop("config.json")  # now says 2 epochs, as asked
        before.pop("config.json")
        assert after == before


@pytest.mark.parametrize("resume", [False, True], ids=["new run", "resume"])
def test_ctrl_c_during_start_up_is_one_line(one_epoch_run, tmp_path, capsys, monkeypatch,
                                            resume):
    import facial_emotion.training.trainer as trainer

    def load_fer2013(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "load_fer2013", load_fer2013)
    if resume:
        run_dir = one_epoch_run.copy(tmp_path / "run")
        argv = ["--resume", "--epochs", "2", "--out", str(run_dir)]  # not finished: loads data
    else:
        run_dir = tmp_path / "run"
        argv = ["--data", str(one_epoch_run.data), "--out", str(run_dir)]
    before = snapshot(run_dir) if resume else {}

    assert main(argv) == 130

    assert capsys.readouterr().err.splitlines() == ["train_emotion_classifier.py: interrupted"]
    assert snapshot(run_dir) == before


def signal_mid_epoch(monkeypatch, signum):
    """The signal arrives, as from the keyboard or `kill`, while batch 1 of epoch 2 ends."""
    import os

    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(EpochProgress, "on_train_batch_end", on_train_batch_end)


# (the signal, what the stop line names, the exit code)
@pytest.mark.parametrize("signum, name, code", [
    (2, "Ctrl-C", 130),    # SIGINT
    (15, "SIGTERM", 143),
], ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_is_answered_at_once_and_the_step_finishes(one_epoch_run, tmp_path, capsys,
                                                            monkeypatch, signum, name, code):
    import signal

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    run_dir = one_epoch_run.copy(tmp_path / "run")
    signal_mid_epoch(monkeypatch, signum)

    assert main(["--resume", "--epochs", "2", "--out", str(run_dir)]) == code

    lines = capsys.readouterr().err.splitlines()
    assert "Traceback" not in "\n".join(lines)
    [stopping] = [line for line in lines if "stopping after the current step" in line]
    assert stopping.startswith(f"{name}: ") and "press Ctrl-C again to stop now" in stopping
    assert lines[-1] == (f"interrupted: epoch 1 is the last one saved in {run_dir}; "
                         f"continue with --resume")
    assert read_state(run_dir)["epochs_done"] == 1
    assert temp_files(run_dir) == []
    assert {s: signal.getsignal(s) for s in handlers} == handlers  # put back


def test_sigterm_during_start_up_is_one_line_and_exit_143(one_epoch_run, tmp_path, capsys,
                                                          monkeypatch):
    import facial_emotion.training.trainer as trainer
    from facial_emotion.errors import Terminated

    def load_fer2013(*args, **kwargs):
        raise Terminated

    monkeypatch.setattr(trainer, "load_fer2013", load_fer2013)
    run_dir = tmp_path / "run"
    assert main(["--data", str(one_epoch_run.data), "--out", str(run_dir)]) == 143
    assert capsys.readouterr().err.splitlines() == ["train_emotion_classifier.py: terminated"]
    assert not run_dir.exists()
