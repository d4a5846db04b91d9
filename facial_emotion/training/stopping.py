"""Stopping a training run cleanly: on Ctrl-C or SIGTERM after the current step, and at once
when the loss stops being a number.

Python runs a signal handler only between bytecodes, and KeyboardInterrupt raised deep in
Keras' loop unwinds TensorFlow's iterators first, so a bare Ctrl-C could take many seconds to
show any sign of life. Here the first Ctrl-C (or SIGTERM) logs at once that the run is
stopping, the current step finishes, and the interrupt is raised between two steps; the
half-trained epoch is dropped and the last committed one kept. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import threading
from collections.abc import Iterator

import keras

from ..errors import RunError, Terminated

log = logging.getLogger(__name__)


class StopRequests(keras.callbacks.Callback):
    """Keras callback that turns a Ctrl-C or SIGTERM received during `fit` into
    KeyboardInterrupt (Terminated for SIGTERM) at the end of the step in progress.

    Use `with stop.catching_signals():` around `fit`; outside it the callback does nothing.
    """

    def __init__(self):
        super().__init__()
        self.requested: KeyboardInterrupt | None = None

    def _handle(self, signum, frame):
        if self.requested is not None:  # the second one: no more waiting
            raise self.requested
        self.requested = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
        log.warning("%s: stopping after the current step (the epoch in progress is dropped, "
                    "the last finished one kept); press Ctrl-C again to stop now",
                    "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C")

    @contextlib.contextmanager
    def catching_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _stop_if_asked(self, *args, **kwargs):
        if self.requested is not None:
            raise self.requested

    on_train_batch_end = on_test_batch_end = on_epoch_begin = _stop_if_asked


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raise RunError as soon as the training loss is NaN or infinite, before the epoch can
    end: the epoch is then never committed, so the run keeps its last good epoch and ships
    nothing. (Keras' own TerminateOnNaN lets the epoch end, and be saved, first.)"""

    def __init__(self, committed_epoch):
        super().__init__()
        self.committed_epoch = committed_epoch  # () -> the epoch state.json names now
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        kept = self.committed_epoch()
        raise RunError(f"training diverged: the loss became {float(loss)} in epoch "
                       f"{self._epoch}, step {batch + 1}; lower --lr (or --batch-size). "
                       + (f"Epoch {kept} is the last one saved; no model was shipped"
                          if kept else "No epoch was saved and no model shipped"))
