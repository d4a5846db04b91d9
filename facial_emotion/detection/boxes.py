"""Pure functions over int (N, 4) boxes (x, y, w, h): overlap, clipping, and merging the
duplicate and nested boxes a Haar cascade returns for one face.

The cascade groups its raw hits by size and position, so one face can still come back as two
boxes that overlap (found at neighbouring scales), and a part of a face (a mouth, an eye) as a
small box inside the face's box. `merge_duplicates` leaves one box per face.
"""

from __future__ import annotations

import numpy as np

# Two boxes overlapping more than this (intersection over union) are one face.
DUPLICATE_IOU = 0.3
# A box with more than this fraction of its own area inside a bigger box is part of that face.
INSIDE_FRACTION = 0.7


def _float_boxes(boxes) -> np.ndarray:
    """`boxes` as a float64 (N, 4) array."""
    array = np.asarray(boxes, dtype=np.float64)
    if array.size == 0:
        return array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"expected boxes of shape (N, 4) as (x, y, w, h), got {array.shape}")
    return array


def intersection_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Area shared by every box in `a` with every box in `b`, shape (len(a), len(b))."""
    a = _float_boxes(a)[:, None, :]
    b = _float_boxes(b)[None, :, :]
    ix = np.clip(np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2])
                 - np.maximum(a[..., 0], b[..., 0]), 0, None)
    iy = np.clip(np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3])
                 - np.maximum(a[..., 1], b[..., 1]), 0, None)
    return ix * iy


def areas(boxes: np.ndarray) -> np.ndarray:
    boxes = _float_boxes(boxes)
    return boxes[:, 2] * boxes[:, 3]


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in `a` with every box in `b`; 0 for empty boxes."""
    inter = intersection_matrix(a, b)
    union = areas(a)[:, None] + areas(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def merge_duplicates(boxes: np.ndarray, iou_threshold: float = DUPLICATE_IOU,
                     inside_fraction: float = INSIDE_FRACTION) -> np.ndarray:
    """One box per face: the rows of `boxes` that no bigger box absorbs, in their input order
    (`one_per_face` says which)."""
    array = np.asarray(boxes)
    return array[one_per_face(array, iou_threshold, inside_fraction)]


def one_per_face(boxes: np.ndarray, iou_threshold: float = DUPLICATE_IOU,
                 inside_fraction: float = INSIDE_FRACTION) -> np.ndarray:
    """The indices, ascending, of the rows of `boxes` that no bigger box absorbs.

    Going from the biggest box down, a box is dropped when it overlaps a kept box by more than
    `iou_threshold` (the same face found twice), or when more than `inside_fraction` of its own
    area lies inside a kept box (a mouth or an eye inside the face). The biggest box of each
    group stands for it: it is the whole face, where a smaller one may be only a part.
    Lowering either threshold merges more readily (two faces cheek to cheek may become one);
    raising it keeps more boxes (one face may be shown twice).
    """
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"expected iou_threshold in (0, 1], got {iou_threshold}")
    if not 0 < inside_fraction <= 1:
        raise ValueError(f"expected inside_fraction in (0, 1], got {inside_fraction}")
    array = np.asarray(boxes)
    if len(array) < 2:
        return np.arange(len(array))
    size = areas(array)
    inter = intersection_matrix(array, array)
    union = size[:, None] + size[None, :] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    inside = np.divide(inter, size[:, None], out=np.zeros_like(inter), where=size[:, None] > 0)
    # Biggest first; equal areas keep their input order, so the result does not depend on sort.
    order = np.argsort(-size, kind="stable")
    kept: list[int] = []
    for i in order:
        if size[i] <= 0:
            continue
        if not any(iou[i, k] > iou_threshold or inside[i, k] > inside_fraction for k in kept):
            kept.append(int(i))
    return np.sort(np.asarray(kept, dtype=np.intp))


def clip_boxes(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Clip (x, y, w, h) boxes to the frame and drop any left empty; int32 (N, 4)."""
    boxes = np.asarray(boxes).reshape(-1, 4)
    x0 = np.clip(boxes[:, 0], 0, width)
    y0 = np.clip(boxes[:, 1], 0, height)
    x1 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y1 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    clipped = np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.int32)
    return clipped[(clipped[:, 2] > 0) & (clipped[:, 3] > 0)]


def grow_boxes(boxes: np.ndarray, margin: float, width: int, height: int) -> np.ndarray:
    """Each box enlarged by `margin` times its own size on every side, clipped to the frame:
    where a face seen in the last frame can be in this one."""
    boxes = _float_boxes(boxes)
    pad_x, pad_y = boxes[:, 2] * margin, boxes[:, 3] * margin
    grown = np.stack([boxes[:, 0] - pad_x, boxes[:, 1] - pad_y,
                      boxes[:, 2] + 2 * pad_x, boxes[:, 3] + 2 * pad_y], axis=1)
    return clip_boxes(np.round(grown), width, height)
