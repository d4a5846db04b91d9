"""Atomic writes: a file is replaced whole or not at all, and errors name the file asked for."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest

import facial_emotion.files as files
from facial_emotion.files import (atomic_write, atomic_write_bytes, atomic_write_text,
                                  remove_stale_temp_files, sha256_file)


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


def test_stale_temporary_files_are_removed_and_nothing_else(tmp_path):
    for name in (".tmp-epoch_002-abc.keras", ".tmp-state-x.json", "state.json", ".lock"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / ".tmp-folder").mkdir()
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(p.name for p in removed) == [".tmp-epoch_002-abc.keras", ".tmp-state-x.json"]
    assert names(tmp_path) == [".lock", ".tmp-folder", "state.json"]


def test_sha256_file_matches_hashlib(tmp_path):
    data = os.urandom(3 * 1024 + 5)
    (tmp_path / "blob").write_bytes(data)
    assert sha256_file(tmp_path / "blob", chunk=1024) == hashlib.sha256(data).hexdigest()
