"""Writing files so that a crash, a kill or a full disk never leaves half of one behind."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
# Every temporary file this tool makes is named ".tmp-STEM-facial_emotion-PID-XXXXXXXX.EXT":
# the marker says it is ours (a user's own ".tmp-notes" is never touched), and PID names
# the process writing it, so a later run can tell a dead writer's leftover from a file that
# a live run (another video, a training next door) is still writing.
TEMP_MARKER = "facial_emotion"
_OURS = re.compile(rf"{re.escape(TEMP_PREFIX)}.*-{TEMP_MARKER}-(\d+)-[a-z0-9_]{{8}}")
# Names that stand for a stream, not a file to replace: a device, or this process's stdout
# (which may be a redirected regular file, found through /proc/self/fd).
_STREAM_FOLDERS = ("/dev/", "/proc/")


def temp_prefix(stem: str, pid: int | None = None) -> str:
    """The start of the name of a temporary file for `stem`, written by process `pid`."""
    return f"{TEMP_PREFIX}{stem}-{TEMP_MARKER}-{os.getpid() if pid is None else pid}-"


def writes_through(path: str | os.PathLike) -> bool:
    """Whether `path` is written in place rather than replaced: anything but a regular file
    or a new name (a character device such as /dev/null, a FIFO, a socket), and every name
    under /dev or /proc (/dev/stdout). Replacing those would turn a device into a file, or
    leave a FIFO's reader waiting forever."""
    if str(path).startswith(_STREAM_FOLDERS):
        return True
    try:
        mode = os.stat(path).st_mode  # follows symbolic links
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_target(path: str | os.PathLike) -> Path:
    """The file a write to `path` lands in: a symbolic link is followed (so it stays a link,
    to new content), anything else is `path` itself."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without error, the file
    written there is flushed to disk and renamed over `path` in one step.

    On any error (a full disk included) the temporary file is removed and `path` is left as
    it was. A symbolic link is followed: its target is replaced and the link stays. A path
    that `writes_through` (/dev/null, /dev/stdout, a FIFO) is yielded as it is and written
    in place, since it cannot be half-written as a file can. Leftovers of writers that died
    (see `remove_stale_temp_files`) are cleared from the folder first.
    """
    if writes_through(path):
        yield Path(path)
        return
    path = write_target(path)
    with _naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path.stem),
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
    """Delete the temporary files in `folder` that an `atomic_write` of this tool left when
    its process was killed: those with our marker whose writer is gone. Files without the
    marker are not ours, and those of a live process are still being written."""
    stale = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return stale
    for entry in entries:
        match = _OURS.match(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not _alive(int(match[1])):
            Path(entry.path).unlink(missing_ok=True)
            log.info("removed %s, left by process %s, which was stopped while writing it",
                     entry.path, match[1])
            stale.append(Path(entry.path))
    return stale


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process: leave its file alone
    return True


def archive_size_problem(archive, limits: dict[str, int], other_limit: int,
                         max_members: int) -> str | None:
    """Why the zip `archive` (a path or a binary file: a .keras model, an .npz) is too large
    inside, or None. Judged on the sizes its directory declares, so nothing is inflated (and
    zipfile never inflates a member past its declared size).

    limits: {member name: most bytes}; other_limit for members not named there.
    """
    try:
        with zipfile.ZipFile(archive) as opened:
            members = opened.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        return f"a damaged zip archive ({exc})"
    if len(members) > max_members:
        return f"expected at most {max_members} files in the archive, got {len(members)}"
    for member in members:
        limit = limits.get(member.filename, other_limit)
        if member.file_size > limit:
            return (f"expected {member.filename} to hold at most {limit / 2 ** 20:g} MiB, got "
                    f"{member.file_size / 2 ** 20:.1f} MiB once inflated")
    return None


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
