"""real_time_video.py --source URL: a live MJPEG camera on 127.0.0.1 (tests/mjpeg_camera.py)
analysed end to end with the real face finder, a camera that dies mid-stream ending the run
with every record written, one that never answers, and Ctrl-C while a stream is reopened.
In-process through main(argv), headless; nothing reaches past the loopback."""

from __future__ import annotations

import _thread
import csv
import json
import re
import threading
import time

import pytest

from facial_emotion.cli.video import main, source_name
from facial_emotion.video import streams
from tests.helpers_video import read_video
from tests.mjpeg_camera import Drop, MjpegCamera, Serve, Silent

PREFIX = "real_time_video.py: error:"
SUMMARY = re.compile(r"^(\d+) frames, (\d+) with a face, (\d+) faces, [\d.]+ fps; "
                     r"dominant emotion: .+$")
OPEN_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 0.5
MARGIN_S = 2.0  # slack for a loaded machine: noticing the drop, closing the sinks


@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setattr(streams, "OPEN_TIMEOUT_S", OPEN_TIMEOUT_S)
    monkeypatch.setattr(streams, "READ_TIMEOUT_S", READ_TIMEOUT_S)


def analyse(url, model_files, tmp_path, *options):
    """main() on the stream, headless, writing CSV and JSON lines: (exit code, seconds)."""
    started = time.monotonic()
    code = main(["--source", url, "--model", str(model_files.model), "--no-display",
                 "--csv", str(tmp_path / "faces.csv"), "--jsonl", str(tmp_path / "faces.jsonl"),
                 *options])
    return code, time.monotonic() - started


def written(tmp_path, out: str) -> tuple[int, int, list[dict]]:
    """(frames, faces) from the summary line, and the CSV rows, checked against the JSONL."""
    match = SUMMARY.match(out.strip())
    assert match and len(out.splitlines()) == 1, out
    frames, with_face, faces = map(int, match.groups())
    with open(tmp_path / "faces.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    records = [json.loads(line) for line in (tmp_path / "faces.jsonl").read_text().splitlines()]
    assert len(rows) == len(records) == faces  # every face of every frame analysed, written
    assert [int(r["frame"]) for r in rows] == [r["frame"] for r in records]
    return frames, with_face, rows


def test_a_live_mjpeg_stream_is_analysed(video_cli_env, short_timeouts, tmp_path, capsys):
    # 12 frames, then the camera stalls, and every later connection is dropped: down for good
    with MjpegCamera([Serve(12, then="hang")]) as camera:
        code, _ = analyse(camera.url, video_cli_env, tmp_path, "--reconnect", "2")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    frames, with_face, rows = written(tmp_path, captured.out)
    # Live: a frame that came while the last was analysed replaces the one waiting.
    assert 1 <= frames <= 12 and with_face >= 1
    assert {r["face_id"] for r in rows} <= {"1"}  # one face, followed
    times = [float(r["time_s"]) for r in rows]
    assert times == sorted(times) and times[-1] < 12 / camera.fps + 5  # by the clock
    assert captured.err.splitlines()[-2:] == [
        f"{camera.url}: no frame for {READ_TIMEOUT_S:g} s; reopening it for up to 2 s",
        f"{camera.url}: no frames for 2 s after the stream dropped; ended"]


def test_a_camera_that_dies_mid_stream_ends_the_run_with_every_record_written(
        video_cli_env, tmp_path, capsys):
    with MjpegCamera([Serve(10)]) as camera:
        url = camera.url_with("viewer:secret")
        code, _ = analyse(url, video_cli_env, tmp_path, "--reconnect", "1",
                          "--output", str(tmp_path / "annotated.avi"),
                          "--summary", str(tmp_path / "summary.json"))
        ended = time.monotonic()
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert ended - camera.dropped_at < 1 + MARGIN_S
    frames, _, _ = written(tmp_path, captured.out)
    assert 1 <= frames <= 10
    assert len(read_video(tmp_path / "annotated.avi").frames) == frames
    shown = url.replace("viewer:secret@", "viewer:***@")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["source"] == shown and summary["frames"] == frames
    assert captured.err.splitlines()[-1] == (
        f"{shown}: no frames for 1 s after the stream dropped; ended")
    everything = captured.out + captured.err + "".join(
        p.read_text(errors="replace") for p in tmp_path.iterdir() if p.is_file())
    assert "secret" not in everything


@pytest.mark.parametrize("scheme, script", [("http", [Silent()]), ("http", [Drop()]),
                                            ("rtsp", None)], ids=["silent", "drop", "rtsp"])
def test_a_stream_that_cannot_be_opened_is_one_line(video_cli_env, short_timeouts, tmp_path,
                                                    capsys, scheme, script):
    with MjpegCamera(script or []) as camera:
        # an rtsp:// URL once gave "no such file"; nothing answers RTSP on the camera's port
        url = f"{scheme}://user:secret@127.0.0.1:{camera.port}/live"
        code, seconds = analyse(url, video_cli_env, tmp_path)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and "Traceback" not in captured.err
    assert captured.err.splitlines() == [
        f"{PREFIX} cannot open the stream {scheme}://user:***@127.0.0.1:{camera.port}/live: "
        f"no answer within {OPEN_TIMEOUT_S:g} s, refused, or not a video"]
    assert seconds < OPEN_TIMEOUT_S + MARGIN_S
    assert not any(tmp_path.iterdir())  # nothing written


def test_ctrl_c_while_a_stream_is_reopened_ends_the_run_cleanly(video_cli_env, tmp_path, capsys):
    interrupted = []

    def interrupt_while_waiting():
        deadline = time.monotonic() + 60
        # A second connection is the first attempt to reopen it: the run loop is reading.
        while len(camera.connected_at) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)  # then it waits before the next attempt
        interrupted.append(time.monotonic())
        _thread.interrupt_main()

    with MjpegCamera([Serve(6)]) as camera:
        thread = threading.Thread(target=interrupt_while_waiting, daemon=True)
        thread.start()
        code, _ = analyse(camera.url, video_cli_env, tmp_path, "--reconnect", "30")
        ended = time.monotonic()
        thread.join()
    captured = capsys.readouterr()
    assert code == 130, captured.err
    assert ended - interrupted[0] < 1.5
    assert captured.out.rstrip().endswith(" (interrupted)")
    written(tmp_path, captured.out.replace(" (interrupted)", ""))


@pytest.mark.parametrize("value, message", [
    ("-1", "argument --reconnect: expected 0 or more, got -1"),
    ("soon", "argument --reconnect: expected 0 or more, got 'soon'"),
    ("nan", "argument --reconnect: expected 0 or more, got nan"),
])
def test_bad_reconnect_values_are_one_line(capsys, value, message):
    with pytest.raises(SystemExit) as exit_:
        main(["--source", "rtsp://cam/live", "--no-display", "--reconnect", value])
    captured = capsys.readouterr()
    assert exit_.value.code == 2
    assert captured.err == f"real_time_video.py: error: {message} (see --help)\n"


@pytest.mark.parametrize("source, name", [
    ("0", "camera 0"), ("clips/talk.mp4", "talk.mp4"),
    ("rtsp://cam/stream1", "rtsp://cam/stream1"),
    ("rtsp://admin:secret@cam:554/stream1", "rtsp://admin:***@cam:554/stream1"),
])
def test_source_name_titles_a_stream_by_its_url_without_the_password(source, name):
    assert source_name(source) == name  # the window's and the timeline's title
