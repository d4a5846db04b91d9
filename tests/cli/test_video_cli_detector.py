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


needs_mtcnn = pytest.mark.skipif(importlib.util.find_spec("mtcnn") is None,
                                 reason="mtcnn is not installed")


@pytest.mark.parametrize("options", [[], ["--detector", "yunet"],
                                     pytest.param(["--detector", "mtcnn"], marks=needs_mtcnn)],
                         ids=["default", "yunet", "mtcnn"])
def test_finders_with_landmarks_write_them(video_cli_env, photo, capsys, options):
    code, rows, records = run(photo, video_cli_env, *options)
    assert code == 0 and len(rows) == 1 and len(records) == 1
    x, y, w, h = (int(rows[0][key]) for key in "xywh")
    for column in LANDMARK_COLUMNS:
        assert float(rows[0][column]) == records[0][column]
    for column in LANDMARK_COLUMNS[::2]:  # every x inside the box
        assert x < records[0][column] < x + w
    # left and right as seen: the left eye and mouth corner lie left of the right ones
    assert records[0]["left_eye_x"] < records[0]["right_eye_x"]
    assert records[0]["mouth_left_x"] < records[0]["mouth_right_x"]
    assert records[0]["left_eye_y"] < records[0]["nose_y"] < records[0]["mouth_left_y"]


def test_haar_leaves_the_landmarks_empty(video_cli_env, photo, capsys):
    code, rows, records = run(photo, video_cli_env, "--detector", "haar")
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


@pytest.mark.parametrize("damage, message", [
    ("missing", "cannot read it"),
    ("truncated", "damaged (100,000 bytes"),
    ("altered", "damaged (232,589 bytes"),
])
def test_a_damaged_yunet_model_is_one_line(video_cli_env, photo, tmp_path, capsys,
                                           monkeypatch, damage, message):
    import facial_emotion.detection.yunet_finder as yunet

    shipped = yunet.MODEL_FILE.read_bytes()
    copy = tmp_path / "yunet.onnx"
    if damage == "truncated":
        copy.write_bytes(shipped[:100_000])
    elif damage == "altered":
        copy.write_bytes(shipped[:5000] + bytes([shipped[5000] ^ 1]) + shipped[5001:])
    monkeypatch.setattr(yunet, "MODEL_FILE", copy)
    # No --model: the check comes before TensorFlow loads, at once.
    code = main(["--source", str(photo), "--no-display"])
    assert_one_error_line(code, capsys.readouterr(), f"YuNet model {copy}: {message}")


@pytest.mark.parametrize("version, has_yunet", [("4.5.3", False), ("4.7.0", True)])
def test_an_opencv_too_old_for_yunet_is_one_line(video_cli_env, photo, capsys, monkeypatch,
                                                 version, has_yunet):
    monkeypatch.setattr(cv2, "__version__", version)
    if not has_yunet:
        monkeypatch.delattr(cv2, "FaceDetectorYN")
    code = main(["--source", str(photo), "--no-display"])
    assert_one_error_line(code, capsys.readouterr(),
                          f"detector yunet needs OpenCV 4.8 or newer (cv2.FaceDetectorYN), "
                          f"found {version}")


def test_yunets_model_is_never_an_output(video_cli_env, photo, tmp_path, capsys, monkeypatch):
    import facial_emotion.detection.yunet_finder as yunet

    # A copy stands in for the shipped file: were the protection to fail, the copy is hit.
    shipped = yunet.MODEL_FILE.read_bytes()
    copy = tmp_path / "yunet.onnx"
    copy.write_bytes(shipped)
    monkeypatch.setattr(yunet, "MODEL_FILE", copy)
    code = main(["--source", str(photo), "--no-display", "--summary", str(copy)])
    assert_one_error_line(code, capsys.readouterr(), f"--summary {copy} is YuNet's model")
    assert copy.read_bytes() == shipped
