"""Process helpers for the tests of temporary files left by killed runs."""

from __future__ import annotations

import subprocess
import sys


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped), as a killed run's would be."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
