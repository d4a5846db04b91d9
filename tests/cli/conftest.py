"""Fixtures for the real_time_video.py tests: scripted faces (the model and the pinned
environment, `video_cli_env`, are in tests/conftest.py: analyze() is tested with it too).

Nothing here is autouse, so the other CLI tests in this folder are unaffected.
"""

from __future__ import annotations

import pytest

import facial_emotion.detection.detector
from tests.helpers_video import scripted_finder_class


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
