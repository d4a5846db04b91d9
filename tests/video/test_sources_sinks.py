"""FrameSource (video file, image file, camera) and the sinks (video, image, CSV, JSONL)."""

from __future__ import annotations

import csv
import json
import logging

import cv2
import numpy as np
import pytest

from facial_emotion.errors import SourceError
from facial_emotion.labels import EMOTIONS
from facial_emotion.results import Face, FrameResult
from facial_emotion.video import (CsvSink, FrameSource, ImageFileSink, JsonlSink, Sink,
                                  TimelineSink, VideoFileSink, VideoInfo, face_record)
from tests.helpers_video import (CSV_COLUMNS, LANDMARK_COLUMNS, SINK_INFO as INFO, SINKS,
                                 read_video, synthetic_frames)


# --- FrameSource ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, count, width, height, fps", [
    ("clip.mp4", 12, 160, 120, 10.0),    # mp4v
    ("clip.avi", 12, 160, 120, 10.0),    # MJPG
    ("odd.avi", 3, 98, 62, 25.0),
    ("one.mp4", 1, 160, 120, 5.0),
])
def test_video_file_source(video_file, name, count, width, height, fps):
    path = video_file(name, count, width, height, fps)
    decoded = read_video(path).frames
    with FrameSource(path) as source:
        # a one-frame video is a still (see test_source_frames.py)
        assert source.info == (VideoInfo(width, height, fps, count, live=False) if count > 1
                               else VideoInfo(width, height, 0.0, 1))
        frames = list(source)
    assert len(frames) == count
    for frame, expected in zip(frames, decoded):
        assert frame.shape == (height, width, 3) and frame.dtype == np.uint8
        np.testing.assert_array_equal(frame, expected)


def test_video_source_accepts_a_string_path(video_file):
    with FrameSource(str(video_file("clip.avi", 4))) as source:
        assert sum(1 for _ in source) == 4


def write_image(path, image) -> None:
    assert cv2.imwrite(str(path), image)


BGR = synthetic_frames(1, 40, 30)[0]


@pytest.mark.parametrize("name, image, shape", [
    ("photo.png", BGR, (30, 40, 3)),
    ("gray.png", BGR[..., 0], (30, 40)),
    ("alpha.png", np.dstack([BGR, np.full((30, 40), 200, np.uint8)]), (30, 40, 4)),
    ("deep.png", (BGR[..., 0].astype(np.uint16) * 257), (30, 40)),      # 16-bit, made 8-bit
    ("photo.jpg", BGR, (30, 40, 3)),
    ("photo.bmp", BGR, (30, 40, 3)),
    ("PHOTO.PNG", BGR, (30, 40, 3)),
])
def test_image_file_source_yields_one_frame(tmp_path, name, image, shape):
    write_image(tmp_path / name, image)
    with FrameSource(tmp_path / name) as source:
        assert source.info == VideoInfo(40, 30, 0.0, 1, live=False)
        assert source.info.is_image
        frames = list(source)
    assert len(frames) == 1
    assert frames[0].shape == shape and frames[0].dtype == np.uint8
    if name.endswith((".png", ".PNG", ".bmp")) and image.dtype == np.uint8:
        np.testing.assert_array_equal(frames[0], image)  # lossless: exactly the pixels written


def test_sixteen_bit_image_is_scaled_to_eight_bits(tmp_path):
    image = np.zeros((4, 4), np.uint16)
    image[0, 0] = 1000
    write_image(tmp_path / "deep.png", image)
    (frame,) = FrameSource(tmp_path / "deep.png")
    assert frame.dtype == np.uint8 and frame.max() == 255 and frame.min() == 0


@pytest.mark.parametrize("name, content, message", [
    ("missing.mp4", None, "no such file"),
    ("notes.mp4", b"this is text, not a video\n" * 20, "not a readable video"),
    ("notes.avi", b"this is text, not a video\n" * 20, "not a readable video"),
    ("notes.txt", b"this is text\n", "not a readable video"),
    ("empty.mp4", b"", "not a readable video"),
    ("corrupt.jpg", b"\xff\xd8\xff\xe0 not really a jpeg" * 10, "not a readable image"),
    ("empty.png", b"", "not a readable image"),
    ("folder.mp4", "dir", "is a folder"),
])
def test_unreadable_sources_raise_source_error(tmp_path, name, content, message):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        FrameSource(path)


