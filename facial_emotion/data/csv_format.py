"""The Kaggle challenge CSV: `emotion,pixels,Usage`, 2,304 space-separated pixels per row.

Every row is checked in bulk: numpy parses the pixel strings as bytes, a chunk of rows at a
time, with no Python loop over rows or values. Only rows that fail a check are looked at one
by one, to say exactly what is wrong with them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..labels import IMAGE_SIZE, NUM_CLASSES
from .ferplus import FerPlusFiles, votes_by_row
from .splits import FER2013, Usage

log = logging.getLogger(__name__)

COLUMNS = ("emotion", "pixels", "Usage")
PIXELS_PER_IMAGE = IMAGE_SIZE * IMAGE_SIZE
_USAGES = {u.value for u in Usage}
_FIRST_DATA_LINE = 2  # line 1 is the header
# The longest valid row (2,304 three-digit values and 2,303 spaces) is 9,215 characters. Byte
# rows one longer always end in NUL padding, so no run of digits continues into the next row.
_ROW_BYTES = 4 * PIXELS_PER_IMAGE
# Rows parsed at once: enough to make numpy's per-call cost small, few enough that the
# temporaries (about 10 MB) stay in the CPU cache; 512 rows at once took twice as long here.
_CHUNK_ROWS = 128
_PLAIN_LENGTH = np.array([len(str(v)) for v in range(1000)])  # digits in 0-999 written plainly


def read_csv(path: Path, *, skip_bad_rows: bool = False,
             ferplus: FerPlusFiles | None = None) -> FER2013:
    """Parse a FER2013 CSV. Bad rows raise `DatasetError` naming file and line, or are dropped.

    With `ferplus`, each row gets the FER+ votes of the same data row (blank lines skipped, as
    Microsoft's own scripts read the two files).
    """
    table = _read_table(path)
    votes = votes_by_row(ferplus, len(table), path) if ferplus else None
    labels = pd.to_numeric(table["emotion"], errors="coerce")
    images, pixels_ok = _parse_pixels(table["pixels"].str.strip())
    bad = (~labels.isin(range(NUM_CLASSES)) | ~table["Usage"].isin(_USAGES)).to_numpy() | ~pixels_ok
    if bad.any():
        rows = np.flatnonzero(bad)
        # The index counts blank lines too, so it gives the row's line in the file.
        first = f"line {table.index[rows[0]] + _FIRST_DATA_LINE}: {_row_problem(table.iloc[rows[0]])}"
        if not skip_bad_rows:
            raise DatasetError(f"{path}: {first} (--skip-bad-rows drops such rows)")
        if bad.all():
            raise DatasetError(f"{path}: every row is bad, nothing left to load ({first})")
        log.warning("%s: dropped %d bad row(s) of %d; the first was %s",
                    path, len(rows), len(table), first)
        table, labels, images = table[~bad], labels[~bad], images[~bad]
        votes = None if votes is None else votes[~bad]
    return FER2013.from_usage(images, labels.to_numpy().astype(np.int64),
                              table["Usage"].to_numpy(), source=str(path), votes=votes)


def _parse_pixels(pixels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Every row's image, and which rows are valid; the images of invalid rows are garbage."""
    lengths = pixels.str.len().to_numpy()
    # Longer rows cannot be valid and non-ASCII ones cannot be bytes: blank them (also invalid).
    fits = (lengths < _ROW_BYTES) & pixels.map(str.isascii).to_numpy(bool)
    strings = pixels.where(fits, "").to_numpy(object)
    images = np.empty((len(pixels), PIXELS_PER_IMAGE), np.uint8)
    valid = np.empty(len(pixels), bool)
    for start in range(0, len(pixels), _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        valid[rows] = _parse_chunk(strings[rows], lengths[rows], images[rows])
    return images.reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1), valid


def _parse_chunk(strings: np.ndarray, lengths: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Parse stripped ASCII pixel strings into `out`, and say which rows are valid.

    A valid row is exactly 2,304 values 0-255, written plainly (no sign, no leading zero) and
    separated by single spaces: what `_row_problem` accepts, and Kaggle's file holds.
    """
    text = strings.astype(f"S{_ROW_BYTES}").view(np.uint8)
    # Each byte's digit value (other bytes wrap round to 10 or more), after two non-digits so
    # that the two bytes before every number exist.
    digit = np.empty(len(text) + 2, np.uint8)
    digit[:2] = 255
    np.subtract(text, ord("0"), out=digit[2:])
    is_digit = digit[2:] < 10
    ends = np.flatnonzero(is_digit[:-1] > is_digit[1:])  # each number's last digit
    # Each number's last three digits; 10 or more where the number is shorter.
    ones, tens, hundreds = (d[ends].astype(np.int16) for d in (digit[2:], digit[1:-1], digit[:-2]))
    has_tens = tens < 10
    # The value of those three digits; a fourth digit fails the length check below.
    values = ones + 10 * tens * has_tens + 100 * hundreds * (has_tens & (hundreds < 10))

    numbers = np.diff(np.searchsorted(ends, np.arange(len(strings) + 1) * _ROW_BYTES))
    spaces = (text == ord(" ")).reshape(-1, _ROW_BYTES).sum(axis=1, dtype=np.int16)
    valid = (numbers == PIXELS_PER_IMAGE) & (spaces == PIXELS_PER_IMAGE - 1)
    rows = values[np.repeat(valid, numbers)].reshape(-1, PIXELS_PER_IMAGE)
    out[valid] = rows  # rows found invalid below are left as garbage
    # If the numbers, written plainly, and the spaces fill the whole row, there is nothing else
    # in it: no leading zeros, no fourth digits, no other characters, no double spaces.
    plain_length = _PLAIN_LENGTH[rows].sum(axis=1) + spaces[valid]
    valid[valid] = (rows <= 255).all(axis=1) & (plain_length == lengths[valid])
    return valid


def _read_table(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path}: the file is empty; expected a header "
                           f"'{','.join(COLUMNS)}' and one row per image") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None
    if not isinstance(table.index, pd.RangeIndex):  # pandas took a first column as the index
        raise DatasetError(f"{path}: line {_FIRST_DATA_LINE}: more fields than the header "
                           f"{','.join(map(str, table.columns))}")
    table = table[(table != "").any(axis=1)]  # drop blank lines, keeping line-number positions
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}; expected columns "
                           f"{','.join(COLUMNS)}, got {','.join(map(str, table.columns))}")
    if table.empty:
        raise DatasetError(f"{path}: the file has a header but no rows")
    return table


def _row_problem(row) -> str:
    """Say, in words, the first thing wrong with one CSV row."""
    label = row["emotion"].strip()
    if not (label.isdigit() and int(label) < NUM_CLASSES):
        return f"emotion label {label!r} is not one of 0-{NUM_CLASSES - 1}"
    if row["Usage"] not in _USAGES:
        return f"Usage {row['Usage']!r} is not one of {', '.join(sorted(_USAGES))}"
    tokens = row["pixels"].split()
    if len(tokens) != PIXELS_PER_IMAGE:
        return f"expected {PIXELS_PER_IMAGE} pixel values, got {len(tokens)}"
    for i, token in enumerate(tokens):
        if not token.isdigit():
            return f"pixel {i} is {token!r}, expected an integer 0-255"
        if int(token) > 255:
            return f"pixel {i} is {token}, outside 0-255"
    return "malformed pixels; expected integers 0-255 separated by single spaces"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
