"""What the detection, video and CLI tests share: an untrained classifier, synthetic videos and
images, and a face finder that returns scripted boxes instead of running the Haar cascade.

The Haar cascade finds no faces in synthetic drawings, so every behaviour test that needs faces
scripts them. Nothing here reads the shipped model, the working directory or the network.
"""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facial_emotion.labels import EMOTIONS
from facial_emotion.video import VideoInfo
from tests.once import built_once

FOURCC = {".mp4": "mp4v", ".avi": "MJPG"}
LANDMARK_COLUMNS = ["left_eye_x", "left_eye_y", "right_eye_x", "right_eye_y", "nose_x",
                    "nose_y", "mouth_left_x", "mouth_left_y", "mouth_right_x", "mouth_right_y"]
CSV_COLUMNS = ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "angry", "disgust",
               "fear", "happy", "sad", "surprise", "neutral", "emotion", *LANDMARK_COLUMNS]
HAS_LITERT = importlib.util.find_spec("ai_edge_litert") is not None
REPO = Path(__file__).resolve().parents[1]
# What the tool must set itself to be quiet, and the display: left out of a child's environment.
QUIETED = ("TF_CPP_MIN_LOG_LEVEL", "ONEDNN_MAX_CPU_ISA", "DISPLAY", "OPENCV_LOG_LEVEL",
           "OPENCV_FFMPEG_LOGLEVEL")


@dataclass(frozen=True)
class ModelFiles:
    """An untrained classifier and an $XDG_CACHE_HOME already holding its LiteRT conversion."""

    model: Path
    cache_home: Path

    @property
    def cache_dir(self) -> Path:  # what EmotionClassifier uses under $XDG_CACHE_HOME
        return self.cache_home / "facial_emotion"


def untrained_model(tmp_path_factory) -> ModelFiles:
    """Build, save and convert an untrained Mini-Xception classifier once per test run.

    tests/conftest.py's `model_files` calls this; the files are built once per run
    (tests/once.py), so every pytest-xdist worker reuses them. Converting to LiteRT takes
    seconds, so it happens here once rather than in every test that loads a model.
    """
    def files_in(root: Path) -> ModelFiles:
        return ModelFiles(root / "emotion_untrained.keras", root / "xdg-cache")

    def build(root: Path) -> None:
        from facial_emotion.detection import EmotionClassifier
        from facial_emotion.model import build_classifier, build_mini_xception, save_atomically

        files = files_in(root)
        save_atomically(build_classifier(build_mini_xception()), files.model)
        EmotionClassifier(files.model, cache_dir=files.cache_dir)  # warms the LiteRT cache

    return files_in(built_once(tmp_path_factory, "untrained-classifier", build))


def load_once(monkeypatch, files: ModelFiles, model) -> None:
    """Have EmotionClassifier take `model`, the Keras model loaded from `files.model` once,
    instead of loading that file again (a third of a second each time). Other files, and
    loads for training (compile=True), go to the real load_classifier."""
    import facial_emotion.detection.classifier as classifier

    real = classifier.load_classifier

    def load(path=None, *, compile: bool = False):
        if path is not None and not compile and Path(path) == files.model:
            return model
        return real(path, compile=compile)

    monkeypatch.setattr(classifier, "load_classifier", load)


def child_env(cache_home) -> dict:
    """This environment for a child Python that runs the tool: without QUIETED, with this
    checkout importable and $XDG_CACHE_HOME at `cache_home` (a warmed LiteRT cache)."""
    env = {key: value for key, value in os.environ.items() if key not in QUIETED}
    env.update(PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(cache_home))
    return env


