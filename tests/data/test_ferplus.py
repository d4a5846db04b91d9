"""FER+ votes: found beside the data or shipped, joined by row (CSV) or by name (folders),
cached with the images, and bad files refused in one line."""

from __future__ import annotations

import re

import numpy as np
import pytest

from facial_emotion.data import load_fer2013
from facial_emotion.data.ferplus import (SHIPPED, VOTE_COLUMNS, find_ferplus, majority,
                                         read_index, read_votes, vote_distribution)
from facial_emotion.errors import DatasetError
from facial_emotion.labels import EMOTIONS
from tests.conftest import FERPLUS_COLUMN, ferplus_votes

COUNTS = {"Training": 14, "PublicTest": 7, "PrivateTest": 7}


def expected_votes(rows) -> np.ndarray:
    """The votes `ferplus_votes` writes, reordered to VOTE_COLUMNS (FER2013's class order)."""
    raw = ferplus_votes(rows)
    order = list(FERPLUS_COLUMN) + [7, 8, 9]
    return raw[:, order].astype(np.uint8)


def by_usage(rows, votes) -> dict[str, np.ndarray]:
    usages = np.array([usage for _, _, usage in rows])
    return {name: votes[usages == usage] for name, usage in
            (("train", "Training"), ("val", "PublicTest"), ("test", "PrivateTest"))}


def test_vote_columns_follow_fer2013_order():
    assert VOTE_COLUMNS[:7] == ("anger", "disgust", "fear", "happiness", "sadness", "surprise",
                                "neutral")
    assert len(EMOTIONS) == 7


@pytest.mark.parametrize("form", ["csv", "folders"])
def test_votes_beside_the_data_are_joined(tmp_path, fer_rows, fer_csv, fer_folder, fer_votes, form):
    rows = fer_rows(COUNTS)
    if form == "csv":
        source = fer_csv(tmp_path / "data" / "fer2013.csv", rows)
    else:
        source = fer_folder(tmp_path / "data", rows)
    fer_votes(tmp_path / "data", rows, image_rows=form == "folders")

    data = load_fer2013(source)

    assert data.has_votes
    originals = np.stack([image for _, image, _ in rows]).astype(float)
    votes = expected_votes(rows)
    for name in ("train", "val", "test"):
        split = getattr(data, name)
        # Folders are read in another order than the rows: find each image's row by its
        # pixels (JPEG changes them a little; the rows' noise tells them apart).
        errors = np.abs(split.images[:, None, :, :, 0] - originals[None]).mean(axis=(2, 3))
        np.testing.assert_array_equal(split.votes, votes[errors.argmin(axis=1)])


def test_votes_elsewhere_with_ferplus_option(tmp_path, fer_rows, fer_csv, fer_votes):
    rows = fer_rows(COUNTS)
    source = fer_csv(tmp_path / "data" / "fer2013.csv", rows)
    votes_dir = fer_votes(tmp_path / "elsewhere", rows)

    for ferplus in (votes_dir, votes_dir / "fer2013new.csv"):
        data = load_fer2013(source, ferplus=ferplus, use_cache=False)
        np.testing.assert_array_equal(data.val.votes, by_usage(rows, expected_votes(rows))["val"])


def test_skipped_bad_rows_keep_the_votes_aligned(tmp_path, fer_rows, fer_csv, fer_votes):
    rows = fer_rows(COUNTS)
    bad = list(rows)
    bad[3] = (9, rows[3][1], rows[3][2])  # label 9: dropped by --skip-bad-rows
    source = fer_csv(tmp_path / "data" / "fer2013.csv", bad)
    fer_votes(tmp_path / "data", rows)

    data = load_fer2013(source, skip_bad_rows=True, use_cache=False)

    kept = [r for i, r in enumerate(rows) if i != 3]
    expected = np.delete(expected_votes(rows), 3, axis=0)
    np.testing.assert_array_equal(data.train.votes, by_usage(kept, expected)["train"])


