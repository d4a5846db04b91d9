"""The live window: a sink that shows each annotated frame and reports key presses.

It opens resizable, keeps the frame's aspect ratio, has no toolbar or status strip, is sized
to the screen (small videos scaled up), and its title names the source. Keys: q or Esc
quit, digits select a face by its on-screen id, 0 goes back to the largest face; closing
the window also quits. A video file plays at its own pace, by each frame's time, as in a
video player, however fast the frames are processed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import math
import os
import sys
import time

import cv2

from ..errors import SourceError
from ..results import FrameResult
from .keys import FaceKeys, Next, Quit, Request
from .sinks import Sink

log = logging.getLogger(__name__)

# WINDOW_NORMAL: resizable; KEEPRATIO: resizing keeps the frame's shape; GUI_NORMAL: the
# Qt backend shows no toolbar and no status strip (pixel coordinates, zoom buttons).
WINDOW_FLAGS = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
DEFAULT_SCREEN = (1280, 800)  # assumed when the screen's size cannot be read
SCREEN_SHARE = 0.7  # the window opens at most this share of the screen's width and height
STILL_POLL_MS = 50  # how often a still image's window looks for a key or for being closed


def window_size(frame_size: tuple[int, int], screen: tuple[int, int] | None = None,
                share: float = SCREEN_SHARE) -> tuple[int, int]:
    """(width, height) for a window showing frames of `frame_size` (w, h): the largest that
    keeps their aspect ratio and fits in `share` of the screen (DEFAULT_SCREEN if None).
    Small frames are scaled up, large ones down."""
    width, height = frame_size
    if width <= 0 or height <= 0:
        raise ValueError(f"expected a frame size with width and height > 0, got {frame_size}")
    screen_w, screen_h = screen or DEFAULT_SCREEN
    scale = min(share * screen_w / width, share * screen_h / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@functools.lru_cache(maxsize=1)
def _xlib():
    """libX11 through ctypes, or None where it is not installed (then nothing is probed)."""
    name = ctypes.util.find_library("X11")
    if not sys.platform.startswith("linux") or name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XDefaultScreen.argtypes = [ctypes.c_void_p]
    for fn in (lib.XDisplayWidth, lib.XDisplayHeight):
        fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib


def _uses_x11(environ) -> bool:
    """OpenCV's Qt windows on Linux go through X11 (xcb) unless QT_QPA_PLATFORM says else."""
    platform = environ.get("QT_QPA_PLATFORM", "")
    return sys.platform.startswith("linux") and (not platform or platform.startswith("xcb"))


def window_unavailable(environ=None) -> str | None:
    """Why no window can open here, as a phrase; None when one can, or when it cannot tell.

    Checked before any window or output exists: without a display, OpenCV's Qt backend
    aborts the whole process (exit 134) rather than raising an error.
    """
    environ = os.environ if environ is None else environ
    if not _uses_x11(environ):
        return None
    display = environ.get("DISPLAY", "")
    if not display:
        return "there is no display (DISPLAY is not set)"
    xlib = _xlib()
    if xlib is None:
        return None
    handle = xlib.XOpenDisplay(display.encode())
    if not handle:
        return f"cannot connect to the display {display!r}"
    xlib.XCloseDisplay(handle)
    return None


def screen_size(environ=None) -> tuple[int, int] | None:
    """The X screen's (width, height) in pixels, or None where it cannot be read."""
    environ = os.environ if environ is None else environ
    xlib = _xlib() if _uses_x11(environ) and environ.get("DISPLAY") else None
    if xlib is None:
        return None
    handle = xlib.XOpenDisplay(environ["DISPLAY"].encode())
    if not handle:
        return None
    try:
        screen = xlib.XDefaultScreen(handle)
        size = xlib.XDisplayWidth(handle, screen), xlib.XDisplayHeight(handle, screen)
    finally:
        xlib.XCloseDisplay(handle)
    return size if min(size) > 0 else None


class WindowSink(Sink):
    """Shows each annotated frame in an OpenCV window and returns what the user asked for.

    title: the window's title; name the source in it. frame_size: (width, height) of the
    frames, to size the window. still: a single image, shown until a key is pressed (digits
    select a face and the loop shows the image again; q or Esc quits; any other key goes on
    to the next source, and ends a run of one). screen: the screen's (width, height); None
    reads it from the display. pace: show each frame when its time (`result.time_s`) comes,
    counted from the first frame, as a player shows a video file; False shows frames as fast
    as they come (a camera, which paces itself, or a run that should go as fast as it can).
    clock: seconds, for the keys and the pacing.
    """

    def __init__(self, title: str, frame_size: tuple[int, int], *, still: bool = False,
                 screen: tuple[int, int] | None = None, keys: FaceKeys | None = None,
                 clock=time.monotonic, pace: bool = False):
        self.title, self.still, self.pace = title, still, pace and not still
        self.keys, self.clock = keys or FaceKeys(), clock
        self.written = 0
        self.waited_s = 0.0
        self._origin: float | None = None  # the clock's reading when the video's time was 0
        self._seen_visible = False
        try:
            cv2.namedWindow(self.title, WINDOW_FLAGS)
            cv2.resizeWindow(self.title, *window_size(frame_size, screen or screen_size()))
        except cv2.error as exc:
            raise SourceError(f"cannot open a window ({str(exc).strip().splitlines()[-1]}); "
                              "use --no-display to run without one") from None

    def _closed_by_user(self) -> bool:
        # Only once it has been seen: a window is not yet visible before it is first painted.
        visible = cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1
        self._seen_visible |= visible
        return self._seen_visible and not visible

    def _wait_until_due(self, time_s: float) -> Request | None:
        """Wait until the frame at `time_s` is due, handling keys meanwhile; a key's request
        ends the wait. A late frame is due at once, and the schedule moves with it: a slow
        stretch is not made up by rushing the frames after it."""
        started = self.clock()
        if self._origin is None or started >= self._origin + time_s:
            self._origin = started - time_s
            return None
        request = None
        while request is None:
            left = self._origin + time_s - self.clock()
            if left <= 0:
                break
            key = cv2.waitKey(max(1, math.ceil(left * 1000)))  # returns early on a key
            if key >= 0:
                request = self.keys.update(key, self.clock())
        self.waited_s += self.clock() - started
        return request

    def write(self, result: FrameResult) -> Request | None:
        request = self._wait_until_due(result.time_s) if self.pace else None
        cv2.imshow(self.title, result.frame)
        self.written += 1
        if not self.still:
            request = request or self.keys.update(cv2.waitKey(1), self.clock())
            return Quit() if request is None and self._closed_by_user() else request
        while True:
            key = cv2.waitKey(STILL_POLL_MS)
            if key >= 0:
                return self.keys.update(key, self.clock()) or Next()
            if self._closed_by_user():
                return Quit()

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)  # lets the GUI thread take the window down
        except cv2.error:
            pass  # the user closed it already

    def discard(self) -> None:
        self.close()
