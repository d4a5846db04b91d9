"""The one loop that joins a source, the detector, the annotators and the sinks.

Per frame it builds one frozen FrameResult (index, time, frame, faces, fps, selected id),
has the annotators draw it on a copy of the frame, and hands the annotated result to every
sink. It owns the state that spans frames: the FPS meter and which face is selected.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from tqdm import tqdm

from ..frames import to_bgr
from ..results import FrameResult
from .keys import Next, Quit, Select
from .sinks import Sink
from .sources import FrameSource
from .summary import EmotionTally


class FpsMeter:
    """A smoothed processing rate: `update(now)` once a frame, with the time in seconds.

    smoothing: weight of the past in an exponential moving average of 1 / (frame interval);
    towards 1 the reading is steadier but slower to follow a change, 0 shows every frame's
    own rate. The rate is None until two frames have been timed.
    """

    def __init__(self, smoothing: float = 0.9):
        if not 0 <= smoothing < 1:
            raise ValueError(f"expected smoothing in [0, 1), got {smoothing}")
        self.smoothing = smoothing
        self.reset()

    def reset(self) -> None:
        self.fps: float | None = None
        self._last: float | None = None

    def update(self, now: float) -> float | None:
        if self._last is not None and now > self._last:
            rate = 1.0 / (now - self._last)
            self.fps = rate if self.fps is None else (
                self.smoothing * self.fps + (1 - self.smoothing) * rate)
        self._last = now
        return self.fps


@dataclass
class RunSummary:
    """What a run did, for the one line printed at its end."""

    frames: int = 0
    frames_with_faces: int = 0
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    quit: bool = False  # the user asked to stop (q, Esc, the window closed)
    tally: EmotionTally = field(default_factory=EmotionTally, repr=False)

    def add(self, result: FrameResult) -> None:
        self.frames += 1
        self.frames_with_faces += bool(result.faces)
        self.faces += len(result.faces)
        self.tally.update(result)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        dominant = ", ".join(f"#{i} {label}" if i is not None else label
                             for i, label in self.tally.dominant().items())
        return (f"{self.frames} frames, {self.frames_with_faces} with a face, {self.faces} faces, "
                f"{self.fps:.1f} fps; dominant emotion: {dominant or 'none'}"
                + (" (interrupted)" if self.interrupted else ""))


def annotate(result: FrameResult, annotators) -> FrameResult:
    """`result` with its frame replaced by a BGR copy the annotators drew on, in order.

    The copy keeps `result.frame` as it came from the source, so the same result can be
    drawn again (a still image re-shown with another face selected).
    """
    scene = to_bgr(result.frame)
    if scene is result.frame:
        scene = scene.copy()
    for annotator in annotators:
        scene = annotator.annotate(scene, result)
    return dataclasses.replace(result, frame=scene)


def run(source: FrameSource, detect, annotators, sinks: list[Sink], *,
        progress: bool = False, clock=time.perf_counter,
        fps_meter: FpsMeter | None = None) -> RunSummary:
    """Detect, annotate and write every frame of `source` until it ends or a sink asks to stop.

    Each frame's time is the source's (`source.timed()`): a file's from its container, else
    its index / fps; a camera's, the clock since the start. The FPS measured, in each result
    and in the summary, is the pipeline's: time sinks spend waiting on purpose (the window
    showing a video at its own pace) is left out.

    detect: frame -> faces (e.g. EmotionDetector.detect). annotators: objects with
    `annotate(scene, result)`. Frames without faces are annotated and written like any
    other, so an output video keeps the input's frame count. A sink's Quit request stops
    the loop once the frame is written everywhere (and sets the summary's `quit`, which ends
    a batch too); Next stops it the same way but asks only to go on to the next source; a
    Select request picks the face whose bars are shown from the next frame on (for a still
    image, the image is drawn again with it and shown to that sink alone). Ctrl-C stops the loop cleanly; the caller's
    `with` blocks then close the sinks, which keeps what they wrote.
    """
    summary = RunSummary()
    info = source.info
    meter = fps_meter or FpsMeter()
    selected_id: int | None = None
    bar = tqdm(total=info.frame_count, unit="frame", disable=not progress, leave=False)
    started = clock()
    try:
        for index, (frame_time, frame) in enumerate(source.timed()):
            faces = tuple(detect(frame))
            now = clock()
            time_s = (now - started if info.live else frame_time if frame_time is not None
                      else index / info.fps if info.fps else 0.0)
            busy = now - sum(sink.waited_s for sink in sinks)
            result = FrameResult(index, time_s, frame, faces, meter.update(busy), selected_id)
            summary.add(result)
            annotated = annotate(result, annotators)
            stop = skip = False
            for sink in sinks:
                request = sink.write(annotated)
                while isinstance(request, Select):
                    selected_id = request.track_id
                    if not info.is_image:
                        break
                    request = sink.write(annotate(
                        dataclasses.replace(result, selected_id=selected_id), annotators))
                stop |= isinstance(request, Quit)
                skip |= isinstance(request, Next)
            bar.update()
            summary.quit = stop
            if stop or skip:
                break
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        bar.close()
        summary.seconds = clock() - started - sum(sink.waited_s for sink in sinks)
    return summary
