"""Face finders by name (`make_finder`), and the paper's: face boxes from OpenCV's Haar
cascade, found at a reduced width and scaled back; over the whole frame, or only near faces
already known (much cheaper, for the frames of a video in between two full scans).

Every finder (`FACE_FINDERS`: YuNet's is in yunet_finder.py, MTCNN's in mtcnn_finder.py) has
the same two methods: `find(image)` and `find_near(image, near_boxes)`, taking a uint8 BGR,
BGRA or gray frame and returning int32 (N, 4) boxes (x, y, w, h) in the frame's pixels and
float32 (N, 5, 2) landmarks (results.LANDMARKS), or None for a finder without them; a `name`;
`takes_colour`, whether it looks at the colours (else the detector hands it the gray frame it
makes anyway, so nothing converts a frame twice); and `confirm_hits`, the frames of a video a new face must be seen in (of its first three)
before it is shown: 2 for a finder whose false faces flicker up for single frames, which that
hides, 1 for one that finds hardly any. How a face is cropped is alignment.py's business.

The width faces are found at is the main speed/recall trade-off, and it differs between a
video and a still: `detect_width_for` holds both defaults, for the library and the CLI alike.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelError
from ..frames import to_gray
from .boxes import clip_boxes, grow_boxes, merge_duplicates

# The face finders, by the name EmotionDetector(detector=...) and --detector take; the first
# is the default (docs/results.md, "Choosing the face finder").
FACE_FINDERS = ("yunet", "haar", "mtcnn")
DEFAULT_CASCADE = "haarcascade_frontalface_default.xml"
LOCAL_CASCADES = Path(__file__).resolve().parents[2] / "haarcascade_files"

# The widths frames are shrunk to for face finding, for every finder; chosen for YuNet, the
# default, by benchmarks/bench_yunet_defaults.py (docs/results.md, "YuNet's defaults").
# Video: 320 px. YuNet finds faces from ~20 px there (score 0.77; 24 px 0.88), 1/16 to 1/13
# of the frame's width, which a webcam's talking head is, and a whole 320x180 frame costs
# ~2 ms against ~6 ms at 480 px; the Haar cascade's window is 24 px too.
VIDEO_DETECT_WIDTH = 320
# A still: full resolution up to 2048 px wide (wider photos are shrunk to it), so faces down
# to ~24 px are found: 1/85 of the width, a group photo's back row. One scan at 2048x1536
# costs ~160 ms with YuNet (about a second with the cascade), once; YuNet's second pass at
# 320 px finds the faces too big for that (yunet_finder.py).
IMAGE_DETECT_WIDTH = 2048
MIN_DETECT_WIDTH = 32
# Near a known face, look for one between 1/NEAR_SIZE_RATIO and NEAR_SIZE_RATIO times its
# size, within NEAR_MARGIN times its size on every side of its last box, first in the region
# shrunk so the face is about NEAR_FACE_PX pixels (the cascade's window is 24), and only
# where that finds nothing at a full scan's detail. Measured on clips of tests/scenes.py
# (faces 67 to 170 px, frames 480 and 596 px wide, every 5th frame scanned in full): this
# finds the faces in every frame in between where a full scan finds them, at ~1.4 ms a face
# against ~10-15 ms for a full scan at 320 px (one core). The cascade needs the context: a
# margin of 0.2 lost the face in half the frames.
NEAR_SIZE_RATIO = 1.25
NEAR_MARGIN = 0.35
NEAR_FACE_PX = 40


def detect_width_for(is_image: bool, override: int | None = None) -> int | None:
    """The width frames are shrunk to for face finding, or None for full size.

    override: what the user asked for (--detect-width): None for the default, 0 for full
    size, else a width >= 32. The defaults: video (a camera or a file) 320 px, fast; a still
    image full resolution up to 2048 px, so small faces in group photos are found.
    """
    if not isinstance(is_image, (bool, np.bool_)):
        raise TypeError(f"expected is_image True or False, got {is_image!r}")
    if override is None:
        return IMAGE_DETECT_WIDTH if is_image else VIDEO_DETECT_WIDTH
    if isinstance(override, bool) or not isinstance(override, (int, np.integer)):
        raise TypeError(f"expected detect_width as an int, got {override!r}")
    if override == 0:
        return None
    return _checked_width(int(override))


def _checked_width(width: int | None) -> int | None:
    if width is not None and (isinstance(width, bool) or not isinstance(width, (int, np.integer))
                              or width < MIN_DETECT_WIDTH):
        raise ValueError(f"expected detect_width >= {MIN_DETECT_WIDTH} or None (full size), "
                         f"got {width!r}")
    return None if width is None else int(width)


def resolve_cascade(cascade: str | os.PathLike | None) -> Path:
    """A path as given, else a file name in haarcascade_files/ or OpenCV's bundled cascades."""
    name = Path(cascade or DEFAULT_CASCADE)
    for candidate in (name, LOCAL_CASCADES / name, Path(cv2.data.haarcascades) / name):
        if candidate.is_file():
            return candidate
    raise ModelError(f"Haar cascade not found: {name} (looked in the current folder, "
                     f"{LOCAL_CASCADES} and {cv2.data.haarcascades})")


