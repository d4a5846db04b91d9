"""real_time_video.py driven in-process through main(argv), headless, with scripted faces.

The Haar finder is replaced by one that returns scripted boxes (the cascade finds no faces in
synthetic frames); everything after it - the untrained classifier, tracking, drawing, the
sinks and the summary - is the real code.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest

from facial_emotion.cli.video import main
from facial_emotion.labels import EMOTIONS
from tests.helpers_video import (CSV_COLUMNS, HAS_LITERT, TWO_FACE_SCRIPT, child_env, face_a,
                                 jpeg_as_a_phone_stores_it, read_video, synthetic_frames,
                                 write_video)

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
    """(frame, time_s, face_id, box) for every face shown, in order. With tracking (ids),
    a new face is shown from its second sighting on: the first only makes it a candidate."""
    rows, seen = [], set()
    for frame, boxes in enumerate(script):
        for box in boxes:
            face = "a" if box == face_a(frame) else "b"
            if ids_by_face and face not in seen:
                seen.add(face)
                continue
            face_id = {"a": 1, "b": 2}[face] if ids_by_face else None
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
    return {k: None if v == "" else int(v) if k in ints
            else v if k in ("source", "emotion") else float(v)
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
    # with faces carry boxes, labels and the bars panel
    def drawn_on(i):  # the share of pixels changed by far more than compression changes them
        diff = np.abs(written.frames[i].astype(int) - input_frames[i]).max(axis=2)
        return (diff > 60).mean()
    assert drawn_on(0) < 0.005
    for i in (2, 4, 10):  # frame 1's faces are not shown yet: they are confirmed in frame 2
        assert drawn_on(i) > 0.05, (i, drawn_on(i))

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
    assert (frames, with_face, faces, interrupted) == (12, 9, 16, False)
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
    untracked = expected_records(TWO_FACE_SCRIPT, ids_by_face=False)  # every face, at once
    assert [(r["frame"], r["face_id"]) for r in records] == [
        (frame, None) for frame, _, _, _ in untracked]
    *_, dominant, _ = summary_of(capsys.readouterr().out)
    assert dominant in EMOTIONS  # one label, no "#id"


@pytest.mark.parametrize("options, expected", [
    ([], dict(name="yunet", detect_width=320, min_size=40, cascade=None, min_neighbors=5)),
    (["--detector", "haar", "--detect-width", "0", "--min-neighbors", "2", "--cascade",
      "some_cascade.xml"],
     dict(name="haar", detect_width=None, min_size=40, cascade="some_cascade.xml",
          min_neighbors=2)),
])
def test_options_reach_the_face_finder(video_cli_env, scripted_faces, clip, capsys, options,
                                       expected):
    fake = scripted_faces([])
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 *options])
    assert code == 0
    (finder,) = fake.instances
    assert finder.kwargs == expected
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
    out_summary, out_timeline = tmp_path / "s.json", tmp_path / "t.png"
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 "--output", str(out_video), "--csv", str(out_csv), "--summary",
                 str(out_summary), "--timeline", str(out_timeline)])
    captured = capsys.readouterr()
    assert code == 130
    assert "Traceback" not in captured.err
    written = read_video(out_video)  # closed properly: readable, with frames 0-4
    assert len(written.frames) == 5 and written.fps == pytest.approx(FPS)
    assert [int(row["frame"]) for row in read_csv(out_csv)] == [
        frame for frame, _, _, _ in expected_records(TWO_FACE_SCRIPT[:5])]
    assert json.loads(out_summary.read_text())["frames"] == 5
    assert cv2.imread(str(out_timeline)) is not None
    frames, with_face, faces, _, _, interrupted = summary_of(captured.out)
    assert (frames, with_face, faces, interrupted) == (5, 3, 5, True)
    # every output under its own name, no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "annotated.mp4", "clip.mp4", "f.csv", "s.json", "t.png"]


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


def folder_of_notes(tmp_path) -> str:
    """A folder holding a text file and nothing to analyse."""
    (tmp_path / "notes").mkdir()
    make_file(tmp_path / "notes" / "readme.txt", b"notes\n")
    return str(tmp_path / "notes")


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
        "does not exist"),
    "csv in a missing folder": (
        lambda t, v, m, w: ["--source", v, "--csv", str(t / "missing" / "f.csv")],
        "does not exist"),
    "jsonl in a missing folder": (
        lambda t, v, m, w: ["--source", v, "--jsonl", str(t / "missing" / "f.jsonl")],
        "does not exist"),
    "video output with a bad suffix": (
        lambda t, v, m, w: ["--source", v, "--output", str(t / "out.txt")],
        "expected a video suffix"),
    "video written as an image": (
        lambda t, v, m, w: ["--source", v, "--output", str(t / "x.jpg")],
        "a video cannot be written as an image (.jpg); use .mp4 or .avi"),
    "csv naming a folder": (lambda t, v, m, w: ["--source", v, "--csv", str(t)],
                            "it is a folder"),
    "timeline with a bad suffix": (
        lambda t, v, m, w: ["--source", v, "--timeline", str(t / "t.txt")],
        "expected a picture suffix"),
    "summary in a missing folder": (
        lambda t, v, m, w: ["--source", v, "--summary", str(t / "missing" / "s.json")],
        "does not exist"),

    "image output with a bad suffix": (
        lambda t, v, m, w: ["--source", write_png(t / "in.png"), "--output", str(t / "out.xyz")],
        "expected an image suffix"),
    "folder without media": (lambda t, v, m, w: ["--source", folder_of_notes(t)],
                             "no video or image files in"),
    "empty source": (lambda t, v, m, w: ["--source", ""],
                     "expected a camera index, a video or an image file as the source, got an "
                     "empty name"),
    "csv named as JSON": (lambda t, v, m, w: ["--source", v, "--csv", str(t / "rows.json")],
                          "--csv " + "{t}/rows.json: .json names another format, but --csv "
                          "writes CSV"),
    "jsonl named as CSV": (lambda t, v, m, w: ["--source", v, "--jsonl", str(t / "rows.CSV")],
                           ".CSV names another format, but --jsonl writes JSON lines"),
    "summary named as CSV": (lambda t, v, m, w: ["--source", v, "--summary", str(t / "s.csv")],
                             ".csv names another format, but --summary writes one JSON "
                             "document"),
    "missing model": (lambda t, v, m, w: ["--source", v, "--model", str(t / "none.keras")],
                      "model file not found"),
    "model with the wrong input": (lambda t, v, m, w: ["--source", v, "--model", str(w)],
                                   "expected a model taking"),
    "not a model": (lambda t, v, m, w: ["--source", v, "--model",
                                        make_file(t / "notes.keras", b"text\n")],
                    "not a loadable Keras model"),
    "missing cascade": (lambda t, v, m, w: ["--source", v, "--detector", "haar", "--cascade",
                                            "no_such_cascade.xml"],
                        "Haar cascade not found"),
    "cascade that is not XML": (
        lambda t, v, m, w: ["--source", v, "--detector", "haar", "--cascade",
                            make_file(t / "c.xml", b"text\n")],
        "not a valid Haar cascade"),
    "cascade for yunet": (lambda t, v, m, w: ["--source", v, "--cascade",
                                              "haarcascade_frontalface_alt.xml"],
                          "a cascade is for detector haar, got detector 'yunet'"),
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
    message = message.replace("{t}", str(tmp_path))
    argv = build(tmp_path, str(clip[0]), video_cli_env, wrong_shape_model)
    if "--model" not in argv:
        argv += ["--model", str(video_cli_env.model)]
    before = sorted(tmp_path.rglob("*"))
    code = main([*argv, "--no-display"])
    assert_one_error_line(code, capsys.readouterr(), message)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, not even a temporary file


def test_a_failing_output_discards_the_ones_already_open(video_cli_env, clip, tmp_path,
                                                         monkeypatch, capsys):
    import facial_emotion.video.sinks as sinks

    discarded = []
    for cls in (sinks.VideoFileSink, sinks.CsvSink):
        def spy(self, _discard=cls.discard):
            discarded.append(type(self).__name__)
            _discard(self)
        monkeypatch.setattr(cls, "discard", spy)
    out = tmp_path / "out"
    out.mkdir()
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 "--output", str(out / "out.mp4"), "--csv", str(out / "f.csv"),
                 "--timeline", str(tmp_path / "t.txt")])  # refused once the others are open
    assert_one_error_line(code, capsys.readouterr(), "expected a picture suffix")
    assert sorted(discarded) == ["CsvSink", "VideoFileSink"]
    assert list(out.iterdir()) == []  # their temporary files are gone too


def test_camera_that_cannot_be_opened(video_cli_env, missing_camera, capsys):
    code = main(["--source", str(missing_camera), "--model", str(video_cli_env.model),
                 "--no-display"])
    assert_one_error_line(code, capsys.readouterr(), f"cannot open camera {missing_camera}")


@pytest.mark.parametrize("argv, message", [
    (["--smoothing", "1.5"], "--smoothing: expected a fraction from 0 to below 1, got 1.5"),
    (["--smoothing", "-0.1"], "--smoothing"),
    (["--smoothing", "1"], "--smoothing"),
    (["--smoothing", "nan"], "--smoothing"),
    (["--detect-width", "wide"], "--detect-width: expected 0 (full size) or at least 32, "
                                 "got 'wide'"),
    (["--detect-width", "10"], "--detect-width: expected 0 (full size) or at least 32, got 10"),
    (["--detect-width", "-1"], "--detect-width"),
    (["--detect-width", "1.5"], "--detect-width"),
    (["--min-neighbors", "-1"], "--min-neighbors: expected 0 or more, got -1"),
    (["--min-neighbors", "2.5"], "--min-neighbors"),
    (["--full-scan-every", "0"], "--full-scan-every: expected above 0, got 0"),
    (["--no-such-option"], "unrecognized arguments"),
])
def test_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--no-display"])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert_one_error_line(2, captured, message)


def test_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--source", "--model", "--output", "--csv", "--jsonl", "--no-display"):
        assert option in out


# --- no display: one line before anything is written ------------------------------------------

@pytest.mark.parametrize("display, message", [
    (None, "DISPLAY is not set"),
    (":9999", "cannot connect to the display ':9999'"),
])
def test_without_a_display_it_suggests_no_display_and_writes_nothing(
        video_cli_env, clip, tmp_path, monkeypatch, capsys, display, message):
    import facial_emotion.video.window as window

    if not window.sys.platform.startswith("linux"):
        pytest.skip("the display check is for X11 on Linux")
    if display and window._xlib() is None:
        pytest.skip("libX11 is not installed: displays cannot be probed")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    if display is None:
        monkeypatch.delenv("DISPLAY", raising=False)
    else:
        monkeypatch.setenv("DISPLAY", display)
    before = sorted(tmp_path.rglob("*"))
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model),
                 "--output", str(tmp_path / "out.mp4"), "--csv", str(tmp_path / "f.csv")])
    captured = capsys.readouterr()
    assert_one_error_line(code, captured, message)
    assert "use --no-display" in captured.err
    assert sorted(tmp_path.rglob("*")) == before


# --- an output never destroys an input --------------------------------------------------------

COLLISIONS = {
    # name: (argv given (folder, source video, photo, model), message)
    "output is the source": (lambda d, v, p, m: ["--source", v, "--output", v], "is the source"),
    "output through a symbolic link": (
        lambda d, v, p, m: ["--source", v, "--output", link(d / "link.mp4", v)], "is the source"),
    "source through a symbolic link": (
        lambda d, v, p, m: ["--source", link(d / "link.mp4", v), "--output", v], "is the source"),
    "image output is the source": (lambda d, v, p, m: ["--source", p, "--output", p],
                                   "is the source"),
    "csv is the source": (lambda d, v, p, m: ["--source", v, "--csv", v], "is the source"),
    "jsonl is the source": (lambda d, v, p, m: ["--source", v, "--jsonl", v], "is the source"),
    "summary is the model": (lambda d, v, p, m: ["--source", v, "--summary", m], "is --model"),
    "csv and jsonl the same file": (
        lambda d, v, p, m: ["--source", v, "--csv", str(d / "e.txt"), "--jsonl",
                            str(d / "." / "e.txt")], "--csv and --jsonl name the same file"),
    "timeline and output the same file": (
        lambda d, v, p, m: ["--source", p, "--output", str(d / "x.png"), "--timeline",
                            str(d / "x.png")], "--output and --timeline name the same file"),
}


def link(path, target):
    path.symlink_to(target)
    return str(path)


@pytest.mark.parametrize("case", list(COLLISIONS))
def test_an_output_that_is_an_input_or_another_output_is_refused(video_cli_env, clip, tmp_path,
                                                                  capsys, case):
    photo = write_png(tmp_path / "photo.png")
    build, message = COLLISIONS[case]
    argv = build(tmp_path, str(clip[0]), photo, str(video_cli_env.model))
    if "--model" not in argv:
        argv += ["--model", str(video_cli_env.model)]
    inputs = {path: path.read_bytes() for path in (clip[0], tmp_path / "photo.png",
                                                   video_cli_env.model)}
    before = sorted(tmp_path.rglob("*"))
    code = main([*argv, "--no-display"])
    assert_one_error_line(code, capsys.readouterr(), message)
    assert {path: path.read_bytes() for path in inputs} == inputs
    assert sorted(tmp_path.rglob("*")) == before


# --- a full disk ------------------------------------------------------------------------------

@pytest.mark.parametrize("option, name, image_source", [
    ("--output", "out.mp4", False),
    ("--output", "out.avi", False),
    ("--csv", "f.csv", False),
    ("--jsonl", "f.jsonl", False),
    ("--timeline", "t.png", False),
    ("--summary", "s.json", False),
    ("--output", "out.jpg", True),
    ("--output", "out.png", True),
])
def test_a_full_disk_is_one_line_exit_2_and_no_file(video_cli_env, scripted_faces, clip,
                                                     tmp_path, capsys, option, name,
                                                     image_source):
    from tests.tmpfs import full_disk, left_behind

    scripted_faces(TWO_FACE_SCRIPT)
    source = write_png(tmp_path / "photo.png") if image_source else str(clip[0])
    with full_disk(tmp_path / "full") as folder:
        code = main(["--source", source, "--model", str(video_cli_env.model), "--no-display",
                     option, str(folder / name)])
        captured = capsys.readouterr()
        assert_one_error_line(code, captured,
                              f"cannot write {folder / name}: No space left on device")
        assert left_behind(folder) == []


# --- the timeline and the summary -------------------------------------------------------------

def test_timeline_and_summary(video_cli_env, scripted_faces, clip, tmp_path, capsys):
    scripted_faces(TWO_FACE_SCRIPT)
    timeline, summary_json, out_csv = tmp_path / "t.png", tmp_path / "s.json", tmp_path / "f.csv"
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--no-display",
                 "--timeline", str(timeline), "--summary", str(summary_json),
                 "--csv", str(out_csv)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(summary_json.read_text())
    assert summary["frames"] == 12 and summary["class_names"] == list(EMOTIONS)
    rows = [typed(row) for row in read_csv(out_csv)]
    assert [(f["face_id"], f["frames"]) for f in summary["faces"]] == [
        (face_id, sum(r["face_id"] == face_id for r in rows)) for face_id in (1, 2)]
    for record in summary["faces"]:  # the mean of the CSV's probabilities, up to rounding
        mine = [r for r in rows if r["face_id"] == record["face_id"]]
        for name in EMOTIONS:
            assert record["mean_probabilities"][name] == pytest.approx(
                np.mean([r[name] for r in mine]), abs=1e-4)
    *_, dominant, _ = summary_of(captured.out)
    assert dominant == ", ".join(f"#{f['face_id']} {f['dominant']}" for f in summary["faces"])
    picture = cv2.imread(str(timeline))
    assert picture is not None and picture.shape[1] == 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "f.csv", "s.json", "t.png"]


# --- keys: a face is selected by the id shown on screen ---------------------------------------

P, Q, R = (5, 5, 30, 30), (45, 5, 30, 30), (100, 5, 40, 40)
# Frames 0-1: faces #1, #2, #3 (R, the largest, is #3); from frame 2 on R is listed first, P second.
SELECT_SCRIPT = [[P, Q, R]] * 2 + [[R, P]] * 6


def test_number_keys_select_the_face_with_that_id(video_cli_env, scripted_faces, clip,
                                                  monkeypatch, capsys):
    import facial_emotion.annotators as annotators
    import facial_emotion.video.window as window

    shown = []
    real_annotate = annotators.ProbabilityBarsAnnotator.annotate

    def recording_annotate(self, scene, result):
        face = result.selected_face
        shown.append(face and face.track_id)
        return real_annotate(self, scene, result)

    keys = iter([-1, -1, -1, ord("1")])  # "1" pressed while frame 3 is on screen
    monkeypatch.setattr(annotators.ProbabilityBarsAnnotator, "annotate", recording_annotate)
    monkeypatch.setattr(window, "window_unavailable", lambda: None)
    monkeypatch.setattr(window, "screen_size", lambda: (1280, 800))
    for name, fake in {"namedWindow": lambda *a: None, "resizeWindow": lambda *a: None,
                       "imshow": lambda *a: None, "waitKey": lambda delay: next(keys, -1),
                       "getWindowProperty": lambda *a: 1.0,
                       "destroyWindow": lambda *a: None}.items():
        monkeypatch.setattr(cv2, name, fake)
    scripted_faces(SELECT_SCRIPT)
    # --fast: one waitKey per frame, so the key comes with frame 3 (paced, the fake waitKey,
    # which does not wait, would be called many times a frame)
    code = main(["--source", str(clip[0]), "--model", str(video_cli_env.model), "--fast"])
    assert code == 0, capsys.readouterr().err
    # none in frame 0 (candidates), then #3, the largest, until the key; then #1, although
    # it is listed second
    assert shown[:8] == [None, 3, 3, 3, 1, 1, 1, 1]


# --- a quiet start ----------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_run_prints_only_its_summary(video_cli_env, tmp_path):
    """No TensorFlow, absl, CUDA or CPU-feature lines: checked in a fresh process, since the
    notices come from the first `import tensorflow` and from C++ code writing to stderr."""
    from tests.scenes import group_scene

    scene, _ = group_scene(480, 270, 120, 2)
    assert cv2.imwrite(str(tmp_path / "group.png"), scene)
    env = {key: value for key, value in os.environ.items()
           if key not in ("TF_CPP_MIN_LOG_LEVEL", "ONEDNN_MAX_CPU_ISA", "DISPLAY")}
    env.update(PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(video_cli_env.cache_home))
    code = ("import sys; from facial_emotion.cli.video import main; "
            "sys.exit(main(sys.argv[1:]))")
    done = subprocess.run(
        [sys.executable, "-c", code, "--source", "group.png", "--no-display",
         "--model", str(video_cli_env.model), "--output", "out.png"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert SUMMARY.match(done.stdout.strip()) and len(done.stdout.splitlines()) == 1
    assert done.stderr == ""  # LiteRT's own "Created ... XNNPACK delegate" line included
    assert (tmp_path / "out.png").is_file()


# --- one line on stderr, also from the native libraries ---------------------------------------

# The tool in a fresh process, which says at the end whether TensorFlow was loaded.
CHILD = ("import sys; from facial_emotion.cli.video import main; code = main(sys.argv[1:]); "
         "print('tensorflow' in sys.modules); sys.exit(code)")


def run_child(argv, cwd, cache_home, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD, *argv], cwd=cwd,
                          env=child_env(cache_home), capture_output=True, text=True,
                          timeout=timeout)


EARLY_ERRORS = {
    # name: (argv given the folder and the clip, what the one line says)
    "missing file": (lambda t, v: ["--source", str(t / "missing.mp4")], "no such file"),
    "a folder without media": (lambda t, v: ["--source", folder_of_notes(t)],
                               "no video or image files in"),
    "an empty name": (lambda t, v: ["--source", ""], "got an empty name"),
    "text named .mp4": (lambda t, v: ["--source", make_file(t / "notes.mp4", b"text\n" * 50)],
                        "not a readable video"),
    "csv named .json": (lambda t, v: ["--source", v, "--csv", str(t / "rows.json")],
                        "--csv writes CSV"),
    "summary named .csv": (lambda t, v: ["--source", v, "--summary", str(t / "x.csv")],
                           "--summary writes one JSON document"),
    "output in a missing folder": (
        lambda t, v: ["--source", v, "--output", str(t / "missing" / "out.mp4")],
        "does not exist"),
    "missing model": (lambda t, v: ["--source", v, "--model", str(t / "none.keras")],
                      "model file not found"),
}


@pytest.mark.parametrize("case", list(EARLY_ERRORS))
def test_input_errors_are_one_line_before_tensorflow_loads(video_cli_env, clip, tmp_path, case):
    """No FFmpeg line ("moov atom not found") beside ours, and no wait for TensorFlow."""
    build, message = EARLY_ERRORS[case]
    done = run_child([*build(tmp_path, str(clip[0])), "--no-display"], tmp_path,
                     video_cli_env.cache_home)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX) and message in lines[0], done.stderr
    assert done.stdout == "False\n"  # TensorFlow was never imported


def test_a_missing_camera_is_one_line_before_tensorflow_loads(video_cli_env, missing_camera,
                                                              tmp_path):
    """OpenCV's own "[ERROR:0@2.3] ... Camera index out of range" lines are hidden."""
    done = run_child(["--source", str(missing_camera), "--no-display"], tmp_path,
                     video_cli_env.cache_home)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{PREFIX} cannot open camera {missing_camera}: is it connected and not in use? "
        "(use --source FILE for a video or image)"]
    assert done.stdout == "False\n"


