"""RunCheckpoints without training: reading state.json, and clearing what a kill left."""

from __future__ import annotations

import json

import pytest

from facial_emotion.errors import RunError
from facial_emotion.files import temp_prefix
from facial_emotion.training.checkpoints import LOG_FIELDS, RunCheckpoints
from tests.processes import dead_pid

HEADER = ",".join(LOG_FIELDS)


def row(epoch) -> str:
    return f"{epoch},0.5,1.2,0.4,1.3,0.01"


def make_run(folder, epochs_done: int = 2, best_epoch: int = 1, files=(1, 2), log: str = "",
             snapshot_after=None) -> RunCheckpoints:
    checkpoints = RunCheckpoints(folder, snapshot_after=snapshot_after)
    (folder / "checkpoints").mkdir(parents=True)
    for n in files:
        checkpoints.epoch_path(n).write_bytes(b"model")
    (folder / "state.json").write_text(json.dumps(
        {"epochs_done": epochs_done, "best": 0.5, "best_epoch": best_epoch,
         "monitor": "val_accuracy", "seconds": 3.0, "data_sha256": "ab" * 32}))
    if log is not None:
        (folder / "log.csv").write_text(log)
    return checkpoints


def test_read_state_loads_the_commit(tmp_path):
    checkpoints = make_run(tmp_path)
    checkpoints.read_state()
    assert (checkpoints.epochs_done, checkpoints.best_epoch, checkpoints.best) == (2, 1, 0.5)
    assert (checkpoints.seconds, checkpoints.data_hash) == (3.0, "ab" * 32)


def test_read_state_clears_uncommitted_files(tmp_path):
    checkpoints = make_run(tmp_path, files=(1, 2, 3))
    killed = dead_pid()
    (tmp_path / "checkpoints" / f"{temp_prefix('epoch_003', killed)}abcd1234.keras").write_bytes(
        b"")  # kill -9 in a save
    (tmp_path / f"{temp_prefix('state', killed)}abcd1234.json").write_text("{")
    checkpoints.read_state()
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "epoch_001.keras", "epoch_002.keras"]
    assert not list(tmp_path.glob(".tmp-*"))


# (log.csv before, log.csv after a resume at epoch 2)
@pytest.mark.parametrize("before, after", [
    pytest.param(f"{HEADER}\n{row(1)}\n{row(2)}\n", f"{HEADER}\n{row(1)}\n{row(2)}\n", id="clean"),
    pytest.param(f"{HEADER}\n{row(1)}\n{row(2)}\n{row(3)}\n", f"{HEADER}\n{row(1)}\n{row(2)}\n",
                 id="a row past the commit"),
    pytest.param(f"{HEADER}\n{row(1)}\n{row(2)}\n3,0.4", f"{HEADER}\n{row(1)}\n{row(2)}\n",
                 id="a row cut short"),
    pytest.param("", f"{HEADER}\n", id="empty file"),
    pytest.param("epoch,accu", f"{HEADER}\n", id="header cut short"),
])
def test_read_state_trims_the_log_to_the_commit(tmp_path, before, after):
    checkpoints = make_run(tmp_path, log=before)
    checkpoints.read_state()
    assert (tmp_path / "log.csv").read_text() == after


def test_a_row_appended_after_an_empty_log_gets_a_header(tmp_path):
    checkpoints = make_run(tmp_path, log="")
    checkpoints._append_log(3, {"accuracy": 0.5})
    assert (tmp_path / "log.csv").read_text().splitlines() == [HEADER, "3,0.5,,,,"]


# (state.json content or None for none, files present, error fragments)
@pytest.mark.parametrize("state, files, fragments", [
    pytest.param(None, (), ["nothing to resume", "no state.json", "--overwrite"], id="no state"),
    pytest.param("", (1,), ["state.json is damaged", "--overwrite"], id="empty"),
    pytest.param('{"epochs_done": 1, "be', (1,), ["state.json is damaged"], id="truncated"),
    pytest.param('{"epochs_done": 0, "best": 0.1, "best_epoch": 0}', (1,),
                 ["state.json is damaged"], id="zero epochs"),
    pytest.param('{"epochs_done": 2, "best": 0.1, "best_epoch": 1}', (1,),
                 ["checkpoints/epoch_002.keras", "missing", "--overwrite"], id="missing checkpoint"),
])
def test_read_state_names_damage_and_the_remedy(tmp_path, state, files, fragments):
    checkpoints = make_run(tmp_path, files=files, log=None)
    if state is None:
        (tmp_path / "state.json").unlink()
    else:
        (tmp_path / "state.json").write_text(state)
    with pytest.raises(RunError) as excinfo:
        checkpoints.read_state()
    for fragment in fragments:
        assert fragment in str(excinfo.value)


def test_snapshots_are_the_kept_files_that_exist(tmp_path):
    """A run whose --swa-epochs grew after the fact has fewer snapshots than asked for."""
    checkpoints = make_run(tmp_path, epochs_done=5, best_epoch=2, files=(2, 4, 5), snapshot_after=1)
    checkpoints.read_state()
    assert checkpoints.snapshots(3) == {4: checkpoints.epoch_path(4), 5: checkpoints.epoch_path(5)}
    assert checkpoints.committed_epoch() == 5
