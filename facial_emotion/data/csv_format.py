"""The Kaggle challenge CSV: `emotion,pixels,Usage`, 2,304 space-separated pixels per row.

Rows are checked in bulk with vectorised string operations; only rows that fail a check are
looked at one by one, to say exactly what is wrong with them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..labels import IMAGE_SIZE, NUM_CLASSES
from .splits import FER2013, Usage

log = logging.getLogger(__name__)

COLUMNS = ("emotion", "pixels", "Usage")
PIXELS_PER_IMAGE = IMAGE_SIZE * IMAGE_SIZE
_USAGES = {u.value for u in Usage}
_FIRST_DATA_LINE = 2  # line 1 is the header
_BYTE = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_PIXEL_ROW = rf"{_BYTE}(?: {_BYTE}){{{PIXELS_PER_IMAGE - 1}}}"  # exactly 2,304 values 0-255


def read_csv(path: Path, *, skip_bad_rows: bool = False) -> FER2013:
    """Parse a FER2013 CSV. Bad rows raise `DatasetError` naming file and line, or are dropped."""
    table = _read_table(path)
    labels = pd.to_numeric(table["emotion"], errors="coerce")
    pixels = table["pixels"].str.strip()
    bad = (~labels.isin(range(NUM_CLASSES))
           | ~table["Usage"].isin(_USAGES)
           | ~pixels.str.fullmatch(_PIXEL_ROW)).to_numpy()
    if bad.any():
        rows = np.flatnonzero(bad)
        first = f"line {rows[0] + _FIRST_DATA_LINE}: {_row_problem(table.iloc[rows[0]])}"
        if not skip_bad_rows:
            raise DatasetError(f"{path}: {first} (--skip-bad-rows drops such rows)")
        if bad.all():
            raise DatasetError(f"{path}: every row is bad, nothing left to load ({first})")
        log.warning("%s: dropped %d bad row(s) of %d; the first was %s",
                    path, len(rows), len(table), first)
        table, labels, pixels = table[~bad], labels[~bad], pixels[~bad]
    # One C-level parse of every pixel in the file at once.
    values = np.fromstring(" ".join(pixels), dtype=np.uint8, sep=" ")
    images = values.reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)
    return FER2013.from_usage(images, labels.to_numpy().astype(np.int64),
                              table["Usage"].to_numpy(), source=str(path))


def _read_table(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path}: the file is empty; expected a header "
                           f"'{','.join(COLUMNS)}' and one row per image") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None
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
