"""`load_fer2013`: one entry point for both dataset forms, with a cache of the parsed arrays."""

from __future__ import annotations

import hashlib
import io
import logging
import os
from pathlib import Path

import numpy as np

from ..cache import default_cache_dir, read_cached, write_cached
from ..errors import DatasetError
from ..files import archive_size_problem, sha256_file
from ..labels import IMAGE_SIZE
from .csv_format import read_csv
from .ferplus import FerPlusFiles, find_ferplus
from .folder_format import SPLIT_DIRS, is_image_folder, read_image_folder
from .splits import FER2013, NUM_VOTE_COLUMNS

log = logging.getLogger(__name__)

CSV_NAME = "fer2013.csv"
# The most images a cache is trusted to hold: FER2013 has 35,887; the room above is for
# image folders of a larger collection. Each split's members are checked against it before
# np.load inflates them, so a planted cache (with a hash to match) cannot take the memory
# of an 815 KB file inflating to gigabytes.
MAX_CACHED_IMAGES = 100_000
_NPY_HEADER = 4096
_CACHE_MEMBERS = {f"{split}_{field}.npy": MAX_CACHED_IMAGES * size + _NPY_HEADER
                  for split in ("train", "val", "test")
                  for field, size in (("images", IMAGE_SIZE * IMAGE_SIZE), ("labels", 8),
                                      ("votes", NUM_VOTE_COLUMNS))}
_MAX_CACHE_BYTES = sum(_CACHE_MEMBERS.values()) + (1 << 20)  # the zip's own records
_CACHE_VERSION = "3"  # 2: keyed on content, with a stored hash; 3: FER+ votes
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
                 ferplus: str | os.PathLike | None = None,
                 cache_dir: str | os.PathLike | None = None, use_cache: bool = True) -> FER2013:
    """Load FER2013 from a Kaggle CSV or image folder, whichever `path` is, with the FER+
    rater votes of each image when they are found (see `ferplus.find_ferplus`; `ferplus` names
    the votes file or its folder when it is not beside the data).

    Parsed arrays are cached in `cache_dir` (default ~/.cache/facial_emotion), keyed on a hash
    of the source's content, so a second load skips the parse and any change to the source,
    even one that keeps its size and modification time, rebuilds the cache. The cache file is
    checked against its own stored hash before use; a damaged one is rebuilt.
    """
    source = resolve_source(path)
    votes = find_ferplus(source, ferplus)
    read = read_image_folder if source.is_dir() else read_csv
    if not use_cache:
        return _log_votes(read(source, skip_bad_rows=skip_bad_rows, ferplus=votes))
    fingerprint = _fingerprint(source, skip_bad_rows, votes)
    cache_file = Path(cache_dir or default_cache_dir()) / f"fer2013-{fingerprint}.npz"
    cached = read_cached(cache_file, max_bytes=_MAX_CACHE_BYTES)
    problem = cached is not None and archive_size_problem(io.BytesIO(cached), _CACHE_MEMBERS,
                                                          _NPY_HEADER, len(_CACHE_MEMBERS))
    if problem:
        log.warning("ignoring the cache %s: %s; rebuilding it", cache_file, problem)
        cached = None
    if cached is not None:
        try:
            with np.load(io.BytesIO(cached)) as arrays:
                data = FER2013.from_arrays(arrays, source=str(source))
            log.info("loaded cached arrays from %s", cache_file)
            return _log_votes(data)
        except Exception as exc:
            # Its hash matched, so the file is as written; it may still be unreadable if an
            # older version of this tool wrote it differently. The cache is disposable.
            log.warning("ignoring unreadable cache %s (%s); rebuilding it", cache_file, exc)
    data = read(source, skip_bad_rows=skip_bad_rows, ferplus=votes)
    buffer = io.BytesIO()
    np.savez(buffer, **data.as_arrays())
    write_cached(cache_file, buffer.getvalue())
    return _log_votes(data)


def _log_votes(data: FER2013) -> FER2013:
    if data.has_votes:
        log.info("FER+ rater votes joined to every image")
    return data


def _fingerprint(source: Path, skip_bad_rows: bool, votes: FerPlusFiles) -> str:
    """A hash of everything the parse reads: the CSV's bytes, or every entry of the image
    folders by relative name, with each file's bytes.

    Content, not size and modification time: an edit that keeps both (a restored mtime, a
    coarse file system) must not serve stale pixels. Hashing is cheap next to the parse it
    saves (about 1.5 s for the 35,887 images, against ~0.3 s to stat them). Every entry, not
    just what `list_images` would read: a file added anywhere changes the fingerprint, so the
    next load reads the folders again and reports anything wrong there.
    """
    digest = hashlib.sha256(f"{_CACHE_VERSION}|{skip_bad_rows}|{votes.required}".encode())
    for ferplus_file in (votes.votes, votes.index):
        if ferplus_file is not None:
            digest.update(f"|ferplus|{sha256_file(ferplus_file)}".encode())
    if not source.is_dir():
        digest.update(f"|csv|{sha256_file(source)}".encode())
        return digest.hexdigest()[:16]
    for split in SPLIT_DIRS:
        for folder in _sorted_entries(source / split):
            _add_entry(digest, f"{split}/{folder.name}", folder)
            if folder.is_dir():
                for entry in _sorted_entries(folder.path):
                    _add_entry(digest, f"{split}/{folder.name}/{entry.name}", entry)
    return digest.hexdigest()[:16]


def _add_entry(digest, name: str, entry: os.DirEntry) -> None:
    if entry.is_file():
        with open(entry.path, "rb") as f:
            content = f.read()
        # The length first, so no two different listings can feed the same bytes.
        digest.update(f"|{name}|{len(content)}|".encode())
        digest.update(content)
    else:
        digest.update(f"|{name}|{'dir' if entry.is_dir() else 'other'}".encode())


def _sorted_entries(folder) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda entry: entry.name)
