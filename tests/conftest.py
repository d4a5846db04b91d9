"""Shared fixtures: tiny synthetic FER2013 data (CSV and image folders) written under tmp paths.

Nothing here reads the real dataset, the working directory or the network. The writers are
session-scoped factories that take an explicit destination, so module-scoped fixtures (the
training smoke test trains once per module) can use them too.
"""

from __future__ import annotations

import os

# Before anything imports TensorFlow: keep its C++ start-up chatter out of the test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import contextlib  # noqa: E402
import logging  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from facial_emotion.labels import EMOTIONS, IMAGE_SIZE  # noqa: E402
from facial_emotion.runtime import cpu_flags  # noqa: E402
from tests.helpers_video import (ModelFiles, camera_cannot_open, load_once,  # noqa: E402
                                 untrained_model)

MISSING_CAMERA = 97  # a camera index that no test machine has

CSV_HEADER = ("emotion", "pixels", "Usage")
# Where the Kaggle image-folder form keeps each official split.
USAGE_FOLDERS = {"Training": "train", "PublicTest": "test", "PrivateTest": "test"}


def synthetic_face(label: int, seed: int) -> np.ndarray:
    """A 48x48 uint8 grayscale image a small network can classify after an epoch or two.

    Brightness rises with the class, and a bright horizontal bar sits at a class-dependent row
    (horizontal, so the training pipeline's left-right flips keep it). Light noise, seeded,
    makes the images differ from each other.
    """
    rng = np.random.default_rng(seed)
    image = np.full((IMAGE_SIZE, IMAGE_SIZE), 20.0 + 30.0 * label)
    row = 4 + 6 * label
    image[row:row + 3, 4:-4] = 250.0
    image += rng.normal(0.0, 6.0, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def make_rows(counts: dict[str, int], seed: int = 0) -> list[tuple[int, np.ndarray, str]]:
    """`counts[usage]` rows per Usage, labels cycling through the 7 classes: (label, image, usage)."""
    rows = []
    for usage, count in counts.items():
        for i in range(count):
            label = i % len(EMOTIONS)
            rows.append((label, synthetic_face(label, seed * 100_003 + len(rows)), usage))
    return rows


def write_fer_csv(path: Path, rows, *, header=CSV_HEADER, newline: str = "\n") -> Path:
    """Write a Kaggle-format fer2013.csv: a header line, then one comma-joined line per row.

    A row is any sequence of fields; a numpy array field becomes space-separated pixels, as in
    Kaggle's file. `header=None` with no rows writes a 0-byte file.
    """
    def field(value) -> str:
        return " ".join(map(str, value.ravel().tolist())) if isinstance(value, np.ndarray) else str(value)

    lines = ([",".join(header)] if header is not None else []) + [
        ",".join(field(v) for v in row) for row in rows]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(line + newline for line in lines).encode())
    return path


