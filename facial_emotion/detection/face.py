"""`Face`: the one result type that flows from detection through tracking to drawing and export."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..labels import EMOTIONS


@dataclass(frozen=True)
class Face:
    """One face in one frame.

    box: (x, y, w, h) in pixels of the full frame. probabilities: float32 (classes,), summing
    to 1, in `class_names` order. track_id: stable across frames when tracking is on, else None.
    """

    box: tuple[int, int, int, int]
    probabilities: np.ndarray
    track_id: int | None = None
    class_names: tuple[str, ...] = EMOTIONS

    def __post_init__(self):
        if len(self.box) != 4 or self.box[2] <= 0 or self.box[3] <= 0:
            raise ValueError(f"expected box (x, y, w, h) with w, h > 0, got {self.box}")
        object.__setattr__(self, "box", tuple(int(v) for v in self.box))
        # A private copy: freezing the caller's array (or a view of it) would leak both ways.
        probs = np.array(self.probabilities, dtype=np.float32)
        if probs.shape != (len(self.class_names),):
            raise ValueError(f"expected {len(self.class_names)} probabilities, got shape {probs.shape}")
        probs.setflags(write=False)
        object.__setattr__(self, "probabilities", probs)

    @property
    def label(self) -> str:
        """The most likely emotion."""
        return self.class_names[int(self.probabilities.argmax())]

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]

    def as_record(self) -> dict:
        """Flat record for CSV/JSONL export: box, one column per emotion, and the label."""
        x, y, w, h = self.box
        return {"face_id": self.track_id, "x": x, "y": y, "w": w, "h": h,
                **{name: round(float(p), 5) for name, p in zip(self.class_names, self.probabilities)},
                "emotion": self.label}
