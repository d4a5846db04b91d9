"""Stable face ids across frames (greedy IoU matching), confirmation of new faces before they
are shown, and per-face probability smoothing.

A box the cascade finds in one frame and never again is rarely a face (a mouth, a pattern on a
shirt). So a new box starts as a candidate with no id, and is shown, with the next free id,
only once it has been seen `confirm_hits` times within its first `confirm_window` frames.
Candidates are matched only to the boxes that known faces leave over, so a short-lived false
box can never take a real face's place, nor its id, and ids stay small. A box left over that
lies mostly inside a known face's last box (its mouth, found while the face itself was
missed) is part of that face and is not followed at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..results import Face
from .boxes import INSIDE_FRACTION, intersection_matrix, iou_matrix

# An unmatched box inside a known face and smaller than this share of its area is a part of it.
PART_OF_FACE_AREA = 0.5


@dataclass
class _Track:
    box: np.ndarray
    probabilities: np.ndarray
    track_id: int | None = None  # None while it is a candidate, not yet confirmed
    hits: int = 1                # frames it was seen in
    age: int = 1                 # frames since it was first seen, that one included
    missed: int = 0              # frames in a row it was not seen in


@dataclass
class FaceTracker:
    """Gives each face an id that stays with it, and smooths its probabilities over time.

    iou_threshold: least overlap with a face's last box to count as the same face; higher
        starts new ids more readily.
    max_missed: frames a confirmed face may go undetected before its id is dropped.
    smoothing: weight of the past in the exponential moving average of probabilities,
        0 (no smoothing, labels follow every frame) to <1 (steadier, slower to change).
    confirm_hits, confirm_window: a new face is shown once it has been seen in
        `confirm_hits` of its first `confirm_window` frames (the first included), else
        forgotten. Higher hides more false faces but shows real ones later; 1 shows every
        box at once (right for still images, where there is no next frame).
    """

    iou_threshold: float = 0.3
    max_missed: int = 10
    smoothing: float = 0.6
    confirm_hits: int = 2
    confirm_window: int = 3
    _tracks: list[_Track] = field(default_factory=list, repr=False)
    _next_id: int = field(default=1, repr=False)

    def __post_init__(self):
        if not 0 <= self.smoothing < 1:
            raise ValueError(f"expected smoothing in [0, 1), got {self.smoothing}")
        if self.max_missed < 0:
            raise ValueError(f"expected max_missed >= 0, got {self.max_missed}")
        if not 0 < self.iou_threshold <= 1:
            raise ValueError(f"expected iou_threshold in (0, 1], got {self.iou_threshold}")
        if self.confirm_hits < 1:
            raise ValueError(f"expected confirm_hits >= 1, got {self.confirm_hits}")
        if self.confirm_window < self.confirm_hits:
            raise ValueError(f"expected confirm_window >= confirm_hits ({self.confirm_hits}), "
                             f"got {self.confirm_window}")

    def reset(self) -> None:
        """Forget every face and candidate; ids start again at 1."""
        self._tracks.clear()
        self._next_id = 1

    @property
    def boxes(self) -> np.ndarray:
        """float (N, 4) last boxes of every face followed, candidates included: where to look
        for them in the next frame."""
        return np.array([track.box for track in self._tracks], dtype=np.float64).reshape(-1, 4)

    def update(self, faces: list[Face]) -> list[Face]:
        """The confirmed faces among `faces`, in their order, with track ids and smoothed
        probabilities. Candidates are left out until confirmed."""
        boxes = np.array([f.box for f in faces], dtype=np.float64).reshape(-1, 4)
        assigned: list[_Track | None] = [None] * len(faces)
        # Known faces pick their boxes first; candidates only get what is left.
        self._match(boxes, [t for t in self._tracks if t.track_id is not None], assigned)
        self._match(boxes, [t for t in self._tracks if t.track_id is None], assigned)
        seen = {id(track) for track in assigned if track is not None}
        for track in self._tracks:
            track.age += 1
            if id(track) not in seen:
                track.missed += 1
        part_of_a_face = self._inside_known_faces(boxes, assigned)
        for i, (box, face) in enumerate(zip(boxes, faces)):
            track = assigned[i]
            if track is None:
                if not part_of_a_face[i]:
                    assigned[i] = _Track(box, face.probabilities)
                    self._tracks.append(assigned[i])
                continue
            track.box, track.missed, track.hits = box, 0, track.hits + 1
            track.probabilities = (self.smoothing * track.probabilities
                                   + (1 - self.smoothing) * face.probabilities)
        for track in assigned:  # in input order, so ids handed out together go left to right
            if track is not None and track.track_id is None and track.hits >= self.confirm_hits:
                track.track_id, self._next_id = self._next_id, self._next_id + 1
        self._tracks = [t for t in self._tracks if self._alive(t)]
        return [Face(face.box, track.probabilities, track.track_id, face.class_names,
                     face.landmarks)
                for face, track in zip(faces, assigned)
                if track is not None and track.track_id is not None]

    def _inside_known_faces(self, boxes: np.ndarray, assigned: list[_Track | None]) -> np.ndarray:
        """For each box: True when it is unmatched, mostly inside a known face's box and less
        than half its size (a part of it; a face that moved is about as big as before)."""
        known = np.array([t.box for t in self._tracks if t.track_id is not None]).reshape(-1, 4)
        if not len(known) or not len(boxes):
            return np.zeros(len(boxes), dtype=bool)
        area = boxes[:, 2] * boxes[:, 3]
        inside = np.divide(intersection_matrix(boxes, known), area[:, None],
                           out=np.zeros((len(boxes), len(known))), where=area[:, None] > 0)
        smaller = area[:, None] < PART_OF_FACE_AREA * (known[:, 2] * known[:, 3])[None, :]
        part = ((inside > INSIDE_FRACTION) & smaller).any(axis=1)
        return part & np.array([track is None for track in assigned])

    def _alive(self, track: _Track) -> bool:
        if track.track_id is not None:
            return track.missed <= self.max_missed
        # A candidate lives while it can still reach confirm_hits within its window.
        return track.hits + (self.confirm_window - track.age) >= self.confirm_hits

    def _match(self, boxes: np.ndarray, tracks: list[_Track],
               assigned: list[_Track | None]) -> None:
        """Greedy global matching of `tracks` to the unassigned boxes, best overlap first, so
        neighbours never swap ids."""
        free = [i for i, track in enumerate(assigned) if track is None]
        if not free or not tracks:
            return
        iou = iou_matrix(boxes[free], np.array([t.box for t in tracks]))
        taken = set()
        for flat in np.argsort(-iou, axis=None, kind="stable"):
            row, col = np.unravel_index(flat, iou.shape)
            if iou[row, col] < self.iou_threshold:
                break
            if assigned[free[row]] is None and col not in taken:
                assigned[free[row]] = tracks[col]
                taken.add(col)
