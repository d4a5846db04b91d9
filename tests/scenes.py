"""Real-looking scenes and clips made in memory from a public-domain photo that scikit-image
ships (NASA's portrait of Eileen Collins, `skimage.data.astronaut()`).

The Haar cascade finds real faces but not drawings, so tests of face finding, benchmarks and
the README's pictures composite this face onto plain and textured backgrounds at several
scales and positions. Nothing here touches FER2013, the network or the working directory.
All images are BGR uint8, as OpenCV uses them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

# The face in astronaut() (512x512 RGB), a little wider than the Haar box, as (x, y, w, h).
_FACE_CROP = (150, 40, 140, 170)
# Where the frontal-face cascade boxes her face in the photo, (177, 66, 95, 95), relative to
# the crop: the box a test expects, scaled with the patch.
_HAAR_FACE = (27, 26, 95, 95)


@functools.lru_cache(maxsize=1)
def astronaut_bgr() -> np.ndarray:
    """The whole 512x512 photo, BGR."""
    from skimage import data
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def face_patch(width: int) -> np.ndarray:
    """The astronaut's head and shoulders crop, resized to `width` pixels wide, BGR."""
    x, y, w, h = _FACE_CROP
    crop = astronaut_bgr()[y:y + h, x:x + w]
    height = max(1, round(width * h / w))
    return cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A plain wall: a soft colour gradient with sensor-like grain, BGR.

    Blurred random blobs (an earlier background) look like faces to the Haar cascade: at
    2048x1536 they gave 2 to 6 false faces per seed. Gradient and grain give none, so every
    box a test finds belongs to a pasted face.
    """
    rng = np.random.default_rng(seed)
    tint = rng.uniform(0.75, 1.0, 3).astype(np.float32)
    across = np.linspace(80, 150, width, dtype=np.float32)[None, :]
    down = np.linspace(0, 40, height, dtype=np.float32)[:, None]
    wall = (across + down)[:, :, None] * tint
    wall += rng.normal(0, 6, (height, width, 3)).astype(np.float32)
    return np.clip(wall, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Placed:
    """Where a face patch was pasted: its top-left corner and width, in scene pixels."""

    x: int
    y: int
    width: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The patch's (x, y, w, h); the Haar face box lies inside it."""
        return self.x, self.y, self.width, round(self.width * _FACE_CROP[3] / _FACE_CROP[2])

    @property
    def face_box(self) -> tuple[int, int, int, int]:
        """Where the Haar cascade boxes the face in this patch, (x, y, w, h), give or take a
        few pixels."""
        scale = self.width / _FACE_CROP[2]
        x, y, w, h = (round(v * scale) for v in _HAAR_FACE)
        return self.x + x, self.y + y, w, h


def compose(width: int, height: int, faces: list[Placed], seed: int = 0) -> np.ndarray:
    """A scene of `width` x `height` with a face patch pasted at each placement (clipped)."""
    scene = background(width, height, seed)
    for place in faces:
        patch = face_patch(place.width)
        x0, y0 = max(place.x, 0), max(place.y, 0)
        x1 = min(place.x + patch.shape[1], width)
        y1 = min(place.y + patch.shape[0], height)
        if x1 > x0 and y1 > y0:
            scene[y0:y1, x0:x1] = patch[y0 - place.y:y1 - place.y, x0 - place.x:x1 - place.x]
    return scene


def group_scene(width: int, height: int, face_width: int, count: int,
                seed: int = 0) -> tuple[np.ndarray, list[Placed]]:
    """`count` faces of `face_width` in a row (wrapping), evenly spaced; the scene and where."""
    patch_h = round(face_width * _FACE_CROP[3] / _FACE_CROP[2])
    per_row = max(1, min(count, width // (face_width + face_width // 2)))
    gap_x = (width - per_row * face_width) // (per_row + 1)
    rows = -(-count // per_row)
    gap_y = max((height - rows * patch_h) // (rows + 1), 0)
    placed = [Placed(gap_x + (i % per_row) * (face_width + gap_x),
                     gap_y + (i // per_row) * (patch_h + gap_y), face_width)
              for i in range(count)]
    return compose(width, height, placed, seed), placed


def moving_face_clip(frames: int, width: int = 596, height: int = 336, face_width: int = 150,
                     enter_at: int = 0, seed: int = 0):
    """Yield `frames` BGR frames of one face gliding left to right and bobbing; from frame
    `enter_at` on (before it the scene is empty), like a talking head that walks into view."""
    span = max(width - face_width, 1)
    for i in range(frames):
        if i < enter_at:
            yield background(width, height, seed)
            continue
        t = (i - enter_at) / max(frames - enter_at - 1, 1)
        x = round(span * (0.1 + 0.8 * t))
        y = round((height - face_width * 1.2) / 2 + 12 * np.sin(i / 6))
        yield compose(width, height, [Placed(x, y, face_width)], seed)


def entering_face_clip(frames: int, enter_at: int, width: int = 480, height: int = 270,
                       face_width: int = 120, seed: int = 0):
    """Yield `frames` BGR frames: one face in view throughout (left third, bobbing), and a
    second that appears in the right third at frame `enter_at` and stays; where they are is
    `entering_face_places(i, enter_at, ...)`. The cascade finds both at 320 px."""
    for i in range(frames):
        yield compose(width, height, entering_face_places(i, enter_at, width, height,
                                                          face_width), seed)


def entering_face_places(i: int, enter_at: int, width: int = 480, height: int = 270,
                         face_width: int = 120) -> list[Placed]:
    """Where `entering_face_clip` put its faces in frame `i`: the first, then the second once
    it has entered."""
    top = round((height - face_width * _FACE_CROP[3] / _FACE_CROP[2]) / 2)
    first = Placed(width // 6 - face_width // 2 + round(4 * np.sin(i / 3)), top, face_width)
    second = Placed(5 * width // 6 - face_width // 2, top + round(3 * np.cos(i / 4)), face_width)
    return [first] if i < enter_at else [first, second]


def rolled(scene: np.ndarray, centre, degrees: float) -> np.ndarray:
    """The scene turned `degrees` counter-clockwise about `centre`, edges repeated."""
    turn = cv2.getRotationMatrix2D(tuple(float(c) for c in centre), degrees, 1.0)
    return cv2.warpAffine(scene, turn, scene.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)


def eye_roll(landmarks: np.ndarray) -> float:
    """The eye line's angle in degrees, counter-clockwise as seen (image y points down), from
    (5, 2) landmarks whose first two are the left and the right eye as seen."""
    (lx, ly), (rx, ry) = landmarks[:2]
    return float(np.degrees(np.arctan2(-(ry - ly), rx - lx)))
