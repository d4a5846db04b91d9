"""Colour-order conversions for frames of any of the kinds OpenCV hands us."""

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
