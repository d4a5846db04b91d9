"""Writing files so that a crash, a kill or a full disk never leaves half of one behind."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without error, the file
    written there is flushed to disk and renamed over `path` in one step.

    On any error (a full disk included) the temporary file is removed and `path` is left as
    it was. Temporary files start with ".tmp-", so `remove_stale_temp_files` can clear the
    ones a killed process left.
    """
    path = Path(path)
    with _naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{path.stem}-",
                                   suffix=suffix if suffix is not None else path.suffix)
        os.close(fd)
    tmp = Path(tmp)
    try:
        with _naming(path):
            yield tmp
            os.chmod(tmp, 0o644)  # mkstemp makes it private; our outputs are meant to be shared
            _fsync(tmp)
            os.replace(tmp, path)
        _fsync(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Re-raise an OSError about the hidden temporary file (or about no file) as one about
    `path`, the file the caller asked for, with the same errno and cause (strerror)."""
    try:
        yield
    except OSError as exc:
        if exc.filename == str(path):
            raise
        raise OSError(exc.errno, exc.strerror or str(exc) or type(exc).__name__,
                      str(path)) from exc


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(text)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)


def remove_stale_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that an interrupted `atomic_write` left in `folder`."""
    stale = [p for p in Path(folder).glob(f"{TEMP_PREFIX}*") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename is still atomic
    finally:
        os.close(fd)
