"""Costly test objects built once per test run, also when pytest-xdist runs it in several
processes: the first process that asks builds the object in a folder they all can read, and the
others wait for it and reuse it.

Only for objects the tests read: a test that changes one works on a copy.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def run_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This test run's own temp folder: under pytest-xdist the parent of the workers' base
    temp folders, else the base temp folder itself. Never one that another run of pytest (a
    second checkout, say) may be using at the same time."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], object]) -> Path:
    """The folder `name` in this run's temp folder, filled by `build(folder)` in the first
    process that asks for it. A build that raises leaves no mark, so the next one tries again."""
    folder = run_temp(tmp_path_factory) / name
    done = folder.with_name(f"{name}.built")
    with open(folder.with_name(f"{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the file closes
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder
