"""Conversions of frames of any of the kinds OpenCV hands us: colour order, and pixel type."""

from __future__ import annotations

import cv2
import numpy as np


def to_gray(frame: np.ndarray) -> np.ndarray:
    """Gray, BGR or BGRA uint8 frame to a single gray channel."""
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    if frame.ndim == 3 and frame.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return cv2.cvtColor(frame, code)
    raise ValueError(f"expected a gray, BGR or BGRA frame, got shape {frame.shape}")


def to_bgr(frame: np.ndarray) -> np.ndarray:
    """Gray or BGRA frame to a new BGR frame; a BGR frame is returned as it is."""
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    if frame.ndim == 2 or frame.shape[2] == 1:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    raise ValueError(f"expected a gray, BGR or BGRA frame, got shape {frame.shape}")


def as_uint8(frame) -> np.ndarray:
    """`frame` as the uint8 array every stage takes: uint8 as it is, bool as 0/255, other
    integer and float pixels scaled so the brightest becomes 255 (floats of 0..1 to 0..255),
    as OpenCV reads 16-bit images. Raises TypeError for what is not an array of numbers
    (None, which is what cv2.imread returns for a file it cannot read; a file name) and
    ValueError for an empty frame or non-finite pixels."""
    if not isinstance(frame, np.ndarray):
        hint = (" (cv2.imread returns None for a file it cannot read)" if frame is None
                else "; read the image first, e.g. with cv2.imread" if isinstance(frame, str)
                else "")
        raise TypeError(f"expected a frame as a numpy array, got {type(frame).__name__}{hint}")
    if frame.size == 0:
        raise ValueError(f"expected a frame with pixels, got shape {frame.shape}")
    if frame.dtype == np.uint8:
        return frame
    if frame.dtype == np.bool_:
        return frame.astype(np.uint8) * np.uint8(255)
    if not (np.issubdtype(frame.dtype, np.integer) or np.issubdtype(frame.dtype, np.floating)):
        raise TypeError(f"expected a frame of integer or float pixels, got dtype {frame.dtype}")
    if np.issubdtype(frame.dtype, np.floating) and not np.isfinite(frame).all():
        raise ValueError("expected finite pixel values, got NaN or infinity")
    if frame.dtype not in (np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64):
        frame = frame.astype(np.float64)  # types cv2.convertScaleAbs does not take
    return cv2.convertScaleAbs(frame, alpha=255.0 / max(float(np.abs(frame).max()), 1.0))
