"""Per-face annotators: a box around each face, and a caption next to it."""

from __future__ import annotations

import numpy as np

from ..results import FrameResult
from .style import (NEAR_TIE_POINTS, Rect, TextStyle, caption, check_positive, check_scene,
                    emotion_color, fill, overlay_scale, scaled, text_color_on)

LABEL_FONT_SCALE = 0.6  # at the reference frame size (720 px); see style.REFERENCE_SIZE
LABEL_PADDING = 4


class BoxAnnotator:
    """A rectangle around each face, coloured by its top emotion.

    thickness: the line width in pixels on a 720 px frame, scaled with the frame. The line
    is drawn inside the face box, so a face at the frame's edge keeps its whole outline.
    """

    def __init__(self, thickness: float = 2):
        check_positive("thickness", thickness)
        self.thickness = thickness

    def annotate(self, scene: np.ndarray, result: FrameResult) -> np.ndarray:
        check_scene(scene, result)
        t = scaled(self.thickness, overlay_scale(scene.shape))
        height, width = scene.shape[:2]
        for face in result.faces:
            x, y, w, h = face.box
            # Four strips rather than cv2.rectangle, whose thick lines straddle the box edge.
            x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
            tw, th = min(t, (w + 1) // 2), min(t, (h + 1) // 2)
            color = emotion_color(face)
            for rows, cols in ((slice(y0, min(y + th, y1)), slice(x0, x1)),
                               (slice(max(y + h - th, y0), y1), slice(x0, x1)),
                               (slice(y0, y1), slice(x0, min(x + tw, x1))),
                               (slice(y0, y1), slice(max(x + w - tw, x0), x1))):
                scene[rows, cols] = color
        return scene


def label_height(scale: float, text_scale: float = 1.0) -> int:
    """The height of one face label on a frame of overlay scale `scale`, in pixels."""
    _, h, depth = TextStyle.at(LABEL_FONT_SCALE * text_scale, scale).size("#0: Ag")
    return h + depth + 2 * scaled(LABEL_PADDING, scale)


def place_label(box: tuple[int, int, int, int], size: tuple[int, int],
                frame_shape: tuple[int, ...], margin: int) -> Rect:
    """Where a label of `size` (w, h) goes for a face `box`, inside the frame with `margin`:
    above the box; below it when there is no room above; at the top inside the box when
    neither fits. Left-aligned with the box, shifted left where it would pass the right edge."""
    frame_h, frame_w = frame_shape[:2]
    x, y, w, h = box
    lw, lh = size
    x0 = max(min(x, frame_w - margin - lw), min(margin, frame_w - lw), 0)
    if y - lh >= margin:
        y0 = y - lh
    elif y + h + lh <= frame_h - margin:
        y0 = y + h
    else:
        y0 = max(min(max(y, margin), frame_h - margin - lh), 0)
    return Rect(x0, y0, x0 + lw, y0 + lh)


class LabelAnnotator:
    """Each face's caption ('#2: happy 64%', or 'fear/neutral 24/22%' for a near tie) on a
    tag of its emotion's colour, above its box, or below it at the top of the frame.

    text_scale: multiplies the frame-derived text size; 1.0 is 0.6 (OpenCV font scale) on
    a 720 px frame. near_tie_points: see style.NEAR_TIE_POINTS.
    """

    def __init__(self, text_scale: float = 1.0, near_tie_points: float = NEAR_TIE_POINTS):
        check_positive("text_scale", text_scale)
        self.text_scale, self.near_tie_points = text_scale, near_tie_points

    def annotate(self, scene: np.ndarray, result: FrameResult) -> np.ndarray:
        check_scene(scene, result)
        scale = overlay_scale(scene.shape)
        pad, margin = scaled(LABEL_PADDING, scale), scaled(2, scale)
        base = TextStyle.at(LABEL_FONT_SCALE * self.text_scale, scale)
        for face in result.faces:
            text = caption(face, self.near_tie_points)
            style = base.fit(text, scene.shape[1] - 2 * (margin + pad))
            w, h, depth = style.size(text)
            rect = place_label(face.box, (w + 2 * pad, h + depth + 2 * pad), scene.shape, margin)
            color = emotion_color(face)
            fill(scene, rect, color)
            style.draw(scene, text, rect.x0 + pad, rect.y0 + pad + h, text_color_on(color))
        return scene
