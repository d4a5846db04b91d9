"""Per-face statistics (EmotionTally, --summary's JSON) and the emotion timeline picture."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from facial_emotion.annotators import EMOTION_COLORS
from facial_emotion.labels import EMOTIONS
from facial_emotion.results import Face, FrameResult
from facial_emotion.video import EmotionTally, SummarySink, TimelineSink
from facial_emotion.video.timeline import emotion_rgb


def probabilities(top: int, p: float = 0.7) -> np.ndarray:
    out = np.full(7, (1 - p) / 6, np.float32)
    out[top] = p
    return out


def face(track_id, top, p=0.7):
    return Face((0, 0, 10, 10), probabilities(top, p), track_id)


def results(frames_faces, fps: float = 10.0):
    return [FrameResult(i, i / fps, np.zeros((4, 4, 3), np.uint8), tuple(faces))
            for i, faces in enumerate(frames_faces)]


# Face #2 is happy then sad (sad wins on the mean); #1 is only seen in frames 0 and 3.
SCRIPT = [[face(2, 3, 0.6), face(1, 0)], [face(2, 4, 0.9)], [], [face(1, 0), face(2, 4, 0.9)]]


def test_tally_counts_frames_and_means_per_id():
    tally = EmotionTally(EMOTIONS)
    for r in results(SCRIPT):
        tally.update(r)
    assert list(tally.faces) == [2, 1]
    assert (tally.faces[2].frames, tally.faces[2].first_s, tally.faces[2].last_s) == (3, 0.0, 0.3)
    np.testing.assert_allclose(tally.faces[2].mean,
                               (probabilities(3, 0.6) + 2 * probabilities(4, 0.9)) / 3, rtol=1e-6)
    assert tally.dominant() == {1: "angry", 2: "sad"}  # in id order
    tally.reset()
    assert tally.faces == {} and tally.class_names == EMOTIONS


def test_summary_sink_writes_json_per_face(tmp_path):
    path = tmp_path / "summary.json"
    with SummarySink(path, EMOTIONS, source="clip.mp4") as sink:
        for r in results(SCRIPT + [[face(None, 6)]]):
            sink.write(r)
        assert not path.exists()  # written in one go at the end
    summary = json.loads(path.read_text())
    assert summary["source"] == "clip.mp4" and summary["frames"] == 5
    assert summary["class_names"] == list(EMOTIONS)
    assert [(f["face_id"], f["frames"], f["first_s"], f["last_s"], f["dominant"])
            for f in summary["faces"]] == [(1, 2, 0.0, 0.3, "angry"), (2, 3, 0.0, 0.3, "sad"),
                                           (None, 1, 0.4, 0.4, "neutral")]
    for record in summary["faces"]:
        assert list(record["mean_probabilities"]) == list(EMOTIONS)
        assert sum(record["mean_probabilities"].values()) == pytest.approx(1, abs=1e-4)
    assert summary["faces"][1]["mean_probabilities"]["sad"] == pytest.approx(
        (0.4 / 6 + 1.8) / 3, abs=1e-5)


def test_summary_of_a_run_without_faces(tmp_path):
    with SummarySink(tmp_path / "s.json", EMOTIONS) as sink:
        sink.write(results([[]])[0])
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["frames"] == 1 and summary["faces"] == []


@pytest.mark.parametrize("index, name", list(enumerate(EMOTIONS)))
def test_timeline_colours_are_the_annotators_bgr_colours_as_rgb(index, name):
    b, g, r = EMOTION_COLORS[index]
    assert emotion_rgb(name, index) == pytest.approx((r / 255, g / 255, b / 255))


def test_timeline_colours_follow_the_name_not_the_position():
    assert emotion_rgb("happy", 0) == emotion_rgb("happy", 3)


def draw(folder, frames_faces, **kwargs):
    sink = TimelineSink(folder / "unused.png", EMOTIONS, **kwargs)
    for r in results(frames_faces):
        sink.write(r)
    return sink.figure()


def panels(fig):
    return [ax for ax in fig.axes if ax.get_ylabel()]


def test_timeline_has_one_panel_per_id_with_seven_coloured_lines(tmp_path):
    fig = draw(tmp_path, SCRIPT, title="clip.mp4")
    axes = panels(fig)
    assert [ax.get_ylabel() for ax in axes] == ["face #1", "face #2"]
    for ax in axes:
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == list(EMOTIONS)
        assert [to_rgb(line.get_color()) for line in lines] == [
            pytest.approx(emotion_rgb(name, i)) for i, name in enumerate(EMOTIONS)]
    assert axes[-1].get_xlabel() == "time (s)"
    assert "clip.mp4" in fig._suptitle.get_text()
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == list(EMOTIONS)


def test_timeline_x_is_seconds_and_breaks_where_a_face_was_away(tmp_path):
    axes = panels(draw(tmp_path, SCRIPT))
    times_1 = axes[0].get_lines()[0].get_xdata()
    # face #1 seen at 0.0 s and 0.3 s, away in between: a NaN breaks the line
    assert np.isnan(times_1[1]) and list(times_1[[0, 2]]) == pytest.approx([0.0, 0.3])
    happy_2 = axes[1].get_lines()[3].get_ydata()  # #2: frames 0, 1 and 3
    assert list(happy_2) == pytest.approx([0.6, 0.1 / 6, np.nan, 0.1 / 6], abs=1e-6,
                                          nan_ok=True)


def test_untracked_faces_share_a_panel_as_dots(tmp_path):
    (ax,) = panels(draw(tmp_path, [[face(None, 1), face(None, 2)], [face(None, 1)]]))
    assert ax.get_ylabel() == "untracked faces"
    assert all(line.get_linestyle() == "None" and line.get_marker() == "."
               for line in ax.get_lines())


def test_timeline_keeps_the_ids_seen_longest_when_there_are_too_many(tmp_path):
    frames = [[face(i, 0) for i in range(1, 6) if n % i == 0] for n in range(12)]
    fig = draw(tmp_path, frames, max_panels=2)
    assert [ax.get_ylabel() for ax in panels(fig)] == ["face #1", "face #2"]
    assert "3 faces seen in fewer frames not shown" in fig._suptitle.get_text()


def test_timeline_without_faces_says_so(tmp_path):
    fig = draw(tmp_path, [[], []])
    assert any(t.get_text() == "no faces found" for t in fig.axes[0].texts)


@pytest.mark.parametrize("name", ["timeline.png", "timeline.svg", "timeline.pdf"])
def test_timeline_sink_writes_the_picture_at_close(tmp_path, name):
    path = tmp_path / name
    with TimelineSink(path, EMOTIONS) as sink:
        for r in results(SCRIPT):
            sink.write(r)
        assert not path.exists()
    assert path.stat().st_size > 1000
    if name.endswith(".png"):
        image = cv2.imread(str(path))
        assert image.shape[1] == 1000 and image.shape[0] > 300  # 10 in wide at 100 dpi
        # the happy line's colour is in the picture, as RGB turned back into BGR
        happy = np.array(EMOTION_COLORS[3])
        assert (np.abs(image.astype(int) - happy).sum(axis=2) < 30).sum() > 50


def test_timeline_rejects_bad_max_panels(tmp_path):
    with pytest.raises(ValueError, match="max_panels"):
        TimelineSink(tmp_path / "t.png", EMOTIONS, max_panels=0)
