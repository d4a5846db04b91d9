"""Crops framed like FER2013: the eye transform, the warp, and the box crop without landmarks.
Pure geometry on synthetic frames: no face finder, no model."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.detection import FER_EYES, align_face, crop_faces
from facial_emotion.detection.alignment import eye_transform


def apply(matrix: np.ndarray, point) -> np.ndarray:
    return matrix[:, :2] @ np.asarray(point, np.float64) + matrix[:, 2]


@pytest.mark.parametrize("left, right", [
    ((100, 80), (140, 80)),       # level, bigger than the crop
    ((100, 80), (130, 96)),       # tilted 28 degrees
    ((20.5, 30), (14, 10)),       # upside down and small
    ((5, 5), (7, 5)),             # two pixels apart
])
@pytest.mark.parametrize("size", [48, 96])
def test_the_eyes_land_on_the_template(left, right, size):
    matrix = eye_transform(left, right, size)
    target = FER_EYES * size / 48
    assert np.allclose(apply(matrix, left), target[0])
    assert np.allclose(apply(matrix, right), target[1])
    # a similarity: no shear, the same scale on both axes
    assert np.isclose(matrix[0, 0], matrix[1, 1]) and np.isclose(matrix[0, 1], -matrix[1, 0])


def test_the_same_eyes_twice_are_refused():
    with pytest.raises(ValueError, match="expected two distinct eye positions"):
        eye_transform((10, 10), (10, 10))


def dots(shape, points, radius=3) -> np.ndarray:
    """A gray frame, white, with a black disc at each point."""
    frame = np.full(shape, 255, np.uint8)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    for x, y in points:
        frame[(xx - x) ** 2 + (yy - y) ** 2 <= radius ** 2] = 0
    return frame


@pytest.mark.parametrize("angle, eye_distance", [(0, 18), (25, 60), (-25, 60), (40, 150)])
def test_a_tilted_pair_of_eyes_comes_out_level_where_fer2013_has_them(angle, eye_distance):
    centre = np.array([300.0, 200.0])
    turn = np.radians(angle)
    half = eye_distance / 2 * np.array([np.cos(turn), np.sin(turn)])
    left, right = centre - half, centre + half
    frame = dots((400, 600), [left, right], radius=max(2, eye_distance // 8))
    crop = align_face(frame, left, right)
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    for x, y in FER_EYES:
        # the darkest spot near each template eye is on it
        window = crop[round(y) - 4:round(y) + 5, round(x) - 4:round(x) + 5]
        dy, dx = np.unravel_index(window.argmin(), window.shape)
        assert abs(dy - 4) <= 1 and abs(dx - 4) <= 1
        assert window.min() < 100


def test_a_face_at_the_frame_edge_repeats_the_border():
    frame = np.full((100, 100), 50, np.uint8)
    crop = align_face(frame, (2, 2), (20, 2))  # most of the crop lies outside the frame
    assert (crop == 50).all()


def test_crop_faces_aligns_the_faces_with_landmarks_and_crops_the_others():
    gray = np.zeros((80, 100), np.uint8)
    gray[:, 50:] = 255
    boxes = np.array([[0, 0, 40, 80], [60, 10, 30, 30]], np.int32)
    landmarks = np.full((2, 5, 2), np.nan, np.float32)
    landmarks[1, :2] = [[68, 20], [82, 20]]  # eyes inside the white half
    crops = crop_faces(gray, boxes, landmarks)
    assert crops.shape == (2, 48, 48, 1)
    assert (crops[0] == 0).all()      # no landmarks: the box, resized
    assert (crops[1] == 255).all()    # aligned on the eyes, within the white half
    assert (crop_faces(gray, boxes) == crop_faces(gray, boxes, None)).all()
