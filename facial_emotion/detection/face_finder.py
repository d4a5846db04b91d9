"""Face boxes from OpenCV's Haar cascade, found at a reduced width and scaled back."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelError

DEFAULT_CASCADE = "haarcascade_frontalface_default.xml"
LOCAL_CASCADES = Path(__file__).resolve().parents[2] / "haarcascade_files"


def resolve_cascade(cascade: str | os.PathLike | None) -> Path:
    """A path as given, else a file name in haarcascade_files/ or OpenCV's bundled cascades."""
    name = Path(cascade or DEFAULT_CASCADE)
    for candidate in (name, LOCAL_CASCADES / name, Path(cv2.data.haarcascades) / name):
        if candidate.is_file():
            return candidate
    raise ModelError(f"Haar cascade not found: {name} (looked in the current folder, "
                     f"{LOCAL_CASCADES} and {cv2.data.haarcascades})")


class HaarFaceFinder:
    """Finds frontal faces.

    detect_width: frames wider than this are shrunk to it before detection (boxes are scaled
        back); lower is faster but misses small faces; None detects at full size.
    scale_factor: image-pyramid step; lower finds more faces, slower.
    min_neighbors: votes a box needs; higher gives fewer false faces but misses some.
    min_size: smallest face, in full-frame pixels.
    """

    def __init__(self, cascade: str | os.PathLike | None = None, detect_width: int | None = 320,
                 scale_factor: float = 1.1, min_neighbors: int = 5, min_size: int = 40):
        path = resolve_cascade(cascade)
        self.classifier = cv2.CascadeClassifier()
        try:
            loaded = self.classifier.load(str(path))
        except cv2.error:  # OpenCV raises, rather than returning False, on a file that is not XML
            loaded = False
        if not loaded or self.classifier.empty():
            raise ModelError(f"{path}: not a valid Haar cascade XML file")
        if detect_width is not None and detect_width < 32:
            raise ValueError(f"expected detect_width >= 32 or None, got {detect_width}")
        self.detect_width = detect_width
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size

    def find(self, gray: np.ndarray) -> np.ndarray:
        """int (N, 4) boxes (x, y, w, h) in `gray`'s pixels, clipped to the frame."""
        height, width = gray.shape[:2]
        scale = 1.0
        small = gray
        if self.detect_width and width > self.detect_width:
            scale = self.detect_width / width
            small = cv2.resize(gray, (self.detect_width, max(1, round(height * scale))),
                               interpolation=cv2.INTER_AREA)
        min_side = max(1, round(self.min_size * scale))
        boxes = self.classifier.detectMultiScale(small, scaleFactor=self.scale_factor,
                                                 minNeighbors=self.min_neighbors,
                                                 minSize=(min_side, min_side))
        if len(boxes) == 0:
            return np.zeros((0, 4), dtype=np.int32)
        boxes = np.round(np.asarray(boxes, dtype=np.float64) / scale).astype(np.int32)
        return clip_boxes(boxes, width, height)


def clip_boxes(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Clip (x, y, w, h) boxes to the frame and drop any left empty."""
    x0 = np.clip(boxes[:, 0], 0, width)
    y0 = np.clip(boxes[:, 1], 0, height)
    x1 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y1 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    clipped = np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.int32)
    return clipped[(clipped[:, 2] > 0) & (clipped[:, 3] > 0)]
