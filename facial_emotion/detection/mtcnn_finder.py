"""Face boxes and five landmarks from MTCNN (the optional `mtcnn` package: its three networks
and their weights, run on TensorFlow), with the same `find` / `find_near` shape as the other
finders, so the detector, the tracker and the crops take any.

MTCNN finds faces the cascade misses (tilted heads, small faces) and far fewer false ones,
and its landmarks let the crops be aligned on the eyes (alignment.py). It is slower: the
package's own `MTCNN.detect_faces` runs its networks eagerly, layer by layer (~150 ms for a
320x240 frame on the 2-core test machine), and crashes on a `min_face_size` above 20 (its
image pyramid goes below the first network's 12 px). So the three networks run here as
compiled `tf.function`s, on a pyramid that stops at 12 px, and:

* frames are shrunk so the smallest face wanted (`min_size`) is 20 px, the size MTCNN's
  pyramid starts at, and never wider than `detect_width`;
* near a face already followed (the frames of a video between full scans), only the last
  network runs, on the face's last box: it returns the box moved onto the face, its
  landmarks and whether it is still a face, for one small network call for all faces.
"""

from __future__ import annotations

import importlib.resources
import math

import cv2
import numpy as np

from ..errors import ModelError
from ..frames import to_gray
from .boxes import clip_boxes, grow_boxes, one_per_face
from .face_finder import VIDEO_DETECT_WIDTH, _checked_width, _shrink

# MTCNN's first network slides a 12 px window; the pyramid's finest level shrinks a frame by
# 12 / MIN_FACE_PX, so faces of MIN_FACE_PX pixels are the smallest it finds.
MIN_FACE_PX = 20
PYRAMID_STEP = 0.709  # each pyramid level is this times the one before (MTCNN's own value)
# Face scores each network needs (MTCNN's defaults): raising them gives fewer false faces but
# misses some; the last one decides.
THRESHOLDS = (0.6, 0.7, 0.8)
# Overlap (intersection over union) above which two candidates are one face, per stage.
NMS_IOU = (0.5, 0.7, 0.7, 0.7)  # within a pyramid level, across levels, 2nd net, 3rd net
# Near a known face: the last network looks at its last box made square, and once more at
# the box it returns; a face that moved further than about a third of its size between two
# frames is lost until the next full scan finds it.
NEAR_PASSES = 2
NEAR_MARGIN = 0.5  # context kept around a known face's box when its region is cut out


def _load_networks():
    """The package's three networks with their shipped weights, or ModelError naming it."""
    try:
        from mtcnn.network.onet import ONet
        from mtcnn.network.pnet import PNet
        from mtcnn.network.rnet import RNet
        from mtcnn.utils.tensorflow import load_weights
    except ImportError:
        raise ModelError("detector mtcnn needs the mtcnn package, which is not installed: "
                         "pip install mtcnn (or use detector haar)") from None
    weights = importlib.resources.files("mtcnn.assets.weights")
    networks = []
    for network, name in ((PNet, "pnet.lz4"), (RNet, "rnet.lz4"), (ONet, "onet.lz4")):
        model = network()
        model.build()
        # A full path: given a bare name, load_weights would first look in the current folder.
        model.set_weights(load_weights(str(weights / name)))
        networks.append(model)
    return networks


