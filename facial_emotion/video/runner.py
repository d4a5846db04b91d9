"""The one loop that joins a source, the detector, the annotators and the sinks."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from ..annotators import FpsAnnotator
from ..results import Face
from ..frames import to_bgr
from .sources import FrameSource
from .sinks import Sink


@dataclass
class RunSummary:
    frames: int = 0
    frames_with_faces: int = 0
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    _totals: dict = field(default_factory=lambda: defaultdict(lambda: 0.0), repr=False)
    _names: tuple[str, ...] = ()

    def add(self, faces: list[Face]) -> None:
        self.frames += 1
        self.frames_with_faces += bool(faces)
        self.faces += len(faces)
        for face in faces:
            self._totals[face.track_id] = self._totals[face.track_id] + face.probabilities
            self._names = face.class_names

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def dominant(self) -> dict[int | None, str]:
        """The emotion with the highest summed probability, per face id (None when untracked)."""
        return {track_id: self._names[int(np.argmax(total))]
                for track_id, total in self._totals.items()}

    def line(self) -> str:
        dominant = ", ".join(f"#{i} {label}" if i is not None else label
                             for i, label in sorted(self.dominant().items(), key=lambda kv: kv[0] or 0))
        return (f"{self.frames} frames, {self.frames_with_faces} with a face, {self.faces} faces, "
                f"{self.fps:.1f} fps; dominant emotion: {dominant or 'none'}"
                + (" (interrupted)" if self.interrupted else ""))


def run(source: FrameSource, detect, annotators, sinks: list[Sink], *,
        progress: bool = False, clock=time.perf_counter) -> RunSummary:
    """Detect, annotate and write every frame of `source` until it ends or a sink asks to stop.

    detect: frame -> list[Face] (e.g. EmotionDetector.detect). Frames without faces are
    annotated and written like any other, so an output video keeps the input's frame count.
    Ctrl-C stops the loop cleanly; the caller's `with` blocks then close the sinks.
    """
    summary = RunSummary()
    info = source.info
    fps_meter = next((a for a in annotators if isinstance(a, FpsAnnotator)), None)
    bar = tqdm(total=info.frame_count, unit="frame", disable=not progress, leave=False)
    started = clock()
    try:
        for index, frame in enumerate(source):
            faces = detect(frame)
            summary.add(faces)
            if fps_meter:
                fps_meter.tick(clock())
            scene = to_bgr(frame)  # annotators draw in colour, in place
            for annotator in annotators:
                scene = annotator.annotate(scene, faces)
            time_s = clock() - started if info.live else index / info.fps if info.fps else 0.0
            for sink in sinks:
                sink.write(scene, faces, index, time_s)
            bar.update()
            if any(sink.stop_requested for sink in sinks):
                break
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        bar.close()
        summary.seconds = clock() - started
    return summary
