"""Analysing the sources of a batch one at a time, with the model loaded once.

An `Analyser` runs the one loop (video/runner.py) over each source with a fresh detector
state: face ids start at 1 in every source and nothing is carried from the one before, so
a source's records are the same whether it is analysed alone, after others, in another
process or after a resume. Photos and videos get detectors of their own (a photo is
searched at full size and shows every face at once), which share one classifier.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import OutputError, SourceError
from .naming import annotated_name
from .outcome import Outcome
from .progress import FrameCounter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One source to analyse. output: the folder and stem of its annotated file (the suffix
    is chosen once the source is open: a photo or a video); timeline: its picture."""

    index: int
    source: str
    output: Path | None = None
    timeline: Path | None = None


class Analyser:
    """detector_options: EmotionDetector's keyword options, with `detect_width` as the
    CLI's --detect-width (None: the default for video or for stills). display: show each
    source in a window, one after another; fast: do not pace video files in it.
    report_frames: called as (job index, frames analysed so far) while a source is
    analysed, for a progress bar."""

    def __init__(self, detector_options: dict, *, display: bool = False, fast: bool = False,
                 report_frames=None):
        self.options = dict(detector_options)
        self.display, self.fast, self.report_frames = display, fast, report_frames
        self._detectors: dict[bool, object] = {}

    def detector(self, still: bool):
        """The detector for stills or for video, made once; the second shares the first's
        classifier (the model is loaded once)."""
        if still not in self._detectors:
            from ..detection import EmotionDetector, detect_width_for

            options = dict(self.options)
            override = options.pop("detect_width", None)
            if self._detectors:
                options["model"] = next(iter(self._detectors.values())).classifier
            self._detectors[still] = EmotionDetector(
                **options, still=still, detect_width=detect_width_for(still, override))
        return self._detectors[still]

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.detector(False).class_names

    def analyse(self, job: Job) -> Outcome:
        """The records and summary of `job`'s source, or, when it cannot be read, an Outcome
        whose `error` says why. Raises OutputError when an output cannot be written (a full
        disk): that stops the whole batch, where an unreadable source does not."""
        try:
            return self._analyse(job)
        except OutputError:
            raise
        except (SourceError, ValueError, OSError) as exc:  # cv2.error is an Exception
            return Outcome(job.index, job.source, error=_one_line(exc, job.source))
        except Exception as exc:
            import cv2

            if not isinstance(exc, cv2.error):
                raise
            return Outcome(job.index, job.source, error=_one_line(exc, job.source))

    def _analyse(self, job: Job) -> Outcome:
        from ..annotators import default_annotators
        from ..video import (FrameSource, ImageFileSink, RecordSink, TimelineSink,
                             VideoFileSink, WindowSink, run)
        from ..video.summary import source_summary

        with contextlib.ExitStack() as stack:
            source = stack.enter_context(FrameSource(job.source))
            info = source.info
            detector = self.detector(info.is_image)
            detector.reset()
            records = RecordSink(job.source)
            sinks = [records]
            if self.report_frames is not None:
                sinks.append(stack.enter_context(FrameCounter(job.index, self.report_frames)))
            name = Path(job.source).name
            if job.output is not None:
                path = job.output.parent / annotated_name(job.output.name, job.source,
                                                          info.is_image)
                sinks.append(stack.enter_context(
                    ImageFileSink(path) if info.is_image else VideoFileSink(path, info)))
            if job.timeline is not None:
                sinks.append(stack.enter_context(
                    TimelineSink(job.timeline, detector.class_names, title=name)))
            if self.display:
                sinks.append(stack.enter_context(WindowSink(
                    f"{name} - facial emotion", (info.width, info.height),
                    still=info.is_image, pace=not (self.fast or info.live))))
            summary = run(source, detector.detect, default_annotators(), sinks)
        tally = summary.tally
        tally.class_names = tally.class_names or detector.class_names  # a source without faces
        return Outcome(job.index, job.source, records.records,
                       source_summary(job.source, summary.frames, tally),
                       summary.frames, summary.frames_with_faces, summary.faces,
                       summary.seconds, quit=summary.quit, interrupted=summary.interrupted)


def _one_line(exc: BaseException, source: str) -> str:
    """The error as one line, without the source's name where it starts with it (the
    outcome's line names it)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = text.removeprefix(f"{source}: ")
    return text if len(text) <= 300 else text[:297] + "..."