class MtcnnFaceFinder:
    """Finds faces and their landmarks (eyes, nose, mouth corners) with MTCNN.

    detect_width: frames wider than this are shrunk to it first (boxes and landmarks are
        scaled back); lower is faster but misses small faces; None: no limit.
    min_size: smallest face, in frame pixels; frames are shrunk so that it is 20 px, MTCNN's
        smallest, so higher is faster and ignores small faces.
    thresholds: face scores the three networks need; higher gives fewer false faces.
    """

    def __init__(self, detect_width: int | None = VIDEO_DETECT_WIDTH, min_size: int = 40,
                 thresholds: tuple[float, float, float] = THRESHOLDS):
        self.detect_width = _checked_width(detect_width)
        if min_size < 1:
            raise ValueError(f"expected min_size >= 1, got {min_size}")
        if len(thresholds) != 3 or not all(0 <= t < 1 for t in thresholds):
            raise ValueError(f"expected three thresholds in [0, 1), got {thresholds}")
        self.min_size = min_size
        self.thresholds = tuple(float(t) for t in thresholds)
        pnet, rnet, onet = _load_networks()
        import tensorflow as tf

        from mtcnn.utils.bboxes import generate_bounding_box, resize_to_square, \
            smart_nms_from_bboxes
        from mtcnn.utils.images import extract_patches

        self._generate, self._square = generate_bounding_box, resize_to_square
        self._nms, self._patches = smart_nms_from_bboxes, extract_patches
        # One trace each: any frame size for the first network, any batch for the others.
        self._pnet = tf.function(pnet, input_signature=[tf.TensorSpec((1, None, None, 3))])
        self._rnet = tf.function(rnet, input_signature=[tf.TensorSpec((None, 24, 24, 3))])
        self._onet = tf.function(onet, input_signature=[tf.TensorSpec((None, 48, 48, 3))])

    def scale(self, width: int) -> float:
        """How much a frame `width` px wide is shrunk for detection (1.0: not at all)."""
        scale = min(1.0, MIN_FACE_PX / self.min_size)
        if self.detect_width and width * scale > self.detect_width:
            scale = self.detect_width / width
        return scale

    name = "mtcnn"
    takes_colour = False  # the networks get the gray frame's one channel, repeated
    confirm_hits = 2  # as the cascade: not measured to need less

    def find(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """int32 (N, 4) boxes (x, y, w, h) and float32 (N, 5, 2) landmarks (x, y: left eye,
        right eye, nose, left and right mouth corner, left and right as seen), in `image`'s
        pixels (uint8 gray, BGR or BGRA), one per face."""
        gray = to_gray(image)
        height, width = gray.shape[:2]
        scale = self.scale(width)
        image = _normalized(_shrink(gray, scale))
        rows = self._onet_stage(image, self._rnet_stage(image, self._pnet_stage(image)))
        return self._to_frame(rows, scale, (0, 0), width, height)

    def find_near(self, image: np.ndarray, near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like `find`, but only for the faces whose last boxes are `near`: the last network
        alone, on each box, a few times cheaper than a full scan and blind to new faces."""
        gray = to_gray(image)
        height, width = gray.shape[:2]
        scale = self.scale(width)
        found_boxes, found_marks = [], []
        for box in np.asarray(near, dtype=np.float64).reshape(-1, 4):
            region = grow_boxes(box[None], NEAR_MARGIN, width, height)
            if len(region) == 0 or min(box[2], box[3]) <= 0:  # the box lies outside the frame
                continue
            x, y, w, h = region[0]
            image = _normalized(_shrink(gray[y:y + h, x:x + w], scale))
            rows = np.array([[0, (box[0] - x) * scale, (box[1] - y) * scale,
                              (box[0] + box[2] - x) * scale, (box[1] + box[3] - y) * scale, 1]])
            for _ in range(NEAR_PASSES):
                rows = self._onet_stage(image, self._square(rows[:, :6]))
                if len(rows) == 0:
                    break
            boxes, marks = self._to_frame(rows[:1], scale, (x, y), width, height)
            found_boxes.append(boxes)
            found_marks.append(marks)
        if not found_boxes:
            return np.zeros((0, 4), np.int32), np.zeros((0, 5, 2), np.float32)
        boxes, marks = np.concatenate(found_boxes), np.concatenate(found_marks)
        keep = one_per_face(boxes)  # two followed boxes may have moved onto one face
        return boxes[keep], marks[keep]

    # --- the three stages; rows are MTCNN's: [image, x1, y1, x2, y2, score, 5 x, 5 y] ------

    def _pnet_stage(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        found = []
        scale = 12 / MIN_FACE_PX
        while min(height, width) * scale >= 12:
            size = (math.ceil(width * scale), math.ceil(height * scale))
            level = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            regression, score = self._pnet(level[None])
            rows = self._generate(regression, score, self.thresholds[0])
            rows[:, 1:5] /= np.array([size[0] / width, size[1] / height] * 2)
            found.append(self._nms(rows, threshold=NMS_IOU[0], method="union",
                                   initial_sort=False))
            scale *= PYRAMID_STEP
        rows = np.concatenate(found) if found else np.zeros((0, 6))
        if len(rows) == 0:
            return rows
        return self._square(self._nms(rows, threshold=NMS_IOU[1], method="union",
                                      initial_sort=True))

    def _rnet_stage(self, image: np.ndarray, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return rows
        regression, score = (t.numpy() for t in self._rnet(self._patches(image[None], rows,
                                                                         (24, 24))))
        rows = _refined(rows, regression, score)
        rows = rows[rows[:, 5] > self.thresholds[1]]
        if len(rows) == 0:
            return rows
        return self._square(self._nms(rows, threshold=NMS_IOU[2], method="union",
                                      initial_sort=True))

    def _onet_stage(self, image: np.ndarray, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros((0, 16))
        regression, marks, score = (t.numpy() for t in self._onet(self._patches(
            image[None], rows, (48, 48))))
        # Landmarks come as fractions of the box the network saw: 5 x, then 5 y.
        w = rows[:, 3:4] - rows[:, 1:2] + 1
        h = rows[:, 4:5] - rows[:, 2:3] + 1
        marks = np.concatenate([w * marks[:, :5] + rows[:, 1:2] - 1,
                                h * marks[:, 5:] + rows[:, 2:3] - 1], axis=1)
        rows = np.concatenate([_refined(rows, regression, score), marks], axis=1)
        rows = rows[rows[:, 5] > self.thresholds[2]]
        if len(rows) == 0:
            return rows
        return self._nms(rows, threshold=NMS_IOU[3], method="min", initial_sort=True)

    @staticmethod
    def _to_frame(rows: np.ndarray, scale: float, offset: tuple[int, int], width: int,
                  height: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows at detection scale to frame boxes (clipped; faces left empty dropped) and
        landmarks; a face's landmarks may lie outside the frame, where its edge cut it."""
        if len(rows) == 0:
            return np.zeros((0, 4), np.int32), np.zeros((0, 5, 2), np.float32)
        x1, y1, x2, y2 = (rows[:, i] / scale for i in range(1, 5))
        boxes = np.round(np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)) + [*offset, 0, 0]
        marks = np.stack([rows[:, 6:11], rows[:, 11:16]], axis=2) / scale + offset
        keep = [i for i, box in enumerate(boxes) if len(clip_boxes(box[None], width, height))]
        return clip_boxes(boxes[keep], width, height), marks[keep].astype(np.float32)


def _normalized(gray: np.ndarray) -> np.ndarray:
    """MTCNN's input: 3 channels scaled to about [-1, 1]. A gray frame's one channel is
    repeated: the networks were trained on colour (RGB), and find gray faces as well."""
    image = (gray.astype(np.float32) - 127.5) / 128
    return np.repeat(image[:, :, None], 3, axis=2)


def _refined(rows: np.ndarray, regression: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rows with their boxes moved by a network's regression and their score replaced."""
    rows = rows[:, :6].copy()
    w = rows[:, 3] - rows[:, 1] + 1
    h = rows[:, 4] - rows[:, 2] + 1
    rows[:, 1:5] += regression * np.stack([w, h, w, h], axis=1)
    rows[:, 5] = score[:, 1]
    return rows
