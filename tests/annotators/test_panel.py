"""ProbabilityBarsAnnotator: the corner it picks, its size, the face it shows and names."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.annotators import Corner, ProbabilityBarsAnnotator
from facial_emotion.annotators.panel import TRACK_COLOR
from tests.annotators.helpers import (GREY, SIZES, bbox, border_untouched, color_of, face,
                                      grey, mask_of, result)

W, H = 1280, 720
SIDE = 160
CORNER_BOXES = {None: (W // 2, H // 2, SIDE, SIDE),
                Corner.TOP_LEFT: (30, 30, SIDE, SIDE),
                Corner.TOP_RIGHT: (W - 30 - SIDE, 30, SIDE, SIDE),
                Corner.BOTTOM_RIGHT: (W - 30 - SIDE, H - 30 - SIDE, SIDE, SIDE),
                Corner.BOTTOM_LEFT: (30, H - 30 - SIDE, SIDE, SIDE)}
TL, TR, BR, BL = Corner


def darkened(scene: np.ndarray) -> np.ndarray:
    return scene.max(axis=2) < GREY * 0.6


def corner_of(rect, width, height) -> Corner:
    x0, y0, x1, y1 = rect
    left, top = x0 < width - x1, y0 < height - y1
    return {(True, True): TL, (False, True): TR, (False, False): BR, (True, False): BL}[(left, top)]


def draw_panel(width, height, faces, selected_id=None, **style):
    scene = grey(width, height)
    ProbabilityBarsAnnotator(**style).annotate(scene, result(scene, faces, None, selected_id))
    return scene


@pytest.mark.parametrize("occupied, corners, expected", [
    ([None], tuple(Corner), TL),         # a face in the middle: the first choice
    ([TL], tuple(Corner), TR),
    ([TR], tuple(Corner), TL),
    ([TL, TR], tuple(Corner), BR),
    ([TL, TR, BR], tuple(Corner), BL),
    ([TL], (TL,), TL),                  # pinned: it goes there even over a face
    ([TL], (BL, TR), BL),               # the caller's order of preference
])
def test_panel_takes_the_corner_that_hides_no_face(occupied, corners, expected):
    faces = [face(CORNER_BOXES[c], track_id=i + 1) for i, c in enumerate(occupied)]
    scene = draw_panel(W, H, faces, corners=corners)
    panel = bbox(darkened(scene))
    assert corner_of(panel, W, H) == expected
    if expected not in occupied:
        for x, y, w, h in (f.box for f in faces):  # the faces are untouched
            assert (scene[y:y + h, x:x + w] == GREY).all()


def test_with_faces_everywhere_it_hides_the_least():
    big, small = 300, 40
    boxes = [(10, 10, big, big), (W - 10 - big, 10, big, big),
             (W - 10 - big, H - 10 - big, big, big), (100, H - 10 - small, small, small)]
    scene = draw_panel(W, H, [face(b, track_id=i + 1) for i, b in enumerate(boxes)])
    assert corner_of(bbox(darkened(scene)), W, H) == BL


@pytest.mark.parametrize("width, height", [*SIZES, (381, 500), (200, 150)])
def test_panel_fits_the_frame(width, height):
    scene = draw_panel(width, height, [face((width // 2, height // 2, 20, 20), track_id=1)])
    x0, y0, x1, y1 = bbox(darkened(scene))
    assert x1 - x0 <= 0.45 * width  # the 381 px photo had it at 58%
    assert border_untouched(scene, grey(width, height))


def test_panel_grows_with_the_frame():
    sizes = []
    for width, height in [(320, 240), (1280, 720), (2048, 1365), (3840, 2160)]:
        x0, y0, x1, y1 = bbox(darkened(draw_panel(width, height, [face((5, 5, 10, 10))])))
        sizes.append((x1 - x0, y1 - y0))
    assert sorted(sizes) == sizes and len(set(sizes)) == len(sizes), sizes
    assert sizes[-1][1] >= 2.5 * sizes[1][1]  # 4K is 3x 720p


@pytest.mark.parametrize("selected_id, shown", [
    (1, "sad"),        # #3 is larger, but #1 was picked
    (3, "happy"),
    (None, "happy"),   # nothing picked: the largest face
    (5, "happy"),      # the picked face has left: the largest face
])
def test_panel_shows_the_selected_face(selected_id, shown):
    other = {"sad": "happy", "happy": "sad"}[shown]
    faces = [face((700, 300, 300, 300), "happy", track_id=3),
             face((300, 300, 100, 100), "sad", track_id=1)]
    scene = draw_panel(W, H, faces, selected_id)
    assert mask_of(scene, color_of(shown)).sum() > 5 * mask_of(scene, color_of(other)).sum()


def test_title_names_the_face():
    """Same probabilities, another id: only the title, above the bars, changes."""
    scenes = {track_id: draw_panel(W, H, [face((600, 300, 100, 100), track_id=track_id)])
              for track_id in (2, 7, None)}
    bars_top = bbox(mask_of(scenes[2], TRACK_COLOR))[1]
    for track_id in (7, None):
        changed = np.any(scenes[track_id] != scenes[2], axis=2)
        assert changed.any(), track_id
        assert bbox(changed)[3] <= bars_top


def test_no_face_no_panel():
    scene = draw_panel(W, H, [], selected_id=2)
    np.testing.assert_array_equal(scene, grey(W, H))
