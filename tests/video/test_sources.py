"""FrameSource's read-ahead: the same frames in the same order as reading on demand, errors
raised in the caller, and no reader thread left behind however iteration ends."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from facial_emotion.video import FrameSource
from tests.helpers_video import read_video, synthetic_frames

READER = "frame-read-ahead"  # the reader thread's name


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == READER]


@pytest.fixture(autouse=True)
def no_reader_left_behind():
    assert reader_threads() == []
    yield
    assert reader_threads() == [], "a read-ahead thread outlived its test"


@pytest.mark.parametrize("name, count", [("clip.mp4", 12), ("clip.avi", 12), ("one.avi", 1),
                                         ("two.mp4", 2), ("long.avi", 40)])
def test_read_ahead_yields_the_same_frames_in_order(video_file, name, count):
    path = video_file(name, count)
    with FrameSource(path, read_ahead=False) as plain:
        expected = list(plain)
    with FrameSource(path) as source:
        assert source.read_ahead
        frames = list(source)
    assert len(frames) == len(expected) == count
    for frame, want in zip(frames, expected):
        np.testing.assert_array_equal(frame, want)
    decoded = read_video(path).frames  # and both are what OpenCV decodes
    np.testing.assert_array_equal(frames[-1], decoded[-1])


def test_frames_are_distinct_arrays(video_file):
    # The reader must not hand out one buffer that it then decodes the next frame into.
    with FrameSource(video_file("clip.avi", 6)) as source:
        frames = list(source)
    assert len({id(f) for f in frames}) == 6
    assert not any(np.shares_memory(a, b) for a, b in zip(frames, frames[1:]))
    assert all(not np.array_equal(a, b) for a, b in zip(frames, frames[1:]))


@pytest.mark.parametrize("stop_after", [0, 1, 5])
def test_stopping_early_then_closing_ends_the_reader(video_file, stop_after):
    with FrameSource(video_file("clip.avi", 40)) as source:
        for i, _ in enumerate(source):
            if i == stop_after:
                break
    # the autouse fixture checks no reader thread is left


def test_a_finished_iteration_leaves_no_reader_even_before_close(video_file):
    source = FrameSource(video_file("clip.avi", 5))
    assert len(list(source)) == 5
    assert reader_threads() == []
    source.close()
    source.close()  # twice is fine
    assert list(source) == []  # closed: nothing more


def test_closing_while_the_reader_waits_on_a_full_queue(video_file):
    source = FrameSource(video_file("clip.avi", 40))
    frames = iter(source)
    next(frames)  # starts the reader, which fills its queue and waits
    source.close()
    assert reader_threads() == []
    frames.close()


class BrokenCapture:
    """A capture whose third read raises, as a failing decoder or camera driver might."""

    def __init__(self, frames):
        self.frames = list(frames)
        self.reads = 0
        self.released = False

    def read(self):
        self.reads += 1
        if self.reads == 3:
            raise OSError("the camera went away")
        return (True, self.frames.pop(0)) if self.frames else (False, None)

    def get(self, prop):
        return -1.0  # no frame times

    def release(self):
        self.released = True


@pytest.mark.parametrize("read_ahead", [True, False])
def test_a_read_error_reaches_the_caller_after_the_frames_before_it(video_file, read_ahead):
    source = FrameSource(video_file("clip.avi", 2), read_ahead=read_ahead)
    source._capture.release()
    fake = source._capture = BrokenCapture(synthetic_frames(5))
    got = []
    with pytest.raises(OSError, match="the camera went away"):
        for frame in source:
            got.append(frame)
    assert len(got) == 4  # the two frames read on opening and the two reads before the error
    source.close()
    assert fake.released


def test_read_ahead_does_not_change_an_image_source(tmp_path):
    image = synthetic_frames(1, 40, 30)[0]
    assert cv2.imwrite(str(tmp_path / "still.png"), image)
    for read_ahead in (True, False):
        with FrameSource(tmp_path / "still.png", read_ahead=read_ahead) as source:
            (frame,) = list(source)
        np.testing.assert_array_equal(frame, image)
