"""What a training run shows while it works: a progress bar inside each epoch, and one log
line per finished epoch."""

from __future__ import annotations

import logging
import sys
import time

import keras
from tqdm.auto import tqdm

log = logging.getLogger(__name__)


class EpochProgress(keras.callbacks.Callback):
    """A tqdm bar over the batches of each epoch (on a terminal only) and an epoch summary line.

    On a pipe or a log file the bar is skipped, so logs stay one line per epoch. The bar is
    redrawn at most every `refresh_seconds`.
    """

    def __init__(self, steps: int, epochs: int, stream=None, refresh_seconds: float = 0.2):
        super().__init__()
        self.steps, self.epochs = steps, epochs
        self.stream = stream or sys.stderr
        self.refresh_seconds = refresh_seconds
        self._bar = None
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()
        self._bar = tqdm(total=self.steps, desc=f"epoch {epoch + 1}/{self.epochs}",
                         unit="batch", leave=False, file=self.stream,
                         disable=not _is_terminal(self.stream), dynamic_ncols=True,
                         mininterval=self.refresh_seconds)

    def on_train_batch_end(self, batch, logs=None):
        if logs and "loss" in logs and batch % 10 == 0:
            self._bar.set_postfix(loss=f"{float(logs['loss']):.3f}",
                                  acc=f"{float(logs.get('accuracy', 0)):.3f}", refresh=False)
        self._bar.update(1)
        if batch + 1 >= self.steps:
            # Gone before validation and the checkpoint's log lines, which would land on it.
            self._bar.close()

    def on_epoch_end(self, epoch, logs=None):
        self._bar.close()
        logs = logs or {}
        log.info("epoch %d/%d  %.0f s  loss %.4f  accuracy %.4f  PublicTest loss %.4f  "
                 "PublicTest accuracy %.4f", epoch + 1, self.epochs,
                 time.perf_counter() - self._started, logs.get("loss", float("nan")),
                 logs.get("accuracy", float("nan")), logs.get("val_loss", float("nan")),
                 logs.get("val_accuracy", float("nan")))

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
