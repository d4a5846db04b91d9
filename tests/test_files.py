"""Atomic writes: a file is replaced whole or not at all, and errors name the file asked for."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading

import pytest

import facial_emotion.files as files
from facial_emotion.files import (atomic_write, atomic_write_bytes, atomic_write_text,
                                  remove_stale_temp_files, sha256_file, temp_prefix,
                                  writes_through)
from tests.processes import dead_pid


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("old", [None, "the old text"], ids=["new file", "replacing"])
def test_a_write_replaces_the_file_whole(tmp_path, old):
    path = tmp_path / "sub" / "report.json"
    if old is not None:
        path.parent.mkdir()
        path.write_text(old)
    atomic_write_text(path, "new text")
    assert path.read_text() == "new text"
    assert names(path.parent) == ["report.json"]
    assert path.stat().st_mode & 0o777 == 0o644


# (what fails inside the write, the exception that escapes)
@pytest.mark.parametrize("failure, escapes", [
    (ValueError("bad data"), ValueError),
    (KeyboardInterrupt(), KeyboardInterrupt),
    (OSError(errno.ENOSPC, "No space left on device"), OSError),
])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, failure, escapes):
    path = tmp_path / "state.json"
    path.write_text("committed")
    with pytest.raises(escapes):
        with atomic_write(path) as tmp:
            tmp.write_text("half")
            raise failure
    assert path.read_text() == "committed"
    assert names(tmp_path) == ["state.json"]


def test_an_os_error_names_the_file_asked_for_not_the_temporary(tmp_path, monkeypatch):
    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(src))

    monkeypatch.setattr(files.os, "replace", full_disk)
    path = tmp_path / "model.keras"
    with pytest.raises(OSError) as excinfo:
        atomic_write_bytes(path, b"weights")
    assert excinfo.value.filename == str(path)
    assert excinfo.value.errno == errno.ENOSPC
    assert excinfo.value.strerror == "No space left on device"
    assert names(tmp_path) == []


def test_a_folder_in_the_way_is_named(tmp_path):
    (tmp_path / "plots").write_text("a file where a folder should be")
    with pytest.raises(OSError) as excinfo:
        atomic_write_text(tmp_path / "plots" / "curves.png", "x")
    assert excinfo.value.filename == str(tmp_path / "plots" / "curves.png")


def test_stale_temporary_files_are_ours_of_dead_processes_only(tmp_path):
    dead = dead_pid()
    ours_dead = [f"{temp_prefix('epoch_002', dead)}abcd1234.keras",
                 f"{temp_prefix('state', dead)}x_y1z2w3.json"]
    kept = [f"{temp_prefix('state', os.getpid())}abcd1234.json",  # this process: still writing
            f"{temp_prefix('out', 1)}abcd1234.mp4",  # pid 1 is alive
            ".tmp-session-notes", ".tmp-epoch_002-abc.keras",  # no marker: not ours
            "state.json", ".lock"]
    for name in ours_dead + kept:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / f"{temp_prefix('folder', dead)}abcd1234").mkdir()
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(p.name for p in removed) == sorted(ours_dead)
    assert names(tmp_path) == sorted(kept + [f"{temp_prefix('folder', dead)}abcd1234"])


def test_a_write_clears_dead_writers_leftovers_beside_it(tmp_path):
    left = tmp_path / f"{temp_prefix('out', dead_pid())}abcd1234.csv"
    left.write_bytes(b"x" * 1000)
    atomic_write_text(tmp_path / "out.csv", "rows")
    assert names(tmp_path) == ["out.csv"]


def test_a_temporary_file_names_its_process(tmp_path):
    with atomic_write(tmp_path / "out.csv") as tmp:
        assert tmp.name.startswith(temp_prefix("out")) and str(os.getpid()) in tmp.name


# --- what is not a regular file is written in place ------------------------------------------

def test_a_symbolic_link_stays_a_link_to_new_content(tmp_path):
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to("real.csv")
    atomic_write_text(tmp_path / "link.csv", "new")
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "real.csv").read_text() == "new"
    assert names(tmp_path) == ["link.csv", "real.csv"]


def test_a_dangling_link_gets_its_target_written(tmp_path):
    (tmp_path / "link.csv").symlink_to("real.csv")
    atomic_write_text(tmp_path / "link.csv", "new")
    assert (tmp_path / "link.csv").is_symlink() and (tmp_path / "real.csv").read_text() == "new"


# Devices are reached through links in tmp_path, never by their own names: a regression
# then replaces the link, not the machine's /dev/null.
def test_a_link_to_dev_null_stays_a_link_to_the_device(tmp_path):
    path = tmp_path / "sink.csv"
    path.symlink_to("/dev/null")
    atomic_write_text(path, "rows")
    assert path.is_symlink() and names(tmp_path) == ["sink.csv"]
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_dev_full_is_a_full_disk_and_stays_a_device(tmp_path):
    path = tmp_path / "full.csv"
    path.symlink_to("/dev/full")
    with pytest.raises(OSError) as excinfo:
        atomic_write_text(path, "rows")
    assert excinfo.value.errno == errno.ENOSPC
    assert path.is_symlink() and stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("path, through", [
    ("/dev/null", True), ("/dev/stdout", True), ("/proc/self/fd/1", True),
    ("out.csv", False), ("new/out.csv", False),
])
def test_what_is_written_in_place(tmp_path, path, through):
    (tmp_path / "out.csv").write_text("old")
    assert writes_through(tmp_path / path if not path.startswith("/") else path) is through


def test_a_fifo_is_written_to_its_reader_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    atomic_write_text(fifo, "a,b\n")
    reader.join(timeout=10)
    assert got == ["a,b\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and names(tmp_path) == ["rows.fifo"]


def test_sha256_file_matches_hashlib(tmp_path):
    data = os.urandom(3 * 1024 + 5)
    (tmp_path / "blob").write_bytes(data)
    assert sha256_file(tmp_path / "blob", chunk=1024) == hashlib.sha256(data).hexdigest()
