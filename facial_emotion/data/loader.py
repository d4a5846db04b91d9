"""`load_fer2013`: one entry point for both dataset forms, with a cache of the parsed arrays."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from ..cache import default_cache_dir
from ..errors import DatasetError
from .csv_format import read_csv
from .folder_format import SPLIT_DIRS, is_image_folder, read_image_folder
from .splits import FER2013

log = logging.getLogger(__name__)

CSV_NAME = "fer2013.csv"
_CACHE_VERSION = "1"
DOWNLOAD_HINT = (
    "download FER2013 from Kaggle, either the image folders "
    "(https://www.kaggle.com/datasets/msambare/fer2013: put train/ and test/ in fer2013/) or the "
    "challenge CSV (https://www.kaggle.com/c/challenges-in-representation-learning-facial-"
    "expression-recognition-challenge/data: put fer2013.csv in fer2013/), or pass --data PATH")


def resolve_source(path: str | os.PathLike) -> Path:
    """The CSV file or image folder that `path` points at, or a `DatasetError` saying why not."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"no FER2013 data at '{path}': {DOWNLOAD_HINT}")
    if path.is_file():
        return path
    if is_image_folder(path):
        return path
    if (path / CSV_NAME).is_file():
        return path / CSV_NAME
    raise DatasetError(f"'{path}' holds neither {CSV_NAME} nor {'/ and '.join(SPLIT_DIRS)}/ "
                       f"folders: {DOWNLOAD_HINT}")


def load_fer2013(path: str | os.PathLike = "fer2013", *, skip_bad_rows: bool = False,
                 cache_dir: str | os.PathLike | None = None, use_cache: bool = True) -> FER2013:
    """Load FER2013 from a Kaggle CSV or image folder, whichever `path` is.

    Parsed arrays are cached in `cache_dir` (default ~/.cache/facial_emotion), keyed on the
    source's size and modification times, so a second load takes a fraction of a second and
    any change to the source rebuilds the cache.
    """
    source = resolve_source(path)
    read = read_image_folder if source.is_dir() else read_csv
    if not use_cache:
        return read(source, skip_bad_rows=skip_bad_rows)
    fingerprint = _fingerprint(source, skip_bad_rows)
    cache_file = Path(cache_dir or default_cache_dir()) / f"fer2013-{fingerprint}.npz"
    if cache_file.is_file():
        try:
            with np.load(cache_file) as arrays:
                data = FER2013.from_arrays(arrays, source=str(source))
            log.info("loaded cached arrays from %s", cache_file)
            return data
        except Exception as exc:
            # The cache is disposable: whatever is wrong with it (np.load raises EOFError,
            # BadZipFile, SyntaxError and more for a damaged file), rebuild it from the source.
            log.warning("ignoring unreadable cache %s (%s)", cache_file, exc)
    data = read(source, skip_bad_rows=skip_bad_rows)
    _save_atomically(cache_file, data)
    return data


def _fingerprint(source: Path, skip_bad_rows: bool) -> str:
    digest = hashlib.sha1(f"{_CACHE_VERSION}|{source.resolve()}|{skip_bad_rows}".encode())
    for name, stat in _file_stats(source):
        digest.update(f"|{name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _file_stats(source: Path) -> list[tuple[str, os.stat_result]]:
    """(name, stat) of the CSV, or of every entry in the image folders, by relative path.

    Every entry, not just what `list_images` would read: a file added anywhere changes the
    fingerprint, so the next load reads the folders again and reports anything wrong there.
    `os.scandir` makes one stat call per file and no `Path` objects, which keeps a cached load
    of the 35,887 images well under a second (`list_images` alone took half a second).
    """
    if not source.is_dir():
        return [(source.name, source.stat())]
    stats = []
    for split in SPLIT_DIRS:
        for folder in _sorted_entries(source / split):
            stats.append((f"{split}/{folder.name}", folder.stat()))
            if folder.is_dir():
                stats += [(f"{split}/{folder.name}/{entry.name}", entry.stat())
                          for entry in _sorted_entries(folder.path)]
    return stats


def _sorted_entries(folder) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _save_atomically(cache_file: Path, data: FER2013) -> None:
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_file.parent, suffix=".tmp", delete=False) as tmp:
            np.savez(tmp, **data.as_arrays())
        os.replace(tmp.name, cache_file)
    except OSError as exc:  # a read-only home must not stop training
        log.warning("could not write the dataset cache %s (%s)", cache_file, exc)
