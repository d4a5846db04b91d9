"""What a FrameSource hands on: a cheap check of the source's name, stills as a viewer shows
them, one-frame sources as stills, each frame's own time from its container, and a warning
for a file that ends before the frames it declares."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest

import facial_emotion.video.sources as sources
from facial_emotion.errors import SourceError
from facial_emotion.video import FrameSource, VideoInfo
from facial_emotion.video.sources import check_source
from tests.helpers_video import (jpeg_as_a_phone_stores_it, synthetic_frames, write_gif,
                                 write_video)


# --- the name ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda t: "", "got an empty name"),
    (lambda t: "  ", "got an empty name"),
    (lambda t: t, "is a folder; expected a video or image file"),
    (lambda t: t / "missing.mp4", "no such file: "),
    (lambda t: "/dev/null", "is not a regular file"),
    (lambda t: "0", None),                      # a camera, checked when opened
    (lambda t: 3, None),
])
def test_check_source(tmp_path, make, message):
    spec = make(tmp_path)
    if message is None:
        check_source(spec)
        return
    with pytest.raises(SourceError, match=message):
        check_source(spec)
    with pytest.raises(SourceError, match=message):  # the same from FrameSource
        FrameSource(spec)


# --- stills as a viewer shows them ------------------------------------------------------------

def asymmetric(width: int = 80, height: int = 60) -> np.ndarray:
    """A BGR picture that every turn and flip changes: a gradient with a dark top-left block."""
    picture = synthetic_frames(1, width, height)[0].copy()
    picture[:15, :20] = 20
    return picture


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_a_photo_comes_upright_whatever_its_exif_orientation(tmp_path, orientation):
    upright = asymmetric()
    path = jpeg_as_a_phone_stores_it(tmp_path / "phone.jpg", upright, orientation)
    with FrameSource(path) as source:
        assert source.info == VideoInfo(80, 60, 0.0, 1)
        (frame,) = list(source)
    assert frame.shape == upright.shape
    assert np.abs(frame.astype(int) - upright).mean() < 4  # JPEG's loss, not a turn


# --- a source with one frame is a still -------------------------------------------------------

@pytest.mark.parametrize("name", ["one.mp4", "one.avi", "static.gif"])
def test_a_one_frame_source_is_a_still(tmp_path, name):
    frame = synthetic_frames(1, 64, 48)[0]
    if name.endswith(".gif"):
        pytest.importorskip("PIL")
        path = write_gif(tmp_path / name, [frame], [100])
    else:
        path = write_video(tmp_path / name, [frame], 5.0)
    with FrameSource(path) as source:
        assert source.info == VideoInfo(64, 48, 0.0, 1) and source.info.is_image
        frames = list(source.timed())
    assert len(frames) == 1 and frames[0][0] == 0.0 and frames[0][1].shape == (48, 64, 3)


# --- each frame's own time ---------------------------------------------------------------------

class TimedCapture:
    """Stands in for cv2.VideoCapture: frames with the times (ms) a container gives them."""

    def __init__(self, msecs, fps: float = 25.0):
        self.msecs, self.fps = list(msecs), fps
        self.read_count = 0

    def isOpened(self):
        return True

    def read(self):
        if self.read_count >= len(self.msecs):
            return False, None
        self.read_count += 1
        return True, np.full((12, 16, 3), self.read_count, np.uint8)

    def get(self, prop):
        return {cv2.CAP_PROP_POS_MSEC: self.msecs[self.read_count - 1] if self.read_count else 0,
                cv2.CAP_PROP_FPS: self.fps,
                cv2.CAP_PROP_FRAME_COUNT: len(self.msecs)}[prop]

    def release(self):
        pass


@pytest.mark.parametrize("read_ahead", [True, False])
@pytest.mark.parametrize("msecs, expected", [
    ([0, 40, 80, 120], [0, 0.04, 0.08, 0.12]),                 # constant rate
    ([0, 40, 250, 260, 1000], [0, 0.04, 0.25, 0.26, 1.0]),    # variable rate: its own times
    ([0, 0, 0], [0, None, None]),                             # no times: the caller counts
    ([-1, -1], [None, None]),
])
def test_each_frame_has_its_containers_time(tmp_path, monkeypatch, read_ahead, msecs, expected):
    (tmp_path / "clip.mp4").write_bytes(b"stand-in")
    monkeypatch.setattr(sources.cv2, "VideoCapture", lambda path: TimedCapture(msecs))
    with FrameSource(tmp_path / "clip.mp4", read_ahead=read_ahead) as source:
        times = [time_s for time_s, _ in source.timed()]
    assert times == [pytest.approx(t) if t is not None else None for t in expected]


def test_a_variable_rate_file_is_timed_by_its_container(tmp_path):
    """A real file whose frames last 100, 700, 100 and 400 ms: an animated GIF, the one
    variable-rate format that needs no encoder beyond Pillow."""
    pytest.importorskip("PIL")
    durations = [100, 700, 100, 400, 100]
    path = write_gif(tmp_path / "vfr.gif", synthetic_frames(5, 64, 48), durations)
    with FrameSource(path) as source:
        times = [time_s for time_s, _ in source.timed()]
    assert times == pytest.approx(np.cumsum([0, *durations[:-1]]) / 1000, abs=0.05)


# --- a file that ends early -------------------------------------------------------------------

def cut_short(path, keep: float):
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    return path


@pytest.mark.parametrize("keep, warned", [(1.0, False), (0.5, True)])
def test_a_file_that_ends_before_its_declared_frames_is_reported(tmp_path, caplog, keep,
                                                                 warned):
    frames = [np.random.default_rng(i).integers(0, 255, (48, 64, 3), np.uint8)
              for i in range(40)]
    path = cut_short(write_video(tmp_path / "clip.avi", frames, 10.0), keep)
    with caplog.at_level(logging.WARNING, logger=sources.__name__):
        with FrameSource(path) as source:
            read = len(list(source))
    messages = [r.getMessage() for r in caplog.records]
    if warned:
        assert read < 30
        assert messages == [f"{path}: only {read} of the 40 frames its file declares could be "
                            "read; it may be cut short or damaged"]
    else:
        assert read == 40 and messages == []


def test_stopping_early_is_not_a_file_cut_short(tmp_path, caplog):
    path = write_video(tmp_path / "clip.avi", synthetic_frames(20), 10.0)
    with caplog.at_level(logging.WARNING, logger=sources.__name__):
        with FrameSource(path) as source:
            for i, _ in enumerate(source):
                if i == 3:
                    break
    assert caplog.records == []
