"""WindowSink with OpenCV's GUI calls replaced by recorders (the real window is tested in
tests/cli/test_window.py under Xvfb), its size, and the check for a usable display."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from facial_emotion.errors import SourceError
from facial_emotion.results import Face, FrameResult
from facial_emotion.video import Next, Quit, Select, WindowSink, window
from facial_emotion.video.window import WINDOW_FLAGS, window_size, window_unavailable

UNIFORM = np.full(7, 1 / 7, np.float32)


class FakeGui:
    """Records cv2's window calls; waitKey returns `keys` one by one, then -1; the window
    is visible from the first imshow until `closed_after` imshows (None: never closed)."""

    def __init__(self, keys=(), closed_after: int | None = None):
        self.calls, self.keys = [], iter(keys)
        self.shown = 0
        self.closed_after = closed_after

    def install(self, monkeypatch):
        for name in ("namedWindow", "resizeWindow", "imshow", "waitKey", "destroyWindow",
                     "getWindowProperty"):
            monkeypatch.setattr(cv2, name, getattr(self, name))
        return self

    def namedWindow(self, title, flags):
        self.calls.append(("namedWindow", title, flags))

    def resizeWindow(self, title, width, height):
        self.calls.append(("resizeWindow", title, width, height))

    def imshow(self, title, image):
        self.shown += 1
        self.calls.append(("imshow", title, image.shape))

    def waitKey(self, delay):
        self.calls.append(("waitKey", delay))
        return next(self.keys, -1)

    def getWindowProperty(self, title, prop):
        assert prop == cv2.WND_PROP_VISIBLE
        closed = self.closed_after is not None and self.shown > self.closed_after
        return 0.0 if closed or self.shown == 0 else 1.0

    def destroyWindow(self, title):
        self.calls.append(("destroyWindow", title))


def result(index=0, faces=()):
    return FrameResult(index, 0.0, np.zeros((120, 160, 3), np.uint8), faces)


def test_window_is_resizable_keeps_its_ratio_has_no_toolbar_and_names_the_source(monkeypatch):
    gui = FakeGui().install(monkeypatch)
    with WindowSink("clip.mp4 - facial emotion", (160, 120), screen=(1600, 1000)):
        pass
    assert WINDOW_FLAGS == cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
    assert gui.calls[0] == ("namedWindow", "clip.mp4 - facial emotion", WINDOW_FLAGS)
    # 160x120 scaled up to fit 70% of a 1600x1000 screen: limited by the height, 700 px
    assert gui.calls[1] == ("resizeWindow", "clip.mp4 - facial emotion", 933, 700)
    assert gui.calls[-2] == ("destroyWindow", "clip.mp4 - facial emotion")


@pytest.mark.parametrize("frame, screen, expected", [
    ((160, 120), (1600, 1000), (933, 700)),     # small: scaled up
    ((640, 480), (1920, 1080), (1008, 756)),
    ((3840, 2160), (1920, 1080), (1344, 756)),  # 4K: scaled down
    ((1000, 100), (1920, 1080), (1344, 134)),   # wide: limited by the width
    ((640, 480), None, (747, 560)),              # unknown screen: DEFAULT_SCREEN, 1280x800
])
def test_window_size(frame, screen, expected):
    assert window_size(frame, screen) == expected


def test_window_size_rejects_an_empty_frame():
    with pytest.raises(ValueError, match="expected a frame size"):
        window_size((0, 10))


def test_video_window_reports_keys_and_shows_every_frame(monkeypatch):
    gui = FakeGui(keys=[-1, ord("3"), -1, ord("q")]).install(monkeypatch)
    clock = itertools.count()
    with WindowSink("w", (160, 120), screen=(1600, 1000), clock=lambda: next(clock)) as sink:
        requests = [sink.write(result(i)) for i in range(4)]
        assert [c for c in gui.calls if c[0] == "waitKey"] == [("waitKey", 1)] * 4
    assert requests == [None, Select(3), None, Quit()]
    assert [c for c in gui.calls if c[0] == "imshow"] == [("imshow", "w", (120, 160, 3))] * 4


def test_closing_the_video_window_quits(monkeypatch):
    FakeGui(closed_after=2).install(monkeypatch)
    with WindowSink("w", (160, 120), screen=(1600, 1000)) as sink:
        assert [sink.write(result(i)) for i in range(3)] == [None, None, Quit()]


@pytest.mark.parametrize("keys, expected", [
    ([-1, -1, ord("2")], Select(2)),   # waits for a key
    ([ord("x")], Next()),              # any other key goes on to the next source
    ([ord("q")], Quit()),
])
def test_still_window_waits_for_a_key(monkeypatch, keys, expected):
    gui = FakeGui(keys=keys).install(monkeypatch)
    with WindowSink("w", (160, 120), still=True, screen=(1600, 1000)) as sink:
        assert sink.write(result(0, (Face((0, 0, 5, 5), UNIFORM, 2),))) == expected
    assert [c[1] for c in gui.calls if c[0] == "waitKey"][:len(keys)] == [
        window.STILL_POLL_MS] * len(keys)


def test_closing_the_still_window_quits(monkeypatch):
    FakeGui().install(monkeypatch)
    gui_visible = iter([1.0, 0.0])
    monkeypatch.setattr(cv2, "getWindowProperty", lambda title, prop: next(gui_visible, 0.0))
    with WindowSink("w", (160, 120), still=True, screen=(1600, 1000)) as sink:
        assert sink.write(result()) == Quit()


# --- a video file plays at its own pace -------------------------------------------------------

class PacedGui(FakeGui):
    """FakeGui on a fake clock: waitKey(delay) moves it on by `delay` ms, as a real window
    waits that long when no key comes (1 ms when one does); `shown_at` records the clock at
    each imshow."""

    def __init__(self, keys=()):
        super().__init__(keys)
        self.now, self.shown_at = 0.0, []

    def clock(self) -> float:
        return self.now

    def imshow(self, title, image):
        super().imshow(title, image)
        self.shown_at.append(self.now)

    def waitKey(self, delay):
        key = super().waitKey(delay)
        self.now += (delay if key < 0 else 1) / 1000
        return key


def play(gui, times, work_s, pace=True):
    """Write frames timed `times` to a window on `gui`'s clock, `work_s[i]` seconds of
    processing before frame i; the requests the window returned."""
    requests = []
    with WindowSink("w", (160, 120), screen=(1600, 1000), clock=gui.clock, pace=pace) as sink:
        for i, (time_s, work) in enumerate(zip(times, work_s)):
            gui.now += work
            requests.append(sink.write(FrameResult(i, time_s, np.zeros((120, 160, 3),
                                                                       np.uint8), ())))
    return requests, sink


FPS = 24.7  # the clip


def test_a_video_is_shown_at_its_own_pace_not_as_fast_as_it_is_processed(monkeypatch):
    gui = PacedGui().install(monkeypatch)
    times = [i / FPS for i in range(30)]
    _, sink = play(gui, times, [0.005] * 30)  # processed at 200 fps
    shown = np.array(gui.shown_at) - gui.shown_at[0]
    assert np.all(shown >= np.array(times) - 1e-9)  # never early: not faster than the video
    assert shown[-1] == pytest.approx(times[-1], abs=0.01)  # nor slower
    assert sink.waited_s == pytest.approx(times[-1] - 29 * 0.005 - 29 * 0.001, abs=0.01)


def test_a_variable_frame_rate_is_shown_by_each_frames_time(monkeypatch):
    gui = PacedGui().install(monkeypatch)
    times = [0.0, 0.04, 0.5, 0.54, 1.5]
    play(gui, times, [0.001] * 5)
    assert np.array(gui.shown_at) - gui.shown_at[0] == pytest.approx(times, abs=0.005)


def test_without_pacing_frames_are_shown_as_they_come(monkeypatch):
    gui = PacedGui().install(monkeypatch)
    _, sink = play(gui, [i / FPS for i in range(10)], [0.005] * 10, pace=False)
    assert [call for call in gui.calls if call[0] == "waitKey"] == [("waitKey", 1)] * 11  # + close
    assert sink.waited_s == 0


def test_a_late_frame_is_shown_at_once_and_the_next_keep_their_spacing(monkeypatch):
    gui = PacedGui().install(monkeypatch)
    times = [i * 0.04 for i in range(5)]
    play(gui, times, [0.001, 0.001, 0.5, 0.001, 0.001])  # frame 2 took half a second
    gaps = np.diff(gui.shown_at)
    assert gaps[1] == pytest.approx(0.5 + 0.001 + 0.001, abs=0.003)  # late: at once
    assert gaps[2:] == pytest.approx([0.04, 0.04], abs=0.003)  # then no rush to catch up


def test_a_key_pressed_while_a_frame_waits_is_answered(monkeypatch):
    gui = PacedGui(keys=[-1, ord("q")]).install(monkeypatch)
    requests, _ = play(gui, [0.0, 1.0, 2.0], [0.0] * 3)
    assert isinstance(requests[1], Quit)
    assert gui.shown == 3 and gui.shown_at[1] < 1.0  # the wait ended with the key


def test_a_still_is_never_paced(monkeypatch):
    gui = PacedGui(keys=[ord("q")]).install(monkeypatch)
    with WindowSink("w", (160, 120), still=True, screen=(1600, 1000), pace=True,
                    clock=gui.clock) as sink:
        frame = FrameResult(0, 5.0, np.zeros((120, 160, 3), np.uint8), ())
        assert isinstance(sink.write(frame), Quit)  # shown until a key, as always
    assert sink.waited_s == 0


def test_a_window_that_cannot_open_is_a_source_error(monkeypatch):
    def fail(title, flags):
        raise cv2.error("OpenCV(4.x) window.cpp:1: error: (-2:Unspecified error) no GUI")
    monkeypatch.setattr(cv2, "namedWindow", fail)
    with pytest.raises(SourceError, match="cannot open a window.*--no-display"):
        WindowSink("w", (160, 120), screen=(1600, 1000))


@pytest.mark.parametrize("environ, problem", [
    ({}, "DISPLAY is not set"),
    ({"DISPLAY": ""}, "DISPLAY is not set"),
    ({"DISPLAY": ":9999"}, "cannot connect to the display ':9999'"),
    ({"QT_QPA_PLATFORM": "offscreen"}, None),   # the user chose a platform without X
    ({"QT_QPA_PLATFORM": "xcb"}, "DISPLAY is not set"),
])
def test_window_unavailable(monkeypatch, environ, problem):
    if problem and "connect" in problem and window._xlib() is None:
        pytest.skip("libX11 is not installed: displays cannot be probed")
    monkeypatch.setattr(window.sys, "platform", "linux")
    found = window_unavailable(environ)
    assert (found is None) if problem is None else (problem in found)


def test_window_unavailable_elsewhere_than_linux(monkeypatch):
    monkeypatch.setattr(window.sys, "platform", "darwin")
    assert window_unavailable({}) is None
