"""Faces in frames: face finding (YuNet, Haar cascade or MTCNN), crops framed like FER2013,
batched emotion classification, tracking.

The classifier (and so EmotionDetector) loads TensorFlow or LiteRT, and MtcnnFaceFinder
TensorFlow; they are imported on first use, so YuNet and Haar face finding, crops, boxes and
tracking can be used, and the CLI can read the defaults (`detect_width_for`), without that
cost.
"""

from importlib import import_module

from ..results import LANDMARKS, Face
from .alignment import FER_EYES, align_face, crop_faces
from .boxes import clip_boxes, iou_matrix, merge_duplicates
from .face_finder import (FACE_FINDERS, IMAGE_DETECT_WIDTH, VIDEO_DETECT_WIDTH, HaarFaceFinder,
                          detect_width_for, make_finder)
from .tracker import FaceTracker
from .yunet_finder import YunetFaceFinder

_LAZY = {
    "EmotionClassifier": ".classifier",
    "MtcnnFaceFinder": ".mtcnn_finder",
    "EmotionDetector": ".detector",
    "DEFAULT_FULL_SCAN_EVERY": ".detector",
}

__all__ = ["DEFAULT_FULL_SCAN_EVERY", "FACE_FINDERS", "FER_EYES", "IMAGE_DETECT_WIDTH",
           "LANDMARKS", "VIDEO_DETECT_WIDTH", "EmotionClassifier", "EmotionDetector", "Face",
           "FaceTracker", "HaarFaceFinder", "MtcnnFaceFinder", "YunetFaceFinder", "align_face",
           "clip_boxes", "crop_faces", "detect_width_for", "iou_matrix", "make_finder",
           "merge_duplicates"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
