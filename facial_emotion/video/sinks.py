"""Sinks consume what the loop produces: one FrameResult per frame, whose `frame` is the
annotated scene (BGR). Media sinks store the scene; data sinks store one record per face.

Each sink has `write(result)`, `close()` and `discard()`, and is a context manager. Files
are written beside their target under a temporary name (see outputs.py). `close()` keeps
what was written: it finishes the file and renames it into place, so Ctrl-C keeps the
frames done so far in a properly closed file. Leaving the `with` block on an error calls
`discard()` instead, which deletes the temporary file: a failed run never leaves half a
file presented as a result. A sink that was never written to keeps nothing.

`write` returns None, or a request from the user (see keys.py) for the loop to act on.
"""

from __future__ import annotations

import csv
import errno
import json
import logging
import os
import shutil
from pathlib import Path

import cv2
import numpy as np

from ..errors import OutputError, SourceError
from ..frames import to_bgr
from ..results import LANDMARKS, Face, FrameResult
from ..runtime import native_stderr_hidden
from .keys import Request
from .outputs import PendingFile, checked_target, write_error
from .sources import IMAGE_SUFFIXES, VideoInfo

# The codec for each video container OpenCV's FFmpeg backend writes.
FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}
# Below this much free space a video that failed to finish is blamed on a full disk.
LOW_SPACE_BYTES = 1 << 20
# A frame whose own time is this many frame intervals off index / fps shows that the
# source's frame rate varies, which a constant-rate video file cannot keep.
VARIABLE_RATE_FRAMES = 1.5
log = logging.getLogger(__name__)


class Sink:
    """Base class: subclasses implement `write`, and `close`/`discard` when they hold files."""

    written = 0  # frames written so far
    waited_s = 0.0  # seconds spent waiting on purpose (pacing a video), not working

    def write(self, result: FrameResult) -> Request | None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish and keep what was written."""

    def discard(self) -> None:
        """Drop what was written; the target is left as it was before the run."""
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Ctrl-C outside the loop's own handling still keeps what was written.
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt):
            self.close()
        else:
            self.discard()


class _FileSink(Sink):
    """A sink that writes one file through a PendingFile."""

    def __init__(self, path: str | os.PathLike):
        self.path = checked_target(path)
        self.pending: PendingFile | None = None
        self.written = 0

    def _open(self) -> Path:
        self.pending = PendingFile(self.path)
        return self.pending.tmp

    def _finish(self) -> None:
        """Complete the temporary file before it is renamed; raise OSError on failure."""

    def _release(self) -> None:
        """Let go of open handles without raising."""

    def close(self) -> None:
        if self.pending is None:
            return
        try:
            if self.written:
                try:
                    self._finish()
                except OSError as exc:
                    raise write_error(self.path, exc) from None
                self.pending.commit()
        finally:
            self._release()
            self.pending.discard()  # nothing left to do after a commit
            self.pending = None

    def discard(self) -> None:
        if self.pending is not None:
            self._release()
            self.pending.discard()
            self.pending = None


def _read_back(path: Path, written: int) -> tuple[int, bool]:
    """The frame count a video file declares, and whether its last frame decodes. A file cut
    short by a full disk can declare every frame (AVI writes its header first) yet lack
    the last ones. Seeking to the last frame costs one group of pictures, not the video."""
    with native_stderr_hidden():  # FFmpeg's own complaints about a damaged file
        capture = cv2.VideoCapture(str(path))
        try:
            if not capture.isOpened():
                return -1, False
            frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            capture.set(cv2.CAP_PROP_POS_FRAMES, max(written - 1, 0))
            return frames, bool(capture.read()[0])
        finally:
            capture.release()


def _disk_full_or(path: Path, cause: str) -> str:
    """OpenCV's writers fail without saying why: blame a full disk when it is nearly full."""
    try:
        full = shutil.disk_usage(path.parent).free < LOW_SPACE_BYTES
    except OSError:
        full = False
    return os.strerror(errno.ENOSPC) if full else cause


