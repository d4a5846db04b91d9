"""The measurements behind YuNet's defaults: score threshold and detection widths.

    python benchmarks/bench_yunet_defaults.py [--faces 150] [--data ../shared/fer2013/test]

1. False faces: YuNet's best score on scikit-image's photos without a human face (public
   domain, shipped with the package), each at its own resolution and shrunk to 320 px, as the
   app scans stills and video. A threshold above these scores finds no false face there.
2. True faces: the share of FER2013 PublicTest faces (only PublicTest_*.jpg: the template and
   the model never saw them) found at each threshold, upscaled to 100 px in a 320x240 scene
   and to 200 px in a 640x480 one, upright and rolled 25 and 35 degrees; and the astronaut's
   face (tests/scenes.py) from 16 to 60 px wide in a 320 px frame, to see the smallest face
   found at a width.
3. Width: the milliseconds of one full scan at the widths a video or a still might be
   scanned at (fastest of 20 calls).
4. Flicker: a camera panning across each photo without a face (a 4:3 window sliding over
   it in 60 frames, sensor noise added), scanned at the video width as the app does: the
   frames in which YuNet, at its threshold, reports a face. A false face that shows in
   single frames is what a tracker's confirmation over two frames would hide.

Prints numbers only: no FER2013 pixels leave the data folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
# scikit-image's photos with no human face in them (data.camera has the cameraman's).
FACELESS = ("coffee", "chelsea", "rocket", "coins", "horse", "hubble_deep_field",
            "immunohistochemistry", "moon", "page", "text", "brick", "grass", "gravel", "cell",
            "colorwheel", "logo", "retina", "clock", "checkerboard")


def faceless_photos():
    """(name, BGR uint8 image) for each photo of FACELESS that this scikit-image ships."""
    from skimage import data

    for name in FACELESS:
        image = np.asarray(getattr(data, name)())
        if image.dtype != np.uint8:
            image = (image.astype(np.float64) / max(image.max(), 1) * 255).astype(np.uint8)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_RGBA2BGR)
        else:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)  # scikit-image is RGB, OpenCV BGR
        yield name, image


def raw_yunet():
    """cv2.FaceDetectorYN on the shipped model with a near-zero threshold: every candidate
    with its score, so that one run measures every threshold."""
    from facial_emotion.detection.yunet_finder import MODEL_FILE, NMS_IOU, TOP_K

    detector = cv2.FaceDetectorYN.create(str(MODEL_FILE), "", (320, 320), 0.05, NMS_IOU, TOP_K)

    def detect(bgr):
        detector.setInputSize((bgr.shape[1], bgr.shape[0]))
        rows = detector.detect(bgr)[1]
        return np.zeros((0, 15)) if rows is None else rows
    return detect


def shrunk(bgr: np.ndarray, width: int) -> np.ndarray:
    if bgr.shape[1] <= width:
        return bgr
    height = round(bgr.shape[0] * width / bgr.shape[1])
    return cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA)


def false_faces(detect) -> None:
    print("\n1. Best false-face score on photos without a face (scikit-image)")
    print("| photo | size | at its own size (up to 2048 px) | at 320 px |")
    print("|---|---|---:|---:|")
    worst = 0.0
    for name, bgr in faceless_photos():
        cells = []
        for width in (2048, 320):
            rows = detect(shrunk(bgr, width))
            cells.append(float(rows[:, -1].max()) if len(rows) else 0.0)
        worst = max(worst, *cells)
        print(f"| {name} | {bgr.shape[1]}x{bgr.shape[0]} | {cells[0]:.2f} | {cells[1]:.2f} |")
    print(f"highest: {worst:.2f}")


def true_faces(detect, folder: Path, count: int, seed: int) -> None:
    from benchmarks.bench_pipeline_accuracy import LAYOUTS, sample, scene
    from tests.scenes import Placed, compose

    print(f"\n2. Share of {count} FER2013 PublicTest faces found, by threshold")
    print("| face, frame | roll | " + " | ".join(f">= {t}" for t in THRESHOLDS) + " |")
    print("|---|---:|" + "---:|" * len(THRESHOLDS))
    faces = sample(folder, count, seed)
    for size, width, height in LAYOUTS:
        for roll in (0, 25, -25, 35):
            best = []
            for n, (path, _) in enumerate(faces):
                frame, centre, half = scene(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), size,
                                            width, height, roll, seed=n)
                rows = detect(frame)
                centres = rows[:, :2] + rows[:, 2:4] / 2
                near = np.abs(centres - centre).max(axis=1) < half if len(rows) else []
                best.append(rows[near, -1].max() if np.any(near) else 0.0)
            cells = " | ".join(f"{np.mean(np.array(best) >= t):.3f}" for t in THRESHOLDS)
            print(f"| {size} px in {width}x{height} | {roll:+d} | {cells} |")
    print("\nThe astronaut's face (tests/scenes.py) in a 320x240 frame: YuNet's score by "
          "face width")
    print("| face width (px) | " + " | ".join(str(w) for w in (16, 20, 24, 28, 32, 40, 60))
          + " |")
    cells = []
    for face in (16, 20, 24, 28, 32, 40, 60):
        patch = round(face / 0.68)  # the face is about 0.68 of the patch's width
        rows = detect(compose(320, 240, [Placed(160 - patch // 2, 40, patch)]))
        cells.append(f"{rows[:, -1].max():.2f}" if len(rows) else "-")
    print("| score | " + " | ".join(cells) + " |")


def widths(detect) -> None:
    from tests.scenes import Placed, compose

    print("\n3. One full scan, ms (fastest of 20)")
    print("| width x height | ms |")
    print("|---|---:|")
    for width, height in ((320, 180), (320, 240), (480, 360), (640, 480), (1280, 960),
                          (2048, 1536)):
        frame = cv2.resize(compose(640, 480, [Placed(250, 100, 150)]), (width, height))
        detect(frame)
        best = float("inf")
        for _ in range(20):
            start = time.perf_counter()
            detect(frame)
            best = min(best, time.perf_counter() - start)
        print(f"| {width}x{height} | {1000 * best:.1f} |")


def flicker(threshold: float) -> None:
    from facial_emotion.detection.face_finder import VIDEO_DETECT_WIDTH
    from facial_emotion.detection.yunet_finder import YunetFaceFinder

    finder = YunetFaceFinder(detect_width=VIDEO_DETECT_WIDTH, score_threshold=threshold)
    rng = np.random.default_rng(0)
    frames = hits = 0
    print(f"\n4. A camera panning over photos without a face, 60 frames each, at "
          f"{VIDEO_DETECT_WIDTH} px, threshold {threshold}")
    for name, bgr in faceless_photos():
        height, width = bgr.shape[:2]
        w = min(width, round(height * 4 / 3))
        h = round(w * 3 / 4)
        found = 0
        for i in range(60):
            x = round((width - w) * i / 59)
            frame = cv2.resize(bgr[:h, x:x + w], (640, 480), interpolation=cv2.INTER_LINEAR)
            noisy = np.clip(frame + rng.normal(0, 4, frame.shape), 0, 255).astype(np.uint8)
            found += len(finder.find(noisy)[0]) > 0
        frames += 60
        hits += found
    print(f"frames with a false face: {hits} of {frames}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "fer2013" / "test",
                   help="FER2013 as folders of PublicTest_*.jpg per emotion")
    p.add_argument("--faces", type=int, default=150)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    detect = raw_yunet()
    print(f"{os.cpu_count()} CPU cores, OpenCV {cv2.__version__}, load average "
          f"{os.getloadavg()[0]:.1f}")
    false_faces(detect)
    true_faces(detect, args.data, args.faces, args.seed)
    widths(detect)
    from facial_emotion.detection.yunet_finder import SCORE_THRESHOLD

    flicker(SCORE_THRESHOLD)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