def random_clip(path, count: int, fps: float) -> Path:
    frames = [np.random.default_rng(i).integers(0, 255, (60, 80, 3), np.uint8)
              for i in range(count)]
    return write_video(path, frames, fps)


@pytest.mark.slow
def test_a_cut_short_video_is_one_warning_line_and_its_frames(video_cli_env, tmp_path):
    path = random_clip(tmp_path / "clip.avi", 40, 10.0)
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    done = run_child(["--source", str(path), "--no-display", "--csv", "f.csv",
                      "--model", str(video_cli_env.model)], tmp_path, video_cli_env.cache_home)
    assert done.returncode == 0, done.stderr
    (warning,) = done.stderr.splitlines()  # FFmpeg's "overread" lines hidden
    read = summary_of(done.stdout.splitlines()[0])[0]
    assert read < 30 and warning == (f"{path}: only {read} of the 40 frames its file declares "
                                     "could be read; it may be cut short or damaged")


@pytest.mark.slow
def test_a_frame_rate_mp4_cannot_store_is_one_line(video_cli_env, tmp_path):
    """FFmpeg's "timebase 100/74733 not supported" and OpenCV's two ERROR lines hidden."""
    path = random_clip(tmp_path / "fast.avi", 3, 747.33)
    done = run_child(["--source", str(path), "--no-display", "--output", "out.mp4",
                      "--model", str(video_cli_env.model)], tmp_path, video_cli_env.cache_home)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{PREFIX} cannot write out.mp4: OpenCV could not open a mp4v video writer for it at "
        "747.33 fps; try .avi"]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/maps")