def check_finder(name: str, cascade: str | os.PathLike | None = None) -> None:
    """What can be checked of the finder `name` without making it (no TensorFlow, no
    network loaded): ModelError for YuNet's model file or an OpenCV too old for it, ValueError
    for a cascade given to another finder than haar. A missing cascade is left to the
    finder, which says so."""
    _check_options(name, cascade)
    if name == "yunet":
        from .yunet_finder import check_opencv, load_model

        check_opencv()
        load_model()


def _check_options(name: str, cascade) -> None:
    if name not in FACE_FINDERS:
        raise ValueError(f"expected detector {', '.join(FACE_FINDERS[:-1])} or "
                         f"{FACE_FINDERS[-1]}, got {name!r}")
    if cascade is not None and name != "haar":
        raise ValueError(f"a cascade is for detector haar, got detector {name!r}")


def make_finder(name: str, *, detect_width: int | None, min_size: int,
                cascade: str | os.PathLike | None = None, min_neighbors: int = 5):
    """The face finder called `name` (one of FACE_FINDERS). cascade and min_neighbors are
    the Haar cascade's own; another finder refuses a cascade."""
    _check_options(name, cascade)
    if name == "haar":
        return HaarFaceFinder(cascade, detect_width=detect_width, min_neighbors=min_neighbors,
                              min_size=min_size)
    if name == "yunet":
        from .yunet_finder import YunetFaceFinder

        return YunetFaceFinder(detect_width=detect_width, min_size=min_size)
    from .mtcnn_finder import MtcnnFaceFinder  # TensorFlow, and the optional package

    return MtcnnFaceFinder(detect_width=detect_width, min_size=min_size)


