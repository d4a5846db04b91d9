"""Fixtures for the real_time_video.py tests: a model, a pinned environment, scripted faces.

Nothing here is autouse, so the other CLI tests in this folder are unaffected.
"""

from __future__ import annotations

import os

import cv2
import pytest

import facial_emotion.detection.detector
from facial_emotion.runtime import cpu_flags
from tests.helpers_video import scripted_finder_class


@pytest.fixture
def video_cli_env(warm_cache, monkeypatch, restore_logging):
    """Undo what main() changes in the process, and point it at the warmed LiteRT cache and
    the model loaded once (`warm_cache`, tests/conftest.py).

    main() sets TensorFlow variables in os.environ, OpenCV's log level and the root logger;
    all are put back after the test (`restore_logging` comes from tests/conftest.py).
    """
    for key in ("TF_CPP_MIN_LOG_LEVEL", "ONEDNN_MAX_CPU_ISA", "OPENCV_LOG_LEVEL",
                "OPENCV_FFMPEG_LOGLEVEL"):
        monkeypatch.setenv(key, os.environ.get(key, ""))  # registers the value to restore...
        if not os.environ[key]:
            monkeypatch.delenv(key)                       # ...even when it was unset
    if "avx512f" in cpu_flags():
        # What configure_tensorflow() would set; set here, it is undone after the test.
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    opencv_level = cv2.utils.logging.getLogLevel()
    yield warm_cache
    cv2.utils.logging.setLogLevel(opencv_level)


@pytest.fixture
def scripted_faces(monkeypatch):
    """Factory: scripted_faces(script, interrupt_at=None) replaces the face finder the CLI
    builds (whichever --detector names) with one returning script[n] on frame n; it returns
    the fake class."""
    def install(script, interrupt_at: int | None = None):
        fake = scripted_finder_class(script, interrupt_at)
        monkeypatch.setattr(facial_emotion.detection.detector, "make_finder", fake)
        return fake
    return install
