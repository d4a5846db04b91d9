"""Run train_emotion_classifier.py's main() and SIGKILL this process at one write point of one
epoch's commit, as a power cut or `kill -9` would. Used by test_crash_consistency.py.

    python tests/training/kill_driver.py POINT EPOCH -- ARGV...

POINT is one of WRITE_POINTS, in the order an epoch's commit reaches them.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

WRITE_POINTS = (
    "checkpoint begun",        # the temporary file of epoch_NNN.keras exists, still empty
    "checkpoint written",      # epoch_NNN.keras is in place, nothing else of the epoch
    "log row cut short",       # half of the epoch's log.csv row is on disk
    "log row written",         # the whole row, but state.json still names the epoch before
    "state written",           # the new state.json is written to its temporary file only
    "state replaced",          # the commit: state.json names the epoch; old files not yet deleted
)


def kill() -> None:
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str, epoch: int) -> None:
    import keras

    from facial_emotion.training import checkpoints

    name = f"epoch_{epoch:03d}"
    real_save, real_replace = keras.Model.save, os.replace
    real_append = checkpoints.RunCheckpoints._append_log

    def save(model, filepath, *args, **kwargs):
        if point == "checkpoint begun" and Path(filepath).name.startswith(f".tmp-{name}-"):
            kill()
        return real_save(model, filepath, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        dst = Path(dst)
        ours = (dst.name == f"{name}.keras" or dst.name == checkpoints.STATE_FILE
                and json.loads(Path(src).read_text())["epochs_done"] == epoch)
        if ours and point == "state written" and dst.name == checkpoints.STATE_FILE:
            kill()
        real_replace(src, dst, *args, **kwargs)
        if ours and (point == "checkpoint written" and dst.suffix == ".keras"
                     or point == "state replaced" and dst.name == checkpoints.STATE_FILE):
            kill()

    def append_log(self, n, logs):
        if n == epoch and point == "log row cut short":
            with open(self.log_path, "a") as f:
                f.write(f"{n},0.12")
            kill()
        real_append(self, n, logs)
        if n == epoch and point == "log row written":
            kill()

    keras.Model.save = save
    os.replace = replace
    checkpoints.RunCheckpoints._append_log = append_log


def main() -> int:
    point, epoch, sep, *argv = sys.argv[1:]
    if point not in WRITE_POINTS or sep != "--":
        raise SystemExit(f"usage: {__doc__.splitlines()[3].strip()}")
    install(point, int(epoch))
    from facial_emotion.cli.train import main as train_main

    return train_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
