"""Process settings for the native libraries: TensorFlow's, which must be in place before
TensorFlow runs its first op, and the logging of TensorFlow, OpenCV and FFmpeg, which write
to stderr themselves, past Python's logging."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# The variable that quiets each native logger, and when it is read: OpenCV's own lines
# ("[ WARN:0@0.1] ...", "[ERROR:0@2.3] ... Camera index out of range") at `import cv2`;
# FFmpeg's ("moov atom not found", "timebase ... not supported") when OpenCV first opens a
# video; TensorFlow's C++ lines (absl, CUDA, oneDNN) at `import tensorflow`.
QUIET_NATIVE_LOGS = {
    "OPENCV_LOG_LEVEL": "SILENT",
    "OPENCV_FFMPEG_LOGLEVEL": "-8",  # FFmpeg's AV_LOG_QUIET
    "TF_CPP_MIN_LOG_LEVEL": "3",     # 3 hides C++ ERROR lines too; errors reach Python anyway
}
_quieted: set[str] = set()  # the variables quiet_native_logs() set, for show_native_logs()


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


_configured = False  # configure_tensorflow has run: a tool chose how quiet to be


def tensorflow_configured() -> bool:
    """Whether configure_tensorflow has run, or TensorFlow is imported already."""
    return _configured or "tensorflow" in sys.modules


def configure_tensorflow(quiet: bool = True, load: bool = True) -> None:
    """Quiet TensorFlow's start-up chatter and keep oneDNN off its AVX-512 JIT kernels.

    quiet: hide TensorFlow's native log lines (INFO/WARNING/ERROR from C++, such as "failed
    call to cuInit" on a machine without a GPU, and the oneDNN and CUDA notices that
    `import tensorflow` prints before its logging is set up). A user's own
    TF_CPP_MIN_LOG_LEVEL always wins. With quiet=False nothing is hidden.

    TF 2.20/2.21 with oneDNN crashed (segfault, "free(): invalid next size") within two
    epochs of training Mini-Xception on an AVX-512 AMD EPYC; the fault is in an AVX-512 JIT
    kernel. Capping oneDNN at AVX2 keeps its fast kernels (twice the speed of
    TF_ENABLE_ONEDNN_OPTS=0 on AVX2 machines) and avoids that code. A user's own
    ONEDNN_MAX_CPU_ISA or TF_ENABLE_ONEDNN_OPTS always wins.

    Call it before anything imports TensorFlow (Keras included). load: import TensorFlow
    now, so that the notices printed during the import are hidden; False only sets the
    variables, for a caller that may not need TensorFlow at all (the app, whose classifier
    runs a cached LiteRT conversion) and imports it through `import_tensorflow` if it does.
    """
    global _configured
    _configured = True
    if quiet:
        # 3 hides C++ ERROR lines too; the errors that matter reach Python as exceptions.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "avx512f" in cpu_flags() and "ONEDNN_MAX_CPU_ISA" not in os.environ:
        os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
        log.debug("AVX-512 CPU: capping oneDNN at AVX2 to avoid its crashing AVX-512 kernels")
    if load:
        import_tensorflow(quiet)


def import_tensorflow(quiet: bool | None = None) -> None:
    """Import TensorFlow, with its native start-up notices hidden when `quiet` (None: when
    TF_CPP_MIN_LOG_LEVEL asks for quiet, as configure_tensorflow sets it)."""
    if "tensorflow" in sys.modules:
        return  # too late to hide its import; the variables above still govern later logs
    if quiet is None:
        quiet = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") not in ("", "0")
    # The notices of `import tensorflow` come from C++ code (absl) that writes to file
    # descriptor 2 before TF_CPP_MIN_LOG_LEVEL is read, so only redirecting the descriptor
    # hides them. They are kept in a temporary file and shown if the import fails.
    with native_stderr_hidden() if quiet else contextlib.nullcontext():
        importlib.import_module("tensorflow")


def quiet_native_logs(environ=None) -> None:
    """Hide what OpenCV, FFmpeg and TensorFlow print to stderr by themselves: the tools
    report each failure in one line of their own, and Python's logging cannot reach these.

    Call it first in a command-line tool, before anything imports OpenCV or TensorFlow or
    opens a video. A variable the user set always wins. show_native_logs() undoes it, for
    --verbose; configure_opencv() quiets an OpenCV imported before this call.
    """
    environ = os.environ if environ is None else environ
    for key, value in QUIET_NATIVE_LOGS.items():
        if key not in environ:
            environ[key] = value
            _quieted.add(key)


def show_native_logs(environ=None) -> None:
    """Undo quiet_native_logs(): the native libraries log as they would by themselves."""
    environ = os.environ if environ is None else environ
    for key in sorted(_quieted):
        environ.pop(key, None)
    _quieted.clear()
    if "cv2" in sys.modules:  # it read OPENCV_LOG_LEVEL on import: back to its default
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_WARNING)


def configure_opencv(quiet: bool = True) -> None:
    """quiet: hide OpenCV's own lines, ERROR included (e.g. "FFmpeg: Failed to write frame"
    on a full disk, a missing camera's "Camera index out of range"); the tools report such
    failures in one line of their own. quiet=False shows them (and leaves OpenCV's level as
    it was)."""
    if quiet:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


@contextlib.contextmanager
def native_stderr_hidden():
    """Hide what native code (C/C++ libraries) writes to stderr during the block; if the
    block raises, show it after all, since it may explain the error (not for Ctrl-C, which
    explains itself).

    It redirects file descriptor 2 to a temporary file, so it also catches writes that
    bypass Python's sys.stderr (absl, TensorFlow Lite's "Created ... XNNPACK delegate").
    Anything else written to stderr meanwhile, by any thread, is hidden too: keep it short.
    """
    fd = 2  # what native code writes to, whatever sys.stderr is now
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), fd)
            failed = False
            try:
                yield
            except KeyboardInterrupt:
                raise
            except BaseException:
                failed = True
                raise
            finally:
                os.dup2(saved, fd)
                if failed:
                    sink.seek(0)
                    sys.stderr.write(sink.read().decode(errors="replace"))
                    sys.stderr.flush()
    finally:
        os.close(saved)
