"""Frame sources: a webcam, a network stream, a video file or a single image, all iterated
the same way. A stream (rtsp://, http://, ...) is live like a webcam; streams.py reads it.

A source with one frame is a still, whatever its container (a photo, a static GIF, a
one-frame video), and a photo comes upright, as a viewer shows it. Each frame of a file
carries its own time from the container, so a video whose frame rate varies is timed right.

A video's next frames are decoded on a background thread while the caller works on this one
(OpenCV releases the GIL while it decodes, so the two overlap where a core is free).
Decoding a 596x336 frame costs ~0.3-1 ms (mp4v) to ~1.7 ms (VP9): a share of the frame time
worth hiding once face finding takes only a few milliseconds.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from ..errors import SourceError
from ..frames import as_uint8
from .streams import RECONNECT_S, StreamCapture, check_stream, is_stream, masked

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}
# Formats that may hold an alpha channel, which only IMREAD_UNCHANGED keeps.
ALPHA_SUFFIXES = {".png", ".webp", ".tif", ".tiff"}
# Depth and gray kept, EXIF orientation applied: a phone photo stored sideways (Orientation
# 6 or 8) comes upright, as a viewer shows it. IMREAD_UNCHANGED would ignore the orientation.
ORIENTED = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR
# A file that declares more frames than could be read, by more than this many (or 5%), was
# cut short or is damaged: worth a warning, since the run otherwise looks complete. A few
# frames of slack allow for containers whose count is an estimate from the duration.
MISSING_FRAMES_SLACK = 2
# How long closing a stream waits for its reader: one inside an open or a read that only the
# timeout ends releases the stream itself when that returns, so the run need not wait for it.
STREAM_READER_JOIN_S = 0.5


def check_source(spec: str | int | os.PathLike) -> None:
    """Raise SourceError for a source that cannot be a camera, video or image, without
    opening it: an empty name, a missing file, a folder, a URL of another kind than a stream.
    Cheap, so tools call it first."""
    if isinstance(spec, int) or str(spec).isdigit():
        return
    if is_stream(spec):
        check_stream(spec)
        return
    if not str(spec).strip():
        raise SourceError("expected a camera index, a video or an image file as the source, "
                          "got an empty name")
    path = Path(spec)
    if path.is_dir():
        raise SourceError(f"{path} is a folder; expected a video or image file")
    if not path.exists():
        if "://" in str(spec):
            raise SourceError(f"expected a stream URL (rtsp://, rtsps://, http:// or https://) "
                              f"or a file, got {masked(str(spec))}")
        raise SourceError(f"no such file: {path}")
    if not path.is_file():
        raise SourceError(f"{path} is not a regular file; expected a video or image file "
                          "(a camera by its index, e.g. 0)")


def read_image(path: Path) -> np.ndarray | None:
    """The picture in `path` as a viewer shows it (EXIF orientation applied), 8-bit, gray,
    BGR or BGRA; None when OpenCV cannot decode it. An image with alpha is kept as stored
    (OpenCV orients only what it reads without alpha); phone photos are JPEGs, without."""
    image = None
    if path.suffix.lower() in ALPHA_SUFFIXES:
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is not None and not (image.ndim == 3 and image.shape[2] == 4):
            image = None  # no alpha after all: read it oriented
    if image is None:
        image = cv2.imread(str(path), ORIENTED)
    return None if image is None else as_uint8(image)


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float               # 0 for a still image
    frame_count: int | None  # None for a live camera
    live: bool = False

    @property
    def is_image(self) -> bool:
        return self.fps == 0 and self.frame_count == 1 and not self.live


class _ReadAhead:
    """Calls `read()` (an OpenCV capture's) on a background thread and queues up to `depth`
    frames, in order, until it reports the end, raises, or `close()` is called.

    latest: when the queue is full, a new frame takes the place of the oldest instead of
        waiting, so that a caller slower than a live stream sees its latest frames, not ever
        older ones. interrupt: called by `close()` to end a read that is waiting.
    """

    _END = object()

    def __init__(self, read: Callable[[], tuple[bool, object]], depth: int, *,
                 latest: bool = False, interrupt: Callable[[], None] | None = None):
        self.ended = False  # the read reported the end (not stopped, not failed)
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._latest, self._interrupt = latest, interrupt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(read,), daemon=True,
                                        name="frame-read-ahead")
        self._thread.start()

    def _run(self, read) -> None:
        try:
            while not self._stop.is_set():
                ok, frame = read()
                if not ok:
                    break
                if self._latest and self._queue.full():
                    with contextlib.suppress(queue.Empty):  # the caller may just have taken it
                        self._queue.get_nowait()
                if not self._put(frame):
                    return
        except Exception as exc:  # handed to the consumer, which raises it
            self._put(_Failed(exc))
            return
        self._put(self._END)

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._thread.is_alive():
                    continue
                return  # stopped by close(): nothing more will come
            if item is self._END:
                self.ended = True
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def close(self, timeout_s: float = 5.0) -> bool:
        """Stop reading; False if the thread is still inside a read after `timeout_s`."""
        self._stop.set()
        if self._interrupt is not None:
            self._interrupt()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()


@dataclass(frozen=True)
class _Failed:
    error: Exception


class FrameSource:
    """Iterates frames (BGR, BGRA or gray uint8); `timed()` iterates (time_s, frame) pairs.
    Use as a context manager to release it.

    read_ahead: decode a video's next frames on a background thread while the caller works
        on this one (up to 4 frames ahead for a file, 1 for a camera or a stream so that what
        is shown stays live; a stream's frame not yet taken is replaced by a newer one).
        Frames come in the same order either way; False reads on demand.
    reconnect_s: for a stream, how long to reopen it after it stalls or drops before it
        ends (streams.StreamCapture); 0 ends it at the first drop.
    """

    def __init__(self, spec: str | int | os.PathLike, *, read_ahead: bool = True,
                 reconnect_s: float = RECONNECT_S):
        self.spec = spec
        self.read_ahead = bool(read_ahead)
        self._capture = None
        self._image = None
        self._first: list[tuple[float | None, np.ndarray]] = []  # read while opening
        self._last_time: float | None = None
        self._declared = 0  # the frame count the file declares, to tell a cut-short file
        self._live = False  # a camera: frames are timed by the clock, not the capture
        self._reader: _ReadAhead | None = None
        self._stream: StreamCapture | None = None
        if isinstance(spec, int) or str(spec).isdigit():
            self._open_camera(int(spec))
        elif is_stream(spec):
            check_stream(spec)
            self._stream = StreamCapture(spec, reconnect_s)
            self._open_live(self._stream, masked(spec))
        else:
            check_source(spec)  # before Path(), which makes "" the current folder
            self._open_file(Path(spec))

    def _open_camera(self, index: int) -> None:
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            raise SourceError(f"cannot open camera {index}: is it connected and not in use? "
                              "(use --source FILE for a video or image)")
        self._open_live(capture, f"camera {index}")

    def _open_live(self, capture, name: str) -> None:
        """A camera's or a stream's opened capture: its first frame read, its info set."""
        self._capture, self._live = capture, True
        ok, first = self._read()
        if not ok:
            self.close()
            raise SourceError(f"{name} opened but gave no frame")
        self._first = [first]
        height, width = first[1].shape[:2]
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.info = VideoInfo(width, height, fps if fps > 0 else 30.0, None, True)

    def _open_file(self, path: Path) -> None:
        if path.suffix.lower() in IMAGE_SUFFIXES:
            image = read_image(path)
            if image is None:
                raise SourceError(f"{path}: not a readable image")
            self._still(image)
            return
        self._capture = cv2.VideoCapture(str(path))
        ok, first = self._read() if self._capture.isOpened() else (False, None)
        if not ok:
            self.close()
            raise SourceError(f"{path}: not a readable video or image")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self._declared = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        # A second frame read now: a source with only one is a still (a static GIF, a
        # one-frame video), whose faces must show at once and be searched for at full size.
        ok, second = self._read()
        if not ok:
            self.close()
            self._warn_if_cut_short(1, self._declared)
            self._still(as_uint8(first[1]))
            return
        self._first = [first, second]
        height, width = first[1].shape[:2]
        count = self._declared
        self.info = VideoInfo(width, height, fps if fps > 0 else 30.0,
                              count if count > 0 else None)

    def _still(self, image: np.ndarray) -> None:
        self._image = image
        self.info = VideoInfo(image.shape[1], image.shape[0], 0.0, 1)

    def _read(self) -> tuple[bool, tuple[float | None, np.ndarray] | None]:
        """The capture's next frame with its time in seconds, as the container gives it (a
        camera's: None); (False, None) at the end."""
        ok, frame = self._capture.read()
        if not ok:
            return False, None
        time_s = None
        if not self._live:
            time_s = self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            # A container without times gives 0, -1 or repeats: the caller counts frames then.
            if not (math.isfinite(time_s) and time_s >= 0
                    and (self._last_time is None or time_s > self._last_time)):
                time_s = None
            self._last_time = time_s if time_s is not None else self._last_time
        return True, (time_s, frame)

    def _warn_if_cut_short(self, read: int, declared: int) -> None:
        missing = declared - read
        if missing > max(MISSING_FRAMES_SLACK, declared // 20):
            log.warning("%s: only %d of the %d frames its file declares could be read; it "
                        "may be cut short or damaged", self.spec, read, declared)

    def __iter__(self) -> Iterator[np.ndarray]:
        for _, frame in self.timed():
            yield frame

    def timed(self) -> Iterator[tuple[float | None, np.ndarray]]:
        """(time_s, frame) pairs: time_s is the frame's time in the file, from the
        container, so frames of a variable frame rate are timed right; None for a camera,
        and where the container has no times. A still's one frame is at 0."""
        if self._image is not None:
            yield 0.0, self._image
            return
        if self._capture is None:  # closed
            return
        first, self._first = self._first, []
        if not self.read_ahead:
            yield from first
            read = len(first)
            while self._capture is not None:  # None once closed
                ok, item = self._read()
                if not ok:
                    self._warn_if_cut_short(read, self._declared)
                    break
                read += 1
                yield item
            return
        self._stop_reading()
        # Started before the first frames are handed out, so the next decodes meanwhile.
        stream = self._stream
        reader = self._reader = _ReadAhead(self._read, 1 if self.info.live else 4,
                                           latest=stream is not None,
                                           interrupt=stream.stop if stream else None)
        try:
            yield from first
            read = len(first)
            for item in reader:
                read += 1
                yield item
            if reader.ended:
                self._warn_if_cut_short(read, self._declared)
        finally:  # also when the caller stops early: no thread is left reading
            if self._reader is reader:
                self._stop_reading()
            else:  # a later iteration replaced it (and stopped it already)
                reader.close()

    def _stop_reading(self) -> bool:
        reader, self._reader = self._reader, None
        if reader is None:
            return True
        return reader.close(STREAM_READER_JOIN_S if self._stream else 5.0)

    def close(self) -> None:
        """Stop reading ahead and release the camera, stream or file; safe to call twice."""
        if not self._stop_reading() and self._stream is None:  # a stream's release is safe
            # Releasing a capture another thread is reading from can crash OpenCV; the
            # daemon thread ends with the process.
            log.warning("%s: the frame reader did not stop; not releasing it", self.spec)
            return
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
