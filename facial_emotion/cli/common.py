"""What both command-line tools share: logging set-up, option checks and one-line errors."""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import signal
import sys
import threading
from collections.abc import Iterator

from ..errors import FacialEmotionError, Terminated

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143   # 128 + SIGTERM


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(message)s", stream=sys.stderr, force=True)
    for noisy in ("tensorflow", "absl", "matplotlib", "PIL", "h5py"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line, like every other error of the
    tools: "PROG: error: MESSAGE (see --help)" on stderr and exit code 2, without the
    usage block argparse prints above it."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def positive(kind):
    """argparse type: a number of `kind` above 0."""
    return _checked(kind, lambda v: v > 0, "above 0")


def non_negative(kind):
    """argparse type: a number of `kind` of 0 or more."""
    return _checked(kind, lambda v: v >= 0, "0 or more")




def _checked(kind, ok, wanted: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not ok(value) or value != value:  # value != value: NaN
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text}")
        return value
    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


fraction = _checked(float, lambda v: 0 <= v < 1, "a fraction from 0 to below 1")
unit_interval = _checked(float, lambda v: 0 <= v <= 1, "a number from 0 to 1")


def interrupt_exit_code(exc: KeyboardInterrupt | None) -> int:
    """143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


class _Sigterm:
    received = False  # whether SIGTERM came, even if a loop then swallowed the interrupt

    def __call__(self, signum, frame):
        self.received = True
        raise Terminated


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[_Sigterm]:
    """While the block runs, SIGTERM raises Terminated, a KeyboardInterrupt: the code that
    keeps the outputs on Ctrl-C keeps them on a `kill` too, instead of the process dying
    with its temporary files. Yields an object whose `received` says whether SIGTERM came.
    Only the main thread can take signals; elsewhere nothing is installed."""
    handler = _Sigterm()
    if threading.current_thread() is not threading.main_thread():
        yield handler
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield handler
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def interrupt_deferred() -> Iterator[None]:
    """Hold a Ctrl-C that comes while the block runs and raise it, as KeyboardInterrupt, when
    the block ends. Native libraries loading (TensorFlow, LiteRT) turn an interrupt into an
    ImportError, which their own optional imports may swallow and go on: the Ctrl-C would
    then be lost. Where SIGINT is ignored (a background job), it stays ignored."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def one_line_errors(default_prog: str):
    """Decorate main(argv, prog): our errors, a ValueError from the library, an OS error (full
    disk, read-only folder), Ctrl-C and SIGTERM each become one line on stderr, headed by the
    name the tool was called by, and a non-zero exit code (2, 2, 2, 130 and 143).

    The wrapper takes `prog` too (default `default_prog`), so that the dispatcher's
    `facial-emotion video` names itself in usage and errors, not the script it wraps."""
    def decorate(main):
        @functools.wraps(main)
        def wrapper(argv=None, prog: str = default_prog) -> int:
            try:
                with sigterm_as_interrupt():
                    return main(argv, prog)
            except (FacialEmotionError, ValueError) as exc:
                print(f"{prog}: error: {exc}", file=sys.stderr)
                return EXIT_USAGE
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                print(f"{prog}: error: {where}{exc.strerror or exc}", file=sys.stderr)
                return EXIT_USAGE
            except KeyboardInterrupt as exc:
                terminated = isinstance(exc, Terminated)
                print(f"{prog}: {'terminated' if terminated else 'interrupted'}",
                      file=sys.stderr)
                return interrupt_exit_code(exc)
            except Exception as exc:
                if not caused_by_ctrl_c(exc):
                    raise
                print(f"{prog}: interrupted", file=sys.stderr)
                return EXIT_INTERRUPTED
        return wrapper
    return decorate


def caused_by_ctrl_c(exc: BaseException) -> bool:
    """Whether Ctrl-C is behind `exc`: a native module interrupted while it loads (LiteRT's,
    during start-up) raises "ImportError: initialization failed" from the KeyboardInterrupt."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
