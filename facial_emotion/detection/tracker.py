"""Stable face ids across frames (greedy IoU matching) and per-id probability smoothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..results import Face


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every (x, y, w, h) box in `a` with every box in `b`."""
    a = a[:, None, :].astype(np.float64)
    b = b[None, :, :].astype(np.float64)
    ix = np.clip(np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2])
                 - np.maximum(a[..., 0], b[..., 0]), 0, None)
    iy = np.clip(np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3])
                 - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = ix * iy
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


@dataclass
class _Track:
    box: np.ndarray
    probabilities: np.ndarray
    missed: int = 0


@dataclass
class FaceTracker:
    """Gives each face an id that stays with it, and smooths its probabilities over time.

    iou_threshold: least overlap with a face's last box to count as the same face; higher
        starts new ids more readily.
    max_missed: frames a face may go undetected before its id is dropped.
    smoothing: weight of the past in the exponential moving average of probabilities,
        0 (no smoothing, labels follow every frame) to <1 (steadier, slower to change).
    """

    iou_threshold: float = 0.3
    max_missed: int = 10
    smoothing: float = 0.6
    _tracks: dict[int, _Track] = field(default_factory=dict, repr=False)
    _next_id: int = field(default=1, repr=False)

    def __post_init__(self):
        if not 0 <= self.smoothing < 1:
            raise ValueError(f"expected smoothing in [0, 1), got {self.smoothing}")
        if self.max_missed < 0:
            raise ValueError(f"expected max_missed >= 0, got {self.max_missed}")
        if not 0 < self.iou_threshold <= 1:
            raise ValueError(f"expected iou_threshold in (0, 1], got {self.iou_threshold}")

    def reset(self) -> None:
        self._tracks.clear()
        self._next_id = 1

    def update(self, faces: list[Face]) -> list[Face]:
        """The same faces, in the same order, with track ids and smoothed probabilities."""
        ids = list(self._tracks)
        boxes = np.array([f.box for f in faces], dtype=np.float64).reshape(-1, 4)
        previous = np.array([self._tracks[i].box for i in ids], dtype=np.float64).reshape(-1, 4)
        assigned = self._match(iou_matrix(boxes, previous), ids)
        result = []
        for box, face, track_id in zip(boxes, faces, assigned):
            if track_id is None:
                track_id, self._next_id = self._next_id, self._next_id + 1
                self._tracks[track_id] = _Track(box, face.probabilities)
            else:
                track = self._tracks[track_id]
                track.box, track.missed = box, 0
                track.probabilities = (self.smoothing * track.probabilities
                                       + (1 - self.smoothing) * face.probabilities)
            result.append(Face(face.box, self._tracks[track_id].probabilities, track_id,
                               face.class_names))
        seen = set(assigned)
        for track_id in ids:
            if track_id not in seen:
                self._tracks[track_id].missed += 1
                if self._tracks[track_id].missed > self.max_missed:
                    del self._tracks[track_id]
        return result

    def _match(self, iou: np.ndarray, ids: list[int]) -> list[int | None]:
        """Greedy global matching, best overlap first, so neighbours never swap ids."""
        assigned: list[int | None] = [None] * iou.shape[0]
        if iou.size:
            taken = set()
            for flat in np.argsort(-iou, axis=None):
                face, track = np.unravel_index(flat, iou.shape)
                if iou[face, track] < self.iou_threshold:
                    break
                if assigned[face] is None and track not in taken:
                    assigned[face] = ids[track]
                    taken.add(track)
        return assigned
