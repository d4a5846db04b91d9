"""Faces in frames: Haar face finding, batched emotion classification, tracking.

The classifier (and so EmotionDetector) loads TensorFlow or LiteRT; it is imported on first
use, so face finding, boxes and tracking can be used, and the CLI can read the defaults
(`detect_width_for`), without that cost.
"""

from importlib import import_module

from ..results import Face
from .boxes import clip_boxes, iou_matrix, merge_duplicates
from .face_finder import (IMAGE_DETECT_WIDTH, VIDEO_DETECT_WIDTH, HaarFaceFinder,
                          detect_width_for)
from .tracker import FaceTracker

_LAZY = {
    "EmotionClassifier": ".classifier",
    "crop_faces": ".classifier",
    "EmotionDetector": ".detector",
    "DEFAULT_FULL_SCAN_EVERY": ".detector",
}

__all__ = ["DEFAULT_FULL_SCAN_EVERY", "IMAGE_DETECT_WIDTH", "VIDEO_DETECT_WIDTH",
           "EmotionClassifier", "EmotionDetector", "Face", "FaceTracker", "HaarFaceFinder",
           "clip_boxes", "crop_faces", "detect_width_for", "iou_matrix", "merge_duplicates"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
