"""Live network cameras: RTSP and HTTP(S) streams (MJPEG, H.264, ...) read through OpenCV's
FFmpeg backend, and reopened when they stall or drop.

A stream is live like a camera: its frames are timed by the clock, and a stream that ends
after a drop is the normal end of a live source, not an error. Only a stream that cannot be
opened at all is one. A password in the URL is never shown: every message names the stream
by `masked(url)`.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import cv2
import numpy as np

from ..errors import SourceError

log = logging.getLogger(__name__)

STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")
# How long a dropped stream is reopened before the run ends: long enough to ride out a Wi-Fi
# blip or a camera restarting its stream server, short enough that a camera that is gone
# still ends the run (with everything written) in half a minute.
RECONNECT_S = 30.0
# How long an open may take (connecting, then FFmpeg probing the first frames) before it
# counts as failed. Read when a stream opens, so tests can shorten them.
OPEN_TIMEOUT_S = 10.0
# No frame for this long is a stall: well above the gap between frames of a camera sending
# 1 fps or more, and short enough that a frozen picture is noticed soon.
READ_TIMEOUT_S = 5.0
# The wait between reopening attempts doubles from this up to the cap: a stream back in a
# moment costs little, and a camera that is rebooting is not asked several times a second.
FIRST_WAIT_S = 0.5
MAX_WAIT_S = 8.0


def is_stream(spec: str | int | os.PathLike) -> bool:
    """Whether `spec` names a network stream (rtsp://, rtsps://, http://, https://)."""
    if not isinstance(spec, str):
        return False
    scheme, sep, _ = spec.partition("://")
    return bool(sep) and scheme.lower() in STREAM_SCHEMES


def _split(url: str) -> tuple[str, str, str, str]:
    """(scheme, user info, host[:port], the rest) as FFmpeg splits a URL: the authority runs
    up to the first "/", "?" or "#", and the user info ends at its last "@"."""
    scheme, _, rest = url.partition("://")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    userinfo, _, host = rest[:end].rpartition("@")
    return scheme, userinfo, host, rest[end:]


def masked(url: str) -> str:
    """`url` with the password of its user info hidden: rtsp://user:***@host/path."""
    scheme, userinfo, host, rest = _split(url)
    user, colon, _ = userinfo.partition(":")
    if "://" not in url or not colon:
        return url
    return f"{scheme}://{user}:***@{host}{rest}"


def check_stream(url: str) -> None:
    """Raise SourceError for a stream URL that cannot name a camera (no host), unopened."""
    host = _split(url)[2]
    if not host or host.startswith(":"):
        raise SourceError(f"expected a stream URL with a host, e.g. rtsp://camera/stream, "
                          f"got {masked(url)}")


class StreamCapture:
    """A network stream read like an OpenCV capture (`read`, `get`, `release`) that reopens
    itself when a read fails or stalls, for up to `reconnect_s` seconds from the moment the
    loss is noticed; after that, `read` reports the end. Opening raises SourceError when the
    stream gives no answer, refuses, or is not a video.

    reconnect_s: higher rides out longer outages, lower ends a run on a lost camera sooner;
        0 ends it at the first drop. After a drop the first attempt is at once, then the
        wait doubles from FIRST_WAIT_S up to MAX_WAIT_S.
    open_timeout_s, read_timeout_s: how long one open may take, and how long without a frame
        counts as a stall; None reads OPEN_TIMEOUT_S and READ_TIMEOUT_S.

    `read` blocks (through a reconnect too) and belongs on one thread; `stop` and `release`
    may be called from any other, and wake a reconnect wait at once. A stopped stream ends.
    """

    def __init__(self, url: str, reconnect_s: float = RECONNECT_S, *,
                 open_timeout_s: float | None = None, read_timeout_s: float | None = None,
                 clock=time.monotonic):
        if not reconnect_s >= 0:  # also NaN
            raise ValueError(f"expected reconnect_s of 0 or more, got {reconnect_s}")
        self.url, self.name = url, masked(url)
        self.reconnect_s = float(reconnect_s)
        self.open_timeout_s = OPEN_TIMEOUT_S if open_timeout_s is None else open_timeout_s
        self.read_timeout_s = READ_TIMEOUT_S if read_timeout_s is None else read_timeout_s
        self._clock = clock
        self._stopped = threading.Event()
        # Held by the thread inside read(): only that thread touches the capture meanwhile.
        self._busy = threading.Lock()
        self._shape: tuple[int, ...] | None = None  # the first frame's; set once one came
        self._capture = self._open(self.open_timeout_s)
        if self._capture is None:
            raise SourceError(f"cannot open the stream {self.name}: no answer within "
                              f"{self.open_timeout_s:g} s, refused, or not a video")

    def _open(self, timeout_s: float) -> cv2.VideoCapture | None:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, max(1, round(timeout_s * 1000)),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, max(1, round(self.read_timeout_s * 1000))]
        capture = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        if capture.isOpened():
            return capture
        capture.release()
        return None

    def get(self, prop: int) -> float:
        capture = self._capture
        return capture.get(prop) if capture is not None else 0.0

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next frame, (True, frame); (False, None) once the stream has ended or was
        stopped, and when it gives no first frame (the caller reports that)."""
        with self._busy:
            ok, frame = self._next()
            if self._stopped.is_set():
                ok, frame = False, None
                self._drop()
        if self._stopped.is_set():  # stop() came as the lock was let go: it could not drop
            self._release_idle()
        return ok, frame

    def _next(self) -> tuple[bool, np.ndarray | None]:
        if self._capture is None:  # ended, or released
            return False, None
        started = self._clock()
        ok, frame = self._capture.read()
        if ok:
            self._shape = self._shape or frame.shape
            return True, frame
        if self._shape is None:
            return False, None
        # FFmpeg reports a stall (its read timeout) and a closed connection alike; how long
        # the read took tells them apart, for the message.
        stalled = self._clock() - started >= 0.9 * self.read_timeout_s
        return self._reconnect(f"no frame for {self.read_timeout_s:g} s" if stalled
                               else "the stream dropped")

    def _reconnect(self, why: str) -> tuple[bool, np.ndarray | None]:
        self._drop()
        lost = self._clock()
        if self.reconnect_s == 0:
            log.warning("%s: %s; ended (reconnecting is off)", self.name, why)
            return False, None
        log.warning("%s: %s; reopening it for up to %g s", self.name, why, self.reconnect_s)
        deadline, wait = lost + self.reconnect_s, 0.0
        while True:
            if self._stopped.wait(max(0.0, min(wait, deadline - self._clock()))):
                return False, None
            left = deadline - self._clock()
            if left <= 0:
                break
            capture = self._open(min(self.open_timeout_s, left))
            ok, frame = capture.read() if capture is not None else (False, None)
            if ok and frame.shape == self._shape and not self._stopped.is_set():
                self._capture = capture
                log.info("%s: back after %.1f s", self.name, self._clock() - lost)
                return True, frame
            if capture is not None:
                capture.release()
            if ok and frame.shape != self._shape:
                # Boxes, the video written and the window all assume one frame size.
                log.warning("%s: came back as %dx%d, not %dx%d as it began; ended", self.name,
                            frame.shape[1], frame.shape[0], self._shape[1], self._shape[0])
                return False, None
            wait = FIRST_WAIT_S if wait == 0 else min(2 * wait, MAX_WAIT_S)
        log.warning("%s: no frames for %g s after the stream dropped; ended", self.name,
                    self.reconnect_s)
        return False, None

    def stop(self) -> None:
        """End the stream: a reconnect wait returns at once, and a read in progress reports
        the end as soon as its open or read returns (at most its timeout)."""
        self._stopped.set()

    def release(self) -> None:
        """Stop, and release the capture: now, or when a read in progress on another thread
        returns (that thread releases it). Safe to call twice."""
        self.stop()
        self._release_idle()

    def _release_idle(self) -> None:
        if self._busy.acquire(blocking=False):
            try:
                self._drop()
            finally:
                self._busy.release()

    def _drop(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
