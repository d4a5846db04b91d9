"""`python real_time_video.py`: emotions of every face, live from a webcam, a video or an image."""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path

from ..runtime import configure_tensorflow
from .common import one_line_errors, setup_logging

PROG = "real_time_video.py"
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=(
        "Find every face with a Haar cascade, classify its emotion with Mini-Xception, and "
        "show, save or export the result. Keys in the window: q/Esc quit, 1-9 pick the face "
        "whose bars are shown, 0 back to the largest face."),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--source", default="0", help="webcam index, video file or image file")
    p.add_argument("--model", type=Path, default=None,
                   help="saved classifier (.keras); default models/emotion_mini_xception.keras")
    p.add_argument("--cascade", default=None, help="Haar cascade XML: a path, or a file name in "
                   "haarcascade_files/ or OpenCV's cascades; default the frontal-face cascade")
    p.add_argument("--output", type=Path, help="annotated video (.mp4/.avi) or image file")
    p.add_argument("--csv", type=Path, help="one row per face per frame")
    p.add_argument("--jsonl", type=Path, help="the same records as JSON lines")
    p.add_argument("--no-display", action="store_true", help="no window (headless)")
    p.add_argument("--detect-width", type=int, default=320,
                   help="frames are shrunk to this width to find faces (0: full size); "
                        "lower is faster but misses small faces")
    p.add_argument("--min-neighbors", type=int, default=5,
                   help="Haar votes per face; higher means fewer false faces, more misses")
    p.add_argument("--no-track", action="store_true", help="no face ids and no smoothing")
    p.add_argument("--smoothing", type=float, default=0.6,
                   help="0 turns smoothing off; towards 1 labels are steadier but slower")
    return p


def make_sinks(args, info, class_names, bars, stack: contextlib.ExitStack) -> list:
    from ..video import CsvSink, ImageFileSink, JsonlSink, VideoFileSink, WindowSink
    from ..video.sinks import FOURCC

    sinks = []

    def add(sink):  # into the stack at once, so a later sink's error still closes this one
        sinks.append(stack.enter_context(sink))

    if args.output:
        still = info.is_image and args.output.suffix.lower() not in FOURCC
        add(ImageFileSink(args.output) if still else VideoFileSink(args.output, info))
    if args.csv:
        add(CsvSink(args.csv, class_names))
    if args.jsonl:
        add(JsonlSink(args.jsonl))
    if not args.no_display:
        def select(number):
            bars.selected = number
        add(WindowSink(on_select=select, wait_ms=0 if info.is_image else 1))
    return sinks


@one_line_errors(PROG)
def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if not 0 <= args.smoothing < 1:
        build_parser().error(f"--smoothing: expected a value in [0, 1), got {args.smoothing}")
    setup_logging()
    configure_tensorflow()
    from ..annotators import BoxAnnotator, FpsAnnotator, LabelAnnotator, ProbabilityBarsAnnotator
    from ..detection import EmotionDetector
    from ..video import FrameSource, run

    detector = EmotionDetector(args.model, args.cascade, detect_width=args.detect_width or None,
                               min_neighbors=args.min_neighbors, track=not args.no_track,
                               smoothing=args.smoothing)
    bars = ProbabilityBarsAnnotator()
    annotators = [bars, BoxAnnotator(), LabelAnnotator(), FpsAnnotator()]  # boxes over the panel
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(FrameSource(args.source))
        sinks = make_sinks(args, source.info, detector.class_names, bars, stack)
        progress = args.no_display and not source.info.live and not source.info.is_image
        summary = run(source, detector.detect, annotators, sinks, progress=progress)
    print(summary.line())
    return 130 if summary.interrupted else 0


if __name__ == "__main__":
    raise SystemExit(main())