@pytest.mark.parametrize("loading", ["tensorflow", "litert"])
def test_ctrl_c_during_start_up_is_exit_130_and_one_line(video_cli_env, tmp_path, loading):
    """Ctrl-C while TensorFlow (or LiteRT's native module) loads: no absl, oneDNN or CUDA
    lines, no traceback. The signal goes once the library's files are mapped into the
    process: a point in the start-up, not a guessed delay. TensorFlow loads only to convert
    a model the cache does not hold yet, so that case starts with an empty cache."""
    if loading == "litert" and not HAS_LITERT:
        pytest.skip("ai-edge-litert is not installed")
    path = random_clip(tmp_path / "long.avi", 3000, 30.0)  # runs on well after the start-up
    cache_home = tmp_path / "empty-cache" if loading == "tensorflow" else video_cli_env.cache_home
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "--source", str(path), "--no-display",
         "--model", str(video_cli_env.model)],
        cwd=tmp_path, env=child_env(cache_home), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        # As in a terminal. A test run started in the background by a shell without job
        # control ignores SIGINT, and the child would inherit that and never see the Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 240
        while child.poll() is None and time.monotonic() < deadline:
            try:
                if loading in Path(f"/proc/{child.pid}/maps").read_text():
                    break
            except OSError:
                pass
            time.sleep(0.01)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=240)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, (out, err)
    lines = [line for line in err.splitlines()  # the info line of a first conversion may come
             if not line.startswith("converting emotion_untrained.keras to LiteRT once")]
    assert lines in ([], ["real_time_video.py: interrupted"]), err