def video_suffix_problem(path: Path) -> str | None:
    """Why `path` cannot be an output video, or None when its suffix names a container."""
    suffix = path.suffix.lower()
    if suffix in FOURCC:
        return None
    if suffix in IMAGE_SUFFIXES:
        return (f"a video cannot be written as an image ({suffix}); use .mp4 or .avi "
                f"(also {', '.join(s for s in FOURCC if s not in ('.mp4', '.avi'))})")
    return f"expected a video suffix ({', '.join(FOURCC)}), got {suffix or 'none'!r}"


class VideoFileSink(_FileSink):
    """Annotated frames to a video with the input's size and fps (mp4v for .mp4, MJPG for .avi).

    The writer is checked when opened, and the finished file is read back at the end: OpenCV
    reports neither a full disk nor a failed write, and leaves an unplayable file instead.
    OpenCV writes at a constant frame rate: when the frames' own times show that the
    source's rate varies, one warning says that the file keeps every frame but not its timing.
    """

    def __init__(self, path: str | os.PathLike, info: VideoInfo):
        super().__init__(path)
        problem = video_suffix_problem(self.path)
        if problem:
            raise SourceError(f"cannot write {self.path}: {problem}")
        self.fourcc = FOURCC[self.path.suffix.lower()]
        self.size = (info.width, info.height)
        self.fps = info.fps or 1.0  # a still image has no fps
        self._check_timing = not info.live  # a camera's times are when frames were processed
        self.writer = cv2.VideoWriter(str(self._open()), cv2.VideoWriter_fourcc(*self.fourcc),
                                      self.fps, self.size)
        if not self.writer.isOpened():
            # mp4v stores the frame rate as a fraction of at most 65535, which a high or odd
            # rate (747.33 fps) can exceed; OpenCV's own AVI writer takes any.
            hint = "; try .avi" if self.fourcc == "mp4v" else ""
            other = (f"OpenCV could not open a {self.fourcc} video writer for it at "
                     f"{self.fps:g} fps{hint}")
            cause = _disk_full_or(self.path, other)
            self.discard()
            # A full disk stops a batch; a rate this container cannot store fails one source.
            error = SourceError if cause == other else OutputError
            raise error(f"cannot write {self.path}: {cause}")

    def write(self, result: FrameResult) -> None:
        scene = to_bgr(result.frame)
        if scene.shape[1::-1] != self.size:
            raise ValueError(f"expected frames of {self.size[0]}x{self.size[1]}, got "
                             f"{scene.shape[1]}x{scene.shape[0]}")
        if self._check_timing and abs(result.time_s - result.index / self.fps) > (
                VARIABLE_RATE_FRAMES / self.fps):
            log.warning("%s: the source's frame rate varies, but the video is written at a "
                        "constant %.4g fps: every frame is kept, not its timing (the CSV and "
                        "JSONL records keep each frame's own time)", self.path, self.fps)
            self._check_timing = False
        self.writer.write(scene)
        self.written += 1

    def _finish(self) -> None:
        self.writer.release()
        if self.pending.in_place:
            return  # /dev/null or a FIFO: nothing to read back
        frames, last_ok = _read_back(self.pending.tmp, self.written)
        if frames != self.written or not last_ok:
            raise OSError(_disk_full_or(self.path, f"the video is unreadable after writing "
                                                   f"({self.written} frames written, "
                                                   f"{max(frames, 0)} in the file)"))

    def _release(self) -> None:
        self.writer.release()


class ImageFileSink(_FileSink):
    """The annotated frame (the last one written) to an image file, encoded at the end."""

    def __init__(self, path: str | os.PathLike):
        super().__init__(path)
        # Checked now, not at close: cv2.imwrite raises cv2.error for a suffix it cannot encode.
        if not cv2.haveImageWriter(str(self.path)):
            raise SourceError(f"cannot write {self.path}: expected an image suffix OpenCV can "
                              f"encode (.png, .jpg, .bmp, ...), got {self.path.suffix or 'none'!r}")
        self.scene: np.ndarray | None = None

    def write(self, result: FrameResult) -> None:
        self.scene = result.frame
        self.written += 1

    def close(self) -> None:
        if self.scene is not None and self.pending is None:
            self._open()
        super().close()
        self.scene = None  # closing twice writes once

    def discard(self) -> None:
        self.scene = None
        super().discard()

    def _finish(self) -> None:
        ok, encoded = cv2.imencode(self.path.suffix, self.scene)
        if not ok:
            raise OSError(f"OpenCV could not encode the image as {self.path.suffix}")
        self.pending.tmp.write_bytes(encoded.tobytes())


