"""run(): one FrameResult per frame, annotated and written exactly once; the FPS meter and
the face selection as the loop's own state; stop requests, Ctrl-C, the summary line."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from facial_emotion.results import Face, FrameResult
from facial_emotion.video import (FpsMeter, Quit, RunSummary, Select, Sink, VideoInfo,
                                  annotate, run)

UNIFORM = np.full(7, 1 / 7, np.float32)


class ListSource:
    """What run() needs of a FrameSource: `info` and `timed()`; `times`: each frame's time
    from the container (default None: the container gives none)."""

    def __init__(self, frames, info: VideoInfo, times=None):
        self.frames, self.info = frames, info
        self.times = [None] * len(frames) if times is None else times

    def timed(self):
        return iter(zip(self.times, self.frames))


class RecordingSink(Sink):
    """Records every result; `requests` maps a write number (0-based) to what it returns."""

    def __init__(self, requests: dict | None = None):
        self.results: list[FrameResult] = []
        self.requests = requests or {}

    def write(self, result):
        self.results.append(result)
        return self.requests.get(len(self.results) - 1)


class MarkAnnotator:
    """Writes its `value` into pixel (0, 0) and records what it was given."""

    def __init__(self, value):
        self.value, self.seen = value, []

    def annotate(self, scene, result):
        self.seen.append((scene.shape, result))
        scene[0, 0] = self.value
        return scene


def scripted_detect(counts, interrupt_at: int | None = None):
    """Frame n has counts[n] faces, with ids 1, 2, ..."""
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


def info(n: int, fps: float = 10.0) -> VideoInfo:
    return VideoInfo(16, 12, fps, n)


@pytest.mark.parametrize("counts", [[0, 2, 0, 1, 0], [0, 0, 0], [3], []])
def test_every_frame_is_written_exactly_once_whatever_its_faces(counts):
    sinks = [RecordingSink(), RecordingSink()]
    summary = run(ListSource(frames(len(counts)), info(len(counts))), scripted_detect(counts),
                  [], sinks)
    for sink in sinks:
        assert [r.index for r in sink.results] == list(range(len(counts)))
        assert [len(r.faces) for r in sink.results] == counts
        assert all(isinstance(r, FrameResult) for r in sink.results)
    assert all(a is b for a, b in zip(*(sink.results for sink in sinks)))  # one result for all
    assert (summary.frames, summary.frames_with_faces, summary.faces) == (
        len(counts), sum(n > 0 for n in counts), sum(counts))
    assert not summary.interrupted


@pytest.mark.parametrize("source_info, times, expected", [
    # a file without frame times: index / fps
    (VideoInfo(16, 12, 10.0, 4), None, [0.0, 0.1, 0.2, 0.3]),
    (VideoInfo(16, 12, 4.0, 4), None, [0.0, 0.25, 0.5, 0.75]),
    # a file's own times, a variable frame rate's included, and index / fps where it has none
    (VideoInfo(16, 12, 10.0, 4), [0.0, 0.04, 0.5, 0.51], [0.0, 0.04, 0.5, 0.51]),
    (VideoInfo(16, 12, 10.0, 4), [0.0, None, None, None], [0.0, 0.1, 0.2, 0.3]),
    (VideoInfo(16, 12, 0.0, 1), None, [0.0]),                            # an image
    (VideoInfo(16, 12, 30.0, None, live=True), None, [0.5, 1.0, 1.5, 2.0]),  # a camera: the clock
    (VideoInfo(16, 12, 30.0, None, live=True), [9.0] * 4, [0.5, 1.0, 1.5, 2.0]),
])
def test_time_stamps(source_info, times, expected):
    sink = RecordingSink()
    run(ListSource(frames(len(expected)), source_info, times), scripted_detect([0] * 4), [],
        [sink], clock=fake_clock())
    assert [r.time_s for r in sink.results] == pytest.approx(expected)


@pytest.mark.parametrize("shape", [(12, 16), (12, 16, 1), (12, 16, 3), (12, 16, 4)])
def test_annotators_draw_in_order_on_a_bgr_copy(shape):
    first, second = MarkAnnotator((1, 2, 3)), MarkAnnotator((4, 5, 6))
    sink = RecordingSink()
    source_frames = frames(2, shape)
    originals = [frame.copy() for frame in source_frames]
    run(ListSource(source_frames, info(2)), scripted_detect([1, 0]), [first, second], [sink])
    assert [s for s, _ in first.seen] == [s for s, _ in second.seen] == [(12, 16, 3)] * 2
    # the annotators get the result as detected: the raw frame, its faces
    assert [len(r.faces) for _, r in first.seen] == [1, 0]
    assert first.seen[0][1].frame is source_frames[0]
    # the sinks get the annotated scene, BGR
    assert [tuple(r.frame[0, 0]) for r in sink.results] == [(4, 5, 6)] * 2
    assert [tuple(r.frame[1, 1]) for r in sink.results] == [(0, 0, 0), (1, 1, 1)]
    for frame, original in zip(source_frames, originals):  # the source's frames are untouched
        np.testing.assert_array_equal(frame, original)


def test_annotate_copies_and_keeps_the_rest_of_the_result():
    frame = np.zeros((12, 16, 3), np.uint8)
    result = FrameResult(3, 0.3, frame, (Face((0, 0, 5, 5), UNIFORM, 7),), 12.5, 7)
    drawn = annotate(result, [MarkAnnotator((9, 9, 9))])
    assert drawn.frame is not frame and frame[0, 0].tolist() == [0, 0, 0]
    assert drawn.frame[0, 0].tolist() == [9, 9, 9]
    assert (drawn.index, drawn.time_s, drawn.faces, drawn.fps, drawn.selected_id) == (
        3, 0.3, result.faces, 12.5, 7)


def test_a_quit_request_ends_the_loop_after_the_frame_is_written_everywhere():
    sinks = [RecordingSink({2: Quit()}), RecordingSink()]
    summary = run(ListSource(frames(10), info(10)), scripted_detect([1] * 10), [], sinks)
    assert summary.frames == 3 and not summary.interrupted
    assert [len(sink.results) for sink in sinks] == [3, 3]


def test_ctrl_c_stops_cleanly_after_the_frames_already_written():
    sink = RecordingSink()
    summary = run(ListSource(frames(10), info(10)), scripted_detect([1] * 10, interrupt_at=4),
                  [], [sink])
    assert summary.interrupted
    assert summary.frames == 4 and [r.index for r in sink.results] == [0, 1, 2, 3]
    assert summary.line().endswith("(interrupted)")


def test_the_loop_measures_fps_and_puts_it_in_each_result():
    sink = RecordingSink()
    summary = run(ListSource(frames(4), info(4)), scripted_detect([0] * 4), [], [sink],
                  clock=fake_clock(0.25), fps_meter=FpsMeter(smoothing=0.0))
    assert [r.fps for r in sink.results] == [None, pytest.approx(4.0), pytest.approx(4.0),
                                             pytest.approx(4.0)]
    assert summary.seconds > 0 and summary.fps > 0


class WaitingSink(RecordingSink):
    """A sink that spends `wait_s` of the (fake) clock per frame waiting on purpose, as the
    window does to show a video at its own pace."""

    def __init__(self, clock_state: list, wait_s: float):
        super().__init__()
        self.clock_state, self.wait_s = clock_state, wait_s

    def write(self, result):
        self.clock_state[0] += self.wait_s
        self.waited_s += self.wait_s
        return super().write(result)


def test_the_fps_is_the_pipelines_without_the_time_spent_pacing():
    now = [0.0]

    def clock():  # each reading moves 0.1 s on: the pipeline's own work
        now[0] += 0.1
        return now[0]

    sink = WaitingSink(now, wait_s=1.0)
    summary = run(ListSource(frames(4), info(4)), scripted_detect([0] * 4), [], [sink],
                  clock=clock, fps_meter=FpsMeter(smoothing=0.0))
    assert [r.fps for r in sink.results][1:] == [pytest.approx(10.0)] * 3  # not ~0.9
    assert summary.fps > 5


@pytest.mark.parametrize("smoothing, times, expected", [
    (0.0, [0.0], [None]),
    (0.0, [0.0, 0.5, 0.75], [None, 2.0, 4.0]),
    (0.5, [0.0, 0.5, 0.75], [None, 2.0, 3.0]),
    (0.9, [0.0, 0.1, 0.1], [None, 10.0, 10.0]),  # no time passed: the reading is kept
])
def test_fps_meter(smoothing, times, expected):
    meter = FpsMeter(smoothing)
    assert [meter.update(t) for t in times] == [
        None if e is None else pytest.approx(e) for e in expected]
    meter.reset()
    assert meter.fps is None and meter.update(5.0) is None


@pytest.mark.parametrize("smoothing", [-0.1, 1.0, float("nan")])
def test_fps_meter_rejects_bad_smoothing(smoothing):
    with pytest.raises(ValueError, match="expected smoothing"):
        FpsMeter(smoothing)


def faces_3_and_1(frame):
    """Face #3 first and larger, then face #1: the detector's order is not the ids' order."""
    return [Face((0, 0, 8, 8), UNIFORM, 3), Face((10, 0, 4, 4), UNIFORM, 1)]


