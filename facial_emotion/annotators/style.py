"""What every annotator shares: the emotion colours, the frame-derived scale, the caption
text, and text boxes kept inside the frame. All colours here are BGR."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from ..labels import EMOTIONS
from ..results import Face, FrameResult

FONT = cv2.FONT_HERSHEY_SIMPLEX

# One BGR colour per FER2013 class, in EMOTIONS order: angry, disgust, fear, happy, sad,
# surprise, neutral. Plots in RGB (matplotlib) must reverse each tuple.
EMOTION_COLORS: tuple[tuple[int, int, int], ...] = (
    (40, 40, 220), (40, 140, 40), (150, 60, 150), (0, 200, 255),
    (200, 120, 40), (0, 140, 255), (170, 170, 170))
WHITE, BLACK = (255, 255, 255), (0, 0, 0)

# Sizes below are given for a frame whose shorter side is REFERENCE_SIZE pixels (720p) and
# scaled by overlay_scale(). MIN_SCALE keeps text legible on small frames (a 320x240
# webcam would otherwise get 0.33); lowering it shrinks the overlay there, text included.
REFERENCE_SIZE = 720
MIN_SCALE = 0.6

# A label names the top two emotions ("fear/neutral") when they are at most this many
# percentage points apart. Raising it shows more pairs; 0 shows both only on an exact tie.
NEAR_TIE_POINTS = 5.0


class Rect(NamedTuple):
    """A pixel rectangle, ends exclusive: columns x0..x1-1, rows y0..y1-1."""

    x0: int
    y0: int
    x1: int
    y1: int

    def overlap(self, other: Rect) -> int:
        """The area the two rectangles share, in pixels."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(w, 0) * max(h, 0)


def overlay_scale(shape: tuple[int, ...]) -> float:
    """The factor every size is multiplied by: the frame's shorter side over 720, at least
    MIN_SCALE. 1.0 for 720p, 1.5 for 1080p, 3.0 for 4K UHD."""
    return max(min(shape[0], shape[1]) / REFERENCE_SIZE, MIN_SCALE)


def scaled(value: float, scale: float) -> int:
    """A length in pixels (at least 1) for a size given at the reference frame size."""
    return max(1, round(value * scale))


def check_scene(scene, result) -> None:
    if not isinstance(scene, np.ndarray) or scene.dtype != np.uint8 or scene.ndim != 3 \
            or scene.shape[2] != 3:
        got = (f"{scene.dtype} {scene.shape}" if isinstance(scene, np.ndarray)
               else type(scene).__name__)
        raise ValueError(f"expected a BGR uint8 scene of shape (H, W, 3), got {got}")
    if not isinstance(result, FrameResult):
        raise TypeError(f"expected a FrameResult, got {type(result).__name__}")


def check_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"expected {name} > 0, got {value}")


def class_color(name: str, index: int) -> tuple[int, int, int]:
    """The BGR colour of class `name`, at `index` in its model's class names: by name for
    the FER2013 classes, so a model with another class order keeps the colours; by
    position for others."""
    position = EMOTIONS.index(name) if name in EMOTIONS else index
    return EMOTION_COLORS[position % len(EMOTION_COLORS)]


def emotion_color(face: Face, index: int | None = None) -> tuple[int, int, int]:
    """The BGR colour of class `index` of `face`; default its top emotion."""
    if index is None:
        index = int(face.probabilities.argmax())
    return class_color(face.class_names[index], index)


def text_color_on(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black on light fills (happy, surprise, neutral), white on dark ones."""
    b, g, r = background
    return BLACK if 0.114 * b + 0.587 * g + 0.299 * r > 140 else WHITE


def caption(face: Face, near_tie_points: float = NEAR_TIE_POINTS) -> str:
    """'#2: happy 64%'; 'fear/neutral 24/22%' when the top two are within near_tie_points;
    no '#N: ' for an untracked face. ASCII only: OpenCV's Hershey fonts draw nothing else."""
    p = face.probabilities
    order = np.argsort(-p, kind="stable")
    first = int(order[0])
    second = int(order[1]) if len(order) > 1 else None
    if second is not None and (p[first] - p[second]) * 100 <= near_tie_points:
        emotion = (f"{face.class_names[first]}/{face.class_names[second]} "
                   f"{p[first] * 100:.0f}/{p[second] * 100:.0f}%")
    else:
        emotion = f"{face.class_names[first]} {p[first] * 100:.0f}%"
    return emotion if face.track_id is None else f"#{face.track_id}: {emotion}"


class TextStyle(NamedTuple):
    """A font size and stroke, resolved for one frame."""

    font_scale: float
    thickness: int

    @classmethod
    def at(cls, base_font_scale: float, scale: float) -> TextStyle:
        # Strokes thicken with the font, so 4K text is not hairline.
        return cls(base_font_scale * scale, max(1, round(base_font_scale * scale * 2.2)))

    def size(self, text: str) -> tuple[int, int, int]:
        """(width, height above the baseline, depth below it) of `text`, in pixels."""
        (w, h), depth = cv2.getTextSize(text, FONT, self.font_scale, self.thickness)
        return w, h, depth

    def fit(self, text: str, max_width: int) -> TextStyle:
        """This style, shrunk if needed so that `text` is at most `max_width` wide."""
        style, shrink = self, 1.0
        while style.size(text)[0] > max_width and style.font_scale > 0.1:
            shrink *= 0.9  # the stroke shrinks with the font, as in at()
            style = TextStyle(self.font_scale * shrink, max(1, round(self.thickness * shrink)))
        return style

    def draw(self, scene: np.ndarray, text: str, left: int, baseline: int,
             color: tuple[int, int, int], antialiased: bool = True) -> None:
        cv2.putText(scene, text, (left, baseline), FONT, self.font_scale, color,
                    self.thickness, cv2.LINE_AA if antialiased else cv2.LINE_8)


def fill(scene: np.ndarray, rect: Rect, color: tuple[int, int, int]) -> None:
    """Paint a rectangle in place, clipped to the frame (a negative start would wrap)."""
    scene[max(rect.y0, 0):max(rect.y1, 0), max(rect.x0, 0):max(rect.x1, 0)] = color


def darken(scene: np.ndarray, rect: Rect, factor: float = 0.4) -> None:
    """Dim a rectangle in place, so that text and bars drawn on it read on any video."""
    roi = scene[max(rect.y0, 0):max(rect.y1, 0), max(rect.x0, 0):max(rect.x1, 0)]
    if roi.size:
        roi[:] = cv2.convertScaleAbs(roi, alpha=factor)
