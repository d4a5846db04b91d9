"""What every output file shares: a checked target, a temporary file beside it that becomes
the target only when the run ends well, and the rule that no output replaces an input.

An output is written to a hidden temporary file (".tmp-NAME-facial_emotion-PID-XXXX.ext",
see files.py) in the target's folder and renamed over the target in one step at the end, so
a full disk, a crash or an error never leaves half a file under the name the user asked for,
and an existing file keeps its old content until the new one is complete. A symbolic link
is followed and stays a link. What is not a regular file (/dev/null, /dev/stdout, a FIFO) is
written in place: replacing it would turn a device into a file or strand a FIFO's reader.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import OutputError, SourceError
from ..files import atomic_write, writes_through


def checked_target(path: str | os.PathLike) -> Path:
    """`path` if a file can be created there, else an OutputError (a SourceError) that says
    why not."""
    path = Path(path)
    if writes_through(path):
        if not os.access(path, os.W_OK):
            raise OutputError(f"cannot write {path}: it is not writable")
        return path
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; expected a file name")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: its folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: its folder {folder} is not writable")
    return path


def write_error(path: Path, exc: OSError) -> OutputError:
    """One line naming the target (not the temporary file) and the cause."""
    return OutputError(f"cannot write {path}: {exc.strerror or exc}")


class _Discarded(Exception):
    """Thrown into atomic_write to make it delete its temporary file instead of renaming it."""


class PendingFile:
    """A temporary file beside `path`: `commit()` renames it over `path`, `discard()`
    deletes it. Either may be called more than once; only the first counts.

    Errors in commit (a full disk when flushing to it, a folder made read-only) raise a
    SourceError naming `path`, and the temporary file is gone. `in_place`: `path` is a
    stream or device (see files.writes_through) and `tmp` is `path` itself, which a discard
    cannot take back.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = checked_target(path)
        self.in_place = writes_through(self.path)
        self._stack = contextlib.ExitStack()
        try:
            self.tmp: Path = self._stack.enter_context(atomic_write(self.path))
        except OSError as exc:
            raise write_error(self.path, exc) from None

    def commit(self) -> None:
        try:
            self._stack.close()
        except OSError as exc:
            raise write_error(self.path, exc) from None

    def discard(self) -> None:
        self._stack.__exit__(_Discarded, _Discarded(), None)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file: after following symbolic links, or as hard links."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return False


def check_distinct(outputs: dict[str, os.PathLike], inputs: dict[str, os.PathLike]) -> None:
    """Refuse outputs that would replace an input or each other.

    outputs, inputs: {what it is, e.g. "--csv" or "the source": path}. Raises a SourceError
    naming both for the first clash: an output is an input (also through a symbolic or hard
    link), or two outputs are the same file.
    """
    seen: list[tuple[str, os.PathLike]] = []
    for name, path in outputs.items():
        for input_name, input_path in inputs.items():
            if same_file(path, input_path):
                raise SourceError(f"{name} {path} is {input_name} ({input_path}); an output "
                                  "never replaces an input: choose another file")
        for other_name, other_path in seen:
            if same_file(path, other_path):
                raise SourceError(f"{other_name} and {name} name the same file ({path}); "
                                  "give each output its own file")
        seen.append((name, path))
