"""A network camera for the stream tests: MJPEG over HTTP (multipart/x-mixed-replace, which
FFmpeg's mpjpeg demuxer reads) from a server on 127.0.0.1, on a port the system picks.

Each connection follows the next step of a script: `Serve` sends frames, then closes the
connection (the stream drops) or keeps it open and sends nothing (it stalls); `Drop` closes a
connection unanswered, as a camera that is restarting; `Silent` accepts and never answers.
Connections past the script are dropped: the camera stays down. Frames are a scene with a
real face (tests/scenes.py), marked with the connection and frame number (`marks`), BGR.
Nothing here reaches past the loopback.
"""

from __future__ import annotations

import http.server
import socketserver
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from tests.scenes import Placed, compose

BOUNDARY = "frame"
MARK = 16  # side of the two marker squares in the top-left corner, pixels
SIZE = (320, 240)


@dataclass(frozen=True)
class Serve:
    frames: int
    then: str = "close"  # "close": drop the connection; "hang": keep it open, sending nothing


@dataclass(frozen=True)
class Drop:
    pass


@dataclass(frozen=True)
class Silent:
    pass


def scene() -> np.ndarray:
    """320x240 BGR: one face the size of a person near a webcam."""
    return compose(*SIZE, [Placed(110, 30, 110)])


def marked(image: np.ndarray, connection: int, index: int) -> np.ndarray:
    """`image` with the connection (0-2) and frame (0-29) numbers as two flat gray squares,
    coarse enough that JPEG keeps them."""
    image = image.copy()
    image[:MARK, :MARK] = 40 + 80 * connection
    image[:MARK, MARK:2 * MARK] = 8 * (index + 1)
    return image


def marks(frame: np.ndarray) -> tuple[int, int]:
    """(connection, index) that `marked` put into a frame, after JPEG."""
    first = float(frame[2:MARK - 2, 2:MARK - 2].mean())
    second = float(frame[2:MARK - 2, MARK + 2:2 * MARK - 2].mean())
    return round((first - 40) / 80), round(second / 8) - 1


class MjpegCamera:
    """Context manager: the camera serving `script` at `fps`; `url` names it. `sent[n]` is the
    number of frames connection n was sent, `connected_at` when each connection came, and
    `dropped` is set when a Serve step closed its connection (`dropped_at` the time)."""

    def __init__(self, script, fps: float = 20.0, image: np.ndarray | None = None):
        self.script, self.fps = list(script), fps
        self.image = scene() if image is None else image
        self.sent: dict[int, int] = {}
        self.connected_at: list[float] = []
        self.dropped = threading.Event()
        self.dropped_at: float | None = None
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/video.mjpg"
        # polled every 50 ms, not 0.5 s, so that closing the camera is quick
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="mjpeg-camera")

    def url_with(self, userinfo: str) -> str:
        return f"http://{userinfo}@127.0.0.1:{self.port}/video.mjpg"

    def __enter__(self) -> "MjpegCamera":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()  # a silent or hanging connection lets go
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _next_step(self) -> tuple[int, object]:
        with self._lock:
            number = len(self.connected_at)
            self.connected_at.append(time.monotonic())
        return number, self.script[number] if number < len(self.script) else Drop()

    def _serve(self, handler, number: int, step: Serve) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        handler.send_header("Cache-Control", "no-cache")
        handler.end_headers()
        self.sent[number] = 0
        for index in range(step.frames):
            if self._closing.wait(1 / self.fps if index else 0):
                return
            jpeg = cv2.imencode(".jpg", marked(self.image, number, index),
                                [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
            handler.wfile.write(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                                f"Content-Length: {len(jpeg)}\r\n\r\n".encode() + jpeg + b"\r\n")
            handler.wfile.flush()
            self.sent[number] += 1
        if step.then == "hang":
            self._closing.wait()
            return
        self.dropped_at = self.dropped_at or time.monotonic()
        self.dropped.set()


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def _handler_for(camera: MjpegCamera):
    class Handler(http.server.BaseHTTPRequestHandler):
        def handle(self):
            self.number, self.step = camera._next_step()
            if isinstance(self.step, Silent):
                camera._closing.wait()
            elif isinstance(self.step, Serve):
                super().handle()
            # Drop, or done: socketserver closes the connection when this returns

        def do_GET(self):
            self.close_connection = True
            try:
                camera._serve(self, self.number, self.step)
            except (BrokenPipeError, ConnectionResetError):  # the reader went away first
                pass

        def log_message(self, *args):  # quiet: the tests look at what the reader saw
            pass

    return Handler
