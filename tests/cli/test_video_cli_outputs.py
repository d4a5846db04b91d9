"""real_time_video.py's outputs meet the file system: streams and devices are written in
place, every input is protected by the file it resolves to, and SIGTERM keeps what was done.

Driven in-process through main(argv), headless, with scripted faces (see conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import shutil
import stat
from pathlib import Path

import cv2
import pytest

import facial_emotion.detection.detector
from facial_emotion.cli.video import main
from facial_emotion.detection.face_finder import DEFAULT_CASCADE, resolve_cascade
from facial_emotion.files import temp_prefix
from tests.helpers_video import (CSV_COLUMNS, TWO_FACE_SCRIPT, scripted_finder_class,
                                 synthetic_frames, write_video)
from tests.processes import dead_pid

PREFIX = "real_time_video.py: error:"


@pytest.fixture
def clip(tmp_path):
    return write_video(tmp_path / "clip.mp4", synthetic_frames(12), 10.0)


def run_args(clip, env, *more) -> list[str]:
    return ["--source", str(clip), "--model", str(env.model), "--no-display", *more]


def test_csv_to_stdout_streams_the_rows_and_nothing_else(video_cli_env, scripted_faces, clip,
                                                         capfd, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # where a file named "-" would land if "-" were not stdout
    scripted_faces(TWO_FACE_SCRIPT)
    assert main(run_args(clip, video_cli_env, "--csv", "-")) == 0
    out, err = capfd.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == CSV_COLUMNS and len(rows) > 5
    assert "frames" in err.splitlines()[-1]  # the summary line went to stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


@pytest.mark.parametrize("option", ["--csv", "--jsonl", "--summary", "--output"])
def test_a_link_to_dev_null_stays_a_link_to_the_device(video_cli_env, scripted_faces, clip,
                                                       tmp_path, capsys, option):
    sink = tmp_path / ("null.mp4" if option == "--output" else "null.txt")
    sink.symlink_to("/dev/null")  # never /dev/null itself: a regression would replace it
    scripted_faces(TWO_FACE_SCRIPT)
    assert main(run_args(clip, video_cli_env, option, str(sink))) == 0
    assert sink.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", sink.name]


def test_a_csv_onto_a_symbolic_link_keeps_the_link(video_cli_env, scripted_faces, clip,
                                                   tmp_path, capsys):
    scripted_faces(TWO_FACE_SCRIPT)
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to("real.csv")
    assert main(run_args(clip, video_cli_env, "--csv", str(tmp_path / "link.csv"))) == 0
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "real.csv").read_text().startswith("source,frame,")


# (what --cascade is given as, or None for the default)
@pytest.mark.parametrize("cascade", [None, DEFAULT_CASCADE, "path"],
                         ids=["default", "by name", "by path"])
def test_the_cascade_is_protected_however_it_was_named(video_cli_env, clip, capsys, tmp_path,
                                                       monkeypatch, cascade):
    # OpenCV's cascades are looked up in a copy of their folder: if the protection ever
    # failed, the test would overwrite that copy, never the installed file.
    opencv_folder = tmp_path / "opencv-cascades"
    opencv_folder.mkdir()
    shutil.copy(Path(cv2.data.haarcascades) / DEFAULT_CASCADE, opencv_folder)
    monkeypatch.setattr(cv2.data, "haarcascades", str(opencv_folder) + os.sep)
    path = resolve_cascade(cascade if cascade != "path" else None)
    assert path.parent == opencv_folder
    before = path.read_bytes()
    given = [] if cascade is None else ["--detector", "haar", "--cascade",
                                        str(path) if cascade == "path" else cascade]
    code = main(run_args(clip, video_cli_env, *given, "--summary", str(path)))
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(PREFIX) and "is --cascade" in err
    assert path.read_bytes() == before


def test_sigterm_closes_the_outputs_and_exits_143(video_cli_env, clip, tmp_path, monkeypatch,
                                                  capsys):
    base = scripted_finder_class(TWO_FACE_SCRIPT)

    class KilledAtFrame5(base):
        def _scripted(self, image):
            if len(self.calls) == 5:
                os.kill(os.getpid(), signal.SIGTERM)
            return super()._scripted(image)

    monkeypatch.setattr(facial_emotion.detection.detector, "make_finder", KilledAtFrame5)
    before = signal.getsignal(signal.SIGTERM)
    out_video, out_csv, out_summary = tmp_path / "a.mp4", tmp_path / "f.csv", tmp_path / "s.json"
    code = main(run_args(clip, video_cli_env, "--output", str(out_video), "--csv", str(out_csv),
                         "--summary", str(out_summary)))
    captured = capsys.readouterr()
    assert code == 143 and "Traceback" not in captured.err
    assert captured.out.rstrip().endswith("(interrupted)")
    assert json.loads(out_summary.read_text())["frames"] in (5, 6)
    assert out_csv.read_text().startswith("source,frame,")
    assert cv2.VideoCapture(str(out_video)).isOpened()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "clip.mp4", "f.csv", "s.json"]
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back


def test_a_killed_runs_temporary_files_are_cleared_by_the_next(video_cli_env, scripted_faces,
                                                               clip, tmp_path, capsys):
    stale = tmp_path / f"{temp_prefix('out', dead_pid())}abcd1234.mp4"
    stale.write_bytes(b"\0" * 4096)
    scripted_faces(TWO_FACE_SCRIPT)
    assert main(run_args(clip, video_cli_env, "--output", str(tmp_path / "out.mp4"))) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "out.mp4"]
    assert Path(clip).is_file()
