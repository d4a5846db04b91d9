"""The Kaggle image-folder layout: `train/<emotion>/*.jpg` and `test/<emotion>/*.jpg`.

The official split is read from each file name's prefix (`Training_`, `PublicTest_`,
`PrivateTest_`). Files without one take it from their folder: `train/` is Training, and
`test/` is split deterministically, by a hash of the file name, into PublicTest and
PrivateTest halves.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..errors import DatasetError
from ..labels import EMOTIONS, IMAGE_SIZE
from .ferplus import FerPlusFiles, image_key, votes_by_name
from .splits import FER2013, Usage

log = logging.getLogger(__name__)

SPLIT_DIRS = ("train", "test")
# Files that file managers leave in folders; never data.
JUNK_FILES = {"thumbs.db", "desktop.ini"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".tif", ".tiff", ".webp"}


def is_image_folder(path: Path) -> bool:
    return all((path / d).is_dir() for d in SPLIT_DIRS)


def list_images(root: Path) -> list[tuple[Path, int]]:
    """Every (file, label) under root/{train,test}/<emotion>/, sorted, hidden files skipped."""
    files = []
    for split_dir in SPLIT_DIRS:
        for class_dir in sorted((root / split_dir).iterdir()):
            if _is_junk(class_dir):
                continue
            if not class_dir.is_dir() or class_dir.name.lower() not in EMOTIONS:
                raise DatasetError(f"{class_dir}: expected a folder named after one of the "
                                   f"emotions {', '.join(EMOTIONS)}")
            label = EMOTIONS.index(class_dir.name.lower())
            files += [(f, label) for f in sorted(class_dir.iterdir())
                      if f.is_file() and not _is_junk(f)]
    return files


def _is_junk(path: Path) -> bool:
    return path.name.startswith(".") or path.name.lower() in JUNK_FILES


def read_image_folder(root: Path, *, skip_bad_rows: bool = False,
                      ferplus: FerPlusFiles | None = None) -> FER2013:
    """Read every image; a file that is not an image raises `DatasetError` or, if asked, is
    dropped. With `ferplus`, each image gets its FER+ votes through the index of file names."""
    files = list_images(root)
    if not files:
        raise DatasetError(f"{root}: no images found under {'/ and '.join(SPLIT_DIRS)}/")
    votes = (votes_by_name(ferplus, [image_key(p.relative_to(root).as_posix()) for p, _ in files], root)
             if ferplus else None)
    images, labels, usages, kept, dropped, unprefixed = [], [], [], [], [], 0
    for i, (path, label) in enumerate(tqdm(files, desc="Reading images", unit="img", leave=False)):
        image = _read_gray(path)
        if image is None:
            if not skip_bad_rows:
                raise DatasetError(f"{path}: not a readable image "
                                   "(--skip-bad-rows drops such files)")
            dropped.append(path)
            continue
        kept.append(i)
        usage = _usage_from_name(path)
        if usage is None:
            unprefixed += 1
            usage = _usage_from_folder(path)
        images.append(image)
        labels.append(label)
        usages.append(usage.value)
    if dropped:
        log.warning("%s: dropped %d unreadable file(s), the first %s", root, len(dropped), dropped[0])
    if unprefixed:
        log.warning("%s: %d file name(s) lack a Training_/PublicTest_/PrivateTest_ prefix; "
                    "train/ was used for training and test/ was split by a hash of the file "
                    "name into PublicTest (validation) and PrivateTest (test) halves",
                    root, unprefixed)
    if not images:
        raise DatasetError(f"{root}: no readable images")
    return FER2013.from_usage(np.stack(images)[..., None], np.array(labels, np.int64),
                              np.array(usages), source=str(root),
                              votes=None if votes is None else votes[kept])


def _read_gray(path: Path) -> np.ndarray | None:
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    # imdecode(fromfile) rather than imread: it also handles non-ASCII paths on Windows.
    data = np.fromfile(path, np.uint8)
    if data.size == 0:  # imdecode raises cv2.error on an empty buffer (a 0-byte download)
        return None
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    if image is not None and image.shape != (IMAGE_SIZE, IMAGE_SIZE):
        image = cv2.resize(image, (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_AREA)
    return image


def _usage_from_name(path: Path) -> Usage | None:
    return next((u for u in Usage if path.name.startswith(u.value + "_")), None)


def _usage_from_folder(path: Path) -> Usage:
    if path.parent.parent.name == "train":
        return Usage.TRAINING
    # A stable hash (not Python's salted hash()) so every run makes the same split.
    return Usage.PUBLIC_TEST if zlib.crc32(path.name.encode()) % 2 == 0 else Usage.PRIVATE_TEST
