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
from facial_emotion.training.run_folder import RUN_FILES, locked, prepare_new_run

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
    assert "process" in (tmp_path / ".lock").read_text()  # the stale note is still there...
    with locked(tmp_path):  # ...but the lock went with the process
        pass


def populate(folder: Path, names) -> None:
    for name in names:
        path = folder / name
        if name == "checkpoints":
            path.mkdir(parents=True)
            (path / "epoch_001.keras").write_bytes(b"x")
        else:
            path.write_text("x")


# (files in the folder, --overwrite, raises, files left afterwards)
@pytest.mark.parametrize("present, overwrite, raises, left", [
    ([], False, False, []),
    ([".lock"], False, False, [".lock"]),
    (["notes.txt"], False, False, ["notes.txt"]),          # not a run: left alone, no refusal
    ([".tmp-state-abc.json"], False, False, []),          # an interrupted save's leftover
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
