"""The run folder's checkpoints: the best model by validation accuracy, the last epoch's full
state (weights, optimizer, epoch number) for --resume, and the final epochs' snapshots for
weight averaging. Every write is atomic."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import keras

from ..errors import ModelError
from ..model import load_classifier, save_atomically

log = logging.getLogger(__name__)


class RunCheckpoints(keras.callbacks.Callback):
    """Keras callback that keeps `best.keras`, `last.keras` and `state.json` in `run_dir`,
    and `snapshots/epoch_NNN.keras` for every epoch after `snapshot_after`."""

    def __init__(self, run_dir: Path, monitor: str = "val_accuracy",
                 snapshot_after: int | None = None):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.monitor = monitor
        self.snapshot_after = snapshot_after
        self.best = float("-inf")
        self.epochs_done = 0
        self.seconds = 0.0  # training wall time over every session of this run
        self._epoch_started = None

    @property
    def best_path(self) -> Path:
        return self.run_dir / "best.keras"

    @property
    def last_path(self) -> Path:
        return self.run_dir / "last.keras"

    @property
    def state_path(self) -> Path:
        return self.run_dir / "state.json"

    def snapshot_path(self, epoch: int) -> Path:
        return self.run_dir / "snapshots" / f"epoch_{epoch:03d}.keras"

    def snapshots(self, last: int) -> dict[int, Path]:
        """{epoch: path} for the snapshots of the run's final `last` epochs that exist."""
        epochs = range(max(self.epochs_done - last, 0) + 1, self.epochs_done + 1)
        return {n: self.snapshot_path(n) for n in epochs if self.snapshot_path(n).is_file()}

    def restore(self) -> keras.Model:
        """Reload the last checkpoint, optimizer state included, and the epoch count."""
        if not self.last_path.is_file():
            raise ModelError(f"nothing to resume in {self.run_dir}: expected {self.last_path.name}")
        self.read_state()
        return load_classifier(self.last_path, compile=True)

    def read_state(self) -> None:
        """Load the epoch count, best score and training time from state.json."""
        if not self.state_path.is_file():
            raise ModelError(f"nothing to resume in {self.run_dir}: expected {self.state_path.name}")
        state = json.loads(self.state_path.read_text())
        self.epochs_done, self.best = state["epochs_done"], state["best"]
        self.seconds = state.get("seconds", 0.0)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1
        self.seconds += time.perf_counter() - self._epoch_started
        value = (logs or {}).get(self.monitor)
        if value is not None and value > self.best:
            log.info("epoch %d: %s improved from %.4f to %.4f, saving %s",
                     epoch + 1, self.monitor, self.best, value, self.best_path)
            self.best = float(value)
            save_atomically(self.model, self.best_path)
        if self.snapshot_after is not None and self.epochs_done > self.snapshot_after:
            save_atomically(self.model, self.snapshot_path(self.epochs_done))
        self.save_last()

    def save_last(self) -> None:
        save_atomically(self.model, self.last_path)
        tmp = self.state_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"epochs_done": self.epochs_done, "best": self.best,
                                   "monitor": self.monitor,
                                   "seconds": round(self.seconds, 1)}) + "\n")
        os.replace(tmp, self.state_path)
