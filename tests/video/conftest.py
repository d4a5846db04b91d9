"""Fixtures for the video I/O tests: synthetic videos, and a camera index that cannot open."""

from __future__ import annotations

import pytest

from tests.helpers_video import synthetic_frames, write_video



@pytest.fixture
def video_file(tmp_path):
    """Factory: video_file(name, count=12, width=160, height=120, fps=10.0) -> the path written."""
    def make(name: str = "clip.mp4", count: int = 12, width: int = 160, height: int = 120,
             fps: float = 10.0):
        return write_video(tmp_path / name, synthetic_frames(count, width, height), fps)
    return make