def test_votes_are_cached_with_the_images_and_a_change_rebuilds(tmp_path, fer_rows, fer_csv,
                                                                fer_votes, monkeypatch):
    rows = fer_rows(COUNTS)
    source = fer_csv(tmp_path / "data" / "fer2013.csv", rows)
    fer_votes(tmp_path / "data", rows)
    first = load_fer2013(source)

    from facial_emotion.data import loader

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again instead of read from the cache")

    monkeypatch.setattr(loader, "read_csv", no_parsing)
    cached = load_fer2013(source)
    np.testing.assert_array_equal(cached.train.votes, first.train.votes)

    votes = ferplus_votes(rows)
    votes[0] = [10, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # row 0: every rater says neutral
    fer_votes(tmp_path / "data", rows, votes=votes)
    with pytest.raises(AssertionError, match="parsed again"):
        load_fer2013(source)  # the votes changed, so the cache no longer fits


@pytest.mark.parametrize("problem, message", [
    pytest.param("one row short", "has 27 rows of votes but", id="wrong row count"),
    pytest.param("non-numeric", "line 3: expected whole-number vote counts", id="non-numeric votes"),
    pytest.param("negative", "line 3: expected whole-number vote counts", id="negative votes"),
    pytest.param("no column", "missing column(s) NF", id="a column missing"),
])
def test_bad_votes_file_is_one_error(tmp_path, fer_rows, fer_csv, fer_votes, problem, message):
    rows = fer_rows(COUNTS)
    source = fer_csv(tmp_path / "data" / "fer2013.csv", rows)
    path = fer_votes(tmp_path / "data", rows) / "fer2013new.csv"
    lines = path.read_text().splitlines()
    if problem == "one row short":
        lines = lines[:-1]
    elif problem == "non-numeric":
        lines[2] = lines[2].rsplit(",", 1)[0] + ",x"
    elif problem == "negative":
        lines[2] = lines[2].rsplit(",", 1)[0] + ",-1"
    else:
        lines = [line.rsplit(",", 1)[0] for line in lines]
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(DatasetError, match="fer2013new.csv") as excinfo:
        load_fer2013(source, use_cache=False)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize("problem, message", [
    pytest.param("extra image", "not in the FER+ index", id="an image the index does not name"),
    pytest.param("missing image", "missing from the data", id="an indexed image that is gone"),
])
def test_index_that_does_not_fit_the_folders_is_one_error(tmp_path, fer_rows, fer_folder,
                                                          fer_votes, problem, message):
    rows = fer_rows(COUNTS)
    root = fer_folder(tmp_path / "data", rows)
    fer_votes(tmp_path / "data", rows, image_rows=True)
    some_image = next((root / "train").rglob("*.jpg"))
    if problem == "extra image":
        some_image.rename(some_image.with_name("Training_999.jpg"))
    else:
        some_image.unlink()

    with pytest.raises(DatasetError, match=re.escape(message)):
        load_fer2013(root, use_cache=False)


@pytest.mark.parametrize("form", ["csv", "folders"])
def test_shipped_votes_that_do_not_fit_are_left_out_quietly(tmp_path, fer_rows, fer_csv,
                                                           fer_folder, form):
    rows = fer_rows(COUNTS)  # neither Kaggle's row count nor its file names
    source = (fer_csv(tmp_path / "data" / "fer2013.csv", rows) if form == "csv"
              else fer_folder(tmp_path / "data", rows))

    found = find_ferplus(source)
    data = load_fer2013(source)

    assert found.votes.parent == SHIPPED and not found.required
    assert not data.has_votes
    assert data.train.votes is None


def test_shipped_files_are_microsofts_and_fit_kaggles_folders():
    votes = read_votes(SHIPPED / "fer2013new.csv")
    index = read_index(SHIPPED / "image_rows.csv")
    assert votes.shape == (35887, 10)
    assert len(index) == 35887 and sorted(index.values()) == list(range(35887))
    assert "train/angry/Training_1426440.jpg" in index
    assert "MIT License" in (SHIPPED / "LICENSE.md").read_text()
    # The README's check of the join: the FER2013 label and the FER+ majority agree on about
    # 63% of rows; a wrong join gives about 25%. The labels are not shipped, so check instead
    # that nearly every row was rated by 10 people.
    assert (votes.sum(axis=1) == 10).mean() > 0.99


def test_vote_distribution_and_majority():
    votes = np.array([
        [0, 0, 0, 6, 0, 0, 3, 0, 1, 0],   # happy majority, 9 class votes
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 10],  # not a face: no class votes
        [4, 0, 0, 4, 0, 0, 0, 0, 2, 0],   # a tie between angry and happy
        [0, 0, 0, 0, 0, 0, 2, 6, 2, 0],   # contempt wins
    ], np.uint8)
    labels = np.array([3, 5, 0, 6])

    distribution = vote_distribution(votes, labels)
    top, scored = majority(votes)

    np.testing.assert_allclose(distribution[0], [0, 0, 0, 6 / 9, 0, 0, 3 / 9])
    np.testing.assert_array_equal(distribution[1], np.eye(7)[5])  # keeps its one-hot label
    np.testing.assert_allclose(distribution.sum(axis=1), 1)
    assert top[0] == 3
    np.testing.assert_array_equal(scored, [True, False, False, False])
