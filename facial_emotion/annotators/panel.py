"""The probability panel: one bar per emotion for the selected face, in a frame corner."""

from __future__ import annotations

import enum
from typing import NamedTuple

import numpy as np

from ..results import FrameResult
from .faces import label_height
from .style import (NEAR_TIE_POINTS, WHITE, Rect, TextStyle, caption, check_positive,
                    check_scene, darken, emotion_color, fill, overlay_scale, scaled)

TITLE_FONT_SCALE, ROW_FONT_SCALE = 0.55, 0.5  # at the reference frame size (720 px)
BAR_LENGTH = 110
MARGIN, GAP = 8, 6
TRACK_COLOR = (60, 60, 60)  # BGR: the dark groove each bar fills


class Corner(enum.Enum):
    TOP_LEFT = "top-left"
    TOP_RIGHT = "top-right"
    BOTTOM_RIGHT = "bottom-right"
    BOTTOM_LEFT = "bottom-left"  # last by default: the FPS counter sits there


class _Layout(NamedTuple):
    """The panel's sizes in pixels, for one frame size."""

    width: int
    height: int
    margin: int
    gap: int
    title: TextStyle
    title_height: int   # above the baseline
    title_depth: int    # below it
    rows: TextStyle
    row_height: int
    name_width: int
    percent_width: int
    bar_length: int


def _layout(class_names: tuple[str, ...], scale: float) -> _Layout:
    margin, gap = scaled(MARGIN, scale), scaled(GAP, scale)
    title, rows = TextStyle.at(TITLE_FONT_SCALE, scale), TextStyle.at(ROW_FONT_SCALE, scale)
    _, title_h, title_depth = title.size("#0: Ag")
    name_width = max(rows.size(name)[0] for name in class_names)
    percent_width, text_h, depth = rows.size("100%")
    row_height = text_h + depth + scaled(4, scale)
    bar_length = scaled(BAR_LENGTH, scale)
    width = 2 * margin + name_width + percent_width + bar_length + 2 * gap
    height = 2 * margin + title_h + title_depth + gap + len(class_names) * row_height
    return _Layout(width, height, margin, gap, title, title_h, title_depth, rows, row_height,
                   name_width, percent_width, bar_length)


class ProbabilityBarsAnnotator:
    """A darkened panel in a corner of the frame: a title naming the face ('#2: happy 64%')
    and one bar per emotion. It shows `result.selected_face` (the face picked by id, else
    the largest) and draws nothing in a frame without faces.

    corners: the corners it may use, in order of preference. It takes the one whose panel
    would cover the least of the faces and their labels, the first such on a tie; pass a
    single corner to pin it. max_width: the largest share of the frame's width it may take
    (it shrinks, text included, on small frames). text_scale multiplies its size.
    """

    def __init__(self, corners: tuple[Corner, ...] = tuple(Corner), max_width: float = 0.45,
                 text_scale: float = 1.0, near_tie_points: float = NEAR_TIE_POINTS):
        corners = tuple(corners)
        if not corners or not all(isinstance(c, Corner) for c in corners):
            raise ValueError(f"expected one or more Corner values, got {corners}")
        if not 0 < max_width <= 1:
            raise ValueError(f"expected max_width in (0, 1], got {max_width}")
        check_positive("text_scale", text_scale)
        self.corners, self.max_width = corners, max_width
        self.text_scale, self.near_tie_points = text_scale, near_tie_points

    def _fit(self, shape: tuple[int, ...], class_names: tuple[str, ...]) -> _Layout:
        """The panel's sizes on a frame of `shape`, shrunk until it fits."""
        scale = overlay_scale(shape) * self.text_scale
        frame_h, frame_w = shape[:2]
        layout = _layout(class_names, scale)
        while scale > 0.05 and (layout.width > self.max_width * frame_w
                                or layout.height > frame_h - 2 * layout.margin):
            scale *= 0.92
            layout = _layout(class_names, scale)
        return layout

    def _place(self, shape: tuple[int, ...], result: FrameResult, layout: _Layout) -> Rect:
        """The panel's rectangle: the allowed corner that covers the least face area."""
        frame_h, frame_w = shape[:2]
        # Faces plus a label's height above and below, where LabelAnnotator may put it.
        pad = label_height(overlay_scale(shape))
        keep_clear = [Rect(x, y - pad, x + w, y + h + pad) for x, y, w, h in
                      (face.box for face in result.faces)]
        left, top = layout.margin, layout.margin
        right = max(frame_w - layout.margin - layout.width, 0)
        bottom = max(frame_h - layout.margin - layout.height, 0)
        origins = {Corner.TOP_LEFT: (left, top), Corner.TOP_RIGHT: (right, top),
                   Corner.BOTTOM_RIGHT: (right, bottom), Corner.BOTTOM_LEFT: (left, bottom)}
        candidates = [Rect(x, y, x + layout.width, y + layout.height)
                      for x, y in (origins[corner] for corner in self.corners)]
        # min() keeps the first of equal scores, so ties go to the preferred corner.
        return min(candidates, key=lambda rect: sum(rect.overlap(k) for k in keep_clear))

    def annotate(self, scene: np.ndarray, result: FrameResult) -> np.ndarray:
        check_scene(scene, result)
        face = result.selected_face
        if face is None:
            return scene
        lay = self._fit(scene.shape, face.class_names)
        panel = self._place(scene.shape, result, lay)
        darken(scene, panel)
        left = panel.x0 + lay.margin

        # The title, in the colour of the face's box and label, so the two are matched up.
        title = caption(face, self.near_tie_points)
        lay.title.fit(title, lay.width - 2 * lay.margin).draw(
            scene, title, left, panel.y0 + lay.margin + lay.title_height, emotion_color(face))

        # One row per class: name, percentage (right-aligned), bar.
        top = panel.y0 + lay.margin + lay.title_height + lay.title_depth + lay.gap
        _, text_h, depth = lay.rows.size("100%")
        bar_left = left + lay.name_width + lay.gap + lay.percent_width + lay.gap
        bar_h = max(2, round(lay.row_height * 0.7))
        for i, (name, p) in enumerate(zip(face.class_names, face.probabilities)):
            row_top = top + i * lay.row_height
            baseline = row_top + (lay.row_height + text_h - depth) // 2
            lay.rows.draw(scene, name, left, baseline, WHITE)
            percent = f"{float(p) * 100:.0f}%"
            lay.rows.draw(scene, percent, bar_left - lay.gap - lay.rows.size(percent)[0],
                          baseline, WHITE)
            bar_top = row_top + (lay.row_height - bar_h) // 2
            bar = Rect(bar_left, bar_top, bar_left + lay.bar_length, bar_top + bar_h)
            fill(scene, bar, TRACK_COLOR)
            filled = round(lay.bar_length * float(np.clip(p, 0, 1)))
            fill(scene, bar._replace(x1=bar.x0 + filled), emotion_color(face, i))
        return scene
