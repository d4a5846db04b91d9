"""real_time_video.py with its real OpenCV window, on a virtual X display (Xvfb).

The video is short, so the loop ends by itself without a key press. cv2.imshow is wrapped to
record what the window was given; when `xwd` is installed, a screenshot of the display also
shows that the annotated frame really reached the screen. The window is titled after the
source and opens scaled to the screen (1024x768 here), keeping the frame's aspect ratio, and
a video file plays at its own pace.
"""

from __future__ import annotations

import os
import select
import shutil
import struct
import subprocess
import time

import cv2
import numpy as np
import pytest

from facial_emotion.annotators import EMOTION_COLORS
from facial_emotion.cli.video import main
from facial_emotion.video.window import window_size
from tests.helpers_video import read_video, synthetic_frames, write_video

TITLE = "clip.avi - facial emotion"
SCREEN = (1024, 768)
BOX = (230, 100, 60, 60)  # right of the probability panel, which takes the top left
# No face in frame 0; the face is seen from frame 1 and shown from frame 2, once confirmed.
SCRIPT = [[]] + [[(BOX[0] + i, *BOX[1:])] for i in range(1, 8)]
FIRST_SHOWN = 2


@pytest.fixture(scope="session")
def xvfb_display():
    """A virtual X display, ':N' on a free N that Xvfb picks itself (-displayfd); stopped at
    the end of the session, after OpenCV's window is gone."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb not installed")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        number = os.read(read_fd, 32).decode().strip() if ready else ""
        if not number:
            pytest.fail(f"Xvfb did not report a display within 30 s (exit code {server.poll()})")
        yield f":{number}"
    finally:
        os.close(read_fd)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def xwd_screenshot(display: str) -> np.ndarray | None:
    """The whole screen as a BGR array via `xwd`, or None when xwd is not installed."""
    if shutil.which("xwd") is None:
        return None
    data = subprocess.run(["xwd", "-root", "-silent", "-display", display], check=True,
                          capture_output=True, timeout=30).stdout
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    ncolors = fields[19]
    masks = fields[14:17]
    stride = bits_per_pixel // 8  # rows may be padded beyond width * stride
    if stride not in (3, 4) or masks != (0xFF0000, 0xFF00, 0xFF):
        pytest.fail(f"unexpected xwd pixel format: header {fields}")
    start = header_size + 12 * ncolors
    pixels = np.frombuffer(data, np.uint8, height * bytes_per_line, start)
    pixels = pixels.reshape(height, bytes_per_line)[:, :width * stride]
    pixels = pixels.reshape(height, width, stride)
    # red mask 0xff0000: LSB-first bytes are B, G, R (, pad); MSB-first the reverse
    return pixels[..., :3] if byte_order == 0 else pixels[..., stride - 3:][..., ::-1]


def screen_colors(screenshot: np.ndarray) -> dict[tuple, int]:
    """Pixels of each bar colour and of the green FPS text. The window may scale the image,
    but solid fills keep their exact colours."""
    pixels = screenshot.reshape(-1, 3)
    return {color: int(np.all(pixels == color, axis=1).sum())
            for color in [*(tuple(c) for c in EMOTION_COLORS), (0, 255, 0)]}


def test_window_shows_annotated_frames(xvfb_display, video_cli_env, scripted_faces, tmp_path,
                                       monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", xvfb_display)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    path = write_video(tmp_path / "clip.avi", synthetic_frames(len(SCRIPT), 320, 240), 10.0)
    raw = read_video(path).frames
    scripted_faces(SCRIPT)

    shown, visible, screenshots, rects = [], [], [], []
    real_imshow = cv2.imshow

    def recording_imshow(title, image):
        shown.append((title, image.copy()))
        real_imshow(title, image)
        visible.append(cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE))
        rects.append(cv2.getWindowImageRect(title))
        if len(shown) == len(SCRIPT) - 1:
            # Let the window paint before the screenshot; a loaded machine may need a while.
            for _ in range(15):
                cv2.waitKey(200)
                screenshots.append(xwd_screenshot(xvfb_display))
                shot = screenshots[-1]
                if shot is None or all(n >= 20 for n in screen_colors(shot).values()):
                    break

    monkeypatch.setattr(cv2, "imshow", recording_imshow)
    code = main(["--source", str(path), "--model", str(video_cli_env.model)])  # a window
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith(
        f"{len(SCRIPT)} frames, {len(SCRIPT) - FIRST_SHOWN} with a face")

    assert [title for title, _ in shown] == [TITLE] * len(SCRIPT)
    assert visible[-1] >= 1, visible  # a real, visible window on the display
    # 320x240 frames, shown at 70% of the 1024x768 screen: scaled up, same aspect ratio
    _, _, width, height = rects[-1]
    assert (width, height) == pytest.approx(window_size((320, 240), SCREEN), abs=4)
    np.testing.assert_array_equal(shown[0][1], raw[0])  # no face, no FPS yet: nothing drawn
    emotion_colors = {tuple(color) for color in EMOTION_COLORS}
    for i in range(FIRST_SHOWN, len(SCRIPT)):
        scene = shown[i][1]
        assert scene.shape == raw[i].shape
        # the probability panel changes the top left, the box's bottom edge has an emotion
        # colour, and the bottom right corner, away from both, is untouched
        assert np.abs(scene[:80, :100].astype(int) - raw[i][:80, :100]).mean() > 20
        x, y, w, h = SCRIPT[i][0]
        assert tuple(int(v) for v in scene[y + h - 1, x + w // 2]) in emotion_colors
        np.testing.assert_array_equal(scene[200:, 300:], raw[i][200:, 300:])

    screenshot = screenshots[-1]
    if screenshot is not None:  # optional: the annotations as they reached the screen
        counts = screen_colors(screenshot)
        assert all(n >= 20 for n in counts.values()), counts


CLIP_FPS = 24.7  # the clip, which the window used to show in a quarter of its time


def test_the_window_plays_a_video_file_at_its_own_pace(xvfb_display, video_cli_env,
                                                       scripted_faces, tmp_path, monkeypatch,
                                                       capsys):
    monkeypatch.setenv("DISPLAY", xvfb_display)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    frames = 16
    path = write_video(tmp_path / "clip.avi", synthetic_frames(frames, 320, 240), CLIP_FPS)
    scripted_faces([])
    shown_at = []
    real_imshow = cv2.imshow

    def timed_imshow(title, image):
        shown_at.append(time.monotonic())
        real_imshow(title, image)

    monkeypatch.setattr(cv2, "imshow", timed_imshow)
    code = main(["--source", str(path), "--model", str(video_cli_env.model)])
    assert code == 0, capsys.readouterr().err
    assert len(shown_at) == frames
    rate = (frames - 1) / (shown_at[-1] - shown_at[0])
    assert rate <= 1.15 * CLIP_FPS  # not faster: safe however busy the machine is
