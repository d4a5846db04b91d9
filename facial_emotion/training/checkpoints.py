"""A run folder's checkpoints, committed once per epoch so that a kill at any moment resumes
exactly.

Every epoch saves its full state (weights and optimizer) as `checkpoints/epoch_NNN.keras`,
appends its row to `log.csv`, and then commits by atomically replacing `state.json`, the
manifest that names the last epoch, the best one so far and the snapshots kept for weight
averaging. Only after the commit are files that the manifest no longer names deleted. A run
killed before the commit resumes from the previous manifest, whose files all still exist;
the unnamed leftovers and the extra log rows are cleared on the next start.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from pathlib import Path

import keras

from ..errors import RunError
from ..files import atomic_write_text, remove_stale_temp_files
from ..model import load_classifier, save_atomically

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
LOG_FILE = "log.csv"
LOG_FIELDS = ("epoch", "accuracy", "loss", "val_accuracy", "val_loss", "learning_rate")


class RunCheckpoints(keras.callbacks.Callback):
    """Keras callback that keeps a run folder's checkpoints, log and manifest.

    `snapshot_after`: epochs after this one are kept for weight averaging (None keeps none).
    """

    def __init__(self, run_dir: Path, monitor: str = "val_accuracy",
                 snapshot_after: int | None = None):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.monitor = monitor
        self.snapshot_after = snapshot_after
        self.best = float("-inf")
        self.best_epoch = 0
        self.epochs_done = 0
        self.seconds = 0.0  # training wall time over every session of this run
        self.data_hash = None  # FER2013.content_hash() of the data the run trains on
        self._epoch_started = None

    @classmethod
    def for_run(cls, run_dir: Path, epochs: int, swa_epochs: int) -> "RunCheckpoints":
        """The checkpoints of a run of `epochs` epochs that keeps its last `swa_epochs` for
        weight averaging (0 keeps none)."""
        return cls(run_dir, snapshot_after=epochs - swa_epochs if swa_epochs else None)

    # -- paths -----------------------------------------------------------------------------
    def epoch_path(self, epoch: int) -> Path:
        return self.run_dir / "checkpoints" / f"epoch_{epoch:03d}.keras"

    @property
    def best_path(self) -> Path:
        return self.epoch_path(self.best_epoch)

    @property
    def last_path(self) -> Path:
        return self.epoch_path(self.epochs_done)

    @property
    def state_path(self) -> Path:
        return self.run_dir / STATE_FILE

    @property
    def log_path(self) -> Path:
        return self.run_dir / LOG_FILE

    def snapshots(self, last: int) -> dict[int, Path]:
        """{epoch: path} for the kept snapshots among the run's final `last` epochs.

        Only files that exist: a run whose --swa-epochs grew after those epochs were trained
        has fewer snapshots than asked for.
        """
        epochs = range(max(self.epochs_done - last, 0) + 1, self.epochs_done + 1)
        paths = {n: self.epoch_path(n) for n in epochs if self._keeps_snapshot(n)}
        return {n: path for n, path in paths.items() if path.is_file()}

    def _keeps_snapshot(self, epoch: int) -> bool:
        return self.snapshot_after is not None and epoch > self.snapshot_after

    # -- resuming --------------------------------------------------------------------------
    def read_state(self, clean: bool = True) -> None:
        """Load the committed epoch, best score and training time from state.json, and (if
        `clean`) clear whatever a killed process left after that commit. Only the process
        that trains the run may clean: a reader (an analysis script) must pass clean=False."""
        if not self.state_path.is_file():
            raise RunError(f"nothing to resume in {self.run_dir}: it has no {STATE_FILE}, so no "
                           f"epoch finished; start the run again with --overwrite")
        try:
            state = json.loads(self.state_path.read_text())
            self.epochs_done, self.best = int(state["epochs_done"]), float(state["best"])
            self.best_epoch = int(state["best_epoch"])
            self.seconds = float(state.get("seconds", 0.0))
            self.data_hash = state.get("data_sha256")
            if not 1 <= self.best_epoch <= self.epochs_done:
                raise ValueError("epochs out of range")
        except (ValueError, KeyError, TypeError):
            raise RunError(f"{self.state_path} is damaged: restore it, or start the run again "
                           f"with --overwrite") from None
        for path in (self.last_path, self.best_path):
            if not path.is_file():
                raise RunError(f"{self.state_path} names {path.relative_to(self.run_dir)}, "
                               f"which is missing: restore it, or start again with --overwrite")
        if clean:
            self._clear_uncommitted()

    def restore(self, optimizer: str | None = None) -> keras.Model:
        """The committed last epoch's model, optimizer state included (after `read_state`).

        optimizer: the run's optimizer by name ("sgd", "adam"); a checkpoint without
        optimizer state, or with another optimizer's (a config.json edited to switch it),
        raises RunError: resuming would silently restart the optimizer from nothing.
        """
        if not self.epochs_done:
            self.read_state()
        fix = "the run cannot resume from it: restore it, or start again with --overwrite"
        try:
            model = load_classifier(self.last_path, compile=True)
        except ValueError as exc:
            raise RunError(f"{exc}; {fix}") from None
        saved = getattr(model, "optimizer", None)
        if saved is None or not saved.variables:
            raise RunError(f"{self.last_path} holds no optimizer state (a model saved without "
                           f"it, not a checkpoint); {fix}")
        trained_with = type(saved).__name__.lower()
        if optimizer is not None and trained_with != optimizer.lower():
            raise RunError(f"{self.last_path} was trained with optimizer {trained_with!r}, "
                           f"but {self.run_dir / 'config.json'} says {optimizer!r}: a resumed "
                           f"run keeps its optimizer; put {trained_with!r} back in "
                           f"config.json, or start a new run")
        return model

    def committed_epoch(self) -> int:
        """The epoch state.json names now, read from disk: after an interruption the file,
        not this object, says what was saved."""
        try:
            return int(json.loads(self.state_path.read_text())["epochs_done"])
        except (OSError, ValueError, KeyError, TypeError):
            return self.epochs_done

    def _clear_uncommitted(self) -> None:
        keep = self._kept_files()
        folder = self.run_dir / "checkpoints"
        for path in folder.glob("epoch_*.keras") if folder.is_dir() else ():
            if path not in keep:
                path.unlink()
        for folder in (self.run_dir, self.run_dir / "checkpoints"):
            if folder.is_dir():
                remove_stale_temp_files(folder)
        self._truncate_log()

    def _truncate_log(self) -> None:
        """Drop log rows of epochs after the committed one (written before a kill), and any
        row or header that a kill cut short."""
        if not self.log_path.is_file():
            return
        with open(self.log_path, newline="") as f:
            text = f.read()
        reader = csv.DictReader(text.splitlines())
        rows = list(reader)
        kept = [r for r in rows if (r.get("epoch") or "").isdigit()
                and int(r["epoch"]) <= self.epochs_done]
        if (len(kept) != len(rows) or tuple(reader.fieldnames or ()) != LOG_FIELDS
                or not text.endswith("\n")):
            self._write_log(kept)

    def _write_log(self, rows) -> None:
        lines = [",".join(LOG_FIELDS)] + [",".join(r.get(k) or "" for k in LOG_FIELDS)
                                          for r in rows]
        atomic_write_text(self.log_path, "\n".join(lines) + "\n")

    def check_data(self, data_hash: str, source: str) -> None:
        """Adopt `data_hash` for a new run; for a resumed one, refuse data that differs."""
        if self.data_hash and self.data_hash != data_hash:
            raise RunError(f"{source} holds different data from the data this run was trained "
                           f"on (content hashes differ): resume with the original data, or "
                           f"start a new run")
        self.data_hash = data_hash

    # -- each epoch ------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        epochs_done = epoch + 1
        seconds = self.seconds + time.perf_counter() - self._epoch_started
        save_atomically(self.model, self.epoch_path(epochs_done))
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(
            self.model.optimizer.learning_rate))
        self._append_log(epochs_done, logs)
        value = logs.get(self.monitor)
        best, best_epoch = self.best, self.best_epoch
        if value is not None and value > best:
            log.info("epoch %d: %s improved from %.4f to %.4f", epochs_done, self.monitor,
                     best, value)
            best, best_epoch = float(value), epochs_done
        elif not best_epoch:  # no score yet (NaN): the manifest must still name a best file
            best_epoch = epochs_done
        self._commit(epochs_done, best, best_epoch, seconds)

    def _append_log(self, epoch: int, logs: dict) -> None:
        new = not self.log_path.is_file() or self.log_path.stat().st_size == 0
        with open(self.log_path, "a", newline="") as f:
            if new:
                f.write(",".join(LOG_FIELDS) + "\n")
            f.write(",".join(str(epoch) if k == "epoch" else _number(logs.get(k))
                             for k in LOG_FIELDS) + "\n")

    def _commit(self, epochs_done: int, best: float, best_epoch: int, seconds: float) -> None:
        """Atomically make `epochs_done` the run's state, then delete what it no longer names."""
        previous = self._kept_files()
        atomic_write_text(self.state_path, json.dumps({
            "epochs_done": epochs_done, "best": best, "best_epoch": best_epoch,
            "monitor": self.monitor, "seconds": round(seconds, 1),
            "data_sha256": self.data_hash}) + "\n")
        self.epochs_done, self.best, self.best_epoch, self.seconds = (
            epochs_done, best, best_epoch, seconds)
        for path in previous - self._kept_files():
            path.unlink(missing_ok=True)

    def _kept_files(self) -> set[Path]:
        if not self.epochs_done:
            return set()
        kept = {self.last_path, self.best_path}
        kept.update(self.epoch_path(n) for n in range(1, self.epochs_done + 1)
                    if self._keeps_snapshot(n))
        return kept


def _number(value) -> str:
    return "" if value is None else f"{float(value):.6g}"
