"""The frame rate, bottom left."""

from __future__ import annotations

import numpy as np

from ..results import FrameResult
from .style import BLACK, TextStyle, check_positive, check_scene, overlay_scale, scaled

FPS_FONT_SCALE = 0.6  # at the reference frame size (720 px)


class FpsAnnotator:
    """`result.fps` as '24.8 FPS', bottom left, in `color` (BGR) with a dark outline so it
    reads on bright frames too. Draws nothing while the rate is unknown (None); measuring
    it is the loop's job. text_scale multiplies the frame-derived size."""

    def __init__(self, color: tuple[int, int, int] = (0, 255, 0), text_scale: float = 1.0):
        check_positive("text_scale", text_scale)
        self.color, self.text_scale = tuple(color), text_scale

    def annotate(self, scene: np.ndarray, result: FrameResult) -> np.ndarray:
        check_scene(scene, result)
        if result.fps is None:
            return scene
        scale = overlay_scale(scene.shape)
        text = f"{result.fps:.1f} FPS"
        style = TextStyle.at(FPS_FONT_SCALE * self.text_scale, scale)
        margin = scaled(8, scale) + style.thickness + 2
        style = style.fit(text, scene.shape[1] - 2 * margin)
        outline = style._replace(thickness=style.thickness + 2)  # the dark rim around the text
        _, _, depth = outline.size(text)
        baseline = scene.shape[0] - margin - depth
        outline.draw(scene, text, margin, baseline, BLACK)
        # Hairline antialiased strokes would hold no pixel of the exact colour: draw them crisp.
        style.draw(scene, text, margin, baseline, self.color, antialiased=style.thickness > 1)
        return scene
