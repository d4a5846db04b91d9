"""Real-time facial emotion recognition: Mini-Xception on FER2013, every face, live.

Heavy modules (TensorFlow, OpenCV) load on first use, so `import facial_emotion` is cheap
and the command-line tools can set TensorFlow's environment before it starts.
"""

from importlib import import_module

from .errors import (DatasetError, FacialEmotionError, ModelError, OutputError, RunError,
                     SourceError)
from .labels import EMOTIONS
from .results import Face, FrameResult

_LAZY = {
    "analyze": "facial_emotion.analysis",
    "EmotionDetector": "facial_emotion.detection",
    "FaceTracker": "facial_emotion.detection",
    "EmotionClassifier": "facial_emotion.detection",
    "load_fer2013": "facial_emotion.data",
}

__all__ = ["EMOTIONS", "DatasetError", "Face", "FacialEmotionError", "FrameResult", "ModelError",
           "OutputError", "RunError", "SourceError", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'facial_emotion' has no attribute {name!r}")
