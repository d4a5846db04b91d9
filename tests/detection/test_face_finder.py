"""The Haar finder on real faces (the astronaut pasted into scenes, tests/scenes.py), region
search near known faces, and the detect-width defaults for video and stills."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from facial_emotion.detection import (IMAGE_DETECT_WIDTH, VIDEO_DETECT_WIDTH, HaarFaceFinder,
                                      detect_width_for, iou_matrix)
from tests.scenes import Placed, compose, entering_face_clip, group_scene, moving_face_clip


def gray(scene: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)  # BGR, as the scenes are made


def matches(boxes: np.ndarray, places) -> list[int]:
    """How many boxes overlap each placed face's expected box (IoU over 0.5)."""
    if len(boxes) == 0:
        return [0] * len(places)
    return (iou_matrix(boxes, np.array([p.face_box for p in places])) > 0.5).sum(axis=0).tolist()


@pytest.mark.parametrize("is_image, override, expected", [
    (False, None, VIDEO_DETECT_WIDTH),
    (True, None, IMAGE_DETECT_WIDTH),
    (False, 0, None),          # 0: full size
    (True, 0, None),
    (False, 600, 600),         # an override wins for both
    (True, 600, 600),
    (True, 32, 32),
    (False, np.int64(480), 480),
])
def test_detect_width_for(is_image, override, expected):
    assert detect_width_for(is_image, override) == expected


@pytest.mark.parametrize("is_image, override, error", [
    (False, 31, ValueError),
    (True, -320, ValueError),
    (False, 320.0, TypeError),
    (False, "320", TypeError),
    (False, True, TypeError),
    ("yes", None, TypeError),
])
def test_detect_width_for_rejects(is_image, override, error):
    with pytest.raises(error, match="expected"):
        detect_width_for(is_image, override)


def test_the_defaults_are_what_the_docs_say():
    assert (VIDEO_DETECT_WIDTH, IMAGE_DETECT_WIDTH) == (320, 2048)


@pytest.mark.parametrize("width, height, face_width, count", [
    (320, 240, 100, 2),
    (600, 450, 120, 3),
    (600, 450, 200, 2),
    (2048, 1536, 80, 6),     # six ~54 px faces: the street photo
    (2048, 1536, 400, 6),
    (2048, 1536, 900, 1),    # one face filling the photo
])
def test_stills_find_every_face_exactly_once(width, height, face_width, count):
    scene, places = group_scene(width, height, face_width, count)
    boxes = HaarFaceFinder(detect_width=detect_width_for(True)).find(gray(scene))[0]
    assert matches(boxes, places) == [1] * count
    assert len(boxes) == count  # and nothing else


@pytest.mark.parametrize("detect_width, found", [(320, 0), (600, 0), (1024, 6), (None, 6)])
def test_small_faces_need_detail(detect_width, found):
    scene, places = group_scene(2048, 1536, 80, 6)
    boxes = HaarFaceFinder(detect_width=detect_width).find(gray(scene))[0]
    assert len(boxes) == found and matches(boxes, places) == [found // 6] * 6


@pytest.mark.parametrize("clip", [
    # the first 6 frames of clips that cross the frame in 2 to 4 s at 30 fps
    pytest.param(lambda: moving_face_clip(60, face_width=150), id="596x336-face-150"),
    pytest.param(lambda: moving_face_clip(120, face_width=250), id="596x336-face-250"),
    pytest.param(lambda: entering_face_clip(6, 0), id="480x270-two-faces"),
])
def test_region_search_finds_the_faces_a_full_scan_finds(clip):
    finder = HaarFaceFinder()
    frames = [gray(frame) for frame in itertools.islice(clip(), 6)]
    previous = finder.find(frames[0])[0]
    assert len(previous) >= 1
    for frame in frames[1:]:
        full = finder.find(frame)[0]
        near = finder.find_near(frame, previous)[0]
        assert near.dtype == np.int32 and near.shape == full.shape
        # the same faces, boxed nearly the same
        assert (iou_matrix(near, full).max(axis=1) > 0.7).all()
        previous = near


@pytest.mark.parametrize("near", [
    np.zeros((0, 4)),
    np.array([[300, 200, 80, 80]]),        # where there is no face
    np.array([[700, 0, 80, 80]]),          # outside the frame
    np.array([[60, 70, 12, 12]]),          # on the face, but far smaller than it
    np.array([[0, 0, 0, 0]]),              # an empty box
])
def test_region_search_finds_nothing_where_it_should_not(near):
    scene = compose(596, 336, [Placed(40, 40, 150)])
    assert HaarFaceFinder().find_near(gray(scene), near)[0].shape == (0, 4)


def test_region_search_ignores_faces_elsewhere():
    scene = compose(596, 336, [Placed(40, 40, 150), Placed(380, 40, 150)])
    finder = HaarFaceFinder()
    both = finder.find(gray(scene))[0]
    assert len(both) == 2
    left = both[both[:, 0] < 300]
    assert finder.find_near(gray(scene), left)[0].shape == (1, 4)
