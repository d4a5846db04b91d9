"""End-to-end accuracy of the photo pipeline on FER2013 PublicTest faces: find, crop, classify.

    python benchmarks/bench_pipeline_accuracy.py [--faces 300] [--rolls 0 15 -15 25 -25]
        [--detectors yunet haar mtcnn] [--seed 0] [--score-threshold T]

Each sampled PublicTest face (only PublicTest_*.jpg files: neither the model nor the alignment
template saw them) is upscaled with bicubic interpolation to 100 px and pasted on a plain wall
(tests/scenes.py) of 320x240, and to 200 px on one of 640x480; each scene is then rolled
about the face's centre by every angle in --rolls (the wall's edge pixels repeated). Every
scene goes through EmotionDetector(still=True) as a photo would, with each detector. A face
counts as right when the face found nearest the pasted one (its box's centre inside the
pasted square) has the true label; a face not found counts as wrong. For the finders with
landmarks (YuNet, MTCNN) the same found faces are also classified from the finder's box,
cropped as the Haar path crops, to show what the alignment is worth. Nothing is written: no FER2013 pixels leave the data folder.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from facial_emotion.runtime import configure_tensorflow  # noqa: E402

# (face size, frame width, frame height) in pixels
LAYOUTS = ((100, 320, 240), (200, 640, 480))


def sample(folder: Path, count: int, seed: int) -> list[tuple[Path, str]]:
    files = sorted(folder.glob("*/PublicTest_*.jpg"))
    if not files:
        raise SystemExit(f"no PublicTest_*.jpg files under {folder}")
    random.Random(seed).shuffle(files)
    return [(path, path.parent.name) for path in files[:count]]


def scene(face: np.ndarray, size: int, width: int, height: int, roll: float,
          seed: int) -> tuple[np.ndarray, tuple[float, float], float]:
    """A BGR scene with the face pasted in the middle and rolled `roll` degrees (positive:
    counter-clockwise, as cv2 turns), the face's centre and its half side."""
    from tests.scenes import background

    frame = background(width, height, seed)
    big = cv2.resize(face, (size, size), interpolation=cv2.INTER_CUBIC)
    x0, y0 = (width - size) // 2, (height - size) // 2
    frame[y0:y0 + size, x0:x0 + size] = big[:, :, None]
    centre = (x0 + size / 2, y0 + size / 2)
    if roll:
        turn = cv2.getRotationMatrix2D(centre, roll, 1.0)
        frame = cv2.warpAffine(frame, turn, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    return frame, centre, size / 2


def nearest(faces, centre, half: float):
    best, best_distance = None, half  # a face's centre must lie within the pasted square
    for face in faces:
        x, y, w, h = face.box
        distance = max(abs(x + w / 2 - centre[0]), abs(y + h / 2 - centre[1]))
        if distance < best_distance:
            best, best_distance = face, distance
    return best


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("/work/shared/fer2013/test"),
                   help="FER2013 as folders of PublicTest_*.jpg per emotion")
    p.add_argument("--model", type=Path, default=ROOT / "models" / "emotion_mini_xception.keras")
    p.add_argument("--faces", type=int, default=300)
    p.add_argument("--rolls", type=float, nargs="+", default=[0, 15, -15, 25, -25])
    p.add_argument("--detectors", nargs="+", default=["yunet", "haar", "mtcnn"],
                   choices=["yunet", "haar", "mtcnn"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--score-threshold", type=float,
                   help="YuNet's score threshold, to compare with the default")
    args = p.parse_args(argv)
    configure_tensorflow()
    from facial_emotion.detection import EmotionDetector, crop_faces

    faces = sample(args.data, args.faces, args.seed)
    detectors = {name: EmotionDetector(args.model, detector=name, still=True)
                 for name in args.detectors}
    if args.score_threshold is not None and "yunet" in detectors:
        from facial_emotion.detection.yunet_finder import YunetFaceFinder

        finder = detectors["yunet"].finder
        detectors["yunet"].finder = YunetFaceFinder(finder.detect_width, finder.min_size,
                                                    args.score_threshold)
    aligned = [name for name in args.detectors if name != "haar"]  # finders with landmarks
    paths = [*args.detectors] + [f"{name}, box crop" for name in aligned]
    names = detectors[args.detectors[0]].class_names
    # right[path][roll] and found[detector][roll]: counts over faces x layouts
    right = {path: dict.fromkeys(args.rolls, 0) for path in paths}
    found = {name: dict.fromkeys(args.rolls, 0) for name in detectors}
    seconds = dict.fromkeys(detectors, 0.0)
    for n, (path, label) in enumerate(faces):
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        for size, width, height in LAYOUTS:
            for roll in args.rolls:
                frame, centre, half = scene(gray, size, width, height, roll, seed=n)
                for name, detector in detectors.items():
                    start = time.perf_counter()
                    # Unrelated photos: forget the last one, or its face (always in the same
                    # place) would be matched and its probabilities smoothed into this one.
                    detector.reset()
                    face = nearest(detector.detect(frame), centre, half)
                    seconds[name] += time.perf_counter() - start
                    if face is None:
                        continue
                    found[name][roll] += 1
                    right[name][roll] += face.label == label
                    if name in aligned:
                        frame_gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
                        crop = crop_faces(frame_gray, np.array([face.box]))
                        top = detector.classifier.predict(crop)[0].argmax()
                        right[f"{name}, box crop"][roll] += names[top] == label
        if (n + 1) % 50 == 0:
            print(f"{n + 1}/{len(faces)} faces", file=sys.stderr)

    scenes = len(faces) * len(LAYOUTS)
    if "yunet" in detectors:
        print(f"YuNet's score threshold {detectors['yunet'].finder.score_threshold}")
    print(f"{len(faces)} FER2013 PublicTest faces (seed {args.seed}) x {len(LAYOUTS)} scenes "
          f"(100 px face in 320x240, 200 px in 640x480) per roll; EmotionDetector(still=True), "
          f"{args.model.name}. Accuracy counts a face not found as wrong.")
    rolls = " | ".join(f"{r:+g} deg" for r in args.rolls)
    print(f"| path | {rolls} | upright and +-15 | +-25 |")
    print("|---|" + "---:|" * (len(args.rolls) + 2))

    def mean(counts, which):
        chosen = [r for r in args.rolls if abs(r) in which]
        return sum(counts[r] for r in chosen) / (scenes * len(chosen)) if chosen else float("nan")

    for path in paths:
        cells = " | ".join(f"{right[path][r] / scenes:.3f}" for r in args.rolls)
        print(f"| {path} accuracy | {cells} | {mean(right[path], (0, 15)):.3f} | "
              f"{mean(right[path], (25,)):.3f} |")
    for name in detectors:
        cells = " | ".join(f"{found[name][r] / scenes:.3f}" for r in args.rolls)
        print(f"| {name} faces found | {cells} | {mean(found[name], (0, 15)):.3f} | "
              f"{mean(found[name], (25,)):.3f} |")
    calls = scenes * len(args.rolls)
    print("ms per photo: " + ", ".join(f"{name} {1000 * s / calls:.0f}"
                                       for name, s in seconds.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
