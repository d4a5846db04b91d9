"""`EmotionDetector`: every face in a frame, with its emotion probabilities, in one call."""

from __future__ import annotations

import os

import numpy as np

from .classifier import EmotionClassifier, crop_faces
from ..results import Face
from ..frames import to_gray
from .face_finder import HaarFaceFinder
from .tracker import FaceTracker


class EmotionDetector:
    """Finds faces with a Haar cascade and classifies all of them in one model call.

    model: a saved classifier (.keras); default the shipped models/emotion_mini_xception.keras.
    cascade: a Haar cascade XML path or file name; default OpenCV's frontal-face cascade.
    detect_width: frames are shrunk to this width for face finding (faster; None = full size).
    track: give faces stable ids across frames and smooth their probabilities.
    smoothing: 0 turns smoothing off; towards 1 labels get steadier but slower to change.
    """

    def __init__(self, model: str | os.PathLike | None = None,
                 cascade: str | os.PathLike | None = None, *, detect_width: int | None = 320,
                 min_neighbors: int = 5, min_size: int = 40, track: bool = True,
                 smoothing: float = 0.6):
        self.finder = HaarFaceFinder(cascade, detect_width=detect_width,
                                     min_neighbors=min_neighbors, min_size=min_size)
        self.classifier = EmotionClassifier(model)
        self.tracker = FaceTracker(smoothing=smoothing) if track else None

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.classifier.class_names

    def detect(self, frame: np.ndarray) -> list[Face]:
        """Faces in a BGR, BGRA or gray frame, in the order the cascade found them."""
        gray = to_gray(frame)
        boxes = self.finder.find(gray)
        probabilities = self.classifier.predict(crop_faces(gray, boxes))
        faces = [Face(tuple(box), p, None, self.class_names) for box, p in zip(boxes, probabilities)]
        return self.tracker.update(faces) if self.tracker else faces

    def reset(self) -> None:
        """Forget tracked faces, e.g. between two videos."""
        if self.tracker:
            self.tracker.reset()
