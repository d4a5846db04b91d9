"""The run folder as a whole: one training at a time, no finished run overwritten by
accident, and nothing deleted or left behind that is not the run's."""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import RunError
from ..files import remove_stale_temp_files

log = logging.getLogger(__name__)

LOCK_FILE = ".lock"
CONFIG_FILE = "config.json"
CHECKPOINTS = "checkpoints"
# Every name a run writes at the top of its folder. Only a folder whose config.json is this
# tool's holds a run; --overwrite deletes these and the checkpoints it wrote, nothing else.
RUN_FILES = (CONFIG_FILE, "state.json", "log.csv", CHECKPOINTS, "emotion_mini_xception.keras",
             "report.json", "confusion_matrix.png", "training_curves.png")
CHECKPOINT_NAME = re.compile(r"epoch_\d{3,}\.keras")  # see RunCheckpoints.epoch_path


def check_out(out: str | os.PathLike, data: str | os.PathLike | None = None) -> None:
    """Refuse an --out that no run should write: the root of the filesystem, or a folder in
    (or equal to) the dataset's folder, whose new files would make the dataset unreadable
    (a stray folder in train/ is read as a class)."""
    path = Path(out).resolve()
    if path == Path(path.anchor):
        raise RunError(f"--out {out} is the root of the filesystem: expected a folder of its "
                       f"own for the run, e.g. runs/exp1")
    if data is not None and Path(data).is_dir():
        folder = Path(data).resolve()
        if path == folder or folder in path.parents:
            raise RunError(f"--out {out} is inside the dataset's folder {data}, where the run's "
                           f"files would be read as data: pick an --out outside it")
    elif data is not None and Path(data).resolve() in {path / name for name in RUN_FILES}:
        raise RunError(f"--data {data} is a file that a run writes in --out {out}: move the "
                       f"data, or pick another --out")


@contextlib.contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on `run_dir` while the block runs; RunError if another process
    holds it. The operating system drops the lock when its process dies, so a killed run
    never blocks the next one.

    The lock file goes when the block ends, and so do the folders made for it if they are
    still empty: a refused or failed run leaves no `.lock` and no empty folder behind.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; run without one
        yield
        return
    created = _missing_folders(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        f = _acquire(run_dir, fcntl)
    except OSError as exc:  # a read-only or full filesystem, a file in the way
        _remove_empty(created)
        raise _cannot_write(run_dir, exc) from exc
    except BaseException:
        _remove_empty(created)
        raise
    with f:
        try:
            try:
                f.seek(0)
                f.truncate()
                f.write(f"process {os.getpid()}\n")  # for the message above, in another process
                f.flush()
            except OSError as exc:
                raise _cannot_write(run_dir, exc) from exc
            yield
        finally:
            # Unlinked while still held: a process that opened it meanwhile finds it gone
            # (see _acquire) rather than locking a file nobody else can see.
            with contextlib.suppress(OSError):
                (run_dir / LOCK_FILE).unlink()
            _remove_empty(created)


def _acquire(run_dir: Path, fcntl):
    """The open lock file, locked; RunError naming the holder if another process has it."""
    path = run_dir / LOCK_FILE
    while True:
        f = open(path, "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise RunError(f"{run_dir} is in use by {holder}: wait for it to finish, or "
                           f"pick another --out") from None
        try:
            if os.path.samestat(os.fstat(f.fileno()), os.stat(path)):
                return f
        except FileNotFoundError:
            pass
        f.close()  # the holder removed it as we opened it: lock the new one


def _missing_folders(run_dir: Path) -> list[Path]:
    """`run_dir` and those of its parents that do not exist yet, deepest first."""
    missing = []
    for folder in (run_dir, *run_dir.parents):
        if folder.exists():
            break
        missing.append(folder)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        try:
            folder.rmdir()
        except OSError:  # not empty (the run wrote there), or already gone
            return


def _cannot_write(run_dir: Path, exc: OSError) -> OSError:
    return OSError(exc.errno, f"cannot write there ({exc.strerror or exc})", str(run_dir))


def run_files(run_dir: Path) -> tuple[list[Path], list[Path]]:
    """(the files of the run in `run_dir`, the files among RUN_FILES' names that are not).

    A run's files are those it wrote: its names at the top of the folder, provided its
    config.json is this tool's (a run writes that before anything else), and in
    checkpoints/ its epoch_NNN.keras files and its own temporary files. Anything else there
    (a user's config.json, checkpoints/resnet50_final.pt) is not the run's.
    """
    from .config import TrainConfig

    present = [run_dir / name for name in RUN_FILES if (run_dir / name).exists()]
    try:
        TrainConfig.load(run_dir / CONFIG_FILE)
    except RunError:
        return [], present  # not a run of this tool, or one whose settings were edited away
    owned, foreign = [], []
    for path in present:
        if path.name != CHECKPOINTS:
            (owned if path.is_file() else foreign).append(path)
            continue
        if not path.is_dir():
            foreign.append(path)
            continue
        for entry in sorted(path.iterdir()):
            ours = CHECKPOINT_NAME.fullmatch(entry.name) and entry.is_file()
            (owned if ours else foreign).append(entry)
    return owned, foreign


def delete_run(run_dir: Path) -> None:
    """Delete the run in `run_dir` and nothing else; RunError, with nothing deleted, if any
    file by a run's name is not the run's."""
    remove_stale_temp_files(run_dir / CHECKPOINTS)
    owned, foreign = run_files(run_dir)
    _refuse_foreign(run_dir, foreign)
    for path in owned:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        (run_dir / CHECKPOINTS).rmdir()


def check_new_run(run_dir: Path, overwrite: bool) -> bool:
    """Whether `run_dir` holds a run that a new one would replace; RunError if it may not:
    without `overwrite`, or with files under a run's names that the run did not write.
    Changes nothing, so the CLI can ask before it loads anything."""
    existing = [name for name in RUN_FILES if (run_dir / name).exists()]
    if not existing:
        return False
    if not overwrite:
        raise RunError(f"{run_dir} already holds a run ({', '.join(existing)}): continue it "
                       f"with --resume, replace it with --overwrite, or pick another --out")
    _refuse_foreign(run_dir, run_files(run_dir)[1])
    return True


def _refuse_foreign(run_dir: Path, foreign: list[Path]) -> None:
    if foreign:
        names = ", ".join(str(p.relative_to(run_dir)) for p in foreign[:5])
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        raise RunError(f"{run_dir} holds files that its run did not write ({names}{more}); "
                       f"--overwrite deletes only a run's own files: move them, or pick "
                       f"another --out")


def prepare_new_run(run_dir: Path, overwrite: bool) -> None:
    """Make sure a new run may write `run_dir`: refuse one holding a run unless `overwrite`,
    which deletes that run's files (and only those)."""
    remove_stale_temp_files(run_dir)
    if check_new_run(run_dir, overwrite):
        delete_run(run_dir)
        log.warning("--overwrite: deleted the run in %s", run_dir)