# --- data sinks -----------------------------------------------------------------------------

RECORD_DIGITS = 5  # probabilities in records are rounded to this many decimals
TIME_DIGITS = 4


LANDMARK_DIGITS = 1  # landmark pixel coordinates are rounded to this many decimals
LANDMARK_COLUMNS = [f"{name}_{axis}" for name in LANDMARKS for axis in "xy"]


def face_record(face: Face, index: int, time_s: float, source: str = "") -> dict:
    """The export record of one face in one frame: source (as named on the command line, or
    the file a folder or glob gave), frame, time_s, face_id, x, y, w, h, one probability per
    class (rounded to RECORD_DIGITS), the top emotion, and the landmarks (left_eye_x,
    left_eye_y, ..., mouth_right_y in frame pixels; None when the face finder gives none:
    an empty CSV cell, a JSON null)."""
    x, y, w, h = face.box
    marks = ([None] * len(LANDMARK_COLUMNS) if face.landmarks is None
             else [round(float(v), LANDMARK_DIGITS) for v in face.landmarks.ravel()])
    return {"source": source, "frame": index, "time_s": round(time_s, TIME_DIGITS),
            "face_id": face.track_id, "x": x, "y": y, "w": w, "h": h,
            **{name: round(float(p), RECORD_DIGITS)
               for name, p in zip(face.class_names, face.probabilities)},
            "emotion": face.label, **dict(zip(LANDMARK_COLUMNS, marks))}


def record_columns(class_names: tuple[str, ...]) -> list[str]:
    return ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", *class_names,
            "emotion", *LANDMARK_COLUMNS]


class RecordSink(Sink):
    """Keeps every face's record (see `face_record`) in memory, in order, in `records`: for
    a batch, whose records are written in source order once each source is done."""

    def __init__(self, source: str = ""):
        self.source = source
        self.records: list[dict] = []
        self.written = 0

    def write(self, result: FrameResult) -> None:
        self.records += [face_record(face, result.index, result.time_s, self.source)
                         for face in result.faces]
        self.written += 1


class _TextSink(_FileSink):
    """Records as text lines, flushed after every frame so the temporary file always holds
    every finished frame. source: what every record names as its source."""

    def __init__(self, path: str | os.PathLike, source: str = ""):
        super().__init__(path)
        self.source = source
        self.file = open(self._open(), "w", newline="")

    def write(self, result: FrameResult) -> None:
        self.write_records([face_record(face, result.index, result.time_s, self.source)
                            for face in result.faces])

    def write_records(self, records: list[dict]) -> None:
        """Records made by `face_record` (a batch's, of several sources), as one frame's."""
        try:
            self._write_records(records)
            self.file.flush()
        except OSError as exc:
            raise write_error(self.path, exc) from None
        self.written += 1

    def _write_records(self, records: list[dict]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        self.file.close()

    def _release(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass  # a full disk fails the last flush again; the file is discarded anyway


class CsvSink(_TextSink):
    """One row per face per frame: source, frame, time_s, face_id, x, y, w, h, one column
    per emotion, emotion, the landmarks' x and y. An untracked face has an empty face_id, a
    face without landmarks empty landmark cells."""

    def __init__(self, path: str | os.PathLike, class_names: tuple[str, ...], source: str = ""):
        super().__init__(path, source)
        self.writer = csv.DictWriter(self.file, record_columns(class_names))
        try:
            self.writer.writeheader()
        except OSError as exc:
            self.discard()
            raise write_error(self.path, exc) from None

    def _write_records(self, records: list[dict]) -> None:
        self.writer.writerows(records)


class JsonlSink(_TextSink):
    """The same records as CsvSink, one JSON object per line (face_id null when untracked)."""

    def _write_records(self, records: list[dict]) -> None:
        for record in records:
            self.file.write(json.dumps(record) + "\n")