@pytest.mark.parametrize("requests, expected_ids, expected_faces", [
    # no key: the largest face, #3
    ({}, [None] * 4, [3, 3, 3, 3]),
    # "1" pressed while frame 1 shows: face #1 from frame 2 on, although it is listed second
    ({1: Select(1)}, [None, None, 1, 1], [3, 3, 1, 1]),
    # "1", then "0" back to the largest face
    ({0: Select(1), 2: Select(None)}, [None, 1, 1, None], [3, 1, 1, 3]),
    # an id not in view: the largest face, until it appears
    ({0: Select(5)}, [None, 5, 5, 5], [3, 3, 3, 3]),
])
def test_number_keys_select_a_face_by_its_id(requests, expected_ids, expected_faces):
    window, data = RecordingSink(requests), RecordingSink()
    run(ListSource(frames(4), info(4)), faces_3_and_1, [], [data, window])
    for sink in (window, data):
        assert [r.selected_id for r in sink.results] == expected_ids
        assert [r.selected_face.track_id for r in sink.results] == expected_faces


def test_the_annotators_see_the_selection():
    marker = MarkAnnotator((1, 1, 1))
    run(ListSource(frames(2), info(2)), faces_3_and_1, [marker], [RecordingSink({0: Select(1)})])
    assert [r.selected_face.track_id for _, r in marker.seen] == [3, 1]


