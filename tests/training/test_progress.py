"""EpochProgress: a bar inside each epoch on a terminal, one log line per epoch anywhere."""

from __future__ import annotations

import io
import logging

import pytest

from facial_emotion.training.progress import EpochProgress

LOGS = {"loss": 1.25, "accuracy": 0.5, "val_loss": 1.5, "val_accuracy": 0.375}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_epochs(progress: EpochProgress, epochs: int, steps: int) -> None:
    for epoch in range(epochs):
        progress.on_epoch_begin(epoch)
        for step in range(steps):
            progress.on_train_batch_end(step, {"loss": 1.0, "accuracy": 0.5})
        progress.on_epoch_end(epoch, LOGS)
    progress.on_train_end()


@pytest.mark.parametrize("stream, bar", [(Terminal(), True), (io.StringIO(), False)],
                         ids=["terminal", "pipe or file"])
def test_bar_on_a_terminal_and_one_line_per_epoch_everywhere(stream, bar, caplog):
    with caplog.at_level(logging.INFO, logger="facial_emotion.training.progress"):
        run_epochs(EpochProgress(steps=12, epochs=2, stream=stream, refresh_seconds=0),
                   epochs=2, steps=12)

    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2") and lines[1].startswith("epoch 2/2")
    assert "loss 1.2500" in lines[0] and "PublicTest accuracy 0.3750" in lines[0]
    shown = stream.getvalue()
    if bar:
        assert "epoch 1/2" in shown and "12/12" in shown and "loss=1.000" in shown
    else:
        assert shown == ""
