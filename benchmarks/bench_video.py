"""Speed of the video pipeline, end to end and headless, side by side on the same clip.

    python benchmarks/bench_video.py [--frames 300] [--enter-at 30] [--repeats 3] [--sweep]
        [--clip VIDEO]

The clip: the astronaut's face (scikit-image's public-domain photo, tests/scenes.py) gliding
across a 596x336 wall, entering after `--enter-at` frames, composited in memory and written
to a temporary .mp4 (mp4v) so that every pipeline decodes it as it would a real file; or any
video file of your own (`--clip`).

(a) seed-style: decode, resize to width 300, Haar on the whole frame, `model.predict` on the
    largest face (the original demo, minus its window): the anchor.
(b) --detector haar at the app's defaults: a full scan every 5th frame and a search near the
    faces followed in between, the next frames decoded on another thread, new faces
    confirmed over 2 frames, each face classified with its mirror image and averaged.
(c) the defaults (--detector yunet): the same loop with YuNet, crops aligned on the eyes.
(d) (c) with --full-scan-every 1: YuNet on every whole frame, no search near faces.
(e) (c) with --no-flip: the cost of the mirror image.
(f) --detector mtcnn (when the mtcnn package is installed).
--sweep adds (c) with other full_scan_every values and (c) without read-ahead.

Pipelines run in turns, 30 frames at a time, so that a busy spell on the shared machine slows
them alike; each chunk's fastest time over `--repeats` runs counts. (a) runs once: its
~30 ms predict() per frame is not in doubt. "frames with a face" counts the frames in which a
pipeline reported at least one face; "where (a) found one" the share of the seed loop's face
frames in which the pipeline reported one too.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
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


def write_clip(path: Path, frames: int, enter_at: int) -> tuple[int, int]:
    """The moving-face clip as an mp4v file; returns (width, height)."""
    from tests.scenes import moving_face_clip

    writer = None
    for frame in moving_face_clip(frames, 596, 336, face_width=150, enter_at=enter_at):
        if writer is None:
            size = frame.shape[1], frame.shape[0]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, size)
            if not writer.isOpened():
                raise OSError(f"cv2.VideoWriter could not open {path}")
        writer.write(frame)
    writer.release()
    return size


def seed_frames(path: Path, cascade, model):
    """The original demo's loop, one frame at a time: yields whether it found a face."""
    capture = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            frame = imutils.resize(frame, width=SEED_WIDTH)
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            boxes = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                             minSize=(SEED_MIN_SIZE, SEED_MIN_SIZE))
            if len(boxes) > 0:
                x, y, w, h = sorted(boxes, key=lambda b: b[2] * b[3])[-1]
                roi = cv2.resize(gray[y:y + h, x:x + w], (48, 48)).astype("float32")
                model.predict(roi[None, :, :, None], verbose=0)
            yield len(boxes) > 0
    finally:
        capture.release()


