"""Tiny synthetic scenes and faces for the annotator tests, and ways to find what was drawn."""

from __future__ import annotations

import numpy as np

from facial_emotion import Face, FrameResult
from facial_emotion.annotators import (EMOTION_COLORS, BoxAnnotator, FpsAnnotator,
                                       LabelAnnotator, ProbabilityBarsAnnotator)
from facial_emotion.labels import EMOTIONS

GREY = 128
# (width, height): a small webcam, a small photo, a large photo, 4K UHD.
SIZES = [(320, 240), (600, 400), (2048, 1365), (3840, 2160)]


def grey(width: int, height: int) -> np.ndarray:
    """A flat mid-grey BGR scene: every colour drawn on it, dark or light, shows."""
    return np.full((height, width, 3), GREY, np.uint8)


def face(box, emotion: str = "happy", p: float = 0.9, track_id: int | None = None,
         probabilities=None) -> Face:
    """A face whose top emotion is `emotion` at `p`, the rest shared evenly."""
    if probabilities is None:
        probabilities = np.full(len(EMOTIONS), (1 - p) / (len(EMOTIONS) - 1), np.float32)
        probabilities[EMOTIONS.index(emotion)] = p
    return Face(box, probabilities, track_id)


def result(scene: np.ndarray, faces=(), fps=None, selected_id=None) -> FrameResult:
    return FrameResult(0, 0.0, scene, tuple(faces), fps, selected_id)


def all_annotators():
    return [ProbabilityBarsAnnotator(), BoxAnnotator(), LabelAnnotator(), FpsAnnotator()]


def color_of(emotion: str) -> tuple[int, int, int]:
    return EMOTION_COLORS[EMOTIONS.index(emotion)]


def mask_of(scene: np.ndarray, color) -> np.ndarray:
    """Where `scene` is exactly `color` (BGR)."""
    return np.all(scene == np.array(color, np.uint8), axis=2)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), ends exclusive, of the True pixels; None when there are none."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def border_untouched(scene: np.ndarray, original: np.ndarray) -> bool:
    """True when the outermost rows and columns are as they were. Anything cut off by the
    frame's edge would cross them, so an untouched border means nothing was drawn outside."""
    return all(np.array_equal(scene[rows, cols], original[rows, cols])
               for rows, cols in ((0, slice(None)), (-1, slice(None)),
                                  (slice(None), 0), (slice(None), -1)))
