"""The run folder as a whole: one training at a time, and no finished run overwritten by
accident."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import RunError
from ..files import remove_stale_temp_files

log = logging.getLogger(__name__)

LOCK_FILE = ".lock"
# Everything a run writes; --overwrite deletes these and nothing else in the folder.
RUN_FILES = ("config.json", "state.json", "log.csv", "checkpoints", "emotion_mini_xception.keras",
             "report.json", "confusion_matrix.png", "training_curves.png")


@contextlib.contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on `run_dir` while the block runs; RunError if another process
    holds it. The operating system drops the lock when its process dies, so a killed run
    never blocks the next one."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; run without one
        yield
        return
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        f = open(run_dir / LOCK_FILE, "a+")
    except OSError as exc:  # a read-only or full filesystem, a file in the way
        raise _cannot_write(run_dir, exc) from exc
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise RunError(f"{run_dir} is in use by {holder}: wait for it to finish, or "
                           f"pick another --out") from None
        try:
            f.seek(0)
            f.truncate()
            f.write(f"process {os.getpid()}\n")  # for the message above, in another process
            f.flush()
        except OSError as exc:
            raise _cannot_write(run_dir, exc) from exc
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                f.truncate(0)


def _cannot_write(run_dir: Path, exc: OSError) -> OSError:
    return OSError(exc.errno, f"cannot write there ({exc.strerror or exc})", str(run_dir))


def prepare_new_run(run_dir: Path, overwrite: bool) -> None:
    """Make sure a new run may write `run_dir`: refuse one holding a run unless `overwrite`,
    which deletes that run's files (and only those)."""
    for path in remove_stale_temp_files(run_dir):
        log.info("removed %s, left by an interrupted save", path)
    existing = [name for name in RUN_FILES if (run_dir / name).exists()]
    if not existing:
        return
    if not overwrite:
        raise RunError(f"{run_dir} already holds a run ({', '.join(existing)}): continue it "
                       f"with --resume, replace it with --overwrite, or pick another --out")
    log.warning("--overwrite: deleting the run in %s", run_dir)
    for name in existing:
        path = run_dir / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
