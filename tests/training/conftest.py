"""A short training run shared by the training tests, and helpers to read a run folder.

The run is one epoch on a few hundred synthetic faces (see tests/conftest.py), trained once
per session through the CLI; tests that change a run work on a copy of it.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.once import built_once

# 4 steps of batch 32 per epoch: 3 full batches and a short one, so both shapes are traced.
COUNTS = {"Training": 7 * 16, "PublicTest": 7 * 4, "PrivateTest": 7 * 4}
BATCH = 32
STEPS = 4
SEED = 7


@dataclass(frozen=True)
class Run:
    folder: Path  # a finished one-epoch run; copy it before changing it
    data: Path    # its fer2013.csv

    def copy(self, to: Path) -> Path:
        return shutil.copytree(self.folder, to)


def read_log(run_dir: Path) -> list[dict]:
    with open(run_dir / "log.csv", newline="") as f:
        return list(csv.DictReader(f))


def read_state(run_dir: Path) -> dict:
    return json.loads((run_dir / "state.json").read_text())


def temp_files(run_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob(".tmp-*"))


def train_args(data: Path, out: Path, epochs: int = 1, *more: str) -> list[str]:
    """A new run's options. One warm-up epoch, so that a longer run (resumed with --epochs)
    has a cosine part whose length changes; label weight 1, as the synthetic faces have no
    FER+ votes."""
    return ["--data", str(data), "--out", str(out), "--epochs", str(epochs),
            "--batch-size", str(BATCH), "--seed", str(SEED), "--swa-epochs", "0",
            "--warmup-epochs", "1", "--label-weight", "1", *more]


@pytest.fixture(scope="session")
def one_epoch_run(tmp_path_factory, fer_csv, fer_rows, logging_restored) -> Run:
    """Train one epoch through the CLI, in-process, once per test run (tests/once.py: the
    pytest-xdist workers share it); the dataset cache goes to tmp."""
    from facial_emotion.cli.train import main

    def train(root: Path) -> None:
        data = fer_csv(root / "fer2013.csv", fer_rows(COUNTS))
        with pytest.MonkeyPatch.context() as mp, logging_restored():
            mp.setenv("XDG_CACHE_HOME", str(root / "xdg-cache"))
            assert main(train_args(data, root / "run")) == 0
        assert list((root / "xdg-cache" / "facial_emotion").glob("*.npz"))  # the cache: tmp

    root = built_once(tmp_path_factory, "one_epoch", train)
    return Run(root / "run", root / "fer2013.csv")
