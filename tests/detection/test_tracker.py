"""FaceTracker: stable ids over scripted box sequences, confirmation of new faces, probability
smoothing, reset.

Most id tests use `immediate()`, a tracker that shows a face from its first box on, so they
test the matching alone; the confirmation tests use the default (2 hits in 3 frames)."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.detection import Face, FaceTracker

UNIFORM = np.full(7, 1 / 7, dtype=np.float32)


def faces(*boxes, probabilities=UNIFORM) -> list[Face]:
    return [Face(box, probabilities) for box in boxes]


def ids(tracked: list[Face]) -> list[int | None]:
    return [face.track_id for face in tracked]


def immediate(**kwargs) -> FaceTracker:
    """A tracker that shows every box at once, as for still images."""
    return FaceTracker(confirm_hits=1, confirm_window=1, **kwargs)


def test_one_face_moving_slowly_keeps_its_id():
    tracker = immediate()
    for i in range(40):
        assert ids(tracker.update(faces((50 + 3 * i, 40 + i, 100, 100)))) == [1]


@pytest.mark.parametrize("step", [1, 5, 20])
@pytest.mark.parametrize("reverse_alternate_frames", [False, True])
def test_two_faces_side_by_side_never_swap_ids(step, reverse_alternate_frames):
    # 100 px wide, 10 px apart, moving together. At 20 px a frame each box also overlaps the
    # neighbour's last box; its own last box always overlaps more.
    tracker = immediate()
    for i in range(50):
        left, right = (step * i, 20, 100, 100), (110 + step * i, 20, 100, 100)
        order = [right, left] if reverse_alternate_frames and i % 2 else [left, right]
        tracked = tracker.update(faces(*order))
        assert [f.box for f in tracked] == order  # output keeps input order
        by_box = {f.box: f.track_id for f in tracked}
        assert (by_box[left], by_box[right]) == (1, 2), f"frame {i}"


def test_two_faces_crossing_their_own_previous_boxes_keep_ids():
    # The right face moves onto where the left one was less than it stays on its own box.
    tracker = immediate(iou_threshold=0.1)
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
    tracker = immediate(max_missed=max_missed)
    box = (40, 40, 80, 80)
    assert ids(tracker.update(faces(box))) == [1]
    for _ in range(gap):
        assert tracker.update([]) == []
    assert ids(tracker.update(faces(box))) == [1 if same_id else 2]


def test_a_missing_face_keeps_its_id_while_another_is_seen():
    tracker = immediate(max_missed=2)
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
    tracker = immediate(iou_threshold=iou_threshold)
    tracker.update(faces((0, 0, 100, 100)))
    assert ids(tracker.update(faces((shift, 0, 100, 100)))) == [1 if same_id else 2]


def probability_sequence(n: int, seed: int = 0) -> np.ndarray:
    p = np.random.default_rng(seed).random((n, 7)).astype(np.float32) + 0.01
    return p / p.sum(axis=1, keepdims=True)


def test_no_smoothing_passes_probabilities_through():
    tracker = immediate(smoothing=0.0)
    for p in probability_sequence(6):
        (face,) = tracker.update(faces((10, 10, 50, 50), probabilities=p))
        np.testing.assert_allclose(face.probabilities, p, rtol=1e-6)


@pytest.mark.parametrize("smoothing", [0.5, 0.9])
def test_smoothing_is_an_exponential_moving_average(smoothing):
    tracker = immediate(smoothing=smoothing)
    expected = None
    for i, p in enumerate(probability_sequence(6)):
        (face,) = tracker.update(faces((10 + i, 10, 50, 50), probabilities=p))
        expected = p if expected is None else smoothing * expected + (1 - smoothing) * p
        np.testing.assert_allclose(face.probabilities, expected, rtol=1e-5)
        assert face.probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_smoothing_is_per_face_and_a_new_face_starts_from_its_own_probabilities():
    tracker = immediate(smoothing=0.5)
    p, q = probability_sequence(2)
    tracker.update(faces((0, 0, 50, 50), probabilities=p))
    first, second = tracker.update([Face((0, 0, 50, 50), q), Face((300, 0, 50, 50), q)])
    np.testing.assert_allclose(first.probabilities, 0.5 * p + 0.5 * q, rtol=1e-5)
    np.testing.assert_allclose(second.probabilities, q, rtol=1e-6)
    assert (first.track_id, second.track_id) == (1, 2)


def test_tracked_faces_keep_box_and_class_names():
    tracker = immediate()
    (face,) = tracker.update([Face((3, 4, 5, 6), [0.25, 0.75], None, ("yes", "no"))])
    assert face.box == (3, 4, 5, 6)
    assert face.class_names == ("yes", "no")
    assert face.label == "no"


def test_reset_restarts_ids_at_one():
    tracker = immediate()
    tracker.update(faces((0, 0, 50, 50), (100, 0, 50, 50)))
    assert ids(tracker.update(faces((300, 0, 50, 50)))) == [3]
    tracker.reset()
    assert ids(tracker.update(faces((100, 0, 50, 50), (0, 0, 50, 50)))) == [1, 2]


def test_no_faces_in_the_first_frame():
    tracker = immediate()
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
    ({"max_missed": -1}, True),
    ({"confirm_hits": 1, "confirm_window": 1}, False),
    ({"confirm_hits": 3, "confirm_window": 5}, False),
    ({"confirm_hits": 0}, True),
    ({"confirm_hits": 3, "confirm_window": 2}, True),
])
def test_parameters(kwargs, raises):
    if raises:
        with pytest.raises(ValueError, match="expected"):
            FaceTracker(**kwargs)
    else:
        FaceTracker(**kwargs)


# --- confirmation ---------------------------------------------------------------------------

FACE = (100, 100, 80, 80)
ELSEWHERE = (300, 20, 80, 80)


@pytest.mark.parametrize("seen, shown", [
    # "x": the box is found in that frame, ".": not. With 2 hits in 3 frames, the face is
    # shown from its second hit on, if that comes within 3 frames of its first.
    ("x", "."),
    ("xx", ".x"),
    ("xxxx", ".xxx"),
    ("x.x", "..x"),
    ("x..x", "...."),     # too late: forgotten, and the last box is a new candidate
    ("x..xx", "....x"),   # which the next hit confirms
    ("x.x..x", "..x..x"),  # once confirmed, a face may be missed (max_missed)
    (".x.x.", "...x."),
])
def test_a_new_face_is_shown_once_confirmed(seen, shown):
    tracker = FaceTracker()
    result = "".join(
        ("x" if tracker.update(faces(FACE) if hit == "x" else []) else ".") for hit in seen)
    assert result == shown


@pytest.mark.parametrize("confirm_hits, confirm_window, seen, shown", [
    (1, 1, "x.x", "x.x"),
    (3, 3, "xxxx", "..xx"),
    (3, 3, "xx.x", "...."),
    (3, 4, "xx.x", "...x"),
    (2, 2, "x.x", "..."),
])
def test_confirmation_settings(confirm_hits, confirm_window, seen, shown):
    tracker = FaceTracker(confirm_hits=confirm_hits, confirm_window=confirm_window)
    result = "".join(
        ("x" if tracker.update(faces(FACE) if hit == "x" else []) else ".") for hit in seen)
    assert result == shown


def test_ids_are_handed_out_on_confirmation_only():
    # False boxes that come once each never use up an id: the next real face gets #2.
    tracker = FaceTracker()
    tracker.update(faces(FACE))
    assert ids(tracker.update(faces(FACE))) == [1]
    for i in range(5):
        assert ids(tracker.update(faces(FACE, (300 + 40 * i, 200, 30, 30)))) == [1]
    tracker.update(faces(FACE, ELSEWHERE))
    assert ids(tracker.update(faces(FACE, ELSEWHERE))) == [1, 2]


def test_a_mouth_box_does_not_change_the_faces_id():
    # Seen: after a false box on the mouth, the face's id went from #1 to #2.
    mouth = (125, 150, 30, 15)
    tracker = FaceTracker()
    tracker.update(faces(FACE))
    for frame in [[FACE], [FACE, mouth], [mouth], [FACE], [FACE]]:
        assert ids(tracker.update(faces(*frame))) == ([1] if FACE in frame else [])


def test_a_short_lived_box_cannot_steal_a_known_faces_id():
    # The face is missed for a frame while a false box turns up beside it; the face's next
    # box overlaps that false box more than its own last box (IoU 0.6 against 0.48), yet it
    # keeps its id. Matching every box to every track at once gave it a new id here.
    tracker = FaceTracker()
    tracker.update(faces((100, 100, 100, 100)))
    assert ids(tracker.update(faces((100, 100, 100, 100)))) == [1]
    assert tracker.update(faces((160, 100, 100, 100))) == []  # a candidate: not shown
    assert ids(tracker.update(faces((135, 100, 100, 100)))) == [1]
    assert ids(tracker.update(faces((135, 100, 100, 100), ELSEWHERE))) == [1]


def test_two_faces_appearing_together_get_ids_left_to_right_in_input_order():
    tracker = FaceTracker()
    tracker.update(faces(FACE, ELSEWHERE))
    assert ids(tracker.update(faces(ELSEWHERE, FACE))) == [1, 2]


def test_boxes_are_where_to_look_next_candidates_included():
    tracker = FaceTracker()
    assert tracker.boxes.shape == (0, 4)
    tracker.update(faces(FACE))
    assert tracker.boxes.tolist() == [list(FACE)]  # a candidate, not shown, but followed
    tracker.update(faces(FACE, ELSEWHERE))
    assert sorted(tracker.boxes.tolist()) == sorted([list(FACE), list(ELSEWHERE)])
    tracker.reset()
    assert tracker.boxes.shape == (0, 4)