# --- stills as a viewer shows them ------------------------------------------------------------

@pytest.mark.parametrize("orientation", [6, 8])
def test_a_sideways_phone_photo_is_read_upright(video_cli_env, tmp_path, capsys, orientation):
    """The real cascade finds no face in the stored, sideways pixels; upright, it does."""
    from tests.scenes import group_scene

    scene, _ = group_scene(480, 270, 120, 1)
    photo = jpeg_as_a_phone_stores_it(tmp_path / "phone.jpg", scene, orientation)
    out, out_csv = tmp_path / "annotated.jpg", tmp_path / "f.csv"
    code = main(["--source", str(photo), "--model", str(video_cli_env.model), "--no-display",
                 "--output", str(out), "--csv", str(out_csv)])
    assert code == 0
    assert summary_of(capsys.readouterr().out)[:3] == (1, 1, 1)
    assert cv2.imread(str(out)).shape == scene.shape  # upright, as the scene


def test_a_one_frame_video_is_searched_as_a_photo(video_cli_env, tmp_path, capsys):
    """Small faces in a big picture: found at full resolution and shown at once, as in the
    same picture as an image file (as a video: 0 faces, shrunk to 320 px and unconfirmed)."""
    from tests.scenes import group_scene

    scene, _ = group_scene(1200, 900, 80, 3)
    source = write_video(tmp_path / "one.mp4", [scene], 25.0)
    code = main(["--source", str(source), "--model", str(video_cli_env.model), "--no-display"])
    assert code == 0
    assert summary_of(capsys.readouterr().out)[:3] == (1, 1, 3)


