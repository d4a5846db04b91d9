"""Small drawing classes that chain: style goes in `__init__`, and each has one method,
`annotate(scene, result)`, that draws a `FrameResult` in place on a BGR uint8 scene and
returns it. The caller decides whether to copy the frame first.

Everything scales with the frame: one factor, `overlay_scale(shape)`, sizes the text, lines
and panel, so the overlay reads the same from a 320 px webcam frame to a 4K photo, and
labels and the panel are kept inside the frame. Colours are BGR, as OpenCV wants them.
"""

from .faces import BoxAnnotator, LabelAnnotator
from .fps import FpsAnnotator
from .panel import Corner, ProbabilityBarsAnnotator
from .style import (EMOTION_COLORS, NEAR_TIE_POINTS, caption, class_color, emotion_color,
                    overlay_scale)


def default_annotators() -> list:
    """What the tools draw, in order: the panel first, so that boxes and labels are drawn
    over it where they meet, then the boxes, the labels and the frame rate."""
    return [ProbabilityBarsAnnotator(), BoxAnnotator(), LabelAnnotator(), FpsAnnotator()]


__all__ = ["EMOTION_COLORS", "NEAR_TIE_POINTS", "BoxAnnotator", "Corner", "FpsAnnotator",
           "LabelAnnotator", "ProbabilityBarsAnnotator", "caption", "class_color",
           "default_annotators", "emotion_color", "overlay_scale"]
