"""Where FER2013 has a face's eyes: the alignment template in facial_emotion/detection/alignment.py.

    python benchmarks/fit_fer_template.py [--detector yunet|mtcnn] [--images 2000] [--upscale 4]
        [--seed 0]

Runs a face finder with landmarks (facial_emotion's YunetFaceFinder or MtcnnFaceFinder, as
--detector does) on a random sample of FER2013 Training images (only Training_*.jpg files, so
no test face shapes the crop), each upscaled `--upscale` times with bicubic interpolation
(both miss most 48 px faces), keeps the biggest face per image when the finder finds one, maps its five landmarks back to 48x48 pixel coordinates (pixel centres
at integers, as cv2.warpAffine takes them) and prints the medians, and the median distance
between the eyes. Prints numbers only: no FER2013 pixels leave the data folder.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from facial_emotion.runtime import configure_tensorflow  # noqa: E402

NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")  # as seen in the image


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("/work/shared/fer2013/train"),
                   help="FER2013 as folders of Training_*.jpg per emotion")
    p.add_argument("--images", type=int, default=2000)
    p.add_argument("--upscale", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--detector", choices=["yunet", "mtcnn"], default="yunet")
    args = p.parse_args(argv)
    configure_tensorflow()
    from facial_emotion.detection.face_finder import make_finder

    files = sorted(args.data.glob("*/Training_*.jpg"))
    if not files:
        raise SystemExit(f"no Training_*.jpg files under {args.data}")
    random.Random(args.seed).shuffle(files)
    files = files[:args.images]
    finder = make_finder(args.detector, detect_width=None, min_size=40)
    k = args.upscale
    points = []
    for done, path in enumerate(files, 1):
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        boxes, landmarks = finder.find(cv2.resize(gray, None, fx=k, fy=k,
                                                  interpolation=cv2.INTER_CUBIC))
        if len(boxes):  # the biggest face (the image is one face, a finder may add a part)
            best = np.argmax(boxes[:, 2] * boxes[:, 3])
            points.append((landmarks[best] + 0.5) / k - 0.5)  # to 48x48 pixel coordinates
        if done % 200 == 0:
            print(f"{done}/{len(files)} images, faces in {len(points)}", file=sys.stderr)
    found = len(points)
    points = np.asarray(points)
    median = np.median(points, axis=0)
    eye_distance = np.median(np.linalg.norm(points[:, 1] - points[:, 0], axis=1))
    roll = np.degrees(np.arctan2(points[:, 1, 1] - points[:, 0, 1], points[:, 1, 0] - points[:, 0, 0]))
    print(f"{len(files)} FER2013 Training images upscaled {k}x; {args.detector} found a face in "
          f"{found} ({100 * found / len(files):.1f}%)")
    for name, (x, y) in zip(NAMES, median):
        print(f"{name:12s} median x {x:6.2f}  y {y:6.2f}")
    print(f"inter-eye distance median {eye_distance:.2f} px; eye-line roll median "
          f"{np.median(roll):.1f} deg, IQR {np.percentile(roll, 25):.1f} to "
          f"{np.percentile(roll, 75):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
