"""FpsAnnotator: draws the loop's rate, bottom left, sized by the frame; measures nothing."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.annotators import FpsAnnotator
from tests.annotators.helpers import SIZES, bbox, border_untouched, grey, mask_of, result

GREEN = (0, 255, 0)


@pytest.mark.parametrize("width, height", SIZES)
def test_fps_bottom_left_inside_the_frame(width, height):
    scene = grey(width, height)
    FpsAnnotator().annotate(scene, result(scene, fps=29.97))
    x0, y0, x1, y1 = bbox(mask_of(scene, GREEN))
    assert x1 < width / 2 and y0 > height / 2
    assert border_untouched(scene, grey(width, height))


def test_fps_text_grows_with_the_frame():
    heights = []
    for width, height in [(320, 240), (1280, 720), (2048, 1365), (3840, 2160)]:
        scene = grey(width, height)
        FpsAnnotator().annotate(scene, result(scene, fps=30.0))
        _, y0, _, y1 = bbox(mask_of(scene, GREEN))
        heights.append(y1 - y0)
    assert heights == sorted(set(heights)), heights
    assert heights[0] >= 7


def test_no_rate_yet_draws_nothing():
    scene = grey(320, 240)
    FpsAnnotator().annotate(scene, result(scene, fps=None))
    np.testing.assert_array_equal(scene, grey(320, 240))


def test_colour_is_a_style():
    scene = grey(320, 240)
    FpsAnnotator(color=(255, 0, 255)).annotate(scene, result(scene, fps=5.0))
    assert mask_of(scene, (255, 0, 255)).any() and not mask_of(scene, GREEN).any()
