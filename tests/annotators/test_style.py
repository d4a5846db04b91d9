"""Shared style: the caption text (ids, near ties), the frame-derived scale, the colours,
and the checks every annotator makes on its arguments."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion import Face
from facial_emotion.annotators import (EMOTION_COLORS, NEAR_TIE_POINTS, BoxAnnotator, Corner,
                                       FpsAnnotator, LabelAnnotator, ProbabilityBarsAnnotator,
                                       caption, class_color, emotion_color, overlay_scale)
from facial_emotion.labels import EMOTIONS
from tests.annotators.helpers import all_annotators, face, grey, result

#                angry disgust fear  happy sad   surprise neutral
HAPPY_64 = [0.02, 0.01, 0.05, 0.64, 0.08, 0.10, 0.10]
TIE_3 = [0.10, 0.02, 0.25, 0.03, 0.21, 0.17, 0.22]    # fear 25, neutral 22: 3 points
APART_6 = [0.10, 0.02, 0.30, 0.03, 0.14, 0.17, 0.24]  # fear 30, neutral 24: 6 points
EXACT_TIE = [0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.5]


@pytest.mark.parametrize("probabilities, track_id, near_tie_points, expected", [
    (HAPPY_64, 2, NEAR_TIE_POINTS, "#2: happy 64%"),
    (HAPPY_64, None, NEAR_TIE_POINTS, "happy 64%"),
    (TIE_3, 1, NEAR_TIE_POINTS, "#1: fear/neutral 25/22%"),
    (TIE_3, None, NEAR_TIE_POINTS, "fear/neutral 25/22%"),
    (APART_6, 1, NEAR_TIE_POINTS, "#1: fear 30%"),
    (APART_6, 1, 10, "#1: fear/neutral 30/24%"),  # a wider threshold names both
    (TIE_3, 1, 0, "#1: fear 25%"),               # 0 names one emotion unless exactly tied
    (EXACT_TIE, 12, NEAR_TIE_POINTS, "#12: fear/neutral 50/50%"),  # first class first
])
def test_caption(probabilities, track_id, near_tie_points, expected):
    face = Face((0, 0, 10, 10), np.array(probabilities, np.float32), track_id)
    text = caption(face, near_tie_points)
    assert text == expected
    assert text.isascii()  # Hershey fonts draw nothing else


def test_caption_with_other_class_names():
    face = Face((0, 0, 10, 10), [0.7, 0.3], 4, ("yes", "no"))
    assert caption(face) == "#4: yes 70%"


@pytest.mark.parametrize("shape, expected", [
    ((240, 320, 3), 0.6),     # floored, so text stays legible
    ((400, 600, 3), 0.6),
    ((720, 1280, 3), 1.0),
    ((1280, 720, 3), 1.0),    # portrait: the shorter side counts
    ((1080, 1920, 3), 1.5),
    ((2160, 3840, 3), 3.0),
])
def test_overlay_scale(shape, expected):
    assert overlay_scale(shape) == pytest.approx(expected)


def test_one_distinct_bgr_colour_per_class():
    assert len(EMOTION_COLORS) == len(EMOTIONS)
    assert len(set(EMOTION_COLORS)) == len(EMOTIONS)
    for color in EMOTION_COLORS:
        assert len(color) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in color)


@pytest.mark.parametrize("class_names, top, expected", [
    (EMOTIONS, 3, EMOTION_COLORS[3]),
    (tuple(reversed(EMOTIONS)), 0, EMOTION_COLORS[6]),  # by name: neutral stays grey
    (("a", "b", "c"), 1, EMOTION_COLORS[1]),             # unknown names: by position
])
def test_emotion_color(class_names, top, expected):
    probabilities = np.full(len(class_names), 0.1, np.float32)
    probabilities[top] = 1.0
    probabilities /= probabilities.sum()
    assert emotion_color(Face((0, 0, 4, 4), probabilities, None, class_names)) == expected


@pytest.mark.parametrize("scene, error", [
    (grey(32, 24), None),
    (np.zeros((24, 32), np.uint8), ValueError),          # gray
    (np.zeros((24, 32, 4), np.uint8), ValueError),       # BGRA
    (np.zeros((24, 32, 3), np.float32), ValueError),     # not uint8
    ([[0, 0, 0]], ValueError),                            # not an array
])
def test_scene_checks(scene, error):
    faces = [face((4, 4, 10, 10), track_id=1)]
    for annotator in all_annotators():
        frame = scene if isinstance(scene, np.ndarray) else grey(32, 24)
        if error is None:
            assert annotator.annotate(scene, result(frame, faces, fps=9.0)) is scene
        else:
            with pytest.raises(error, match="expected"):
                annotator.annotate(scene, result(frame, faces))


def test_result_must_be_a_frame_result():
    for annotator in all_annotators():
        with pytest.raises(TypeError, match="expected a FrameResult"):
            annotator.annotate(grey(32, 24), [face((4, 4, 10, 10))])


@pytest.mark.parametrize("make, error", [
    (lambda: BoxAnnotator(thickness=3), None),
    (lambda: BoxAnnotator(thickness=0), ValueError),
    (lambda: LabelAnnotator(text_scale=1.5), None),
    (lambda: LabelAnnotator(text_scale=-1), ValueError),
    (lambda: FpsAnnotator(text_scale=0), ValueError),
    (lambda: ProbabilityBarsAnnotator(corners=(Corner.TOP_RIGHT,)), None),
    (lambda: ProbabilityBarsAnnotator(corners=()), ValueError),
    (lambda: ProbabilityBarsAnnotator(corners=("top-left",)), ValueError),  # not a Corner
    (lambda: ProbabilityBarsAnnotator(max_width=0), ValueError),
    (lambda: ProbabilityBarsAnnotator(max_width=1.5), ValueError),
    (lambda: ProbabilityBarsAnnotator(text_scale=0), ValueError),
])
def test_style_checks(make, error):
    if error is None:
        make()
    else:
        with pytest.raises(error, match="expected"):
            make()


@pytest.mark.parametrize("width, height", [(1, 1), (8, 6), (40, 30)])
def test_tiny_frames_do_not_fail(width, height):
    faces = [face((0, 0, width, height), track_id=3), face((width // 2, 0, 1, 1), track_id=4)]
    scene = grey(width, height)
    for annotator in all_annotators():
        assert annotator.annotate(scene, result(scene, faces, fps=30.0)) is scene


@pytest.mark.parametrize("name, index, expected", [
    ("happy", 3, EMOTION_COLORS[3]),
    ("happy", 0, EMOTION_COLORS[3]),      # by name, wherever the model lists it
    ("other", 8, EMOTION_COLORS[1]),      # unknown: by position, cycling
])
def test_class_color(name, index, expected):
    assert class_color(name, index) == expected
