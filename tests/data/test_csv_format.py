"""The Kaggle challenge CSV: validation of every row, the official splits, skipping bad rows."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest

from facial_emotion.data import load_fer2013
from facial_emotion.errors import DatasetError

PIXELS = 48 * 48
GOOD = " ".join(["128"] * PIXELS)


def pixels_with(index: int, token: str) -> str:
    """GOOD, with the value at `index` replaced by `token`."""
    tokens = ["128"] * PIXELS
    tokens[index] = token
    return " ".join(tokens)


def pixel_count(count: int) -> str:
    return " ".join(["7"] * count)


# (header, rows, raises, what the message must also say besides the file's path).
# The bad row is always the second data row, which is line 3 of the file.
@pytest.mark.parametrize("header, rows, raises, fragments", [
    pytest.param(None, [], True, ["empty"], id="0-byte file"),
    pytest.param(("emotion", "pixels", "Usage"), [], True, ["no rows"], id="header only"),
    pytest.param(("emotion", "pixels"), [(0, GOOD)], True, ["missing column", "Usage"],
                 id="missing Usage column"),
    pytest.param(("label", "pixels", "Usage"), [(0, GOOD, "Training")], True,
                 ["missing column", "emotion"], id="misnamed emotion column"),
    pytest.param(..., [(0, GOOD, "Training"), (0, pixel_count(2303), "Training")], True,
                 ["line 3", "2303"], id="2,303 pixels"),
    pytest.param(..., [(0, GOOD, "Training"), (0, pixel_count(2305), "Training")], True,
                 ["line 3", "2305"], id="2,305 pixels"),
    pytest.param(..., [(0, GOOD, "Training"), (0, "", "Training")], True,
                 ["line 3"], id="no pixels"),
    pytest.param(..., [(0, GOOD, "Training"), (0, pixels_with(5, "x"), "Training")], True,
                 ["line 3", "pixel 5", "'x'"], id="non-numeric pixel"),
    pytest.param(..., [(0, GOOD, "Training"), (0, pixels_with(9, "1.5"), "Training")], True,
                 ["line 3", "pixel 9"], id="fractional pixel"),
    pytest.param(..., [(0, GOOD, "Training"), (0, pixels_with(2303, "256"), "Training")], True,
                 ["line 3", "pixel 2303", "0-255"], id="pixel 256"),
    pytest.param(..., [(0, GOOD, "Training"), (0, pixels_with(0, "-1"), "Training")], True,
                 ["line 3", "pixel 0", "-1"], id="pixel -1"),
    pytest.param(..., [(0, GOOD, "Training"), (7, GOOD, "Training")], True,
                 ["line 3", "'7'", "0-6"], id="label 7"),
    pytest.param(..., [(0, GOOD, "Training"), (-1, GOOD, "Training")], True,
                 ["line 3", "'-1'"], id="label -1"),
    pytest.param(..., [(0, GOOD, "Training"), ("happy", GOOD, "Training")], True,
                 ["line 3", "'happy'"], id="label not a number"),
    pytest.param(..., [(0, GOOD, "Training"), (3, GOOD, "Validation")], True,
                 ["line 3", "'Validation'", "PublicTest"], id="unknown Usage"),
    pytest.param(..., [(0, GOOD, "Training"), (3, GOOD, "training")], True,
                 ["line 3", "'training'"], id="Usage in the wrong case"),
    pytest.param(..., [(0, GOOD, "Training"), (3, GOOD, "PublicTest"), (1, GOOD, "Oops")], True,
                 ["line 4"], id="bad third row is line 4"),
    # Rows that must load.
    pytest.param(..., [(6, pixels_with(0, "0").replace("128", "255"), "PrivateTest")], False, [],
                 id="extreme values 0 and 255"),
    pytest.param(..., [(0, f"  {GOOD} ", "Training")], False, [],
                 id="spaces around the pixels"),
    pytest.param(..., [(0, f'"{GOOD}"', "Training")], False, [], id="quoted pixels"),
])
def test_load_fer2013_validates_every_row(tmp_path, fer_csv, header, rows, raises, fragments):
    path = fer_csv(tmp_path / "fer2013.csv", rows,
                   **({} if header is ... else {"header": header}))
    if raises:
        with pytest.raises(DatasetError) as excinfo:
            load_fer2013(path, use_cache=False)
        message = str(excinfo.value)
        assert str(path) in message
        for fragment in fragments:
            assert fragment in message
        assert "\n" not in message  # the CLI prints it as one line
    else:
        data = load_fer2013(path, use_cache=False)
        assert len(data.train) + len(data.val) + len(data.test) == len(rows)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_good_csv_round_trips_splits_labels_and_pixels(tmp_path, fer_csv, fer_rows, newline):
    rows = fer_rows({"Training": 9, "PublicTest": 4, "PrivateTest": 5, })
    # Interleave the splits, as Kaggle's file does not, to check rows are grouped by Usage.
    rows = rows[::2] + rows[1::2]
    path = fer_csv(tmp_path / "fer2013.csv", rows, newline=newline)

    data = load_fer2013(path, cache_dir=tmp_path / "cache")

    for split, usage in ((data.train, "Training"), (data.val, "PublicTest"),
                         (data.test, "PrivateTest")):
        expected = [(label, image) for label, image, u in rows if u == usage]
        assert split.images.dtype == np.uint8
        assert split.images.shape == (len(expected), 48, 48, 1)
        assert split.labels.dtype == np.int64
        assert split.labels.tolist() == [label for label, _ in expected]
        np.testing.assert_array_equal(split.images[..., 0], np.stack([im for _, im in expected]))
    assert data.source == str(path)


def test_every_pixel_value_round_trips(tmp_path, fer_csv):
    values = np.arange(PIXELS, dtype=np.int64) % 256  # every value 0-255, nine times
    image = values.reshape(48, 48).astype(np.uint8)
    path = fer_csv(tmp_path / "fer2013.csv", [(4, image, "Training"), (2, image.T, "PrivateTest")])

    data = load_fer2013(path, use_cache=False)

    np.testing.assert_array_equal(data.train.images[0, :, :, 0], image)
    np.testing.assert_array_equal(data.test.images[0, :, :, 0], image.T)
    assert (len(data.train), len(data.val), len(data.test)) == (1, 0, 1)
    assert data.train.labels.tolist() == [4] and data.test.labels.tolist() == [2]


# (bad rows inserted after the good ones at these positions, how many are dropped, raises)
@pytest.mark.parametrize("bad_rows, raises", [
    pytest.param({1: (9, GOOD, "Training")}, False, id="one bad label"),
    pytest.param({0: (0, pixel_count(10), "Training"), 3: (0, GOOD, "Nope"),
                  5: (2, pixels_with(1, "300"), "PublicTest")}, False, id="three kinds"),
    pytest.param("all", True, id="every row bad"),
])
def test_skip_bad_rows_keeps_the_good_ones(tmp_path, fer_csv, fer_rows, caplog, bad_rows, raises):
    good = fer_rows({"Training": 4, "PublicTest": 2, "PrivateTest": 2})
    if bad_rows == "all":
        rows = [(7, GOOD, "Training"), (0, "1 2 3", "Training")]
    else:
        rows = list(good)
        for position, row in sorted(bad_rows.items()):
            rows.insert(position, row)
    path = fer_csv(tmp_path / "fer2013.csv", rows)

    if raises:
        with pytest.raises(DatasetError, match="every row"):
            load_fer2013(path, skip_bad_rows=True, use_cache=False)
        return
    with caplog.at_level(logging.WARNING, logger="facial_emotion"):
        data = load_fer2013(path, skip_bad_rows=True, use_cache=False)

    assert data.train.labels.tolist() == [label for label, _, u in good if u == "Training"]
    assert data.val.labels.tolist() == [label for label, _, u in good if u == "PublicTest"]
    assert data.test.labels.tolist() == [label for label, _, u in good if u == "PrivateTest"]
    np.testing.assert_array_equal(
        data.train.images[..., 0], np.stack([im for _, im, u in good if u == "Training"]))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(re.search(rf"dropped {len(bad_rows)}\b", m) and str(path) in m for m in warnings), warnings


def test_skip_bad_rows_is_off_by_default(tmp_path, fer_csv, fer_rows):
    path = fer_csv(tmp_path / "fer2013.csv", [*fer_rows({"Training": 2}), (0, GOOD, "Nope")])
    with pytest.raises(DatasetError, match="line 4"):
        load_fer2013(path, use_cache=False)


def test_line_numbers_count_blank_lines(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text(f"emotion,pixels,Usage\n0,{GOOD},Training\n\n0,{GOOD},Nope\n")
    with pytest.raises(DatasetError, match="line 4"):
        load_fer2013(path, use_cache=False)


def test_blank_lines_are_ignored(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text(f"emotion,pixels,Usage\n0,{GOOD},Training\n\n3,{GOOD},PublicTest\n\n")
    data = load_fer2013(path, use_cache=False)
    assert (len(data.train), len(data.val), len(data.test)) == (1, 1, 0)


@pytest.mark.parametrize("extra_line", [2, 3])
def test_a_row_with_an_extra_field_names_its_line(tmp_path, extra_line):
    rows = [f"0,{GOOD},Training", f"1,{GOOD},Training"]
    rows[extra_line - 2] = f"1,{rows[extra_line - 2]}"
    path = tmp_path / "fer2013.csv"
    path.write_text("emotion,pixels,Usage\n" + "\n".join(rows) + "\n")
    with pytest.raises(DatasetError, match=rf"line {extra_line}\b"):
        load_fer2013(path, use_cache=False)
