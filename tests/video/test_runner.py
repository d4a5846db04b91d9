"""run(): every frame annotated and written exactly once, stop requests, Ctrl-C, the summary."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from facial_emotion.annotators import FpsAnnotator
from facial_emotion.detection import Face
from facial_emotion.video import RunSummary, Sink, VideoInfo, run

UNIFORM = np.full(7, 1 / 7, np.float32)


class ListSource:
    """What run() needs of a FrameSource: `info` and iteration."""

    def __init__(self, frames, info: VideoInfo):
        self.frames, self.info = frames, info

    def __iter__(self):
        return iter(self.frames)


class RecordingSink(Sink):
    def __init__(self, stop_after: int | None = None):
        self.writes, self.stop_after = [], stop_after

    def write(self, scene, faces, index, time_s):
        self.writes.append((scene.copy(), list(faces), index, time_s))
        if self.stop_after is not None and len(self.writes) >= self.stop_after:
            self.stop_requested = True


class MarkAnnotator:
    """Writes its `value` into pixel (0, 0) and records the scene it was given."""

    def __init__(self, value):
        self.value, self.shapes = value, []

    def annotate(self, scene, faces):
        self.shapes.append(scene.shape)
        scene[0, 0] = self.value
        return scene


def scripted_detect(counts, interrupt_at: int | None = None):
    calls = itertools.count()

    def detect(frame):
        call = next(calls)
        if call == interrupt_at:
            raise KeyboardInterrupt
        return [Face((10 * j, 0, 5, 5), UNIFORM, j + 1) for j in range(counts[call])]
    return detect


def fake_clock(step: float = 0.5):
    ticks = itertools.count()
    return lambda: next(ticks) * step


def frames(n: int, shape=(12, 16, 3)):
    return [np.full(shape, i, np.uint8) for i in range(n)]


@pytest.mark.parametrize("counts", [[0, 2, 0, 1, 0], [0, 0, 0], [3], []])
def test_every_frame_is_written_exactly_once_whatever_its_faces(counts):
    sinks = [RecordingSink(), RecordingSink()]
    summary = run(ListSource(frames(len(counts)), VideoInfo(16, 12, 10.0, len(counts))),
                  scripted_detect(counts), [], sinks)
    for sink in sinks:
        assert [index for _, _, index, _ in sink.writes] == list(range(len(counts)))
        assert [len(faces) for _, faces, _, _ in sink.writes] == counts
    assert (summary.frames, summary.frames_with_faces, summary.faces) == (
        len(counts), sum(n > 0 for n in counts), sum(counts))
    assert not summary.interrupted


@pytest.mark.parametrize("info, expected", [
    (VideoInfo(16, 12, 10.0, 4), [0.0, 0.1, 0.2, 0.3]),          # a file: index / fps
    (VideoInfo(16, 12, 4.0, 4), [0.0, 0.25, 0.5, 0.75]),
    (VideoInfo(16, 12, 0.0, 1), [0.0]),                            # an image
    (VideoInfo(16, 12, 30.0, None, live=True), [0.5, 1.0, 1.5, 2.0]),  # a camera: the clock
])
def test_time_stamps(info, expected):
    sink = RecordingSink()
    run(ListSource(frames(len(expected)), info), scripted_detect([0] * 4), [], [sink],
        clock=fake_clock())
    assert [time_s for _, _, _, time_s in sink.writes] == pytest.approx(expected)


@pytest.mark.parametrize("shape", [(12, 16), (12, 16, 1), (12, 16, 3), (12, 16, 4)])
def test_annotators_draw_in_order_on_a_bgr_scene(shape):
    first, second = MarkAnnotator((1, 2, 3)), MarkAnnotator((4, 5, 6))
    sink = RecordingSink()
    source_frames = frames(2, shape)
    run(ListSource(source_frames, VideoInfo(16, 12, 10.0, 2)), scripted_detect([1, 0]),
        [first, second], [sink])
    assert first.shapes == second.shapes == [(12, 16, 3)] * 2
    assert [tuple(scene[0, 0]) for scene, _, _, _ in sink.writes] == [(4, 5, 6)] * 2
    assert [tuple(scene[1, 1]) for scene, _, _, _ in sink.writes] == [(0, 0, 0), (1, 1, 1)]


def test_a_sink_asking_to_stop_ends_the_loop():
    sinks = [RecordingSink(stop_after=3), RecordingSink()]
    summary = run(ListSource(frames(10), VideoInfo(16, 12, 10.0, 10)),
                  scripted_detect([1] * 10), [], sinks)
    assert summary.frames == 3 and not summary.interrupted
    assert [len(sink.writes) for sink in sinks] == [3, 3]  # the frame is finished everywhere


def test_ctrl_c_stops_cleanly_after_the_frames_already_written():
    sink = RecordingSink()
    summary = run(ListSource(frames(10), VideoInfo(16, 12, 10.0, 10)),
                  scripted_detect([1] * 10, interrupt_at=4), [], [sink])
    assert summary.interrupted
    assert summary.frames == 4 and [index for _, _, index, _ in sink.writes] == [0, 1, 2, 3]
    assert summary.line().endswith("(interrupted)")


def test_fps_annotator_is_ticked_once_a_frame():
    fps = FpsAnnotator(smoothing=0.0)
    summary = run(ListSource(frames(4), VideoInfo(16, 12, 10.0, 4)), scripted_detect([0] * 4),
                  [fps], [RecordingSink()], clock=fake_clock(0.25))
    assert fps.fps == pytest.approx(4.0)  # one tick every 0.25 s of the fake clock
    assert summary.seconds > 0 and summary.fps > 0


def face(track_id, top):
    p = np.full(7, 0.05, np.float32)
    p[top] = 0.7
    return Face((0, 0, 5, 5), p, track_id)


@pytest.mark.parametrize("frames_faces, seconds, line", [
    ([], 0.0, "0 frames, 0 with a face, 0 faces, 0.0 fps; dominant emotion: none"),
    ([[face(1, 3)], [], [face(1, 3), face(2, 4)], [face(1, 0), face(2, 4)]], 2.0,
     "4 frames, 3 with a face, 5 faces, 2.0 fps; dominant emotion: #1 happy, #2 sad"),
    ([[face(None, 6)], [face(None, 6), face(None, 0)]], 4.0,
     "2 frames, 2 with a face, 3 faces, 0.5 fps; dominant emotion: neutral"),
])
def test_run_summary_line(frames_faces, seconds, line):
    summary = RunSummary()
    for faces in frames_faces:
        summary.add(faces)
    summary.seconds = seconds
    assert summary.line() == line
