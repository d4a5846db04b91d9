"""BoxAnnotator and LabelAnnotator: sizes that follow the frame, labels kept inside it."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.annotators import BoxAnnotator, LabelAnnotator
from tests.annotators.helpers import (SIZES, all_annotators, bbox, border_untouched, color_of,
                                      face, grey, mask_of, result)


def label_bbox(width, height, box, track_id=7, emotion="happy"):
    """Draw only the label of one face; the (x0, y0, x1, y1) of its coloured tag."""
    scene = grey(width, height)
    LabelAnnotator().annotate(scene, result(scene, [face(box, emotion, track_id=track_id)]))
    return bbox(mask_of(scene, color_of(emotion))), scene


def centred_box(width, height):
    side = min(width, height) // 4
    return (width - side) // 2, (height - side) // 2, side, side


@pytest.mark.parametrize("width, height", SIZES)
def test_box_is_drawn_inside_the_face_box(width, height):
    box = centred_box(width, height)
    x, y, w, h = box
    scene = grey(width, height)
    BoxAnnotator().annotate(scene, result(scene, [face(box, "sad")]))
    drawn = mask_of(scene, color_of("sad"))
    assert bbox(drawn) == (x, y, x + w, y + h)  # the outline's outer edge is the box's
    assert not drawn[y + h // 2, x + w // 2]     # and it is an outline
    # the line thickens with the frame: 1 px at 320x240, 6 px at 4K
    thickness = int(drawn[y + h // 2, x:x + w // 2].sum())
    assert thickness == max(1, round(2 * min(width, height) / 720))


@pytest.mark.parametrize("box", [(0, 0, 40, 30), (280, 210, 40, 30), (-10, -5, 30, 30),
                                 (300, 220, 50, 50)])
def test_boxes_at_or_past_the_edge_are_clipped(box):
    scene = grey(320, 240)
    BoxAnnotator(thickness=8).annotate(scene, result(scene, [face(box)]))
    assert mask_of(scene, color_of("happy")).any()


def test_label_and_text_grow_with_the_frame():
    heights = []
    for width, height in [(320, 240), (1280, 720), (2048, 1365), (3840, 2160)]:
        (x0, y0, x1, y1), _ = label_bbox(width, height, centred_box(width, height))
        heights.append(y1 - y0)
    assert heights == sorted(set(heights)), heights  # strictly growing
    assert heights[0] >= 14  # legible at 320 px: about 9 px capitals
    assert heights[-1] >= 4 * heights[0] * 0.8


@pytest.mark.parametrize("box, place", [
    ((140, 100, 40, 40), "above"),
    ((140, 1, 40, 40), "below"),        # no room above: under the box
    ((140, 10, 40, 40), "below"),
    ((140, 2, 40, 236), "inside"),      # no room above or below: inside, at the top
])
def test_label_goes_above_else_below_else_inside(box, place):
    (x0, y0, x1, y1), scene = label_bbox(320, 240, box)
    x, y, w, h = box
    expected = {"above": y1 == y, "below": y0 == y + h, "inside": y <= y0 and y1 <= y + h}
    assert expected[place], (x0, y0, x1, y1)
    assert border_untouched(scene, grey(320, 240))


@pytest.mark.parametrize("width, height, box", [
    (320, 240, (290, 100, 28, 28)),     # at the right edge: shifted left
    (320, 240, (1, 100, 28, 28)),       # at the left edge
    (320, 240, (290, 1, 28, 28)),       # top right corner
    (320, 240, (290, 211, 28, 28)),     # bottom right corner
    (120, 90, (40, 30, 20, 20)),        # a frame narrower than the label: the text shrinks
    (2048, 1365, (2000, 1, 46, 46)),
])
def test_labels_stay_inside_the_frame(width, height, box):
    (x0, y0, x1, y1), scene = label_bbox(width, height, box, track_id=12, emotion="surprise")
    assert 0 < x0 and x1 < width and 0 < y0 and y1 < height
    assert border_untouched(scene, grey(width, height))


def test_near_tie_label_is_wider_than_a_plain_one():
    plain, _ = label_bbox(1280, 720, (600, 300, 80, 80))
    scene = grey(1280, 720)
    tie = face((600, 300, 80, 80), probabilities=[0.1, 0.02, 0.25, 0.03, 0.21, 0.17, 0.22],
               track_id=7)  # 'fear/neutral 25/22%'
    LabelAnnotator().annotate(scene, result(scene, [tie]))
    x0, _, x1, _ = bbox(mask_of(scene, color_of("fear")))
    assert x1 - x0 > 1.5 * (plain[2] - plain[0])


@pytest.mark.parametrize("width, height", SIZES)
def test_nothing_is_drawn_outside_the_frame(width, height):
    """Faces 1 px from every edge and corner, all four annotators: nothing reaches the border,
    so nothing was cut off by it."""
    side = min(width, height) // 5
    right, bottom = width - side - 1, height - side - 1
    boxes = [(1, 1, side, side), (right, 1, side, side), (right, bottom, side, side),
             (1, bottom, side, side), ((width - side) // 2, 1, side, side),
             (right, (height - side) // 2, side, side)]
    faces = [face(box, emotion, track_id=10 + i) for i, (box, emotion) in
             enumerate(zip(boxes, ["happy", "sad", "fear", "surprise", "angry", "neutral"]))]
    scene = grey(width, height)
    frame_result = result(scene, faces, fps=123.4, selected_id=12)
    for annotator in all_annotators():
        assert annotator.annotate(scene, frame_result) is scene
    assert border_untouched(scene, grey(width, height))
    for f in faces:  # every face got its box and its label
        assert mask_of(scene, color_of(f.label)).sum() > 4 * side


def test_no_faces_draws_nothing():
    scene = grey(320, 240)
    for annotator in (BoxAnnotator(), LabelAnnotator()):
        annotator.annotate(scene, result(scene))
    np.testing.assert_array_equal(scene, grey(320, 240))
