"""Face boxes and five landmarks from YuNet (OpenCV's `cv2.FaceDetectorYN`), with the same
`find` / `find_near` shape as the other finders, so the detector, the tracker and the crops
take it as they take any.

YuNet is a 75k-parameter CNN (Shiqi Yu's libfacedetection, MIT; the model file ships beside
this module with its license and is checked against its sha256 before it is used). It finds
faces of about 25 to 400 px in the image it is given, tilted ones included, and is several
times faster than the Haar cascade at the same width (docs/results.md, "Choosing the face finder").
So:

* a frame is shrunk to `detect_width` and scanned once; where that width is much more than
  `LARGE_FACE_WIDTH` (a still image), a second, cheap pass at that width finds the faces too
  big for the first (a selfie's face 1000 px wide), and one box is kept per face;
* near a face already followed (the frames of a video between full scans), the square around
  it is cut out and shrunk to `NEAR_INPUT` px, the face then about half of it, and YuNet
  runs on that alone: one small fixed-size call per face.

YuNet reads the eyes of a tilted head as less tilted than they are (the astronaut rolled 35
degrees reads about 26 more than upright, -35 about 19 less), so its aligned crops level a
tilted head most of the way, not all of it. Finding the landmarks again on the face turned
level does not help: YuNet then reads it as nearly level again.

YuNet was trained on colour photos (BGR here, as OpenCV reads them); a gray frame is given to
it as three equal channels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelError
from ..frames import to_bgr
from .alignment import _MAX_WARP_SHRINK, _shrunk_region
from .boxes import clip_boxes, one_per_face
from .face_finder import VIDEO_DETECT_WIDTH, _checked_width, _shrink

MODEL_FILE = Path(__file__).with_name("yunet") / "face_detection_yunet_2023mar.onnx"
MODEL_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
# cv2.FaceDetectorYN came with 4.5.4, but the 2023mar model's outputs need 4.8's reader.
OPENCV_NEEDED = (4, 8)

# Face score YuNet needs, 0..1: higher gives fewer false faces but misses more real ones.
# Measured (docs/results.md, "YuNet's defaults"; benchmarks/bench_yunet_defaults.py and
# bench_pipeline_accuracy.py): scikit-image's 19 photos without a face score at most 0.58 at
# their own size (galaxies of the Hubble deep field; the rest 0.51 and less), 0.32 at 320 px;
# on 300 FER2013 PublicTest faces rolled +-25 degrees, 0.6 finds 87% and reads 0.504 of them
# right end to end, 0.7 finds 83% and reads 0.477.
SCORE_THRESHOLD = 0.6
NMS_IOU = 0.3          # two boxes overlapping more than this are one face (YuNet's own NMS)
TOP_K = 5000           # candidates kept before that NMS
# A frame scanned wider than twice this is scanned once more at this width, for faces too
# big for the first pass (YuNet loses faces of more than about 400 px).
LARGE_FACE_WIDTH = 320
# Near a known face: the square of NEAR_CONTEXT times its size around its centre, shrunk to
# NEAR_INPUT px (the face ~1/NEAR_CONTEXT of it, ~45 px: YuNet finds faces from ~25 px). A
# face found there counts if its size is within NEAR_SIZE_RATIO of the known one's.
NEAR_CONTEXT = 2.2
NEAR_INPUT = 96
NEAR_SIZE_RATIO = 1.5


def _opencv_version() -> tuple[int, ...]:
    return tuple(int(part) for part in cv2.__version__.split(".")[:2] if part.isdigit())


def check_opencv() -> None:
    """ModelError naming the version needed when this OpenCV cannot run YuNet."""
    if not hasattr(cv2, "FaceDetectorYN") or _opencv_version() < OPENCV_NEEDED:
        raise ModelError(f"detector yunet needs OpenCV {'.'.join(map(str, OPENCV_NEEDED))} "
                         f"or newer (cv2.FaceDetectorYN), found {cv2.__version__}: "
                         "pip install -U 'opencv-python>=4.8,<5' (or use detector haar)")


def load_model(path: Path | None = None) -> bytes:
    """The YuNet model file's bytes (default: the one shipped, MODEL_FILE), checked against
    its sha256; ModelError naming the file when it is missing, unreadable, truncated or
    altered."""
    path = MODEL_FILE if path is None else path
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ModelError(f"YuNet model {path}: cannot read it ({error.strerror or error}); "
                         "reinstall facial-emotion, or use detector haar") from None
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise ModelError(f"YuNet model {path}: damaged ({len(data):,} bytes, not the file "
                         f"whose sha256 is {MODEL_SHA256[:12]}...); reinstall facial-emotion, "
                         "or use detector haar")
    return data


class YunetFaceFinder:
    """Finds faces and their landmarks (eyes, nose, mouth corners) with YuNet.

    detect_width: frames wider than this are shrunk to it first (boxes and landmarks are
        scaled back); lower is faster but misses small faces; None: full size.
    min_size: smallest face, in frame pixels; smaller ones are dropped.
    score_threshold: face score, 0..1; higher gives fewer false faces but misses some.
    model: the YuNet .onnx file; default the one shipped with the package (MODEL_FILE).
    """

    name = "yunet"
    takes_colour = True  # trained on colour photos
    # New faces in a video show at once: a camera panning over scikit-image's 19 photos
    # without a face, 1140 frames at the video width, gave no false face in any frame
    # (benchmarks/bench_yunet_defaults.py), so there is no flicker for confirmation to hide.
    confirm_hits = 1

    def __init__(self, detect_width: int | None = VIDEO_DETECT_WIDTH, min_size: int = 40,
                 score_threshold: float = SCORE_THRESHOLD, model: Path | None = None):
        self.detect_width = _checked_width(detect_width)
        if min_size < 1:
            raise ValueError(f"expected min_size >= 1, got {min_size}")
        if not 0 < score_threshold < 1:
            raise ValueError(f"expected score_threshold in (0, 1), got {score_threshold}")
        check_opencv()
        self.min_size = int(min_size)
        self.score_threshold = float(score_threshold)
        buffer = np.frombuffer(load_model(model), np.uint8)
        # Two networks: one for the searches near known faces, whose input size never changes,
        # and one for full scans; a change of input size costs ~0.8 ms.
        self._scan, self._near = (self._network(buffer, model) for _ in range(2))

    def _network(self, buffer: np.ndarray, model: Path | None):
        try:
            network = cv2.FaceDetectorYN.create("onnx", buffer, np.zeros(0, np.uint8),
                                                (NEAR_INPUT, NEAR_INPUT), self.score_threshold,
                                                NMS_IOU, TOP_K)
        except cv2.error as error:  # a file of the right hash that this OpenCV cannot read
            raise ModelError(f"YuNet model {model or MODEL_FILE}: OpenCV {cv2.__version__} "
                             f"cannot load it ({str(error).strip().splitlines()[-1]})") from None
        return network

    def scale(self, width: int) -> float:
        """How much a frame `width` px wide is shrunk for detection (1.0: not at all)."""
        if self.detect_width and width > self.detect_width:
            return self.detect_width / width
        return 1.0

    def find(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """int32 (N, 4) boxes (x, y, w, h) and float32 (N, 5, 2) landmarks (x, y: left eye,
        right eye, nose, left and right mouth corner, left and right as seen), in `image`'s
        pixels, one per face. image: uint8 BGR, BGRA or gray."""
        bgr = to_bgr(image)
        height, width = bgr.shape[:2]
        scales = [self.scale(width)]
        if width * scales[0] > 2 * LARGE_FACE_WIDTH:
            scales.append(LARGE_FACE_WIDTH / width)
        rows = np.concatenate([_detect(self._scan, _shrink(bgr, s)) / _row_scale(s)
                               for s in scales])
        return self._to_frame(rows, width, height)

    def find_near(self, image: np.ndarray, near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like `find`, but only near the (x, y, w, h) boxes `near`, for faces of about their
        size: one small call per face, blind to faces elsewhere."""
        bgr = to_bgr(image)
        height, width = bgr.shape[:2]
        found = []
        for box in np.asarray(near, dtype=np.float64).reshape(-1, 4):
            side = max(box[2], box[3])
            if side <= 0 or not len(clip_boxes(box[None], width, height)):
                continue  # an empty box, or one outside the frame
            rows = self._detect_around(bgr, box[:2] + box[2:] / 2, side)
            sizes = np.maximum(rows[:, 2], rows[:, 3])
            rows = rows[(sizes > side / NEAR_SIZE_RATIO) & (sizes < side * NEAR_SIZE_RATIO)]
            if len(rows):
                found.append(rows[:1])  # the best-scored: YuNet sorts by score
        rows = np.concatenate(found) if found else np.zeros((0, 15))
        return self._to_frame(rows, width, height)

    def _detect_around(self, bgr: np.ndarray, centre, side: float) -> np.ndarray:
        """YuNet's rows, in frame pixels, for the square of NEAR_CONTEXT * `side` around
        `centre`, shrunk to NEAR_INPUT px (black beyond the frame's edge), so that YuNet
        always sees one input size."""
        scale = min(1.0, NEAR_INPUT / (NEAR_CONTEXT * side))
        # frame -> canvas: shrink by `scale`, `centre` to the canvas's centre
        shift = NEAR_INPUT / 2 - scale * np.asarray(centre, np.float64)
        matrix = np.array([[scale, 0, shift[0]], [0, scale, shift[1]]])
        source, warp = bgr, matrix
        if scale < _MAX_WARP_SHRINK:  # shrink by area first, as the crops do
            source, warp = _shrunk_region(bgr, matrix, NEAR_INPUT, scale)
        canvas = cv2.warpAffine(source, warp, (NEAR_INPUT, NEAR_INPUT), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT)
        # canvas -> frame: points less the shift, then all but the score divided by scale
        offset = np.concatenate([-shift, [0, 0], np.tile(-shift, 5), [0]])
        return (_detect(self._near, canvas) + offset) / _row_scale(scale)

    def _to_frame(self, rows: np.ndarray, width: int,
                  height: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows in frame pixels to clipped boxes and landmarks, one per face, the smallest
        dropped. A face's landmarks may lie outside the frame, where its edge cut it."""
        rows = rows[np.maximum(rows[:, 2], rows[:, 3]) >= self.min_size]
        boxes = np.round(rows[:, :4])
        keep = [i for i, box in enumerate(boxes) if len(clip_boxes(box[None], width, height))]
        boxes, rows = clip_boxes(boxes[keep], width, height), rows[keep]
        # The same face found by two passes (or two followed boxes that moved onto one face):
        # the biggest box stands for it, as for the other finders.
        keep = one_per_face(boxes)
        # Left to right (YuNet sorts by score): a photo's faces get their ids in that order.
        keep = keep[np.argsort(boxes[keep, 0], kind="stable")]
        rows = rows[keep]
        # YuNet lists the person's right eye first, which is the left one as seen, and so on:
        # its order is LANDMARKS' order.
        return boxes[keep], rows[:, 4:14].reshape(-1, 5, 2).astype(np.float32)


def _detect(network, bgr: np.ndarray) -> np.ndarray:
    """YuNet's float (N, 15) rows for a BGR image: x, y, w, h, 5 landmarks, score."""
    size = (bgr.shape[1], bgr.shape[0])
    if tuple(network.getInputSize()) != size:
        network.setInputSize(size)
    _, rows = network.detect(bgr)
    return np.zeros((0, 15)) if rows is None else rows.astype(np.float64)


def _row_scale(scale: float) -> np.ndarray:
    """Divides a row found at `scale` back to frame pixels (the score stays)."""
    return np.array([scale] * 14 + [1.0])
