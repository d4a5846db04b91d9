"""analyze(): every face of every frame of a folder as a DataFrame, equal to the CSV that
real_time_video.py writes for the same folder, with the documented dtypes."""

from __future__ import annotations

import pandas as pd
import pytest

from facial_emotion import SourceError, analyze
from facial_emotion.cli.video import main
from facial_emotion.labels import EMOTIONS
from tests.batch.media import GOOD, clip, mixed_folder
from tests.helpers_video import CSV_COLUMNS, LANDMARK_COLUMNS

DTYPES = {"source": "category", "frame": "int64", "time_s": "float64", "face_id": "Int64",
          "x": "int64", "y": "int64", "w": "int64", "h": "int64",
          **dict.fromkeys(EMOTIONS, "float64"), "emotion": "category",
          **dict.fromkeys(LANDMARK_COLUMNS, "float64")}


@pytest.fixture
def media(tmp_path):
    return mixed_folder(tmp_path / "in")


def cli_csv(env, tmp_path, sources, *options) -> pd.DataFrame:
    """The CSV of real_time_video.py for `sources`, read by pandas."""
    path = tmp_path / "f.csv"
    code = main(["--source", *map(str, sources), "--model", str(env.model), "--no-display",
                 "--csv", str(path), *options])
    assert code in (0, 1)
    return pd.read_csv(path)


def as_read_from_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the types pandas gives the CSV's columns."""
    return frame.astype({"source": str, "emotion": str, "face_id": "float64"
                         if frame["face_id"].isna().any() else "int64"})


def test_a_folder_gives_the_csv_of_the_same_run(video_cli_env, media, tmp_path, capsys):
    frame = analyze(media, model=str(video_cli_env.model))
    assert list(frame.columns) == CSV_COLUMNS
    assert frame.dtypes.astype(str).to_dict() == DTYPES
    expected = cli_csv(video_cli_env, tmp_path, [media])
    assert len(frame) == len(expected) > 0
    pd.testing.assert_frame_equal(as_read_from_csv(frame), expected, check_exact=True)
    # sources in source order, classes in the model's order
    assert list(frame["source"].cat.categories) == [
        str(media / name) for name in ("broken.mp4", *GOOD)]
    assert frame["emotion"].cat.ordered and list(frame["emotion"].cat.categories) == list(EMOTIONS)
    assert list(frame.attrs) == ["failed", "skipped"]
    assert list(frame.attrs["failed"]) == [str(media / "broken.mp4")]
    assert frame.attrs["failed"][str(media / "broken.mp4")].startswith("not a readable video")
    assert frame.attrs["skipped"] == [str(media / "notes.txt")]


# (analyze's options, real_time_video.py's that must give the same rows)
SAME_AS_CLI = [
    ({"track": False}, ["--no-track"]),
    ({"detect_width": None}, ["--detect-width", "0"]),
    ({"detector": "haar", "min_neighbors": 3}, ["--detector", "haar", "--min-neighbors", "3"]),
]


@pytest.mark.parametrize("options, argv", SAME_AS_CLI)
def test_options_mean_what_the_cli_options_mean(video_cli_env, media, tmp_path, capsys,
                                               options, argv):
    source = media / "walk.avi"
    frame = analyze(str(source), model=str(video_cli_env.model), **options)
    expected = cli_csv(video_cli_env, tmp_path, [source], *argv)
    assert len(frame) > 0
    pd.testing.assert_frame_equal(as_read_from_csv(frame), expected, check_exact=True)


def test_one_source_and_a_list_give_the_rows_of_a_folder(video_cli_env, media):
    whole = analyze([media], model=str(video_cli_env.model))
    for name in GOOD:
        one = analyze(str(media / name), model=str(video_cli_env.model))
        assert list(one["source"].cat.categories) == [str(media / name)]
        assert one.attrs == {"failed": {}, "skipped": []}
        rows = whole[whole["source"] == str(media / name)].reset_index(drop=True)
        pd.testing.assert_frame_equal(one, rows.astype({"source": one["source"].dtype}))


def test_no_face_gives_an_empty_frame_with_the_columns_and_dtypes(video_cli_env, tmp_path):
    empty = clip(tmp_path / "wall.avi", 4, (160, 90), 60, enter_at=4)  # no one walks in
    frame = analyze(empty, model=str(video_cli_env.model))
    assert len(frame) == 0 and list(frame.columns) == CSV_COLUMNS
    assert frame.dtypes.astype(str).to_dict() == DTYPES


# (options, the error, what its message says)
REFUSED = [
    ({"colour": True}, TypeError, "expected options among .*, got colour"),
    ({"still": True}, TypeError, "got still"),
    ({"workers": 0}, ValueError, "expected workers as an int of 1 or more, got 0"),
    ({"workers": True}, ValueError, "got True"),
    ({"workers": 1.5}, ValueError, "got 1.5"),
]


@pytest.mark.parametrize("options, error, message", REFUSED)
def test_bad_options_are_refused_before_any_work(tmp_path, options, error, message):
    with pytest.raises(error, match=message):
        analyze(tmp_path / "missing.mp4", **options)


def test_a_missing_source_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        analyze([tmp_path / "missing.mp4"])


@pytest.mark.slow
def test_two_workers_give_the_same_frame(video_cli_env, media):
    one = analyze(media, model=str(video_cli_env.model))
    two = analyze(media, model=str(video_cli_env.model), workers=2)
    pd.testing.assert_frame_equal(two, one, check_exact=True)
    assert two.attrs == one.attrs
