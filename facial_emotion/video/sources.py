"""Frame sources: a webcam, a video file or a single image, all iterated the same way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..errors import SourceError

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


class FrameSource:
    """Iterates frames (BGR, BGRA or gray uint8). Use as a context manager to release it."""

    def __init__(self, spec: str | int | os.PathLike):
        self.spec = spec
        self._capture = None
        self._image = None
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
        frame, self._first = self._first, None
        while frame is not None:
            yield frame
            ok, frame = self._capture.read()
            if not ok:
                break

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
