"""Outputs never destroy inputs or each other, and a full disk leaves no half-written file:
PendingFile, check_distinct, and every sink on a full tmpfs."""

from __future__ import annotations

import os

import numpy as np
import pytest

from facial_emotion.errors import SourceError
from facial_emotion.results import Face, FrameResult
from facial_emotion.video import (PendingFile, VideoFileSink, check_distinct)
from facial_emotion.video.outputs import same_file
from tests.helpers_video import SINK_INFO as INFO, SINKS
from tests.tmpfs import full_disk, left_behind

UNIFORM = np.full(7, 1 / 7, np.float32)


def test_pending_file_appears_only_on_commit(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    pending = PendingFile(target)
    assert pending.tmp.parent == tmp_path and pending.tmp.suffix == ".csv"
    assert pending.tmp.name.startswith(".tmp-")
    pending.tmp.write_text("new")
    assert target.read_text() == "old"
    pending.commit()
    assert target.read_text() == "new" and sorted(os.listdir(tmp_path)) == ["out.csv"]
    pending.discard()  # after a commit: nothing to do
    assert target.read_text() == "new"


def test_pending_file_discard_leaves_the_target_alone(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    pending = PendingFile(target)
    pending.tmp.write_text("new")
    pending.discard()
    pending.commit()  # after a discard: nothing to do
    assert target.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["out.csv"]


@pytest.fixture
def files(tmp_path):
    """clip.mp4; link.mp4 -> clip.mp4 (symbolic); hard.mp4 (a hard link to it); sub/ with a
    symbolic link back to tmp_path; other.mp4."""
    (tmp_path / "clip.mp4").write_bytes(b"video")
    (tmp_path / "other.mp4").write_bytes(b"video")
    (tmp_path / "link.mp4").symlink_to(tmp_path / "clip.mp4")
    os.link(tmp_path / "clip.mp4", tmp_path / "hard.mp4")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    return tmp_path


@pytest.mark.parametrize("a, b, same", [
    ("clip.mp4", "clip.mp4", True),
    ("clip.mp4", "./sub/../clip.mp4", True),
    ("clip.mp4", "link.mp4", True),          # a symbolic link
    ("clip.mp4", "sub/up/clip.mp4", True),   # through a linked folder
    ("clip.mp4", "hard.mp4", True),          # a hard link
    ("clip.mp4", "other.mp4", False),
    ("new.csv", "new.csv", True),            # neither exists yet
    ("new.csv", "sub/up/new.csv", True),
    ("new.csv", "new.jsonl", False),
    ("clip.mp4", "new.csv", False),
])
def test_same_file(files, a, b, same):
    assert same_file(files / a, files / b) is same


@pytest.mark.parametrize("outputs, inputs, message", [
    ({"--output": "out.mp4", "--csv": "e.csv"}, {"the source": "clip.mp4"}, None),
    ({"--output": "clip.mp4"}, {"the source": "clip.mp4"},
     "--output .*clip.mp4 is the source .*; an output never replaces an input"),
    ({"--output": "link.mp4"}, {"the source": "clip.mp4"}, "--output .*link.mp4 is the source"),
    ({"--csv": "clip.mp4"}, {"the source": "link.mp4"}, "--csv .*clip.mp4 is the source"),
    ({"--jsonl": "hard.mp4"}, {"the source": "clip.mp4"}, "--jsonl .* is the source"),
    ({"--summary": "m.keras"}, {"the source": "clip.mp4", "--model": "m.keras"},
     "--summary .* is --model"),
    ({"--csv": "e.txt", "--jsonl": "e.txt"}, {}, "--csv and --jsonl name the same file"),
    ({"--csv": "e.txt", "--jsonl": "sub/up/e.txt"}, {}, "--csv and --jsonl name the same file"),
    ({"--output": "a.mp4", "--timeline": "t.png", "--summary": "t.png"}, {},
     "--timeline and --summary name the same file"),
])
def test_check_distinct(files, outputs, inputs, message):
    outputs = {name: files / path for name, path in outputs.items()}
    inputs = {name: files / path for name, path in inputs.items()}
    if message is None:
        check_distinct(outputs, inputs)
    else:
        with pytest.raises(SourceError, match=message):
            check_distinct(outputs, inputs)
    assert (files / "clip.mp4").read_bytes() == b"video"


# --- a full disk ----------------------------------------------------------------------------



def noisy_frame(i: int) -> np.ndarray:
    """Noise compresses badly, so a few frames overflow a tiny disk whatever the codec."""
    return np.random.default_rng(i).integers(0, 256, (120, 160, 3), dtype=np.uint8)


@pytest.mark.parametrize("kind", list(SINKS))
def test_a_full_disk_is_one_error_naming_the_file_and_leaves_nothing(tmp_path, kind):
    name, make = SINKS[kind]
    with full_disk(tmp_path / "full") as folder:
        target = folder / name
        with pytest.raises(SourceError) as error:
            with make(target) as sink:
                for i in range(5):
                    sink.write(FrameResult(i, i / 10, noisy_frame(i),
                                           (Face((10, 10, 40, 40), UNIFORM, 1),)))
        assert str(error.value) == f"cannot write {target}: No space left on device"
        assert left_behind(folder) == []


@pytest.mark.parametrize("name", ["out.mp4", "out.avi"])
def test_a_disk_that_fills_up_while_a_video_is_written(tmp_path, name):
    """OpenCV's writer opens, then fails silently; reading the file back at the end catches it."""
    with full_disk(tmp_path / "small", size="64k", fill=False) as folder:
        target = folder / name
        with pytest.raises(SourceError, match=f"cannot write {target}: No space left on device"):
            with VideoFileSink(target, INFO) as sink:
                for i in range(12):
                    sink.write(FrameResult(i, i / 10, noisy_frame(i)))
        assert left_behind(folder) == []
