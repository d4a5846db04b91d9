"""FaceTracker: IoU, stable ids over scripted box sequences, probability smoothing, reset."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.detection import Face, FaceTracker, iou_matrix

UNIFORM = np.full(7, 1 / 7, dtype=np.float32)


def faces(*boxes, probabilities=UNIFORM) -> list[Face]:
    return [Face(box, probabilities) for box in boxes]


def ids(tracked: list[Face]) -> list[int | None]:
    return [face.track_id for face in tracked]


@pytest.mark.parametrize("a, b, expected", [
    ([[0, 0, 10, 10]], [[0, 0, 10, 10]], [[1.0]]),
    ([[0, 0, 10, 10]], [[5, 0, 10, 10]], [[50 / 150]]),
    ([[0, 0, 10, 10]], [[5, 5, 10, 10]], [[25 / 175]]),
    ([[0, 0, 10, 10]], [[0, 0, 5, 5]], [[25 / 100]]),       # one inside the other
    ([[0, 0, 10, 10]], [[10, 0, 10, 10]], [[0.0]]),         # touching edges
    ([[0, 0, 10, 10]], [[20, 20, 5, 5]], [[0.0]]),
    ([[0, 0, 0, 0]], [[0, 0, 0, 0]], [[0.0]]),              # empty boxes: no 0/0
    ([[0, 0, 10, 10], [100, 0, 10, 10]], [[0, 0, 10, 10], [105, 0, 10, 10], [50, 50, 1, 1]],
     [[1.0, 0.0, 0.0], [0.0, 50 / 150, 0.0]]),
    (np.zeros((0, 4)), [[0, 0, 10, 10], [1, 1, 2, 2]], np.zeros((0, 2))),
    ([[0, 0, 10, 10]], np.zeros((0, 4)), np.zeros((1, 0))),
])
def test_iou_matrix(a, b, expected):
    a, b = np.asarray(a, dtype=np.int32), np.asarray(b, dtype=np.int32)
    with np.errstate(all="raise"):
        iou = iou_matrix(a, b)
    expected = np.asarray(expected, dtype=np.float64)
    assert iou.shape == expected.shape
    np.testing.assert_allclose(iou, expected)
    np.testing.assert_allclose(iou_matrix(b, a), expected.T)


def test_one_face_moving_slowly_keeps_its_id():
    tracker = FaceTracker()
    for i in range(40):
        assert ids(tracker.update(faces((50 + 3 * i, 40 + i, 100, 100)))) == [1]


@pytest.mark.parametrize("step", [1, 5, 20])
@pytest.mark.parametrize("reverse_alternate_frames", [False, True])
def test_two_faces_side_by_side_never_swap_ids(step, reverse_alternate_frames):
    # 100 px wide, 10 px apart, moving together. At 20 px a frame each box also overlaps the
    # neighbour's last box; its own last box always overlaps more.
    tracker = FaceTracker()
    for i in range(50):
        left, right = (step * i, 20, 100, 100), (110 + step * i, 20, 100, 100)
        order = [right, left] if reverse_alternate_frames and i % 2 else [left, right]
        tracked = tracker.update(faces(*order))
        assert [f.box for f in tracked] == order  # output keeps input order
        by_box = {f.box: f.track_id for f in tracked}
        assert (by_box[left], by_box[right]) == (1, 2), f"frame {i}"


def test_two_faces_crossing_their_own_previous_boxes_keep_ids():
    # The right face moves onto where the left one was less than it stays on its own box.
    tracker = FaceTracker(iou_threshold=0.1)
    tracker.update(faces((0, 0, 100, 100), (60, 0, 100, 100)))
    tracked = tracker.update(faces((50, 0, 100, 100), (5, 0, 100, 100)))
    assert ids(tracked) == [2, 1]


@pytest.mark.parametrize("max_missed, gap, same_id", [
    (3, 1, True),
    (3, 3, True),    # missed exactly max_missed frames: still remembered
    (3, 4, False),   # one more: forgotten, so it comes back as a new face
    (3, 10, False),
    (0, 1, False),
    (10, 10, True),
])
def test_a_face_that_disappears(max_missed, gap, same_id):
    tracker = FaceTracker(max_missed=max_missed)
    box = (40, 40, 80, 80)
    assert ids(tracker.update(faces(box))) == [1]
    for _ in range(gap):
        assert tracker.update([]) == []
    assert ids(tracker.update(faces(box))) == [1 if same_id else 2]


def test_a_missing_face_keeps_its_id_while_another_is_seen():
    tracker = FaceTracker(max_missed=2)
    a, b = (0, 0, 50, 50), (200, 0, 50, 50)
    assert ids(tracker.update(faces(a, b))) == [1, 2]
    assert ids(tracker.update(faces(b))) == [2]
    assert ids(tracker.update(faces(b))) == [2]
    assert ids(tracker.update(faces(a, b))) == [1, 2]


@pytest.mark.parametrize("iou_threshold, shift, same_id", [
    (0.3, 10, True),    # IoU 90/110
    (0.3, 60, False),   # IoU 40/160 = 0.25
    (0.2, 60, True),
    (1.0, 0, True),
    (1.0, 1, False),
])
def test_iou_threshold(iou_threshold, shift, same_id):
    tracker = FaceTracker(iou_threshold=iou_threshold)
    tracker.update(faces((0, 0, 100, 100)))
    assert ids(tracker.update(faces((shift, 0, 100, 100)))) == [1 if same_id else 2]


def probability_sequence(n: int, seed: int = 0) -> np.ndarray:
    p = np.random.default_rng(seed).random((n, 7)).astype(np.float32) + 0.01
    return p / p.sum(axis=1, keepdims=True)


def test_no_smoothing_passes_probabilities_through():
    tracker = FaceTracker(smoothing=0.0)
    for p in probability_sequence(6):
        (face,) = tracker.update(faces((10, 10, 50, 50), probabilities=p))
        np.testing.assert_allclose(face.probabilities, p, rtol=1e-6)


@pytest.mark.parametrize("smoothing", [0.5, 0.9])
def test_smoothing_is_an_exponential_moving_average(smoothing):
    tracker = FaceTracker(smoothing=smoothing)
    expected = None
    for i, p in enumerate(probability_sequence(6)):
        (face,) = tracker.update(faces((10 + i, 10, 50, 50), probabilities=p))
        expected = p if expected is None else smoothing * expected + (1 - smoothing) * p
        np.testing.assert_allclose(face.probabilities, expected, rtol=1e-5)
        assert face.probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_smoothing_is_per_face_and_a_new_face_starts_from_its_own_probabilities():
    tracker = FaceTracker(smoothing=0.5)
    p, q = probability_sequence(2)
    tracker.update(faces((0, 0, 50, 50), probabilities=p))
    first, second = tracker.update([Face((0, 0, 50, 50), q), Face((300, 0, 50, 50), q)])
    np.testing.assert_allclose(first.probabilities, 0.5 * p + 0.5 * q, rtol=1e-5)
    np.testing.assert_allclose(second.probabilities, q, rtol=1e-6)
    assert (first.track_id, second.track_id) == (1, 2)


def test_tracked_faces_keep_box_and_class_names():
    tracker = FaceTracker()
    (face,) = tracker.update([Face((3, 4, 5, 6), [0.25, 0.75], None, ("yes", "no"))])
    assert face.box == (3, 4, 5, 6)
    assert face.class_names == ("yes", "no")
    assert face.label == "no"


def test_reset_restarts_ids_at_one():
    tracker = FaceTracker()
    tracker.update(faces((0, 0, 50, 50), (100, 0, 50, 50)))
    assert ids(tracker.update(faces((300, 0, 50, 50)))) == [3]
    tracker.reset()
    assert ids(tracker.update(faces((100, 0, 50, 50), (0, 0, 50, 50)))) == [1, 2]


def test_no_faces_in_the_first_frame():
    tracker = FaceTracker()
    assert tracker.update([]) == []
    assert ids(tracker.update(faces((0, 0, 50, 50)))) == [1]


@pytest.mark.parametrize("kwargs, raises", [
    ({}, False),
    ({"smoothing": 0.0}, False),
    ({"smoothing": 0.99}, False),
    ({"smoothing": 1.0}, True),
    ({"smoothing": 1.5}, True),
    ({"smoothing": -0.1}, True),
    ({"iou_threshold": 1.0}, False),
    ({"iou_threshold": 0.01}, False),
    ({"iou_threshold": 0.0}, True),
    ({"iou_threshold": -0.5}, True),
    ({"iou_threshold": 1.5}, True),
])
def test_parameters(kwargs, raises):
    if raises:
        with pytest.raises(ValueError, match="expected"):
            FaceTracker(**kwargs)
    else:
        FaceTracker(**kwargs)
