"""Frame sources: a webcam, a video file or a single image, all iterated the same way.

A video's next frames are decoded on a background thread while the caller works on this one
(OpenCV releases the GIL while it decodes, so the two overlap where a core is free).
Decoding a 596x336 frame costs ~0.3-1 ms (mp4v) to ~1.7 ms (VP9): a share of the frame time
worth hiding once face finding takes only a few milliseconds.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from ..errors import SourceError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}


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
    frames, in order, until it reports the end, raises, or `close()` is called."""

    _END = object()

    def __init__(self, read: Callable[[], tuple[bool, np.ndarray]], depth: int):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
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

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._thread.is_alive():
                    continue
                return  # stopped by close(): nothing more will come
            if item is self._END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def close(self, timeout_s: float = 5.0) -> bool:
        """Stop reading; False if the thread is still inside a read after `timeout_s`."""
        self._stop.set()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()


@dataclass(frozen=True)
class _Failed:
    error: Exception


class FrameSource:
    """Iterates frames (BGR, BGRA or gray uint8). Use as a context manager to release it.

    read_ahead: decode a video's next frames on a background thread while the caller works
        on this one (up to 4 frames ahead for a file, 1 for a camera so that what is shown
        stays live). Frames come in the same order either way; False reads on demand.
    """

    def __init__(self, spec: str | int | os.PathLike, *, read_ahead: bool = True):
        self.spec = spec
        self.read_ahead = bool(read_ahead)
        self._capture = None
        self._image = None
        self._reader: _ReadAhead | None = None
        if isinstance(spec, int) or str(spec).isdigit():
            self._open_camera(int(spec))
        else:
            self._open_file(Path(spec))

    def _open_camera(self, index: int) -> None:
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            raise SourceError(f"cannot open camera {index}: is it connected and not in use? "
                              "(use --source FILE for a video or image)")
        ok, first = capture.read()
        if not ok:
            capture.release()
            raise SourceError(f"camera {index} opened but gave no frame")
        self._capture, self._first = capture, first
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.info = VideoInfo(first.shape[1], first.shape[0], fps if fps > 0 else 30.0, None, True)

    def _open_file(self, path: Path) -> None:
        if not path.is_file():
            raise SourceError(f"no such file: {path}")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            # IMREAD_UNCHANGED keeps gray and BGRA images as they are; the detector takes all three.
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if image is None:
                raise SourceError(f"{path}: not a readable image")
            if image.dtype != np.uint8:
                image = cv2.convertScaleAbs(image, alpha=255.0 / max(float(image.max()), 1.0))
            self._image = image
            self.info = VideoInfo(image.shape[1], image.shape[0], 0.0, 1)
            return
        capture = cv2.VideoCapture(str(path))
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok:
            capture.release()
            raise SourceError(f"{path}: not a readable video or image")
        self._capture, self._first = capture, first
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.info = VideoInfo(first.shape[1], first.shape[0], fps if fps > 0 else 30.0,
                              count if count > 0 else None)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._image is not None:
            yield self._image
            return
        if self._capture is None:  # closed
            return
        first, self._first = self._first, None
        if not self.read_ahead:
            capture, frame = self._capture, first
            while frame is not None:
                yield frame
                ok, frame = capture.read()  # False once closed: a released capture reads nothing
                if not ok:
                    break
            return
        self._stop_reading()
        # Started before the first frame is handed out, so the second decodes meanwhile.
        reader = self._reader = _ReadAhead(self._capture.read, 1 if self.info.live else 4)
        try:
            if first is not None:
                yield first
            yield from reader
        finally:  # also when the caller stops early: no thread is left reading
            if self._reader is reader:
                self._stop_reading()
            else:  # a later iteration replaced it (and stopped it already)
                reader.close()

    def _stop_reading(self) -> bool:
        reader, self._reader = self._reader, None
        return reader.close() if reader is not None else True

    def close(self) -> None:
        """Stop reading ahead and release the camera or file; safe to call twice."""
        if not self._stop_reading():
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