def synthetic_frames(count: int, width: int = 160, height: int = 120) -> list[np.ndarray]:
    """`count` distinct BGR uint8 frames: a bright gradient with a square that moves.

    Bright, so the bars panel's darkening shows; different per frame, so frames can be told apart.
    """
    ramp = np.linspace(120, 230, width, dtype=np.float32)
    frames = []
    for i in range(count):
        frame = np.empty((height, width, 3), np.uint8)
        frame[:] = ramp[None, :, None].astype(np.uint8)
        frame[..., 1] = np.uint8(100 + 10 * (i % 10))
        x = (7 * i) % max(1, width - 10)
        frame[height // 2:height // 2 + 10, x:x + 10] = (30, 30, 30)
        frames.append(frame)
    return frames


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """Write BGR `frames` with OpenCV (mp4v for .mp4, MJPG for .avi)."""
    path = Path(path)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC[path.suffix]), fps,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f"cv2.VideoWriter could not open {path}")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@dataclass
class VideoRead:
    frames: list[np.ndarray]
    fps: float
    frame_count: int  # what the container says; `frames` is what could really be decoded


def read_video(path: Path) -> VideoRead:
    """Every frame OpenCV can decode from `path`, plus the fps and frame count it reports."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise OSError(f"cv2.VideoCapture could not open {path}")
    try:
        frames = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
        return VideoRead(frames, capture.get(cv2.CAP_PROP_FPS),
                         int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
    finally:
        capture.release()


# How a picture is stored so that a viewer, turning it by its EXIF Orientation tag, shows it
# upright: 6 means "turn 90 degrees clockwise to view", so the stored pixels are the upright
# picture turned 90 degrees anticlockwise; 8 the reverse; 3 upside down.
STORED_TURN = {1: None, 3: cv2.ROTATE_180, 6: cv2.ROTATE_90_COUNTERCLOCKWISE,
               8: cv2.ROTATE_90_CLOCKWISE}


def jpeg_as_a_phone_stores_it(path: Path, upright: np.ndarray, orientation: int) -> Path:
    """Write `upright` (BGR) as a JPEG whose pixels are turned and whose EXIF Orientation tag
    says how to turn them back, as a phone held sideways does. The EXIF block (APP1: a
    big-endian TIFF header and one IFD entry) is built by hand: no imaging library needed."""
    turn = STORED_TURN[orientation]
    stored = upright if turn is None else cv2.rotate(upright, turn)
    ok, jpeg = cv2.imencode(".jpg", stored, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    tiff = (b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0))
    app1 = b"Exif\x00\x00" + tiff
    data = jpeg.tobytes()
    Path(path).write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
                           + data[2:])
    return Path(path)


def write_gif(path: Path, frames: list[np.ndarray], durations_ms: list[int]) -> Path:
    """An animated GIF (a static one for one frame) showing each BGR frame for its own
    duration: a real file whose frame rate varies. Needs Pillow (matplotlib depends on it)."""
    from PIL import Image

    images = [Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)) for frame in frames]
    images[0].save(path, save_all=len(images) > 1, append_images=images[1:],
                   duration=durations_ms if len(images) > 1 else durations_ms[0], loop=0)
    return Path(path)


def as_boxes(boxes) -> np.ndarray:
    return np.asarray(boxes, dtype=np.int32).reshape(-1, 4)


class ScriptedFinder:
    """Stands in for a face finder: call n of `find` returns script[n] as int32 (N, 4) boxes
    (and no landmarks).

    Past the end of the script it finds no faces. `interrupt_at`: the call that raises
    KeyboardInterrupt instead, as Ctrl-C would during detection.
    """

    def __init__(self, script, interrupt_at: int | None = None):
        self.script = [as_boxes(boxes) for boxes in script]
        self.interrupt_at = interrupt_at
        self.calls: list[tuple[int, ...]] = []  # the shape of each frame it was given
        self.kinds: list[str] = []              # "full" (find) or "near" (find_near), per call
        self.near: list[np.ndarray] = []        # the boxes each find_near call was given

    name = "scripted"
    takes_colour = True  # it records the frame as the detector got it
    confirm_hits = 2  # as the Haar cascade: the CLI tests see new faces confirmed

    def find(self, image: np.ndarray) -> tuple[np.ndarray, None]:
        self.kinds.append("full")
        return self._scripted(image), None

    def find_near(self, image: np.ndarray, near: np.ndarray) -> tuple[np.ndarray, None]:
        """The frame's scripted boxes, wherever it was asked to look: a script says what the
        cascade would find, and a region search finds the same faces near known ones."""
        self.kinds.append("near")
        self.near.append(np.asarray(near).copy())
        return self._scripted(image), None

    def _scripted(self, image: np.ndarray) -> np.ndarray:
        call = len(self.calls)
        self.calls.append(image.shape)
        if call == self.interrupt_at:
            raise KeyboardInterrupt
        return self.script[call].copy() if call < len(self.script) else as_boxes([])


def scripted_finder_class(script, interrupt_at: int | None = None):
    """A class to monkeypatch over the detector's `make_finder`: the same arguments, a
    scripted finder.

    `instances` records every finder made, with the arguments it was given.
    """
    class FakeFinder(ScriptedFinder):
        instances: list = []

        def __init__(self, name, *, detect_width, min_size, cascade=None, min_neighbors=5):
            super().__init__(script, interrupt_at)
            self.kwargs = dict(name=name, detect_width=detect_width, min_size=min_size,
                               cascade=cascade, min_neighbors=min_neighbors)
            FakeFinder.instances.append(self)

    return FakeFinder


# Two faces in a 160x120 video of 12 frames, drifting right 1 px a frame; frames 0 and 5 have
# none and frames 4 and 10 one, so a video has frames with 0, 1 and 2 faces.
def face_a(i: int) -> tuple[int, int, int, int]:
    return (10 + i, 30, 50, 50)


def face_b(i: int) -> tuple[int, int, int, int]:
    return (95 + i, 30, 50, 50)


TWO_FACE_SCRIPT = [
    [] if i in (0, 5) else [face_a(i)] if i == 4 else [face_b(i)] if i == 10
    else [face_a(i), face_b(i)]
    for i in range(12)]


def camera_cannot_open(index: int, timeout_s: float = 10.0) -> str | None:
    """None if opening camera `index` fails quickly, else why a test that needs that should skip.

    Probed in a child process, so a backend that hangs on a missing device cannot hang the tests.
    """
    code = f"import cv2; print(cv2.VideoCapture({index}).isOpened())"
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return f"opening camera {index} takes more than {timeout_s:.0f} s here"
    if result.stdout.strip() != "False":
        return f"camera {index} opens here (or the probe failed: {result.stderr.strip()[-200:]})"
    return None


SINK_INFO = VideoInfo(160, 120, 10.0, 12)


def _sink_factories():
    from facial_emotion.video import (CsvSink, ImageFileSink, JsonlSink, SummarySink,
                                      TimelineSink, VideoFileSink)
    return {
        # kind: (file name, factory given the path)
        "mp4": ("out.mp4", lambda path: VideoFileSink(path, SINK_INFO)),
        "avi": ("out.avi", lambda path: VideoFileSink(path, SINK_INFO)),
        "image": ("out.png", lambda path: ImageFileSink(path)),
        "csv": ("out.csv", lambda path: CsvSink(path, EMOTIONS)),
        "jsonl": ("out.jsonl", lambda path: JsonlSink(path)),
        "timeline": ("out.png", lambda path: TimelineSink(path, EMOTIONS)),
        "summary": ("out.json", lambda path: SummarySink(path, EMOTIONS)),
    }


SINKS = _sink_factories()  # every file sink, for tests that must hold for all of them


def expected_probabilities(classifier, crops: np.ndarray) -> np.ndarray:
    """What `classifier.predict(crops)` must give, through plain `model.predict`: with its
    `flip` on, the mean of the crops' and their mirror images' probabilities."""
    crops = crops.astype(np.float32)
    plain = classifier.model.predict(crops, verbose=0)
    if not classifier.flip:
        return plain
    return (plain + classifier.model.predict(crops[:, :, ::-1], verbose=0)) / 2
