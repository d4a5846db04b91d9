"""The resumable state of a batch: a hidden folder beside its first output file.

It holds `manifest.json` (the sources, the settings and the outputs of the batch) and one
`parts/NNNNNN.json` per source analysed to its end, written atomically (see files.py) as
soon as the source is done, so a batch killed at any moment (Ctrl-C, `kill -9`, a crash, a
full disk) leaves every finished source on disk. `--resume` reads them back instead of
analysing those sources again; a finished batch removes the folder.

A lock held while the batch runs keeps a second run off the same outputs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from ..errors import SourceError
from ..files import atomic_write_text
from .outcome import Outcome

log = logging.getLogger(__name__)

STATE_SUFFIX = ".facial_emotion-batch"


def _lock(fd: int) -> None:
    """Hold an advisory lock on `fd` (released when it is closed); BlockingIOError when
    another process holds it. Windows has no such locks: nothing is held there."""
    try:
        import fcntl
    except ImportError:
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def state_folder(anchor: Path) -> Path:
    """Where the state of a batch whose first output is `anchor` lives: beside it, hidden."""
    anchor = Path(os.path.abspath(anchor))
    return anchor.parent / f".{anchor.name}{STATE_SUFFIX}"


class BatchState:
    """Open with `BatchState.open(folder, manifest, resume)`; `save(outcome)` once a source
    is done, `done()` the indices stored, `load(index)`, and `remove()` when the batch is
    finished. `close()` lets go of the lock and keeps the folder."""

    def __init__(self, folder: Path, lock_fd: int):
        self.folder = folder
        self.parts = folder / "parts"
        self._lock_fd = lock_fd

    @classmethod
    def open(cls, folder: Path, manifest: dict, resume: bool) -> "BatchState":
        """The state in `folder` for a batch described by `manifest` (JSON-ready).

        Raises SourceError when an unfinished batch's state is there but `resume` is False
        (nothing of it is lost: the message says how to continue or start over), when the
        state there is of another batch (other sources, settings or outputs), and when
        another run holds it. A state without a finished source is started anew.
        """
        folder.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(lock_fd)
        except BlockingIOError:
            os.close(lock_fd)
            raise SourceError(f"another run is writing these outputs (its state is in "
                              f"{folder}); wait for it to end") from None
        state = cls(folder, lock_fd)
        try:
            # A batch stopped (kill -9) before it finished a source left nothing to lose.
            existed = (folder / "manifest.json").is_file() and bool(state.done())
            if existed and not resume:
                raise SourceError(f"an unfinished batch writes these outputs (its state is "
                                  f"in {folder}): add --resume to continue it, or delete "
                                  "that folder to start over")
            if existed:
                state._check(manifest)
            else:
                if resume:
                    log.info("nothing to resume for these outputs: the batch starts now")
                state.parts.mkdir(exist_ok=True)
                atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=1))
        except BaseException:
            state.close()
            raise
        return state

    def _check(self, manifest: dict) -> None:
        try:
            stored = json.loads((self.folder / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise SourceError(f"cannot resume: {self.folder / 'manifest.json'} is damaged "
                              f"({exc}); delete {self.folder} to start over") from None
        differ = [key for key in manifest if stored.get(key) != manifest[key]]
        if differ:
            raise SourceError(f"cannot resume: the unfinished batch in {self.folder} has other "
                              f"{', '.join(differ)}; run it as it was started, or delete "
                              "that folder to start over")
        self.parts.mkdir(exist_ok=True)

    def _part(self, index: int) -> Path:
        return self.parts / f"{index:06d}.json"

    def done(self) -> set[int]:
        """The indices of the sources stored as done."""
        return {int(p.stem) for p in self.parts.glob("[0-9]*.json") if p.stem.isdigit()}

    def save(self, outcome: Outcome) -> None:
        atomic_write_text(self._part(outcome.index), json.dumps(outcome.to_json()))

    def load(self, index: int) -> Outcome:
        path = self._part(index)
        try:
            return Outcome.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise SourceError(f"cannot resume: {path} is damaged ({exc}); delete "
                              f"{self.folder} to start over") from None

    def close(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = -1

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)
