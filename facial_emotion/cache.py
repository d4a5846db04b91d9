"""Where the tools keep what they can always rebuild: parsed datasets, converted models.

Every cache file has its SHA-256 stored beside it (`NAME.sha256`, in `sha256sum` format) and
is checked against it before use. A file that was truncated, zeroed in places or left without
its hash is not used: the caller rebuilds it, and one warning line says so. Without the check
a damaged LiteRT model either fails to parse on every run or, worse, parses and gives wrong
probabilities.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from .files import atomic_write_bytes, atomic_write_text

log = logging.getLogger(__name__)

HASH_SUFFIX = ".sha256"


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/facial_emotion, else ~/.cache/facial_emotion."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "facial_emotion"


def hash_path(path: str | os.PathLike) -> Path:
    """Where the SHA-256 of the cache file at `path` is kept."""
    path = Path(path)
    return path.with_name(path.name + HASH_SUFFIX)


def read_cached(path: str | os.PathLike, max_bytes: int | None = None) -> bytes | None:
    """The bytes of the cache file at `path` if they match the SHA-256 stored beside them.

    None if there is no such file (quietly), or if the file or its hash is damaged or
    unreadable, or the file is larger than `max_bytes` (after one warning line): either way
    the caller rebuilds it. The size is checked before the file is read into memory.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            log.warning("the cache %s is too large (expected at most %d bytes, got %d); "
                        "rebuilding it", path, max_bytes, size)
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read the cache %s (%s); rebuilding it", path, exc.strerror or exc)
        return None
    try:
        stored = hash_path(path).read_text().split()
    except (OSError, UnicodeDecodeError):
        stored = []
    actual = hashlib.sha256(data).hexdigest()
    if not stored:
        log.warning("the cache %s has no stored hash (%s missing or empty); rebuilding it",
                    path, hash_path(path).name)
        return None
    if stored[0] != actual:
        log.warning("the cache %s is damaged (expected sha256 %.12s..., got %.12s... over "
                    "%d bytes); rebuilding it", path, stored[0], actual, len(data))
        return None
    return data


def write_cached(path: str | os.PathLike, data: bytes) -> bool:
    """Store `data` at `path` and its SHA-256 beside it, each written atomically.

    The hash goes last, so a crash in between leaves a file that `read_cached` rejects and
    the next run rebuilds. A cache that cannot be written (read-only home, full disk) is
    only a warning: returns False, and the caller goes on without it.
    """
    path = Path(path)
    try:
        atomic_write_bytes(path, data)
        atomic_write_text(hash_path(path), f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")
    except OSError as exc:
        log.warning("could not write the cache %s (%s)", path, exc.strerror or exc)
        return False
    return True
