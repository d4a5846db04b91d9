"""Pure box functions: IoU, merging duplicate and nested boxes, clipping, growing."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.detection.boxes import grow_boxes, iou_matrix, merge_duplicates

FACE = [100, 100, 100, 100]


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


def test_iou_matrix_rejects_boxes_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"expected boxes of shape \(N, 4\)"):
        iou_matrix(np.zeros((2, 3)), np.zeros((1, 4)))


@pytest.mark.parametrize("boxes, kept", [
    # nothing to merge
    ([], []),
    ([FACE], [FACE]),
    ([FACE, [300, 100, 100, 100]], [FACE, [300, 100, 100, 100]]),
    ([FACE, [190, 100, 100, 100]], [FACE, [190, 100, 100, 100]]),   # cheek to cheek: IoU 0.05
    # the same face twice, overlapping mostly (IoU over 0.3): the bigger box stays
    ([FACE, [110, 105, 100, 100]], [FACE]),
    ([[105, 100, 90, 90], FACE], [FACE]),                            # order does not matter
    ([FACE, [140, 100, 100, 100]], [FACE]),                          # IoU 60/140 = 0.43
    ([FACE, [150, 100, 100, 100]], [FACE]),                          # IoU 50/150 = 0.33 > 0.3
    ([FACE, [160, 100, 100, 100]], [FACE, [160, 100, 100, 100]]),    # IoU 0.25: two faces
    # a mouth or an eye inside the face box: dropped, however small
    ([FACE, [130, 160, 40, 20]], [FACE]),
    ([[120, 120, 20, 20], FACE, [160, 120, 20, 20]], [FACE]),        # two eyes
    ([FACE, [170, 150, 40, 40]], [FACE]),                            # 3/4 inside (> 0.7)
    ([FACE, [180, 150, 40, 40]], [FACE, [180, 150, 40, 40]]),        # half inside: kept
    # a face boxed twice and its mouth: one box
    ([[130, 160, 40, 20], FACE, [104, 98, 96, 96]], [FACE]),
    # two faces, each with a duplicate: two boxes, in input order
    ([[400, 0, 80, 80], FACE, [402, 4, 76, 76], [98, 96, 100, 100]], [[400, 0, 80, 80], FACE]),
    # empty boxes never stand for a face
    ([[0, 0, 0, 10], FACE], [FACE]),
])
def test_merge_duplicates(boxes, kept):
    boxes = np.asarray(boxes, dtype=np.int32).reshape(-1, 4)
    merged = merge_duplicates(boxes)
    assert merged.dtype == np.int32 and merged.shape == (len(kept), 4)
    assert merged.tolist() == kept


def test_merge_duplicates_keeps_every_row_it_keeps_unchanged_and_the_input_untouched():
    boxes = np.array([FACE, [110, 105, 100, 100], [300, 0, 50, 50]], dtype=np.int32)
    before = boxes.copy()
    merged = merge_duplicates(boxes)
    np.testing.assert_array_equal(boxes, before)
    merged[0, 0] = -1
    np.testing.assert_array_equal(boxes, before)


@pytest.mark.parametrize("iou_threshold, inside_fraction, expected_count", [
    (0.3, 0.7, 1),    # the defaults: the overlap (IoU 0.43) merges
    (0.5, 0.7, 2),    # stricter: two boxes
    (0.5, 0.3, 1),    # 60% of the smaller box is inside the bigger one
    (1.0, 1.0, 2),    # only identical boxes merge
])
def test_merge_duplicates_thresholds(iou_threshold, inside_fraction, expected_count):
    boxes = np.array([FACE, [140, 100, 100, 100]], dtype=np.int32)
    assert len(merge_duplicates(boxes, iou_threshold, inside_fraction)) == expected_count


@pytest.mark.parametrize("kwargs", [{"iou_threshold": 0}, {"iou_threshold": 1.5},
                                    {"inside_fraction": 0}, {"inside_fraction": -1}])
def test_merge_duplicates_rejects_bad_thresholds(kwargs):
    with pytest.raises(ValueError, match="expected"):
        merge_duplicates(np.array([FACE, FACE]), **kwargs)


@pytest.mark.parametrize("box, margin, expected", [
    ((100, 50, 100, 100), 0.5, (50, 0, 200, 200)),
    ((100, 50, 100, 100), 0.0, (100, 50, 100, 100)),
    ((10, 100, 100, 50), 0.5, (0, 75, 160, 100)),       # clipped at the left edge
    ((250, 150, 100, 100), 0.5, (200, 100, 120, 140)),  # and at the bottom-right corner
])
def test_grow_boxes(box, margin, expected):
    grown = grow_boxes(np.array([box]), margin, width=320, height=240)
    assert grown.dtype == np.int32
    assert grown.tolist() == [list(expected)]


def test_grow_boxes_drops_boxes_outside_the_frame():
    assert grow_boxes(np.array([[400, 0, 10, 10]]), 0.5, 320, 240).shape == (0, 4)
