"""Faces in frames: Haar face finding, batched emotion classification, tracking."""

from .classifier import EmotionClassifier, crop_faces
from .detector import EmotionDetector
from ..results import Face
from .face_finder import HaarFaceFinder
from .tracker import FaceTracker, iou_matrix

__all__ = ["EmotionClassifier", "EmotionDetector", "Face", "FaceTracker", "HaarFaceFinder",
           "crop_faces", "iou_matrix"]
