"""frames.py: colour order and pixel type, for every kind of frame OpenCV and callers hand over."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.frames import as_uint8


@pytest.mark.parametrize("frame, expected", [
    (np.array([[0, 128, 255]], np.uint8), [[0, 128, 255]]),             # as it is
    (np.array([[0.0, 0.5, 1.0]], np.float32), [[0, 128, 255]]),         # 0..1 to 0..255
    (np.array([[0.0, 0.25, 0.5]], np.float64), [[0, 64, 128]]),         # dim stays dim
    (np.array([[0, 500, 1000]], np.uint16), [[0, 128, 255]]),           # brightest to 255
    (np.array([[0, 32768, 65535]], np.uint16), [[0, 128, 255]]),
    (np.array([[0, 100, 200]], np.int32), [[0, 128, 255]]),             # brightest to 255
    (np.array([[0, 2, 4]], np.int64), [[0, 128, 255]]),
    (np.array([[0.0, 0.5, 1.0]], np.float16), [[0, 128, 255]]),
    (np.array([[False, True]]), [[0, 255]]),
])
def test_as_uint8(frame, expected):
    converted = as_uint8(frame)
    assert converted.dtype == np.uint8 and converted.shape == frame.shape
    np.testing.assert_array_equal(converted, expected)


def test_as_uint8_returns_a_uint8_frame_itself():
    frame = np.zeros((2, 3, 3), np.uint8)
    assert as_uint8(frame) is frame


@pytest.mark.parametrize("frame, error", [
    (None, TypeError),
    ("photo.jpg", TypeError),
    (np.zeros((2, 2), complex), TypeError),
    (np.zeros((0, 3), np.uint8), ValueError),
    (np.array([[np.inf, 0.0]]), ValueError),
])
def test_as_uint8_refuses_what_is_not_an_image(frame, error):
    with pytest.raises(error, match="expected"):
        as_uint8(frame)
