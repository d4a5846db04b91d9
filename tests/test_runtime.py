"""runtime.py: the native libraries' own log lines, hidden until --verbose asks for them."""

from __future__ import annotations

import os

import pytest

from facial_emotion import runtime
from facial_emotion.runtime import (QUIET_NATIVE_LOGS, native_stderr_hidden, quiet_native_logs,
                                    show_native_logs)


@pytest.fixture(autouse=True)
def nothing_quieted(monkeypatch):
    monkeypatch.setattr(runtime, "_quieted", set())


def test_quiet_native_logs_sets_each_variable_and_show_native_logs_undoes_it():
    environ = {}
    quiet_native_logs(environ)
    assert environ == QUIET_NATIVE_LOGS
    assert environ["OPENCV_LOG_LEVEL"] == "SILENT" and environ["OPENCV_FFMPEG_LOGLEVEL"] == "-8"
    show_native_logs(environ)
    assert environ == {}


def test_a_variable_the_user_set_wins_and_stays():
    environ = {"TF_CPP_MIN_LOG_LEVEL": "0", "PATH": "/bin"}
    quiet_native_logs(environ)
    assert environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    show_native_logs(environ)
    assert environ == {"TF_CPP_MIN_LOG_LEVEL": "0", "PATH": "/bin"}


@pytest.mark.parametrize("error, shown", [(ValueError, True), (KeyboardInterrupt, False)])
def test_hidden_native_lines_are_shown_when_they_may_explain_an_error(capfd, error, shown):
    """They may explain a failed import; after Ctrl-C they explain nothing (the absl, oneDNN
    and CUDA notices of an interrupted `import tensorflow`)."""
    with pytest.raises(error):
        with native_stderr_hidden():
            os.write(2, b"native notice\n")
            raise error
    assert ("native notice" in capfd.readouterr().err) == shown


def test_hidden_native_lines_stay_hidden_when_all_goes_well(capfd):
    with native_stderr_hidden():
        os.write(2, b"native notice\n")
    assert capfd.readouterr().err == ""