def test_a_still_image_is_drawn_again_for_the_window_when_a_face_is_selected():
    marker = MarkAnnotator((1, 1, 1))
    output = RecordingSink()
    window = RecordingSink({0: Select(1), 1: Select(None), 2: Quit()})
    summary = run(ListSource(frames(1), VideoInfo(16, 12, 0.0, 1)), faces_3_and_1, [marker],
                  [output, window])
    assert summary.frames == 1
    assert [r.selected_face.track_id for r in window.results] == [3, 1, 3]
    assert [r.index for r in window.results] == [0, 0, 0]
    assert [r.selected_face.track_id for r in output.results] == [3]  # written once
    assert len(marker.seen) == 3


def face(track_id, top):
    p = np.full(7, 0.05, np.float32)
    p[top] = 0.7
    return Face((0, 0, 5, 5), p, track_id)


@pytest.mark.parametrize("frames_faces, seconds, line", [
    ([], 0.0, "0 frames, 0 with a face, 0 faces, 0.0 fps; dominant emotion: none"),
    ([[face(1, 3)], [], [face(1, 3), face(2, 4)], [face(1, 0), face(2, 4)]], 2.0,
     "4 frames, 3 with a face, 5 faces, 2.0 fps; dominant emotion: #1 happy, #2 sad"),
    ([[face(12, 3)], [face(2, 4)]], 1.0,  # ids in numeric order
     "2 frames, 2 with a face, 2 faces, 2.0 fps; dominant emotion: #2 sad, #12 happy"),
    ([[face(None, 6)], [face(None, 6), face(None, 0)]], 4.0,
     "2 frames, 2 with a face, 3 faces, 0.5 fps; dominant emotion: neutral"),
])
def test_run_summary_line(frames_faces, seconds, line):
    summary = RunSummary()
    for index, faces in enumerate(frames_faces):
        summary.add(FrameResult(index, 0.0, np.zeros((2, 2, 3), np.uint8), faces))
    summary.seconds = seconds
    assert summary.line() == line
