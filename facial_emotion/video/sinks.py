"""Sinks consume what the loop produces. Each has `write(scene, faces, index, time_s)` and
`close()`, and is a context manager, so an interrupted run still closes every file properly.

Media sinks store the annotated scene (BGR); data sinks store one record per face.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import cv2
import numpy as np

from ..results import Face
from ..errors import SourceError
from ..frames import to_bgr
from .sources import VideoInfo

FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}


class Sink:
    stop_requested = False  # a window sets this when the user presses q or Esc

    def write(self, scene: np.ndarray, faces: list[Face], index: int, time_s: float) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _writable(path: Path) -> Path:
    path = Path(path)
    if path.is_dir() or not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise SourceError(f"cannot write {path}: its folder does not exist or is not writable")
    return path


class VideoFileSink(Sink):
    """Annotated frames to a video with the input's size and fps (mp4v for .mp4, MJPG for .avi)."""

    def __init__(self, path: str | os.PathLike, info: VideoInfo):
        self.path = _writable(path)
        fourcc = FOURCC.get(self.path.suffix.lower())
        if fourcc is None:
            raise SourceError(f"cannot write {self.path}: expected a video suffix "
                              f"({', '.join(FOURCC)}) or an image suffix")
        self.size = (info.width, info.height)
        self.writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*fourcc),
                                      info.fps or 1.0, self.size)  # a still image has no fps
        if not self.writer.isOpened():
            raise SourceError(f"cannot write {self.path}: OpenCV could not open a video writer")

    def write(self, scene, faces, index, time_s) -> None:
        self.writer.write(to_bgr(scene))

    def close(self) -> None:
        self.writer.release()


class ImageFileSink(Sink):
    """The annotated frame (the last one written) to an image file."""

    def __init__(self, path: str | os.PathLike):
        self.path = _writable(path)
        # Checked now, not at close: cv2.imwrite raises cv2.error for a suffix it cannot encode.
        if not cv2.haveImageWriter(str(self.path)):
            raise SourceError(f"cannot write {self.path}: expected an image suffix OpenCV can "
                              "encode (.png, .jpg, .bmp, ...)")
        self.scene = None

    def write(self, scene, faces, index, time_s) -> None:
        self.scene = scene

    def close(self) -> None:
        if self.scene is not None and not cv2.imwrite(str(self.path), self.scene):
            raise SourceError(f"cannot write {self.path}: OpenCV could not encode it "
                              "(check the file suffix)")


def _face_records(faces: list[Face], index: int, time_s: float):
    for face in faces:
        yield {"frame": index, "time_s": round(time_s, 4), **face.as_record()}


class CsvSink(Sink):
    """One row per face per frame: frame, time_s, face_id, x, y, w, h, one column per emotion, emotion."""

    def __init__(self, path: str | os.PathLike, class_names: tuple[str, ...]):
        self.path = _writable(path)
        self.file = open(self.path, "w", newline="")
        columns = ["frame", "time_s", "face_id", "x", "y", "w", "h", *class_names, "emotion"]
        self.writer = csv.DictWriter(self.file, columns)
        self.writer.writeheader()

    def write(self, scene, faces, index, time_s) -> None:
        self.writer.writerows(_face_records(faces, index, time_s))
        self.file.flush()  # a crash or Ctrl-C loses nothing already processed

    def close(self) -> None:
        self.file.close()


class JsonlSink(Sink):
    """The same records as CsvSink, one JSON object per line."""

    def __init__(self, path: str | os.PathLike):
        self.path = _writable(path)
        self.file = open(self.path, "w")

    def write(self, scene, faces, index, time_s) -> None:
        for record in _face_records(faces, index, time_s):
            self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class WindowSink(Sink):
    """A live OpenCV window. q or Esc asks the loop to stop; 1-9 select a face, 0 the largest.

    on_select: called with the chosen face number (or None for "largest").
    """

    QUIT_KEYS = {ord("q"), ord("Q"), 27}

    def __init__(self, title: str = "Facial emotion", on_select=None, wait_ms: int = 1):
        self.title, self.on_select, self.wait_ms = title, on_select, wait_ms
        cv2.namedWindow(self.title, cv2.WINDOW_NORMAL)

    def write(self, scene, faces, index, time_s) -> None:
        cv2.imshow(self.title, scene)
        key = cv2.waitKey(self.wait_ms) & 0xFF
        if key in self.QUIT_KEYS:
            self.stop_requested = True
        elif ord("0") <= key <= ord("9") and self.on_select:
            self.on_select(None if key == ord("0") else key - ord("0"))

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)
