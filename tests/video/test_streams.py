"""Network streams: which specs are streams, passwords masked, and FrameSource reading an MJPEG
camera on 127.0.0.1 (tests/mjpeg_camera.py) that serves, stalls, drops, comes back or never
answers. Timeouts are cut to fractions of a second so that each test takes a few seconds."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from facial_emotion.errors import SourceError
from facial_emotion.video import FrameSource, is_stream, masked, streams
from facial_emotion.video.sources import check_source
from tests.mjpeg_camera import SIZE, Drop, MjpegCamera, Serve, Silent, marks

OPEN_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 0.5
MARGIN_S = 1.5  # slack for a loaded machine on top of a timeout or the reconnect time
READER = "frame-read-ahead"


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch):
    monkeypatch.setattr(streams, "OPEN_TIMEOUT_S", OPEN_TIMEOUT_S)
    monkeypatch.setattr(streams, "READ_TIMEOUT_S", READ_TIMEOUT_S)


def readers_gone(within_s: float = 2.0) -> bool:
    """Whether every read-ahead thread has ended within `within_s` (a stream's may still be
    inside an open or read that its timeout ends)."""
    deadline = time.monotonic() + within_s
    while any(t.name == READER for t in threading.enumerate()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("spec, expected", [
    ("rtsp://cam/stream1", True), ("RTSP://cam:554/live", True), ("rtsps://cam/1", True),
    ("http://127.0.0.1:8080/video.mjpg", True), ("https://cam/mjpg", True),
    ("rtmp://cam/live", False), ("udp://239.0.0.1:1234", False), ("file:///tmp/a.mp4", False),
    ("0", False), (0, False), ("clip.mp4", False), ("http:/cam", False),
    (Path("http://cam/x"), False),  # a Path is a file: its "//" is already gone
])
def test_is_stream(spec, expected):
    assert is_stream(spec) is expected


@pytest.mark.parametrize("url, shown", [
    ("rtsp://user:secret@cam:554/stream1", "rtsp://user:***@cam:554/stream1"),
    ("http://admin:p@ss@10.0.0.2/video.mjpg", "http://admin:***@10.0.0.2/video.mjpg"),
    ("rtsp://:secret@cam/1", "rtsp://:***@cam/1"),
    ("https://user:secret@cam?x=1", "https://user:***@cam?x=1"),
    ("rtsp://user@cam/1", "rtsp://user@cam/1"),          # no password: nothing to hide
    ("http://cam/a:b@c", "http://cam/a:b@c"),            # an "@" in the path is no user info
    ("rtsp://cam/1", "rtsp://cam/1"), ("clip.mp4", "clip.mp4"),
])
def test_masked(url, shown):
    assert masked(url) == shown


@pytest.mark.parametrize("spec, message", [
    ("rtsp://cam/stream1", None),  # checked without opening: no camera needed
    ("http://user:secret@cam/x", None),
    ("rtsp://", "expected a stream URL with a host, e.g. rtsp://camera/stream, got rtsp://"),
    ("http:///video.mjpg", "expected a stream URL with a host"),
    ("rtsp://user:secret@/live", "expected a stream URL with a host, e.g. rtsp://camera/stream, "
                                 "got rtsp://user:***@/live"),
    ("rtmp://user:secret@cam/live", "expected a stream URL (rtsp://, rtsps://, http:// or "
                                    "https://) or a file, got rtmp://user:***@cam/live"),
])
def test_check_source_of_urls(spec, message):
    if message is None:
        check_source(spec)
        return
    with pytest.raises(SourceError, match=re.escape(message)):
        check_source(spec)


@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_stream_reads_like_a_camera(read_ahead):
    with MjpegCamera([Serve(8)]) as camera, \
            FrameSource(camera.url, read_ahead=read_ahead, reconnect_s=0) as source:
        assert source.info.live and source.info.frame_count is None
        assert (source.info.width, source.info.height) == SIZE
        timed = list(source.timed())
    assert all(time_s is None for time_s, _ in timed)  # the run loop times them by the clock
    got = [marks(frame) for _, frame in timed]
    if read_ahead:
        # A caller slower than the stream skips frames, never the last; the order is kept.
        assert got[-1] == (0, 7) and got == sorted(set(got)) and got[0] == (0, 0)
    else:
        assert got == [(0, i) for i in range(8)]


def test_a_stream_that_drops_and_comes_back_goes_on(caplog):
    script = [Serve(4), Drop(), Serve(4)]  # the second connection fails: a restart
    with MjpegCamera(script) as camera, caplog.at_level(logging.INFO, streams.__name__), \
            FrameSource(camera.url, read_ahead=False, reconnect_s=2) as source:
        got = [marks(frame) for frame in source]
    assert got == [(0, i) for i in range(4)] + [(2, i) for i in range(4)]
    messages = [r.getMessage() for r in caplog.records]
    dropped = f"{camera.url}: the stream dropped; reopening it for up to 2 s"
    assert messages[0] == messages[2] == dropped and len(messages) == 4
    assert re.fullmatch(rf"{re.escape(camera.url)}: back after \d+\.\d s", messages[1])
    assert messages[3] == f"{camera.url}: no frames for 2 s after the stream dropped; ended"
    # after each drop: one attempt at once, then the wait doubles from 0.5 s
    first, *rest = [b - a for a, b in zip(camera.connected_at, camera.connected_at[1:])]
    assert first < 0.5 + 4 * 0.05 + MARGIN_S  # 4 frames at 20 fps, then at once
    assert rest[0] >= 0.45 and rest[2] >= 0.45 and rest[3] >= 0.95


@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_stream_that_drops_for_good_ends_within_the_reconnect_time(caplog, read_ahead):
    with MjpegCamera([Serve(5)]) as camera, caplog.at_level(logging.INFO, streams.__name__), \
            FrameSource(camera.url, read_ahead=read_ahead, reconnect_s=1.0) as source:
        count = sum(1 for _ in source)
        ended = time.monotonic()
    assert camera.dropped.is_set() and 1 <= count <= camera.sent[0] == 5
    assert 1.0 <= ended - camera.dropped_at < 1.0 + MARGIN_S
    assert caplog.records[-1].getMessage().endswith(
        "no frames for 1 s after the stream dropped; ended")
    assert readers_gone()


def test_a_stall_is_noticed_by_the_read_timeout(caplog):
    with MjpegCamera([Serve(3, then="hang")]) as camera, caplog.at_level(logging.WARNING), \
            FrameSource(camera.url, read_ahead=False, reconnect_s=0) as source:
        started = time.monotonic()
        got = [marks(frame) for frame in source]
        waited = time.monotonic() - started
    assert got == [(0, 0), (0, 1), (0, 2)]
    assert READ_TIMEOUT_S <= waited < READ_TIMEOUT_S + MARGIN_S
    assert [r.getMessage() for r in caplog.records] == [
        f"{camera.url}: no frame for 0.5 s; ended (reconnecting is off)"]


@pytest.mark.parametrize("step", ["silent", "dropped", "refused"])
def test_a_stream_that_cannot_be_opened_is_one_line_naming_it_masked(step):
    script = {"silent": [Silent()], "dropped": [Drop()], "refused": []}[step]
    with MjpegCamera(script) as camera:
        port = closed_port() if step == "refused" else camera.port
        url = f"http://user:secret@127.0.0.1:{port}/video.mjpg"
        started = time.monotonic()
        with pytest.raises(SourceError) as error:
            FrameSource(url)
        waited = time.monotonic() - started
    assert str(error.value) == (
        f"cannot open the stream http://user:***@127.0.0.1:{port}/video.mjpg: no answer "
        f"within {OPEN_TIMEOUT_S:g} s, refused, or not a video")
    assert waited < OPEN_TIMEOUT_S + MARGIN_S


def test_an_rtsp_url_is_opened_as_a_stream_not_a_file():
    port = closed_port()
    with pytest.raises(SourceError, match=f"cannot open the stream rtsp://127.0.0.1:{port}/"):
        FrameSource(f"rtsp://127.0.0.1:{port}/live")


def test_closing_during_a_reconnect_wait_is_prompt():
    with MjpegCamera([Serve(2)]) as camera:
        source = FrameSource(camera.url, reconnect_s=30)
        frames = source.timed()
        assert len([next(frames), next(frames)]) == 2
        assert camera.dropped.wait(5)
        time.sleep(0.8)  # the reader is now waiting between attempts
        started = time.monotonic()
        frames.close()
        source.close()
        assert time.monotonic() - started < 0.6
        assert readers_gone(OPEN_TIMEOUT_S + MARGIN_S)


@pytest.mark.parametrize("reconnect_s", [-1, float("nan")])
def test_a_negative_reconnect_time_is_refused(reconnect_s):
    with pytest.raises(ValueError, match=f"expected reconnect_s of 0 or more, got {reconnect_s}"):
        streams.StreamCapture("http://127.0.0.1:9/x", reconnect_s)
