"""What every face finder with landmarks (YuNet, MTCNN) does alike: the search near known faces
follows a moving face and finds nothing where it should not, and a rolled face's crops come
out level. MTCNN's runs are skipped where the optional mtcnn package is not installed."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest

from facial_emotion.detection import crop_faces, iou_matrix
from facial_emotion.detection.face_finder import make_finder
from tests.scenes import Placed, compose, rolled

PLACE = Placed(170, 60, 260)  # a head-and-shoulders patch, the face ~175 px, in 600x450
# Per finder, (roll in degrees, least similarity of the aligned crop to the upright one, least
# gain in similarity over the box crop). YuNet reads big rolls short (yunet_finder.py), so
# its crops past 15 degrees are levelled most of the way, not all.
LEVELLING = {
    "yunet": [(15, 0.9, 0.2), (-15, 0.9, 0.2), (25, 0.45, 0.2), (-25, 0.45, 0.2),
              (35, 0.45, 0.2), (-35, 0.45, 0.2)],
    "mtcnn": [(25, 0.9, 0.1), (-25, 0.9, 0.1)],
}


@pytest.fixture(scope="module", params=[
    "yunet",
    pytest.param("mtcnn", marks=pytest.mark.skipif(importlib.util.find_spec("mtcnn") is None,
                                                   reason="mtcnn is not installed"))])
def finder(request):
    return make_finder(request.param, detect_width=None, min_size=40)


def gray(scene: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)  # BGR, as the scenes are made


def test_search_near_a_known_face_follows_it(finder):
    frames = [gray(compose(596, 336, [Placed(60 + 6 * i, 40 + 2 * i, 200)])) for i in range(5)]
    boxes, _ = finder.find(frames[0])
    assert len(boxes) == 1
    for frame in frames[1:]:
        near, landmarks = finder.find_near(frame, boxes)
        full, _ = finder.find(frame)
        assert near.shape == (1, 4) and landmarks.shape == (1, 5, 2)
        assert iou_matrix(near, full)[0, 0] > 0.7
        boxes = near


@pytest.mark.parametrize("near", [
    np.zeros((0, 4)),
    np.array([[420, 200, 80, 80]]),        # where there is no face
    np.array([[700, 0, 80, 80]]),          # outside the frame
    np.array([[0, 0, 0, 0]]),              # an empty box
])
def test_search_near_finds_nothing_where_it_should_not(finder, near):
    scene = gray(compose(596, 336, [Placed(40, 40, 150)]))
    boxes, landmarks = finder.find_near(scene, near)
    assert boxes.shape == (0, 4) and landmarks.shape == (0, 5, 2)


def test_the_crops_of_a_rolled_face_come_out_level(finder):
    """Aligned on the eyes, a rolled face gives about the crop it gives upright; cropped from
    its box it does not."""
    x, y, w, h = PLACE.face_box
    centre = (x + w / 2, y + h / 2)

    def crops(degrees):
        frame = gray(rolled(compose(600, 450, [PLACE]), centre, degrees))
        boxes, landmarks = finder.find(frame)
        return (crop_faces(frame, boxes, landmarks)[0, :, :, 0].astype(np.float64),
                crop_faces(frame, boxes)[0, :, :, 0].astype(np.float64))

    def similarity(a, b):
        return np.corrcoef(a.ravel(), b.ravel())[0, 1]

    upright, upright_box = crops(0)
    for degrees, least, gain in LEVELLING[finder.name]:
        aligned, box = crops(degrees)
        assert similarity(aligned, upright) > least, degrees
        assert similarity(aligned, upright) > similarity(box, upright_box) + gain, degrees