# --- a video file in the window plays at its own pace -----------------------------------------

def fake_window(monkeypatch, delays: list, shown_at: list) -> None:
    """cv2's window calls replaced: waitKey records its delay and sleeps it (no key comes),
    imshow records when it was called."""
    import facial_emotion.video.window as window

    def wait_key(delay):
        delays.append(delay)
        time.sleep(delay / 1000)
        return -1

    monkeypatch.setattr(window, "window_unavailable", lambda: None)
    monkeypatch.setattr(window, "screen_size", lambda: (1280, 800))
    for name, fake in {"namedWindow": lambda *a: None, "resizeWindow": lambda *a: None,
                       "imshow": lambda *a: shown_at.append(time.monotonic()),
                       "waitKey": wait_key, "getWindowProperty": lambda *a: 1.0,
                       "destroyWindow": lambda *a: None}.items():
        monkeypatch.setattr(cv2, name, fake)


CLIP_FPS = 24.7  # the clip


@pytest.mark.parametrize("fast", [False, True])
def test_a_video_file_in_the_window_plays_at_its_own_pace(video_cli_env, tmp_path, monkeypatch,
                                                          capsys, fast):
    path = write_video(tmp_path / "clip.mp4", synthetic_frames(12), CLIP_FPS)
    delays, shown_at = [], []
    fake_window(monkeypatch, delays, shown_at)
    code = main(["--source", str(path), "--model", str(video_cli_env.model),
                 *(["--fast"] if fast else [])])
    assert code == 0, capsys.readouterr().err
    assert len(shown_at) == 12
    if fast:  # as fast as processed: never a wait longer than the one that reads keys
        assert set(delays) == {1}
    else:  # not faster than the clip's own rate (a safe bound on a busy machine)
        assert shown_at[-1] - shown_at[0] >= 11 / CLIP_FPS / 1.15
        assert max(delays) > 1


def test_verbose_shows_the_native_lines_too(tmp_path):
    done = run_child(["--source", make_file(tmp_path / "notes.mp4", b"text\n" * 50),
                      "--no-display", "--verbose"], tmp_path, tmp_path / "cache")
    assert done.returncode == 2
    assert "moov atom not found" in done.stderr  # FFmpeg's own line, kept for --verbose
    assert done.stderr.splitlines()[-1].startswith(f"{PREFIX} ")
