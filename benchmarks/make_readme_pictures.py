"""The README's pictures of the overlay and of the emotion timeline, made from scenes built
in memory.

    python benchmarks/make_readme_pictures.py [--out docs] [--model path/to/model.keras]

Each scene is scikit-image's public-domain astronaut photo pasted onto a background
(tests/scenes.py), at 320, 600 and 2048 px wide. The real detector (the default face finder,
the shipped model, the settings the app uses for photos) finds and classifies the faces, and the app's
annotators draw them, so the pictures show what the app shows. No FER2013 image is used.

Writes annotated_320.png, annotated_600.png and annotated_2048.png (drawn at 2048 px, saved
at 1024 px so the README shows the proportions of a large photo). Each stays under 400 KB.

Also writes timeline.png (under 200 KB): a 10 s clip at 12 fps, 576 x 324, is built from the
same photo and written to a temporary two_faces.mp4 (mp4v), and the app's own command line
runs on it, `real_time_video.py --source two_faces.mp4 --no-display --timeline timeline.png
--summary ...`, in this process and with the video settings (ids, confirmation, smoothing).
Face A (left) is there throughout; from 2 to 6 s a skin-toned patch slides across her mouth,
stays and slides off, hiding the smile. Face B (right, the photo mirrored) is there from 3 to
8.5 s; from 5.5 to 7 s her mouth is turned upside down, a crude grimace. Only the pixels the
model sees change: the probabilities drawn are the model's own.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
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
from tests.scenes import Placed, background, compose, face_patch  # noqa: E402

LOG = logging.getLogger("make_readme_pictures")
MAX_BYTES = 400_000
# The backdrop's texture is made this wide, softened and scaled up: the same calm wall at
# every size. A fine texture would cost PNG bytes and draw the eye from the overlay; the
# unsoftened grain, scaled 21 times for the 2048 px scene, put that one over MAX_BYTES (it
# is about 375 KB now), and its 256-colour copy showed blotches all over the wall.
BACKDROP_WIDTH = 96
BACKDROP_BLUR = 2.0  # Gaussian sigma, in pixels of the small backdrop

# name: (width, height, the faces as (x, y, patch width), width to save at). The faces sit
# where the old overlay failed: one in the panel's usual top-left corner, one cut by the top
# edge at the right (no room for its label above, nor to the right), and several sizes.
SCENES = {
    "annotated_320": (320, 240, [(12, 20, 120), (200, -14, 112)], 320),
    "annotated_600": (600, 400, [(30, 40, 190), (250, 150, 150), (455, -18, 140)], 600),
    "annotated_2048": (2048, 1365, [(120, 160, 560), (800, 520, 420), (1480, -60, 540)], 1024),
}


# The timeline's clip: frame size, frame rate, length in seconds and face width. At the
# app's video detect width (320 px) a 150 px patch gives a face of about 55 px.
CLIP_WIDTH, CLIP_HEIGHT, CLIP_FPS, CLIP_SECONDS, CLIP_FACE = 576, 324, 12, 10, 150
CLIP_NAME = "two_faces.mp4"  # the timeline's title names the source file
TIMELINE_MAX_BYTES = 200_000
# The mouth in face_patch(140), (x0, y0, x1, y1): the smile, from corner to corner.
MOUTH = (50, 96, 100, 117)


def mouth(patch_width: int, mirrored: bool = False) -> tuple[int, int, int, int]:
    """MOUTH in a patch `patch_width` wide (mirrored left to right if the patch is)."""
    x0, y0, x1, y1 = (round(v * patch_width / 140) for v in MOUTH)
    return (patch_width - x1, y0, patch_width - x0, y1) if mirrored else (x0, y0, x1, y1)


def ramp(t: float, start: float, end: float, fade: float) -> float:
    """0 before `start`, rising to 1 over `fade` seconds, 1 until `end` - `fade`, back to 0
    at `end`."""
    return float(np.clip(min(t - start, end - t) / fade, 0, 1))


def timeline_clip() -> Iterator[np.ndarray]:
    """The timeline's clip, frame by frame (BGR), as the docstring at the top tells it."""
    wall = background(CLIP_WIDTH, CLIP_HEIGHT)
    skin = face_patch(140)[80:90, 40:50].reshape(-1, 3).mean(0)  # her cheek
    for i in range(CLIP_FPS * CLIP_SECONDS):
        t = i / CLIP_FPS
        frame = wall.copy()
        a = face_patch(CLIP_FACE)
        covered = ramp(t, 2.0, 6.0, 0.8)  # how much of the mouth, from the left
        if covered:
            x0, y0, x1, y1 = mouth(CLIP_FACE)
            a[y0:y1, x0:x0 + round((x1 - x0) * covered)] = skin
        x = 50 + round(6 * np.sin(2 * t))  # a little sway, as a person on a call
        y = (CLIP_HEIGHT - a.shape[0]) // 2 + round(4 * np.cos(1.5 * t))
        frame[y:y + a.shape[0], x:x + a.shape[1]] = a
        if 3.0 <= t < 8.5:
            b = face_patch(CLIP_FACE)[:, ::-1].copy()
            if 5.5 <= t < 7.0:
                x0, y0, x1, y1 = mouth(CLIP_FACE, mirrored=True)
                b[y0:y1, x0:x1] = b[y0:y1, x0:x1][::-1]
            x = CLIP_WIDTH - 50 - b.shape[1]
            y = (CLIP_HEIGHT - b.shape[0]) // 2 + round(4 * np.sin(1.7 * t))
            frame[y:y + b.shape[0], x:x + b.shape[1]] = b
        yield frame


