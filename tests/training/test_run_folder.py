"""The run folder as a whole: one training at a time, stale locks, and --overwrite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from facial_emotion.errors import RunError
from facial_emotion.files import temp_prefix
from facial_emotion.training.config import TrainConfig
from facial_emotion.training.run_folder import RUN_FILES, check_out, locked, prepare_new_run
from tests.processes import dead_pid

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from facial_emotion.training.run_folder import locked
    with locked(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(600)
""")


def test_a_second_lock_on_one_folder_is_refused_until_the_first_ends(tmp_path):
    with locked(tmp_path):
        with pytest.raises(RunError, match=rf"in use by process {os.getpid()}.*another --out"):
            with locked(tmp_path):
                pass
    with locked(tmp_path):  # released
        pass


def test_the_lock_of_a_killed_process_does_not_block(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], text=True,
                              stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunError, match=f"in use by process {holder.pid}"):
            with locked(tmp_path):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
    assert "process" in (tmp_path / ".lock").read_text()  # the killed one's note is there...
    with locked(tmp_path):  # ...but the lock went with the process
        pass


def populate(folder: Path, names) -> None:
    """The named files; config.json is a real run's, checkpoints/ holds one epoch."""
    for name in names:
        path = folder / name
        if name == "checkpoints":
            path.mkdir(parents=True)
            (path / "epoch_001.keras").write_bytes(b"x")
        elif name == "config.json":
            TrainConfig(out=str(folder)).save(path)
        else:
            path.write_text("x")


STALE = f"{temp_prefix('state', dead_pid())}abcd1234.json"  # an interrupted save's leftover


# (files in the folder, --overwrite, raises, files left afterwards)
@pytest.mark.parametrize("present, overwrite, raises, left", [
    ([], False, False, []),
    (["notes.txt"], False, False, ["notes.txt"]),          # not a run: left alone, no refusal
    ([STALE], False, False, []),
    ([".tmp-session-notes"], False, False, [".tmp-session-notes"]),  # not ours: kept
    (["config.json"], False, True, ["config.json"]),      # a run killed in its first epoch
    (["state.json", "log.csv", "checkpoints"], False, True, ["checkpoints", "log.csv", "state.json"]),
    ([*RUN_FILES, "notes.txt"], True, False, ["notes.txt"]),  # --overwrite deletes run files only
])
def test_a_new_run_refuses_a_folder_holding_one(tmp_path, present, overwrite, raises, left):
    populate(tmp_path, present)
    if raises:
        with pytest.raises(RunError, match="already holds a run.*--resume.*--overwrite"):
            prepare_new_run(tmp_path, overwrite)
    else:
        prepare_new_run(tmp_path, overwrite)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(left)


def everything(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# (what the folder holds besides a run's files, or instead of its config.json; the name the
# refusal gives)
@pytest.mark.parametrize("extra, named", [
    ({"checkpoints/resnet50_final.pt": b"weights"}, "checkpoints/resnet50_final.pt"),
    ({"checkpoints/notes": b"mine"}, "checkpoints/notes"),
    ({"config.json": b'{"lr": 0.1}'}, "config.json"),  # another tool's config, with its log
])
def test_overwrite_refuses_to_delete_what_the_run_did_not_write(tmp_path, extra, named):
    populate(tmp_path, ["config.json", "log.csv", "state.json", "checkpoints"])
    for name, content in extra.items():
        (tmp_path / name).write_bytes(content)
    before = everything(tmp_path)
    with pytest.raises(RunError, match=f"did not write .*{named}.*only a run's own files"):
        prepare_new_run(tmp_path, overwrite=True)
    assert everything(tmp_path) == before


def test_a_refused_run_leaves_no_lock_and_no_folder(tmp_path):
    run_dir = tmp_path / "runs" / "exp1"
    with pytest.raises(RuntimeError):
        with locked(run_dir):
            assert (run_dir / ".lock").is_file()
            raise RuntimeError("the data is missing")
    assert list(tmp_path.iterdir()) == []


def test_a_lock_on_a_folder_that_existed_goes_and_the_folder_stays(tmp_path):
    with locked(tmp_path):
        (tmp_path / "config.json").write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


@pytest.mark.parametrize("out, data, message", [
    ("/", None, "root of the filesystem"),
    ("data/train/run", "data", "inside the dataset's folder"),
    ("data", "data", "inside the dataset's folder"),
    ("data/../data/test", "data", "inside the dataset's folder"),
    ("runs/exp1", "data", None),
    ("data/run", "data/fer2013.csv", None),  # a CSV: its folder is not read as data
    ("data", "data/fer2013.csv", None),
    ("data/train", "data/train/log.csv", "a file that a run writes"),
])
def test_check_out(tmp_path, monkeypatch, out, data, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "train").mkdir(parents=True)
    (tmp_path / "data" / "fer2013.csv").write_text("")
    (tmp_path / "data" / "train" / "log.csv").write_text("")
    if message is None:
        check_out(out, data)
    else:
        with pytest.raises(RunError, match=message):
            check_out(out, data)
