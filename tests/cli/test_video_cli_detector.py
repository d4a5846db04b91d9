"""real_time_video.py --detector: the choice is validated, MTCNN's landmarks reach the CSV and
the JSONL, and without the mtcnn package the error names it. In-process through main(argv), on
a photo made from the astronaut (tests/scenes.py), headless."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys

import cv2
import pytest

from facial_emotion.cli.video import main
from tests.helpers_video import CSV_COLUMNS, LANDMARK_COLUMNS
from tests.scenes import Placed, compose

PREFIX = "real_time_video.py: error:"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    assert cv2.imwrite(str(path), compose(600, 450, [Placed(170, 60, 260)]))
    return path


def run(photo, model_files, *options):
    out_csv, out_jsonl = photo.with_name("faces.csv"), photo.with_name("faces.jsonl")
    code = main(["--source", str(photo), "--model", str(model_files.model), "--no-display",
                 "--csv", str(out_csv), "--jsonl", str(out_jsonl), *options])
    with open(out_csv, newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == CSV_COLUMNS
    records = [json.loads(line) for line in out_jsonl.read_text().splitlines()]
    return code, rows, records


@pytest.mark.skipif(importlib.util.find_spec("mtcnn") is None, reason="mtcnn is not installed")
def test_mtcnn_writes_the_landmarks(video_cli_env, photo, capsys):
    code, rows, records = run(photo, video_cli_env, "--detector", "mtcnn")
    assert code == 0 and len(rows) == 1 and len(records) == 1
    x, w = int(rows[0]["x"]), int(rows[0]["w"])
    for column in LANDMARK_COLUMNS:
        assert float(rows[0][column]) == records[0][column]
    for column in LANDMARK_COLUMNS[::2]:  # every x inside the box
        assert x < records[0][column] < x + w


def test_haar_leaves_the_landmarks_empty(video_cli_env, photo, capsys):
    code, rows, records = run(photo, video_cli_env)  # haar: the default
    assert code == 0 and len(rows) == 1 and len(records) == 1
    assert all(rows[0][column] == "" for column in LANDMARK_COLUMNS)
    assert all(records[0][column] is None for column in LANDMARK_COLUMNS)


def assert_one_error_line(code, captured, message):
    assert code == 2 and "Traceback" not in captured.err and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX) and message in lines[0], captured.err


@pytest.mark.parametrize("options, message", [
    (["--detector", "dlib"], "argument --detector: invalid choice: 'dlib'"),
    (["--detector", "MTCNN"], "invalid choice: 'MTCNN'"),
    (["--detector"], "argument --detector: expected one argument"),
])
def test_bad_detector_values_are_one_line(photo, capsys, options, message):
    with pytest.raises(SystemExit) as exit_info:  # argparse's own exit, before any loading
        main(["--source", str(photo), "--no-display", *options])
    assert_one_error_line(exit_info.value.code, capsys.readouterr(), message)


def test_a_cascade_with_mtcnn_is_one_line(video_cli_env, photo, capsys):
    code = main(["--source", str(photo), "--model", str(video_cli_env.model), "--no-display",
                 "--detector", "mtcnn", "--cascade", "haarcascade_frontalface_alt.xml"])
    assert_one_error_line(code, capsys.readouterr(), "a cascade is for detector haar")


def test_mtcnn_missing_is_one_line_naming_the_package(video_cli_env, photo, capsys,
                                                      monkeypatch):
    for name in [n for n in sys.modules if n == "mtcnn" or n.startswith("mtcnn.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "mtcnn", None)  # as if not installed
    code = main(["--source", str(photo), "--model", str(video_cli_env.model), "--no-display",
                 "--detector", "mtcnn"])
    assert_one_error_line(code, capsys.readouterr(), "needs the mtcnn package")