def write_clip(path: Path) -> None:
    """timeline_clip() as an mp4v video at `path`."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), CLIP_FPS,
                             (CLIP_WIDTH, CLIP_HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path} (mp4v)")
    try:
        for frame in timeline_clip():
            writer.write(frame)
    finally:
        writer.release()


def make_timeline(path: Path, model: Path | None) -> int:
    """Run the app's command line on the clip to draw its timeline at `path`; its size in
    bytes, or -1 if the run failed. Re-saved in 256 colours if over TIMELINE_MAX_BYTES."""
    import json

    from facial_emotion.cli.video import main as video_main

    with tempfile.TemporaryDirectory() as tmp:
        clip, summary = Path(tmp) / CLIP_NAME, Path(tmp) / "summary.json"
        write_clip(clip)
        argv = ["--source", str(clip), "--no-display", "--timeline", str(path),
                "--summary", str(summary)]
        if model is not None:
            argv += ["--model", str(model)]
        code = video_main(argv)
        if code != 0:
            LOG.error("real_time_video.py exited with %s on %s", code, CLIP_NAME)
            return -1
        faces = json.loads(summary.read_text())["faces"]
    if path.stat().st_size > TIMELINE_MAX_BYTES:
        image = Image.open(path)
        image.load()
        image.convert("RGB").quantize(256, method=Image.Quantize.MAXCOVERAGE).save(
            path, optimize=True)
    size = path.stat().st_size
    LOG.info("%s: %s; %d KB", path.name, "; ".join(
        f"#{f['face_id']} {f['first_s']:.1f}-{f['last_s']:.1f} s, {f['frames']} frames, "
        f"mostly {f['dominant']}" for f in faces) or "no faces", size // 1000)
    return size


def make_scene(width: int, height: int, faces: list[Placed]) -> np.ndarray:
    """compose()'s faces on a calm backdrop instead of its textured background; BGR."""
    scene = compose(width, height, faces)
    small = cv2.GaussianBlur(background(BACKDROP_WIDTH, round(BACKDROP_WIDTH * height / width)),
                             (0, 0), BACKDROP_BLUR)
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
    pass MAX_BYTES (a last resort: the palette bands the backdrop into blotches, so it is
    logged); its size."""
    if width != image_bgr.shape[1]:
        height = round(image_bgr.shape[0] * width / image_bgr.shape[1])
        image_bgr = cv2.resize(image_bgr, (width, height), interpolation=cv2.INTER_AREA)
    image = Image.fromarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))  # Pillow wants RGB
    image.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        LOG.warning("%s: %d KB in full colour, saved in 256 colours", path.name,
                    path.stat().st_size // 1000)
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

    path = args.out / "timeline.png"
    size = make_timeline(path, args.model)
    if size < 0:
        return 1
    if size > TIMELINE_MAX_BYTES:
        too_big.append(path.name)
    if too_big:
        LOG.error("over their size limit (%d KB; timeline %d KB): %s", MAX_BYTES // 1000,
                  TIMELINE_MAX_BYTES // 1000, ", ".join(too_big))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
