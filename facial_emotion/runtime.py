"""TensorFlow process settings that must be in place before TensorFlow runs its first op."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def configure_tensorflow(quiet: bool = True) -> None:
    """Quiet TensorFlow's start-up chatter and keep oneDNN off its AVX-512 JIT kernels.

    TF 2.20/2.21 with oneDNN crashed (segfault, "free(): invalid next size") within two
    epochs of training Mini-Xception on an AVX-512 AMD EPYC; the fault is in an AVX-512 JIT
    kernel. Capping oneDNN at AVX2 keeps its fast kernels (twice the speed of
    TF_ENABLE_ONEDNN_OPTS=0 on AVX2 machines) and avoids that code. A user's own
    ONEDNN_MAX_CPU_ISA or TF_ENABLE_ONEDNN_OPTS always wins.
    """
    if quiet:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "avx512f" in cpu_flags() and "ONEDNN_MAX_CPU_ISA" not in os.environ:
        os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
        log.info("AVX-512 CPU: capping oneDNN at AVX2 to avoid its crashing AVX-512 kernels")
