"""common.py: one line on stderr for each kind of failure, headed by the name the tool goes by."""

from __future__ import annotations

import pytest

from facial_emotion.cli.common import one_line_errors
from facial_emotion.errors import SourceError


def failing(make_error):
    @one_line_errors("tool.py")
    def main(argv=None, prog="tool.py"):
        raise make_error()
    return main


def ctrl_c_in_a_native_import() -> ImportError:
    """What pybind11 makes of Ctrl-C while a native module (LiteRT's) initialises."""
    error = ImportError("initialization failed")
    error.__cause__ = KeyboardInterrupt()
    return error


@pytest.mark.parametrize("make_error, prog, code, line", [
    (lambda: SourceError("no such file: x.mp4"), None, 2, "tool.py: error: no such file: x.mp4"),
    (lambda: SourceError("no such file: x.mp4"), "facial-emotion video", 2,
     "facial-emotion video: error: no such file: x.mp4"),
    (KeyboardInterrupt, None, 130, "tool.py: interrupted"),
    (ctrl_c_in_a_native_import, "facial-emotion video", 130, "facial-emotion video: interrupted"),
])
def test_one_line_errors(capsys, make_error, prog, code, line):
    main = failing(make_error)
    assert (main([]) if prog is None else main([], prog=prog)) == code
    assert capsys.readouterr().err == line + "\n"


def test_an_import_error_of_its_own_is_not_taken_for_ctrl_c():
    with pytest.raises(ImportError):
        failing(lambda: ImportError("no module named x"))([])


def test_a_ctrl_c_while_libraries_load_is_raised_when_they_are_loaded():
    """A native library may turn Ctrl-C into an ImportError that an optional import swallows;
    held until the block ends, the Ctrl-C cannot be lost."""
    import os
    import signal

    from facial_emotion.cli.common import interrupt_deferred

    # Python's own handler, as in a terminal: a test run started in the background by a shell
    # without job control inherits an ignored SIGINT, which interrupt_deferred leaves ignored.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    steps = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with interrupt_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                try:  # what a library's optional import does with an interrupted native init
                    raise ImportError("initialization failed")
                except ImportError:
                    steps.append("went on")
                steps.append("block finished")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert steps == ["went on", "block finished"]
