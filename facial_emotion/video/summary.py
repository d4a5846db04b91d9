"""Per-face statistics over a whole run: frames seen, mean probabilities, dominant emotion.

`EmotionTally` accumulates them from FrameResults; `SummarySink` writes them as JSON at the
end of a run (`--summary`), and the loop's one-line summary names each face's dominant
emotion from the same tally.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from ..results import FrameResult
from .outputs import PendingFile, checked_target, write_error
from .sinks import Sink


@dataclass
class FaceStats:
    """One face id's running totals. first_s/last_s: times it was first and last seen."""

    frames: int
    first_s: float
    last_s: float
    total: np.ndarray  # summed probabilities, float64

    @property
    def mean(self) -> np.ndarray:
        return self.total / self.frames


def id_order(track_id: int | None) -> tuple[bool, int]:
    """Sort key: ids in ascending order, untracked faces (None) last."""
    return track_id is None, track_id or 0


class EmotionTally:
    """Per face id (None for untracked faces, which are pooled), how many frames it was
    seen in and its summed probabilities. `update(result)` once a frame; `reset()`."""

    def __init__(self, class_names: tuple[str, ...] = ()):
        self._initial_names = tuple(class_names)
        self.reset()

    def reset(self) -> None:
        self.faces: dict[int | None, FaceStats] = {}
        self.class_names: tuple[str, ...] = self._initial_names  # else taken from the faces

    def update(self, result: FrameResult) -> None:
        for face in result.faces:
            self.class_names = face.class_names
            stats = self.faces.get(face.track_id)
            if stats is None:
                self.faces[face.track_id] = FaceStats(1, result.time_s, result.time_s,
                                                      face.probabilities.astype(np.float64))
            else:
                stats.frames += 1
                stats.last_s = result.time_s
                stats.total = stats.total + face.probabilities

    def dominant(self) -> dict[int | None, str]:
        """The emotion with the highest mean probability, per face id, ids in order."""
        return {track_id: self.class_names[int(np.argmax(self.faces[track_id].total))]
                for track_id in sorted(self.faces, key=id_order)}

    def as_records(self, digits: int = 5) -> list[dict]:
        """One JSON-ready record per face id, in id order (untracked last)."""
        return [{"face_id": track_id, "frames": stats.frames,
                 "first_s": round(stats.first_s, 4), "last_s": round(stats.last_s, 4),
                 "mean_probabilities": {name: round(float(p), digits)
                                        for name, p in zip(self.class_names, stats.mean)},
                 "dominant": self.class_names[int(np.argmax(stats.total))]}
                for track_id, stats in sorted(self.faces.items(), key=lambda kv: id_order(kv[0]))]


def source_summary(source: str, frames: int, tally: EmotionTally) -> dict:
    """One source's summary: {"source", "frames", "class_names", "faces": [...]}."""
    return {"source": source, "frames": frames, "class_names": list(tally.class_names),
            "faces": tally.as_records()}


class SummarySink(Sink):
    """Writes, at the end of the run, a JSON object: {"source", "frames", "class_names",
    "faces": [{"face_id", "frames", "first_s", "last_s", "mean_probabilities", "dominant"}]}.

    face_id is null for the pooled untracked faces (--no-track). The file is complete or
    absent: it is written in one go when the sink closes.
    """

    def __init__(self, path: str | os.PathLike, class_names: tuple[str, ...], source: str = ""):
        self.path = checked_target(path)
        self.source = source
        self.tally = EmotionTally(class_names)
        self.written = 0

    def write(self, result: FrameResult) -> None:
        self.tally.update(result)
        self.written += 1

    def summary(self) -> dict:
        return source_summary(self.source, self.written, self.tally)

    def close(self) -> None:
        if not self.written:
            return
        pending = PendingFile(self.path)
        try:
            pending.tmp.write_text(json.dumps(self.summary(), indent=2) + "\n")
        except OSError as exc:
            pending.discard()
            raise write_error(self.path, exc) from None
        pending.commit()
        self.written = 0  # closing twice writes once

    def discard(self) -> None:
        self.written = 0