def interleaved(pipelines: dict, repeats: int, chunk: int, once: set):
    """Run every pipeline over the whole clip, `chunk` frames of one, then of the next, and so
    on, `repeats` times (those in `once`, a single time). Returns, per pipeline, the sum over
    chunks of each chunk's fastest time, and per frame whether it found a face.

    Chunks of a fraction of a second, in turns, see the same load: a busy spell on a shared
    machine then slows every pipeline alike, where timing whole runs one after the other
    would charge it to whichever ran during it.
    """
    best: dict[str, list[float]] = {name: [] for name in pipelines}
    found: dict[str, list[bool]] = {}
    for repeat in range(repeats):
        running = {name: make() for name, make in pipelines.items()
                   if repeat == 0 or name not in once}
        hits_of: dict[str, list[bool]] = {name: [] for name in running}
        for index in itertools.count():
            if not running:
                break
            for name in list(running):
                start = time.perf_counter()
                hits = list(itertools.islice(running[name], chunk))
                seconds = time.perf_counter() - start
                hits_of[name].extend(hits)
                if len(hits) < chunk:
                    del running[name]
                times = best[name]
                if index < len(times):
                    times[index] = min(times[index], seconds)
                else:
                    times.append(seconds)
        found.update(hits_of)
    return {name: sum(times) for name, times in best.items()}, found


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=300)
    p.add_argument("--enter-at", type=int, default=30, help="frame at which the face appears")
    p.add_argument("--clip", type=Path, help="a video file of your own instead of the "
                                              "composited clip")
    p.add_argument("--model", type=Path, default=ROOT / "models" / "emotion_mini_xception.keras")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--chunk", type=int, default=30, help="frames each pipeline runs in its turn")
    p.add_argument("--sweep", action="store_true",
                   help="also time yunet with full_scan_every 3 and 10, and without read-ahead")
    args = p.parse_args(argv)
    configure_tensorflow()
    from facial_emotion.annotators import (BoxAnnotator, FpsAnnotator, LabelAnnotator,
                                           ProbabilityBarsAnnotator)
    from facial_emotion.detection import EmotionDetector
    from facial_emotion.detection.face_finder import resolve_cascade
    from facial_emotion.results import FrameResult
    from facial_emotion.video import FrameSource
    from facial_emotion.video.runner import annotate

    def pipeline(finder: str, full_scan_every: int = 5, read_ahead: bool = True,
                 flip: bool = True):
        detector = EmotionDetector(args.model, detector=finder, full_scan_every=full_scan_every,
                                   flip=flip)

        def frames():
            """The app's loop (video/runner.py) without sinks: detect, then draw on a copy."""
            detector.reset()
            annotators = [ProbabilityBarsAnnotator(), BoxAnnotator(), LabelAnnotator(),
                          FpsAnnotator()]
            with FrameSource(clip, read_ahead=read_ahead) as source:
                for index, frame in enumerate(source):
                    faces = tuple(detector.detect(frame))
                    annotate(FrameResult(index, index / 30.0, frame, faces), annotators)
                    yield bool(faces)
        return frames

    seed = "(a) seed-style: Haar on every frame at 300 px, model.predict per face"
    haar = "(b) --detector haar"
    cascade = cv2.CascadeClassifier(str(resolve_cascade(None)))
    with tempfile.TemporaryDirectory() as tmp:
        if args.clip:
            clip = args.clip
            capture = cv2.VideoCapture(str(clip))
            width, height = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                             int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
            capture.release()
        else:
            clip = Path(tmp) / "moving_face.mp4"
            width, height = write_clip(clip, args.frames, args.enter_at)
        seed_model = EmotionDetector(args.model).classifier.model
        pipelines = {
            seed: lambda: seed_frames(clip, cascade, seed_model),
            haar: pipeline("haar"),
            "(c) the defaults: --detector yunet": pipeline("yunet"),
            "(d) yunet, --full-scan-every 1": pipeline("yunet", full_scan_every=1),
            "(e) yunet, --no-flip": pipeline("yunet", flip=False),
        }
        if importlib.util.find_spec("mtcnn") is not None:
            pipelines["(f) --detector mtcnn"] = pipeline("mtcnn")
        if args.sweep:
            for n in (3, 10):
                pipelines[f"(c) with --full-scan-every {n}"] = pipeline("yunet", n)
            pipelines["(c) without read-ahead"] = pipeline("yunet", read_ahead=False)
        # Warm-up: the first predict() builds its function, the first detect() an interpreter.
        seed_model.predict(np.zeros((1, 48, 48, 1), np.float32), verbose=0)
        for name, make in pipelines.items():
            if name != seed:
                sum(make())
        # The seed loop runs once: its ~30 ms predict() per frame is not in doubt.
        best, found = interleaved(pipelines, args.repeats, args.chunk, once={seed})

    n = len(found[seed])
    seed_hits = np.array(found[seed])
    where = (f"{args.clip.name}" if args.clip else
             f"the face in view from frame {args.enter_at} ({n - args.enter_at} frames)")
    print(f"{n} frames {width}x{height}, {where}; {args.chunk}-frame chunks in turns, fastest "
          f"of {args.repeats} per chunk; {os.cpu_count()} CPU cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    print("| pipeline | ms/frame | fps | vs (a) | vs (b) haar | frames with a face | "
          "where (a) found one |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, seconds in best.items():
        hits = np.array(found[name])
        print(f"| {name} | {1000 * seconds / n:.1f} | {n / seconds:.0f} | "
              f"{best[seed] / seconds:.2f}x | {best[haar] / seconds:.2f}x | {hits.sum()}/{n} | "
              f"{(hits & seed_hits).sum()}/{seed_hits.sum()} |")
    print(per_face_cost(args.model))
    return 0


def per_face_cost(model: Path, faces: int = 1, calls: int = 2000) -> str:
    """The classifier alone, one face per call as in a one-face video, flip-averaging on and
    off in alternating blocks of calls (the fastest block of each counts)."""
    from facial_emotion.detection import EmotionClassifier

    crops = np.random.default_rng(0).integers(0, 256, (faces, 48, 48, 1), np.uint8)
    classifiers = {flip: EmotionClassifier(model, flip=flip) for flip in (True, False)}
    best = dict.fromkeys(classifiers, float("inf"))
    for _ in range(10):
        for flip, classifier in classifiers.items():
            start = time.perf_counter()
            for _ in range(calls // 10):
                classifier.predict(crops)
            best[flip] = min(best[flip], (time.perf_counter() - start) / (calls // 10))
    return (f"classifier per call of {faces} face(s), {classifiers[True].backend}: flip-averaged "
            f"{1000 * best[True]:.3f} ms, plain {1000 * best[False]:.3f} ms "
            f"(+{1000 * (best[True] - best[False]):.3f} ms)")


if __name__ == "__main__":
    raise SystemExit(main())