class HaarFaceFinder:
    """Finds frontal faces, one box per face (duplicate and nested boxes merged): the paper's
    and the original demo's finder. Upright faces only, and more false faces than YuNet.

    detect_width: frames wider than this are shrunk to it before detection (boxes are scaled
        back); lower is faster but misses small faces; None detects at full size.
    scale_factor: image-pyramid step, > 1; lower finds more faces, slower.
    min_neighbors: votes a box needs; higher gives fewer false faces but misses some.
    min_size: smallest face, in full-frame pixels; higher is faster and ignores small faces.
    """

    def __init__(self, cascade: str | os.PathLike | None = None,
                 detect_width: int | None = VIDEO_DETECT_WIDTH, scale_factor: float = 1.1,
                 min_neighbors: int = 5, min_size: int = 40):
        self.detect_width = _checked_width(detect_width)
        if not scale_factor > 1:
            raise ValueError(f"expected scale_factor > 1, got {scale_factor}")
        if min_neighbors < 0:
            raise ValueError(f"expected min_neighbors >= 0, got {min_neighbors}")
        if min_size < 1:
            raise ValueError(f"expected min_size >= 1, got {min_size}")
        path = resolve_cascade(cascade)
        self.classifier = cv2.CascadeClassifier()
        try:
            loaded = self.classifier.load(str(path))
        except cv2.error:  # OpenCV raises, rather than returning False, on a file that is not XML
            loaded = False
        if not loaded or self.classifier.empty():
            raise ModelError(f"{path}: not a valid Haar cascade XML file")
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size

    def scale(self, width: int) -> float:
        """How much a frame `width` px wide is shrunk for detection (1.0: not at all)."""
        if self.detect_width and width > self.detect_width:
            return self.detect_width / width
        return 1.0

    name = "haar"
    takes_colour = False
    confirm_hits = 2  # its false boxes (a mouth, pavement) come and go from frame to frame

    def find(self, image: np.ndarray) -> tuple[np.ndarray, None]:
        """int32 (N, 4) boxes (x, y, w, h) in `image`'s pixels (uint8 gray, BGR or BGRA),
        clipped, one per face; and None: the cascade gives no landmarks."""
        gray = to_gray(image)
        height, width = gray.shape[:2]
        scale = self.scale(width)
        small = _shrink(gray, scale)
        boxes = self._detect(small, self.min_size * scale, None)
        return self._to_frame(boxes, scale, width, height), None

    def find_near(self, image: np.ndarray, near: np.ndarray) -> tuple[np.ndarray, None]:
        """Like `find`, but only near the (x, y, w, h) boxes `near`, for faces of about their
        size: a few times cheaper than a full scan, and blind to faces elsewhere."""
        gray = to_gray(image)
        height, width = gray.shape[:2]
        full_detail = self.scale(width)
        found = []
        for box in np.asarray(near, dtype=np.float64).reshape(-1, 4):
            region = grow_boxes(box[None], NEAR_MARGIN, width, height)
            side = max(box[2], box[3])
            if len(region) == 0 or side <= 0:  # the box lies outside the frame
                continue
            x, y, w, h = region[0]
            # Coarse first (cheap); where that finds nothing (its votes fall short now and
            # then), again at a full scan's detail, never finer.
            for scale in sorted({min(full_detail, NEAR_FACE_PX / side), full_detail}):
                small = _shrink(gray[y:y + h, x:x + w], scale)
                low = max(self.min_size, side / NEAR_SIZE_RATIO) * scale
                boxes = self._detect(small, low, side * NEAR_SIZE_RATIO * scale)
                if len(boxes):
                    found.extend(boxes / scale + np.array([x, y, 0, 0]))
                    break
        return self._to_frame(np.asarray(found).reshape(-1, 4), 1.0, width, height), None

    def _detect(self, small: np.ndarray, min_side: float, max_side: float | None) -> np.ndarray:
        low = max(1, round(min_side))
        high = (0, 0) if max_side is None else (round(max_side),) * 2
        if max_side is not None and (high[0] < low or min(small.shape[:2]) < low):
            return np.zeros((0, 4))
        boxes = self.classifier.detectMultiScale(small, scaleFactor=self.scale_factor,
                                                 minNeighbors=self.min_neighbors,
                                                 minSize=(low, low), maxSize=high)
        return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)

    def _to_frame(self, boxes: np.ndarray, scale: float, width: int, height: int) -> np.ndarray:
        if len(boxes) == 0:
            return np.zeros((0, 4), dtype=np.int32)
        boxes = clip_boxes(np.round(boxes / scale), width, height)
        return merge_duplicates(boxes)


def _shrink(gray: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return gray
    height, width = gray.shape[:2]
    # INTER_AREA averages the pixels it merges: no aliasing, which the cascade is sensitive to.
    return cv2.resize(gray, (max(1, round(width * scale)), max(1, round(height * scale))),
                      interpolation=cv2.INTER_AREA)
