"""real_time_video.py driven in-process through main(argv), headless, with scripted faces.

The Haar finder is replaced by one that returns scripted boxes (the cascade finds no faces in
synthetic frames); everything after it - the untrained classifier, tracking, drawing, the
sinks and the summary - is the real code.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict

import cv2
import keras
import numpy as np
import pytest

from facial_emotion.cli.video import main
from facial_emotion.labels import EMOTIONS
from tests.helpers_video import (CSV_COLUMNS, TWO_FACE_SCRIPT, face_a, read_video,
                                 synthetic_frames, write_video)

PREFIX = "real_time_video.py: error:"
FPS = 10.0
SUMMARY = re.compile(r"^(\d+) frames, (\d+) with a face, (\d+) faces, ([\d.]+) fps; "
                     r"dominant emotion: (.+?)( \(interrupted\))?$")


@pytest.fixture
def clip(tmp_path):
    """A 12-frame 160x120 mp4 at 10 fps, and its frames as decoded."""
    path = write_video(tmp_path / "clip.mp4", synthetic_frames(12), FPS)
    return path, read_video(path).frames


def expected_records(script, ids_by_face=True):
    """(frame, time_s, face_id, box) for every scripted face, in order."""
    rows = []
    for frame, boxes in enumerate(script):
        for box in boxes:
            face_id = (1 if box == face_a(frame) else 2) if ids_by_face else None
            rows.append((frame, round(frame / FPS, 4), face_id, tuple(box)))
    return rows


def read_csv(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == CSV_COLUMNS
    return rows


def typed(row: dict) -> dict:
    """A CSV row with the types its JSONL twin has."""
    ints = ("frame", "face_id", "x", "y", "w", "h")
    return {k: None if v == "" else int(v) if k in ints else v if k == "emotion" else float(v)
            for k, v in row.items()}


def summary_of(out: str):
    lines = out.splitlines()
    assert len(lines) == 1, f"expected a one-line summary, got {out!r}"
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    frames, with_face, faces, fps, dominant, interrupted = match.groups()
    return int(frames), int(with_face), int(faces), float(fps), dominant, bool(interrupted)


def dominant_from_csv(rows) -> dict:
    """face_id -> the emotion with the highest summed probability, or None when too close."""
    totals = defaultdict(lambda: np.zeros(len(EMOTIONS)))
    for row in rows:
        totals[row["face_id"]] += [float(row[name]) for name in EMOTIONS]
    dominant = {}
    for face_id, total in totals.items():
        top, second = np.sort(total)[::-1][:2]
        # probabilities are rounded to 5 places in the CSV: skip a near tie
        dominant[face_id] = EMOTIONS[int(total.argmax())] if top - second > 1e-3 else None
    return dominant


@pytest.mark.parametrize("output_name", ["annotated.mp4", "annotated.avi"])
def test_video_to_video_csv_and_jsonl(video_cli_env, scripted_faces, clip, tmp_path, capsys,
                                      output_name):
    path, input_frames = clip
    fake = scripted_faces(TWO_FACE_SCRIPT)
    out_video, out_csv, out_jsonl = tmp_path / output_name, tmp_path / "f.csv", tmp_path / "f.jsonl"
    code = main(["--source", str(path), "--model", str(video_cli_env.model), "--no-display",
                 "--output", str(out_video), "--csv", str(out_csv), "--jsonl", str(out_jsonl)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert len(fake.instances) == 1 and len(fake.instances[0].calls) == 12  # one find a frame

    # the annotated video: every frame, faces or not, once; same fps and size; playable
    written = read_video(out_video)
    assert len(written.frames) == 12 and written.frame_count == 12
    assert written.fps == pytest.approx(FPS)
    assert all(frame.shape == (120, 160, 3) for frame in written.frames)
    # frame 0 has no face (and no FPS reading yet): as it came in, up to compression. Frames
    # with faces carry the bars panel, which darkens its area (here the whole 160x120 frame)
    assert np.abs(written.frames[0].astype(int) - input_frames[0]).mean() < 12
    for i in (1, 4, 10):
        assert written.frames[i].mean() < 0.7 * input_frames[i].mean()

    # one CSV row per face per frame, with frame indices, time = frame / fps and stable ids
    rows = read_csv(out_csv)
    records = [typed(row) for row in rows]
    assert [(r["frame"], r["time_s"], r["face_id"], (r["x"], r["y"], r["w"], r["h"]))
            for r in records] == expected_records(TWO_FACE_SCRIPT)
    for r in records:
        assert sum(r[name] for name in EMOTIONS) == pytest.approx(1.0, abs=1e-4)
        assert r[r["emotion"]] == max(r[name] for name in EMOTIONS)  # ties survive rounding
    # and the JSONL holds the same records
    assert [json.loads(line) for line in out_jsonl.read_text().splitlines()] == records

    frames, with_face, faces, fps, dominant, interrupted = summary_of(captured.out)
    assert (frames, with_face, faces, interrupted) == (12, 10, 18, False)
    assert fps > 0
    labels = dict(re.findall(r"#(\d+) (\w+)", dominant))
    assert set(labels) == {"1", "2"} and set(labels.values()) <= set(EMOTIONS)
    for face_id, label in dominant_from_csv(rows).items():
        if label is not None:
            assert labels[face_id] == label


def test_no_track_gives_no_ids(video_cli_env, scripted_faces, clip, tmp_path, capsys):
    scripted_faces(TWO_FACE_SCRIPT)
    out_csv = tmp_path / "f.csv"
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 "--no-track", "--csv", str(out_csv)])
    assert code == 0
    records = [typed(row) for row in read_csv(out_csv)]
    assert [(r["frame"], r["face_id"]) for r in records] == [
        (frame, None) for frame, _, _, _ in expected_records(TWO_FACE_SCRIPT)]
    *_, dominant, _ = summary_of(capsys.readouterr().out)
    assert dominant in EMOTIONS  # one label, no "#id"


def test_options_reach_the_face_finder(video_cli_env, scripted_faces, clip, capsys):
    fake = scripted_faces([])
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 "--detect-width", "0", "--min-neighbors", "2", "--cascade", "some_cascade.xml"])
    assert code == 0
    (finder,) = fake.instances
    assert finder.kwargs == {"cascade": "some_cascade.xml", "detect_width": None,
                             "scale_factor": 1.1, "min_neighbors": 2, "min_size": 40}
    assert summary_of(capsys.readouterr().out)[:3] == (12, 0, 0)


@pytest.mark.parametrize("channels", [3, 1, 4])
def test_image_to_annotated_image(video_cli_env, scripted_faces, tmp_path, capsys, channels):
    image = synthetic_frames(1, 200, 150)[0]
    alpha = np.full((150, 200), 255, np.uint8)
    image = {3: image, 1: image[..., 0], 4: np.dstack([image, alpha])}[channels]
    source, output = tmp_path / "photo.png", tmp_path / "photo_annotated.png"
    out_csv = tmp_path / "f.csv"
    assert cv2.imwrite(str(source), image)
    scripted_faces([[(40, 40, 80, 80)]])
    code = main(["--source", str(source), "--model", str(video_cli_env.model), "--no-display",
                 "--output", str(output), "--csv", str(out_csv)])
    assert code == 0
    annotated = cv2.imread(str(output), cv2.IMREAD_UNCHANGED)
    assert annotated.shape == (150, 200, 3)
    assert [(r["frame"], r["time_s"], r["x"]) for r in read_csv(out_csv)] == [("0", "0.0", "40")]
    assert summary_of(capsys.readouterr().out)[:3] == (1, 1, 1)


def test_ctrl_c_keeps_what_was_done(video_cli_env, scripted_faces, clip, tmp_path, capsys):
    scripted_faces(TWO_FACE_SCRIPT, interrupt_at=5)  # Ctrl-C while finding faces in frame 5
    out_video, out_csv = tmp_path / "annotated.mp4", tmp_path / "f.csv"
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 "--output", str(out_video), "--csv", str(out_csv)])
    captured = capsys.readouterr()
    assert code == 130
    assert "Traceback" not in captured.err
    written = read_video(out_video)  # closed properly: readable, with frames 0-4
    assert len(written.frames) == 5 and written.fps == pytest.approx(FPS)
    assert [int(row["frame"]) for row in read_csv(out_csv)] == [
        frame for frame, _, _, _ in expected_records(TWO_FACE_SCRIPT[:5])]
    frames, with_face, faces, _, _, interrupted = summary_of(captured.out)
    assert (frames, with_face, faces, interrupted) == (5, 4, 7, True)


# --- errors: exit code 2 and one line on stderr -----------------------------------------------

@pytest.fixture(scope="module")
def wrong_shape_model(tmp_path_factory):
    """A loadable Keras model that takes 32x32 colour images."""
    path = tmp_path_factory.mktemp("models") / "colour32.keras"
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Dense(7, activation="softmax")(keras.layers.Flatten()(inputs))
    keras.Model(inputs, outputs).save(path)
    return path


def make_file(path, content: bytes):
    path.write_bytes(content)
    return str(path)


def write_png(path):
    assert cv2.imwrite(str(path), synthetic_frames(1, 40, 30)[0])
    return str(path)


ERROR_CASES = {
    # name: (argv builder given (tmp_path, clip path, model files, wrong-shape model), message)
    "missing source": (lambda t, v, m, w: ["--source", str(t / "missing.mp4")], "no such file"),
    "not a video": (lambda t, v, m, w: ["--source", make_file(t / "notes.txt", b"text\n" * 50)],
                    "not a readable video"),
    "text with a video suffix": (
        lambda t, v, m, w: ["--source", make_file(t / "notes.mp4", b"text\n" * 50)],
        "not a readable video"),
    "corrupt image": (lambda t, v, m, w: ["--source", make_file(t / "x.jpg", b"\xff\xd8junk")],
                      "not a readable image"),
    "output in a missing folder": (
        lambda t, v, m, w: ["--source", v, "--output", str(t / "missing" / "out.mp4")],
        "folder does not exist"),
    "csv in a missing folder": (
        lambda t, v, m, w: ["--source", v, "--csv", str(t / "missing" / "f.csv")],
        "folder does not exist"),
    "jsonl in a missing folder": (
        lambda t, v, m, w: ["--source", v, "--jsonl", str(t / "missing" / "f.jsonl")],
        "folder does not exist"),
    "video output with a bad suffix": (
        lambda t, v, m, w: ["--source", v, "--output", str(t / "out.txt")],
        "expected a video suffix"),
    "image output with a bad suffix": (
        lambda t, v, m, w: ["--source", write_png(t / "in.png"), "--output", str(t / "out.xyz")],
        "expected an image suffix"),
    "missing model": (lambda t, v, m, w: ["--source", v, "--model", str(t / "none.keras")],
                      "model file not found"),
    "model with the wrong input": (lambda t, v, m, w: ["--source", v, "--model", str(w)],
                                   "expected a model taking"),
    "not a model": (lambda t, v, m, w: ["--source", v, "--model",
                                        make_file(t / "notes.keras", b"text\n")],
                    "not a loadable Keras model"),
    "missing cascade": (lambda t, v, m, w: ["--source", v, "--cascade", "no_such_cascade.xml"],
                        "Haar cascade not found"),
    "cascade that is not XML": (
        lambda t, v, m, w: ["--source", v, "--cascade", make_file(t / "c.xml", b"text\n")],
        "not a valid Haar cascade"),
}


def assert_one_error_line(code: int, captured, message: str) -> None:
    assert code == 2
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(PREFIX) and message in lines[0], lines[0]
    assert captured.out == ""


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_one_line(video_cli_env, clip, wrong_shape_model, tmp_path, capsys, case):
    build, message = ERROR_CASES[case]
    argv = build(tmp_path, str(clip[0]), video_cli_env, wrong_shape_model)
    if "--model" not in argv:
        argv += ["--model", str(video_cli_env.model)]
    code = main([*argv, "--no-display"])
    assert_one_error_line(code, capsys.readouterr(), message)
    assert not (tmp_path / "missing").exists()


def test_a_failing_output_closes_the_ones_already_open(video_cli_env, clip, tmp_path,
                                                       monkeypatch, capsys):
    import facial_emotion.video.sinks as sinks

    closed = []
    for cls in (sinks.VideoFileSink, sinks.CsvSink):
        def spy(self, _close=cls.close):
            closed.append(type(self).__name__)
            _close(self)
        monkeypatch.setattr(cls, "close", spy)
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 "--output", str(tmp_path / "out.mp4"), "--csv", str(tmp_path / "f.csv"),
                 "--jsonl", str(tmp_path / "missing" / "f.jsonl")])
    assert_one_error_line(code, capsys.readouterr(), "folder does not exist")
    assert sorted(closed) == ["CsvSink", "VideoFileSink"]


def test_camera_that_cannot_be_opened(video_cli_env, missing_camera, capsys):
    code = main(["--source", str(missing_camera), "--model", str(video_cli_env.model),
                 "--no-display"])
    assert_one_error_line(code, capsys.readouterr(), f"cannot open camera {missing_camera}")


@pytest.mark.parametrize("argv, message", [
    (["--smoothing", "1.5"], "--smoothing"),
    (["--smoothing", "-0.1"], "--smoothing"),
    (["--detect-width", "wide"], "--detect-width"),
    (["--no-such-option"], "unrecognized arguments"),
])
def test_usage_errors(video_cli_env, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--no-display"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith(PREFIX) and message in err.splitlines()[-1]


def test_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--source", "--model", "--output", "--csv", "--jsonl", "--no-display"):
        assert option in out