def write_image_folder(root: Path, rows, *, prefixed: bool = True, suffix: str = ".jpg") -> Path:
    """Write the Kaggle image-folder form: root/train/<emotion>/Training_N.jpg, root/test/...

    With `prefixed=False` the files are named image_N.jpg, so their split must come from
    the folder they are in. Both train/ and test/ always exist.
    """
    root = Path(root)
    for folder in ("train", "test"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for n, (label, image, usage) in enumerate(rows):
        class_dir = root / USAGE_FOLDERS[usage] / EMOTIONS[label]
        class_dir.mkdir(parents=True, exist_ok=True)
        name = f"{usage}_{n}{suffix}" if prefixed else f"image_{n}{suffix}"
        if not cv2.imwrite(str(class_dir / name), image):
            raise OSError(f"cv2.imwrite could not write {class_dir / name}")
    return root


FERPLUS_HEADER = ("Usage", "Image name", "neutral", "happiness", "surprise", "sadness", "anger",
                  "disgust", "fear", "contempt", "unknown", "NF")
# FER+ vote column (after Usage and Image name) of each FER2013 class, 0 angry ... 6 neutral.
FERPLUS_COLUMN = (4, 5, 6, 1, 3, 2, 0)


def ferplus_votes(rows, seed: int = 0) -> np.ndarray:
    """(len(rows), 10) vote counts in FER+'s file order, 10 raters each: 6 for the row's own
    label, 3 for the next class, 1 for 'unknown'; every 5th row's majority is the next class
    instead, and every 7th row is rated 'not a face' by all 10."""
    votes = np.zeros((len(rows), 10), np.int64)
    for i, (label, _, _) in enumerate(rows):
        if i % 7 == 6:
            votes[i, 9] = 10
            continue
        first, second = (label, (label + 1) % 7) if i % 5 else ((label + 1) % 7, label)
        votes[i, FERPLUS_COLUMN[first]] += 6
        votes[i, FERPLUS_COLUMN[second]] += 3
        votes[i, 8] += 1
    return votes


def write_ferplus(folder: Path, rows, *, image_rows: bool = False, votes=None) -> Path:
    """Write fer2013new.csv for `rows` (row-aligned) into `folder`, and with `image_rows` the
    index image_rows.csv naming each file as `write_image_folder` names it. Returns `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    votes = ferplus_votes(rows) if votes is None else votes
    lines = [",".join(FERPLUS_HEADER)] + [
        ",".join([usage, f"fer{n:07d}.png"] + [str(v) for v in counts])
        for n, ((_, _, usage), counts) in enumerate(zip(rows, votes))]
    (folder / "fer2013new.csv").write_text("\n".join(lines) + "\n")
    if image_rows:
        index = ["path,row,pixel_mae"] + [
            f"{USAGE_FOLDERS[usage]}/{EMOTIONS[label]}/{usage}_{n}.jpg,{n},1.0"
            for n, (label, _, usage) in enumerate(rows)]
        (folder / "image_rows.csv").write_text("\n".join(index) + "\n")
    return folder


@pytest.fixture(scope="session")
def fer_votes():
    """Factory: fer_votes(folder, rows, image_rows=False) writes FER+ files for those rows."""
    return write_ferplus


@pytest.fixture(scope="session")
def fer_rows():
    """Factory: make_rows({"Training": n, "PublicTest": n, "PrivateTest": n}, seed=0)."""
    return make_rows


@pytest.fixture(scope="session")
def fer_csv():
    """Factory: fer_csv(path, rows, header=..., newline=...) writes a Kaggle fer2013.csv."""
    return write_fer_csv


@pytest.fixture(scope="session")
def fer_folder():
    """Factory: fer_folder(root, rows, prefixed=True) writes train/ and test/ image folders."""
    return write_image_folder


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch) -> Path:
    """Point the default dataset cache (under $XDG_CACHE_HOME) at this test's tmp folder."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@contextlib.contextmanager
def _root_logging_restored():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        # The CLI calls logging.basicConfig(force=True), which adds a plain StreamHandler on
        # the (captured) stderr of that test; drop it so later tests do not write to it.
        for handler in list(root.handlers):
            if handler not in handlers and type(handler) is logging.StreamHandler:
                root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture(scope="session")
def logging_restored():
    """Factory of a context manager that undoes the CLI's changes to the root logger."""
    return _root_logging_restored


@pytest.fixture
def restore_logging(logging_restored):
    with logging_restored():
        yield


@pytest.fixture(scope="session")
def missing_camera() -> int:
    """A camera index that does not exist here and fails fast; skips the test otherwise."""
    reason = camera_cannot_open(MISSING_CAMERA)
    if reason:
        pytest.skip(reason)
    return MISSING_CAMERA


@pytest.fixture(scope="session")
def model_files(tmp_path_factory) -> ModelFiles:
    """An untrained Mini-Xception classifier, saved, with its LiteRT conversion cached."""
    return untrained_model(tmp_path_factory)


@pytest.fixture(scope="session")
def untrained_keras(model_files):
    """`model_files.model` loaded once per session; only for tests that do not change it."""
    from facial_emotion.model import load_classifier
    return load_classifier(model_files.model)


@pytest.fixture
def warm_cache(model_files, untrained_keras, monkeypatch) -> ModelFiles:
    """The session's untrained classifier, converted and loaded once: $XDG_CACHE_HOME points
    at its LiteRT conversion, and a detector or CLI built in the test takes the loaded Keras
    model instead of reading the file again (tests/helpers_video.py: load_once)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(model_files.cache_home))
    load_once(monkeypatch, model_files, untrained_keras)
    return model_files


@pytest.fixture
def video_cli_env(warm_cache, monkeypatch, restore_logging):
    """Undo what main() changes in the process, and point it at the warmed LiteRT cache and
    the model loaded once (`warm_cache`).

    main() sets TensorFlow variables in os.environ, OpenCV's log level and the root logger;
    all are put back after the test (`restore_logging`).
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