@pytest.mark.parametrize("as_text", [False, True])
def test_camera_that_cannot_be_opened(missing_camera, as_text):
    spec = str(missing_camera) if as_text else missing_camera
    with pytest.raises(SourceError, match=f"cannot open camera {missing_camera}"):
        FrameSource(spec)


# --- sinks ----------------------------------------------------------------------------------




@pytest.fixture
def out_dir(tmp_path):
    """An empty folder for outputs (matplotlib keeps its cache in tmp_path/xdg-cache)."""
    folder = tmp_path / "outputs"
    folder.mkdir()
    return folder


def listing(folder) -> list[str]:
    """Every name in `folder`, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir())


def result(index: int = 0, faces=(), frame=None, time_s: float | None = None) -> FrameResult:
    frame = np.zeros((120, 160, 3), np.uint8) if frame is None else frame
    return FrameResult(index, index / 10 if time_s is None else time_s, frame, tuple(faces))


@pytest.mark.parametrize("kind", list(SINKS))
def test_sink_to_a_missing_folder_raises_source_error(out_dir, kind):
    name, make = SINKS[kind]
    with pytest.raises(SourceError, match=r"its folder .*missing.* does not exist"):
        make(out_dir / "missing" / "deeper" / name)
    assert listing(out_dir) == []


@pytest.mark.parametrize("kind", list(SINKS))
def test_sink_to_a_folder_says_it_is_a_folder(out_dir, kind):
    (out_dir / "taken").mkdir()
    with pytest.raises(SourceError, match="it is a folder"):
        SINKS[kind][1](out_dir / "taken")
    assert listing(out_dir) == ["taken"]


@pytest.mark.parametrize("make_sink, message", [
    pytest.param(lambda path: VideoFileSink(path / "out.txt", INFO),
                 r"expected a video suffix \(.mp4, .*\), got '.txt'", id="video-txt"),
    pytest.param(lambda path: VideoFileSink(path / "out", INFO), "expected a video suffix",
                 id="video-no-suffix"),
    pytest.param(lambda path: VideoFileSink(path / "out.jpg", INFO),
                 r"a video cannot be written as an image \(.jpg\); use .mp4 or .avi",
                 id="video-jpg"),
    pytest.param(lambda path: VideoFileSink(path / "out.PNG", INFO),
                 "a video cannot be written as an image", id="video-png"),
    pytest.param(lambda path: ImageFileSink(path / "out.xyz"), "expected an image suffix",
                 id="image-xyz"),  # cv2.imwrite would raise cv2.error at close
    pytest.param(lambda path: ImageFileSink(path / "out.mp4"), "expected an image suffix",
                 id="image-mp4"),
    pytest.param(lambda path: TimelineSink(path / "out.txt", EMOTIONS),
                 r"expected a picture suffix \(.*\.png.*\), got '.txt'", id="timeline-txt"),
])
def test_sink_with_a_wrong_suffix_raises_source_error(out_dir, make_sink, message):
    with pytest.raises(SourceError, match=message):
        make_sink(out_dir)
    assert listing(out_dir) == []  # nothing created, not even a temporary file


@pytest.mark.parametrize("name, fps", [("out.mp4", 10.0), ("out.avi", 25.0), ("OUT.MP4", 10.0)])
def test_video_file_sink_writes_every_frame_and_appears_at_close(out_dir, name, fps):
    frames = synthetic_frames(6)
    frames[3] = cv2.cvtColor(frames[3], cv2.COLOR_BGR2GRAY)  # gray scenes are converted to BGR
    with VideoFileSink(out_dir / name, VideoInfo(160, 120, fps, None)) as sink:
        for i, frame in enumerate(frames):
            sink.write(result(i, frame=frame))
        assert not (out_dir / name).exists()  # still under its temporary name
    assert listing(out_dir) == [name]
    written = read_video(out_dir / name)
    assert len(written.frames) == 6 and written.frame_count == 6
    assert written.fps == pytest.approx(fps)
    assert all(frame.shape == (120, 160, 3) for frame in written.frames)


def test_video_file_sink_rejects_a_frame_of_another_size(out_dir):
    with pytest.raises(ValueError, match="expected frames of 160x120, got 80x60"):
        with VideoFileSink(out_dir / "out.mp4", INFO) as sink:
            sink.write(result(0, frame=np.zeros((60, 80, 3), np.uint8)))
    assert listing(out_dir) == []


@pytest.mark.parametrize("times, live, warned", [
    ([i / 10 for i in range(6)], False, False),          # a constant rate: index / fps
    ([0, 0.12, 0.19, 0.31, 0.4, 0.52], False, False),     # jitter under a frame
    ([0, 0.1, 0.2, 0.9, 1.0, 1.1], False, True),          # a pause: the rate varies
    ([0, 0.1, 0.2, 0.9, 1.0, 1.1], True, False),          # a camera's times are the clock's
])
def test_video_file_sink_says_once_that_it_cannot_keep_a_varying_rate(out_dir, caplog, times,
                                                                      live, warned):
    info = VideoInfo(160, 120, 10.0, None if live else 6, live=live)
    with caplog.at_level(logging.WARNING, logger="facial_emotion.video.sinks"):
        with VideoFileSink(out_dir / "out.mp4", info) as sink:
            for i, time_s in enumerate(times):
                sink.write(result(i, time_s=time_s))
    assert [r.getMessage() for r in caplog.records] == (
        [f"{out_dir / 'out.mp4'}: the source's frame rate varies, but the video is written at "
         "a constant 10 fps: every frame is kept, not its timing (the CSV and JSONL records "
         "keep each frame's own time)"] if warned else [])
    assert len(read_video(out_dir / "out.mp4").frames) == 6


def test_video_file_sink_that_cannot_finish_its_file_says_so(out_dir):
    """OpenCV reports no write errors; the file is read back at the end."""
    sink = VideoFileSink(out_dir / "out.mp4", INFO)
    sink.write(result(0))
    sink.writer.release()
    sink.pending.tmp.write_bytes(b"not a video any more")
    with pytest.raises(SourceError, match=r"cannot write .*out.mp4: the video is unreadable"):
        sink.close()
    assert listing(out_dir) == []


def test_image_file_sink_writes_the_last_scene_on_close(out_dir):
    first, last = synthetic_frames(2, 40, 30)
    with ImageFileSink(out_dir / "out.png") as sink:
        sink.write(result(0, frame=first))
        sink.write(result(1, frame=last))
        assert listing(out_dir) == []
    np.testing.assert_array_equal(cv2.imread(str(out_dir / "out.png")), last)
    assert listing(out_dir) == ["out.png"]


@pytest.mark.parametrize("kind", list(SINKS))
def test_a_sink_never_written_to_keeps_nothing(out_dir, kind):
    name, make = SINKS[kind]
    with make(out_dir / name):
        pass
    assert listing(out_dir) == []


@pytest.mark.parametrize("kind", list(SINKS))
def test_an_error_discards_the_output_and_keeps_the_old_file(out_dir, kind):
    name, make = SINKS[kind]
    (out_dir / name).write_bytes(b"the previous run's file")
    with pytest.raises(RuntimeError, match="boom"):
        with make(out_dir / name) as sink:
            sink.write(result(0, [Face((10, 20, 30, 40), probabilities(3), 1)]))
            raise RuntimeError("boom")
    assert listing(out_dir) == [name]
    assert (out_dir / name).read_bytes() == b"the previous run's file"


@pytest.mark.parametrize("kind", list(SINKS))
def test_ctrl_c_keeps_what_was_written(out_dir, kind):
    name, make = SINKS[kind]
    with pytest.raises(KeyboardInterrupt):
        with make(out_dir / name) as sink:
            sink.write(result(0, [Face((10, 20, 30, 40), probabilities(3), 1)]))
            raise KeyboardInterrupt
    assert listing(out_dir) == [name]
    assert (out_dir / name).stat().st_size > 0


@pytest.mark.parametrize("kind", list(SINKS))
def test_closing_twice_writes_once(out_dir, kind):
    name, make = SINKS[kind]
    sink = make(out_dir / name)
    sink.write(result(0))
    sink.close()
    first = (out_dir / name).stat()
    sink.close()
    sink.discard()
    assert listing(out_dir) == [name] and (out_dir / name).stat() == first


def probabilities(top: int) -> np.ndarray:
    p = np.full(7, 0.05, np.float32)
    p[top] = 0.7
    return p


# A face finder's landmarks (MTCNN's five), in frame pixels.
MARKS = [[18.04, 30.0], [33.96, 30.5], [26, 38], [20.25, 47.0], [32.75, 47.5]]
NO_MARKS = dict.fromkeys(LANDMARK_COLUMNS)
FRAMES = [
    # index, time_s, faces
    (0, 0.0, [Face((10, 20, 30, 40), probabilities(3), 1),
              Face((90, 20, 30, 40), probabilities(4), 2)]),
    (1, 0.1, []),
    (2, 0.2, [Face((12, 20, 30, 40), probabilities(3), 1, landmarks=MARKS)]),
    (3, 1 / 3, [Face((0, 0, 5, 5), np.array([0.123456789, 0, 0, 0, 0, 0, 0.876543211]), None)]),
]
SOURCE = "interviews/anna.mp4"  # every record names it
EXPECTED_RECORDS = [
    {"source": SOURCE, "frame": 0, "time_s": 0.0, "face_id": 1, "x": 10, "y": 20, "w": 30, "h": 40,
     **dict(zip(EMOTIONS, [0.05, 0.05, 0.05, 0.7, 0.05, 0.05, 0.05])), "emotion": "happy",
     **NO_MARKS},
    {"source": SOURCE, "frame": 0, "time_s": 0.0, "face_id": 2, "x": 90, "y": 20, "w": 30, "h": 40,
     **dict(zip(EMOTIONS, [0.05, 0.05, 0.05, 0.05, 0.7, 0.05, 0.05])), "emotion": "sad",
     **NO_MARKS},
    {"source": SOURCE, "frame": 2, "time_s": 0.2, "face_id": 1, "x": 12, "y": 20, "w": 30, "h": 40,
     **dict(zip(EMOTIONS, [0.05, 0.05, 0.05, 0.7, 0.05, 0.05, 0.05])), "emotion": "happy",
     **dict(zip(LANDMARK_COLUMNS, [18.0, 30.0, 34.0, 30.5, 26.0, 38.0, 20.2, 47.0, 32.8, 47.5]))},
    {"source": SOURCE, "frame": 3, "time_s": 0.3333, "face_id": None, "x": 0, "y": 0, "w": 5, "h": 5,
     **dict(zip(EMOTIONS, [0.12346, 0.0, 0.0, 0.0, 0.0, 0.0, 0.87654])), "emotion": "neutral",
     **NO_MARKS},
]


def write_frames(sink) -> None:
    for index, time_s, faces in FRAMES:
        sink.write(result(index, faces, time_s=time_s))


def test_face_record():
    assert [face_record(face, index, time_s, SOURCE) for index, time_s, faces in FRAMES
            for face in faces] == EXPECTED_RECORDS


def parse_csv_row(row: dict) -> dict:
    """Back to the types the records had: ints, floats, None for an empty face_id or
    landmark."""
    ints = ("frame", "face_id", "x", "y", "w", "h")
    return {key: (None if value == "" else int(value) if key in ints
                  else value if key in ("source", "emotion") else float(value))
            for key, value in row.items()}


def test_csv_sink_writes_one_row_per_face(out_dir):
    path = out_dir / "faces.csv"
    with CsvSink(path, EMOTIONS, source=SOURCE) as sink:
        write_frames(sink)
        # flushed after every frame: the temporary file holds every finished frame
        assert len(sink.pending.tmp.read_text().splitlines()) == 1 + len(EXPECTED_RECORDS)
        assert not path.exists()
    assert sink.file.closed
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == CSV_COLUMNS
    assert [parse_csv_row(row) for row in rows] == EXPECTED_RECORDS
    assert listing(out_dir) == ["faces.csv"]


def test_csv_sink_with_no_faces_writes_only_the_header(out_dir):
    with CsvSink(out_dir / "faces.csv", EMOTIONS) as sink:
        sink.write(result(0))
    assert (out_dir / "faces.csv").read_text().splitlines() == [",".join(CSV_COLUMNS)]


def test_jsonl_sink_writes_the_same_records(out_dir):
    path = out_dir / "faces.jsonl"
    with JsonlSink(path, source=SOURCE) as sink:
        write_frames(sink)
        assert len(sink.pending.tmp.read_text().splitlines()) == len(EXPECTED_RECORDS)
    assert sink.file.closed
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records == EXPECTED_RECORDS
    assert [list(record) for record in records] == [CSV_COLUMNS] * len(records)


def test_sink_base_class():
    sink = Sink()
    assert sink.written == 0
    with pytest.raises(NotImplementedError):
        sink.write(result(0))
    with sink as entered:
        assert entered is sink
