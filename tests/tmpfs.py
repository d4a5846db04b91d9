"""A full disk for tests: a tiny tmpfs mounted on a folder, filled to the last byte.

Mounting needs root (CAP_SYS_ADMIN) on Linux; where that is impossible the test skips.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FILLER = "filler.bin"


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "64k", fill: bool = True):
    """Mount a `size` tmpfs on `folder` (created), fill it (unless not `fill`), yield it;
    unmount afterwards.

    Everything but FILLER that is left in the folder at the end is what the test wrote.
    Skips the test where mounting is impossible.
    """
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        with open(folder / FILLER, "wb", buffering=0) as filler:
            try:
                while fill:
                    filler.write(b"\0" * 4096)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def left_behind(folder: Path) -> list[str]:
    """What is in `folder` besides the filler, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir() if p.name != FILLER)
