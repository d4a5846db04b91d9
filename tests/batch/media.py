"""Small clips and photos of real faces (tests/scenes.py) written as files, for the tests
that run a batch: YuNet finds their faces, so every source has records to compare."""

from __future__ import annotations

from pathlib import Path

import cv2

from tests.helpers_video import write_video
from tests.scenes import group_scene, moving_face_clip

FPS = 10.0
# What `mixed_folder` holds that can be analysed, in the order a batch lists it.
GOOD = ("group.jpg", "late.mp4", "walk.avi")


def clip(path: Path, frames: int = 12, size=(320, 180), face: int = 100, **scene) -> Path:
    """A clip of one face gliding across (see moving_face_clip), at FPS."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_video(path, list(moving_face_clip(frames, *size, face, **scene)), FPS)


def photo(path: Path, size=(320, 180), face: int = 70, count: int = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), group_scene(*size, face, count)[0]):
        raise OSError(f"cv2.imwrite could not write {path}")
    return path


def mixed_folder(folder: Path) -> Path:
    """Two clips of different sizes (one whose face walks in at its 4th frame), a photo of
    two faces, a damaged video and a note; listed: broken, group, late, (notes), walk."""
    clip(folder / "walk.avi")
    clip(folder / "late.mp4", 10, (256, 144), 80, enter_at=3, seed=1)
    photo(folder / "group.jpg")
    (folder / "broken.mp4").write_bytes(b"not a video\n" * 50)
    (folder / "notes.txt").write_text("the interviews of day one\n")
    return folder
