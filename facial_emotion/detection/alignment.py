"""Face crops framed the way FER2013 frames its faces, whichever finder found them: the one
place that knows the crop geometry.

With landmarks (a finder that has them: YuNet, MTCNN), a similarity transform (rotation, scale,
shift) puts the two eye centres where FER2013's faces have them (`FER_EYES`), which also
levels a tilted head. Only the eyes set it: the nose and the mouth move with the expression
(a surprised mouth drops), and fitting them would frame each emotion differently.

Without landmarks (the Haar cascade), the box is cropped as it is: the cascade's boxes frame a
face about as FER2013 does, which its accuracy shows (docs/results.md, "Aligned crops").
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..labels import IMAGE_SIZE

# Where FER2013 has the eyes of a face, in 48x48 pixel coordinates (pixel centres at integers,
# as cv2.warpAffine takes them), left and right as seen in the image. Measured by
# `python benchmarks/fit_fer_template.py --images 2000`: MTCNN (mtcnn_finder.py) on 2000
# random FER2013 Training images upscaled 4x found a face in 1644; the medians of its eyes
# were (14.46, 18.19) and (32.39, 17.86), their median distance 17.70 px, and the median roll
# of the eye line -0.9 degrees (quartiles -5.5 and 3.3): FER2013's faces are level. So the
# template keeps the eyes' median midpoint (23.43, 18.03) and distance, and levels them.
# YuNet agrees to within a pixel, so both finders share this template: on the same images
# (`fit_fer_template.py --detector yunet --images 2000`) it found a face in 1951, eyes at
# (14.14, 17.90) and (32.31, 17.96), median distance 17.96 px, roll 0.2 degrees; levelled
# the same way, (14.25, 17.93) and (32.21, 17.93): 0.34 and 0.12 px from these.
FER_EYES = np.array([[14.58, 18.03], [32.28, 18.03]], dtype=np.float64)

# Shrinking more than this in one warp would skip pixels (bilinear sampling reads 2x2 of
# them); the face is first shrunk by area averaging, as the box crop is.
_MAX_WARP_SHRINK = 0.75


def crop_faces(gray: np.ndarray, boxes: np.ndarray, landmarks: np.ndarray | None = None, *,
               size: int = IMAGE_SIZE) -> np.ndarray:
    """uint8 (N, size, size, 1) face crops of a gray frame.

    boxes: int (N, 4) (x, y, w, h), clipped to the frame. landmarks: float (N, 5, 2) (x, y)
    in frame pixels, the eyes first (left, right as seen), or None: each face with
    landmarks is aligned on its eyes (`align_face`), each without is its box resized.
    """
    crops = np.empty((len(boxes), size, size, 1), dtype=np.uint8)
    for i, (x, y, w, h) in enumerate(boxes):
        if landmarks is not None and np.isfinite(landmarks[i][:2]).all():
            crops[i, :, :, 0] = align_face(gray, landmarks[i][0], landmarks[i][1], size)
        else:
            # INTER_AREA averages the pixels it merges, as FER2013's faces were shrunk.
            crops[i, :, :, 0] = cv2.resize(gray[y:y + h, x:x + w], (size, size),
                                           interpolation=cv2.INTER_AREA)
    return crops


def eye_transform(left_eye, right_eye, size: int = IMAGE_SIZE) -> np.ndarray:
    """The 2x3 similarity transform (rotation, uniform scale, shift) taking the two eye
    centres (x, y) in the frame to FER2013's eye positions in a `size` x `size` crop."""
    src = np.asarray(right_eye, np.float64) - np.asarray(left_eye, np.float64)
    target = FER_EYES * (size / IMAGE_SIZE)
    dst = target[1] - target[0]
    distance = math.hypot(*src)
    if not distance > 0:
        raise ValueError(f"expected two distinct eye positions, got {left_eye} and {right_eye}")
    scale = math.hypot(*dst) / distance
    angle = math.atan2(dst[1], dst[0]) - math.atan2(src[1], src[0])
    a, b = scale * math.cos(angle), scale * math.sin(angle)
    rotation = np.array([[a, -b], [b, a]])
    shift = target[0] - rotation @ np.asarray(left_eye, np.float64)
    return np.hstack([rotation, shift[:, None]])


def align_face(gray: np.ndarray, left_eye, right_eye, size: int = IMAGE_SIZE) -> np.ndarray:
    """uint8 (size, size) crop of a gray frame with the eyes where FER2013 has them; beyond
    the frame's edge its border pixels are repeated."""
    matrix = eye_transform(left_eye, right_eye, size)
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    if scale < _MAX_WARP_SHRINK:
        gray, matrix = _shrunk_region(gray, matrix, size, scale)
    return cv2.warpAffine(gray, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def _shrunk_region(gray: np.ndarray, matrix: np.ndarray, size: int,
                   scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The part of `gray` the crop covers, shrunk by area averaging to about the crop's
    scale, and the transform from it to the crop."""
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float64)
    inverse = cv2.invertAffineTransform(matrix)
    frame_corners = corners @ inverse[:, :2].T + inverse[:, 2]
    height, width = gray.shape[:2]
    x0, y0 = np.clip(np.floor(frame_corners.min(axis=0)).astype(int) - 1, 0, [width, height])
    x1, y1 = np.clip(np.ceil(frame_corners.max(axis=0)).astype(int) + 2, 0, [width, height])
    if x1 - x0 < 2 or y1 - y0 < 2:  # the crop lies (almost) wholly outside the frame
        return gray, matrix
    region = gray[y0:y1, x0:x1]
    small_w, small_h = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    small = cv2.resize(region, (small_w, small_h), interpolation=cv2.INTER_AREA)
    fx, fy = small_w / (x1 - x0), small_h / (y1 - y0)
    # A pixel (u, v) of `small` is (x0 + (u + 0.5) / fx - 0.5, ...) in the frame.
    to_frame = np.array([[1 / fx, 0, x0 + 0.5 / fx - 0.5], [0, 1 / fy, y0 + 0.5 / fy - 0.5],
                         [0, 0, 1]])
    return small, matrix @ to_frame
