"""Speed of the video pipeline against a seed-style loop, side by side on the same frames.

    python benchmarks/bench_video.py [--frames 150] [--model models/emotion_mini_xception.keras]

(a) seed-style: resize to width 300, Haar, `model.predict` on the largest face only.
(b) ours, same detection settings: every face, one batched call, tracking, smoothing,
    drawing, CSV records.
(c) the classifier alone, one face per call.

Frames are made here: a background with faces pasted in. If ../shared/fer2013 is present its
test faces are used (in memory only, never saved); otherwise the frames hold no real faces and
(a)/(b) measure detection alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import imutils  # noqa: E402
import numpy as np  # noqa: E402

from facial_emotion.runtime import configure_tensorflow  # noqa: E402

SEED_WIDTH = 300        # the seed resized every frame to this width before Haar
SEED_MIN_SIZE = 30      # and asked for faces of at least 30x30 at that width
SHARED = ROOT.parent / "shared" / "fer2013" / "test"


def make_frames(n: int, size=(640, 480), faces_per_frame: int = 2) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    face_files = sorted(SHARED.glob("*/PrivateTest_*.jpg"))[:40:10] if SHARED.is_dir() else []
    faces = [cv2.resize(cv2.imread(str(f)), (150, 150), interpolation=cv2.INTER_CUBIC)
             for f in face_files]
    width, height = size
    frames = []
    for i in range(n):
        frame = np.full((height, width, 3), 100, np.uint8)
        frame += rng.integers(0, 20, frame.shape, dtype=np.uint8)  # sensor-like noise
        for k, face in enumerate(faces[:faces_per_frame]):
            x = 40 + k * 300 + int(20 * np.sin(i / 10 + k))
            y = 150 + int(10 * np.cos(i / 7))
            frame[y:y + 150, x:x + 150] = face
        frames.append(frame)
    return frames


def seed_loop(frames, cascade, model):
    """One frame the way the original demo did it (minus the window)."""
    for frame in frames:
        frame = imutils.resize(frame, width=SEED_WIDTH)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        boxes = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                         minSize=(SEED_MIN_SIZE, SEED_MIN_SIZE))
        if len(boxes) > 0:
            x, y, w, h = sorted(boxes, key=lambda b: b[2] * b[3])[-1]
            roi = cv2.resize(gray[y:y + h, x:x + w], (48, 48)).astype("float32")
            model.predict(roi[None, :, :, None], verbose=0)


def timed(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=150)
    p.add_argument("--model", type=Path, default=ROOT / "models" / "emotion_mini_xception.keras")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    configure_tensorflow()
    from facial_emotion.annotators import (BoxAnnotator, FpsAnnotator, LabelAnnotator,
                                           ProbabilityBarsAnnotator)
    from facial_emotion.detection import EmotionDetector
    from facial_emotion.detection.face_finder import resolve_cascade
    from facial_emotion.video import CsvSink, run
    from facial_emotion.video.sources import VideoInfo

    frames = make_frames(args.frames)
    detector = EmotionDetector(args.model, detect_width=SEED_WIDTH,
                               min_size=round(SEED_MIN_SIZE * frames[0].shape[1] / SEED_WIDTH))
    cascade = cv2.CascadeClassifier(str(resolve_cascade(None)))
    model = detector.classifier.model
    faces_found = sum(len(detector.detect(f)) for f in frames[:10]) / 10
    detector.reset()

    class Frames:  # a FrameSource stand-in over the decoded frames
        info = VideoInfo(frames[0].shape[1], frames[0].shape[0], 30.0, len(frames))

        def __iter__(self):
            # Copies: annotators draw in place, and every repeat must see clean frames.
            return (f.copy() for f in frames)

    def ours():
        detector.reset()
        annotators = [ProbabilityBarsAnnotator(), BoxAnnotator(), LabelAnnotator(), FpsAnnotator()]
        with tempfile.TemporaryDirectory() as tmp, \
                CsvSink(Path(tmp) / "faces.csv", detector.class_names) as sink:
            run(Frames(), detector.detect, annotators, [sink])

    crops = np.random.default_rng(1).integers(0, 256, (200, 48, 48, 1), dtype=np.uint8)

    def classifier_alone():
        for crop in crops:
            detector.classifier.predict(crop[None])

    seed_loop(frames[:5], cascade, model)  # warm-up: first predict() builds its function
    ours()
    classifier_alone()
    t_seed = timed(lambda: seed_loop(frames, cascade, model), args.repeats)
    t_ours = timed(lambda: ours(), args.repeats)
    t_clf = timed(classifier_alone, args.repeats)
    n = len(frames)
    print(f"{n} frames {frames[0].shape[1]}x{frames[0].shape[0]}, "
          f"{faces_found:.1f} faces/frame found, best of {args.repeats}, "
          f"{os.cpu_count()} CPU cores")
    print("| pipeline | ms/frame | fps | speed-up |")
    print("|---|---:|---:|---:|")
    print(f"| (a) seed-style loop, largest face, model.predict | {1000 * t_seed / n:.1f} | "
          f"{n / t_seed:.0f} | 1.0x |")
    print(f"| (b) ours: every face, tracking, smoothing, drawing, CSV | {1000 * t_ours / n:.1f} | "
          f"{n / t_ours:.0f} | {t_seed / t_ours:.1f}x |")
    print(f"| (c) classifier alone, one face per call | {1000 * t_clf / len(crops):.2f} ms/face | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
