"""The README's pictures of the overlay, made from scenes built in memory.

    python benchmarks/make_readme_pictures.py [--out docs] [--model path/to/model.keras]

Each scene is scikit-image's public-domain astronaut photo pasted onto a background
(tests/scenes.py), at 320, 600 and 2048 px wide. The real detector (Haar cascade, the shipped
model, the settings the app uses for photos) finds and classifies the faces, and the app's
annotators draw them, so the pictures show what the app shows. No FER2013 image is used.

Writes annotated_320.png, annotated_600.png and annotated_2048.png (drawn at 2048 px, saved
at 1024 px so the README shows the proportions of a large photo). Each stays under 400 KB.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from facial_emotion import FrameResult  # noqa: E402
from facial_emotion.annotators import (BoxAnnotator, LabelAnnotator,  # noqa: E402
                                       ProbabilityBarsAnnotator)
from tests.scenes import Placed, background, compose  # noqa: E402

LOG = logging.getLogger("make_readme_pictures")
MAX_BYTES = 400_000
# The backdrop's texture is made this wide and scaled up: the same calm wall at every size.
# A fine texture would cost PNG bytes and draw the eye from the overlay.
BACKDROP_WIDTH = 96

# name: (width, height, the faces as (x, y, patch width), width to save at). The faces sit
# where the old overlay failed: one in the panel's usual top-left corner, one cut by the top
# edge at the right (no room for its label above, nor to the right), and several sizes.
SCENES = {
    "annotated_320": (320, 240, [(12, 20, 120), (200, -14, 112)], 320),
    "annotated_600": (600, 400, [(30, 40, 190), (250, 150, 150), (455, -18, 140)], 600),
    "annotated_2048": (2048, 1365, [(120, 160, 560), (800, 520, 420), (1480, -60, 540)], 1024),
}


def make_scene(width: int, height: int, faces: list[Placed]) -> np.ndarray:
    """compose()'s faces on a calm backdrop instead of its textured background; BGR."""
    scene = compose(width, height, faces)
    small = background(BACKDROP_WIDTH, round(BACKDROP_WIDTH * height / width))
    backdrop = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    is_face = np.zeros((height, width), bool)
    for x, y, w, h in (place.box for place in faces):
        is_face[max(y, 0):y + h, max(x, 0):x + w] = True
    scene[~is_face] = backdrop[~is_face]
    return scene


def annotate(detector, scene: np.ndarray) -> tuple[np.ndarray, FrameResult]:
    """The scene with the app's overlay drawn on a copy, and the result it shows."""
    detector.reset()
    result = FrameResult(0, 0.0, scene, tuple(detector.detect(scene)))
    drawn = scene.copy()
    # The panel first, as the app draws it, so boxes and labels stay on top. A still photo
    # has no frame rate, so no FpsAnnotator.
    for annotator in (ProbabilityBarsAnnotator(), BoxAnnotator(), LabelAnnotator()):
        annotator.annotate(drawn, result)
    return drawn, result


def save_png(image_bgr: np.ndarray, path: Path, width: int) -> int:
    """Save `image_bgr` resized to `width` as a PNG, in 256 colours if full colour would
    pass MAX_BYTES (on the calm backdrop the palette is hard to tell apart); its size."""
    if width != image_bgr.shape[1]:
        height = round(image_bgr.shape[0] * width / image_bgr.shape[1])
        image_bgr = cv2.resize(image_bgr, (width, height), interpolation=cv2.INTER_AREA)
    image = Image.fromarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))  # Pillow wants RGB
    image.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        image.quantize(256, method=Image.Quantize.MAXCOVERAGE).save(path, optimize=True)
    return path.stat().st_size


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    parser.add_argument("--model", type=Path, default=None,
                        help="a trained .keras model (default: the shipped one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.out.is_dir():
        parser.error(f"--out: expected an existing folder, got {args.out}")

    from facial_emotion.runtime import configure_tensorflow
    configure_tensorflow()
    from facial_emotion import EmotionDetector

    detector = EmotionDetector(args.model, still=True)  # a still: every face shown at once
    too_big = []
    for name, (width, height, faces, save_width) in SCENES.items():
        scene = make_scene(width, height, [Placed(*face) for face in faces])
        drawn, result = annotate(detector, scene)
        path = args.out / f"{name}.png"
        size = save_png(drawn, path, save_width)
        found = ", ".join(f"#{f.track_id} {f.box} {f.label} {f.confidence:.0%}"
                          for f in result.faces)
        LOG.info("%s: %d of %d faces found (%s); panel shows #%s; %d KB",
                 path.name, len(result.faces), len(faces), found or "none",
                 result.selected_face.track_id if result.faces else "-", size // 1000)
        if size > MAX_BYTES:
            too_big.append(path.name)
    if too_big:
        LOG.error("over %d KB: %s", MAX_BYTES // 1000, ", ".join(too_big))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
