"""FER+ rater votes: ten people's labels for every FER2013 image (Microsoft, MIT license).

FER+ (Barsoum et al., ICMI 2016) had each FER2013 image relabelled by 10 raters. Their votes
say how people read a face, which FER2013's single, noisy label does not: the two disagree on
about a third of the images. Microsoft's `fer2013new.csv` has one row per row of Kaggle's
`fer2013.csv`, in the same order, so CSV users join the two row by row. The image folders have
no row numbers; `image_rows.csv` maps each of their files to its row (made by matching pixels,
see facial_emotion/data/ferplus/README.md). Copies of both ship with this package, so users
of either Kaggle form get the votes with no extra download.

Votes are kept as uint8 counts (N, 10): the seven FER2013 classes in FER2013's order, then
contempt, unknown and not-a-face, which have no FER2013 class.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..labels import EMOTIONS, NUM_CLASSES

log = logging.getLogger(__name__)

VOTES_NAME = "fer2013new.csv"
INDEX_NAME = "image_rows.csv"
SHIPPED = Path(__file__).resolve().parent / "ferplus"
# FER+'s vote columns for each FER2013 class, in FER2013's order (0 angry ... 6 neutral),
# then the three that have none.
_FERPLUS_NAME = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness",
                 "sad": "sadness", "surprise": "surprise", "neutral": "neutral"}
VOTE_COLUMNS = tuple(_FERPLUS_NAME[e] for e in EMOTIONS) + ("contempt", "unknown", "NF")
_FIRST_DATA_LINE = 2  # line 1 is the header


@dataclass(frozen=True)
class FerPlusFiles:
    """Where the votes come from: `fer2013new.csv`, and for image folders `image_rows.csv`.

    `required` is False only for the copies shipped with the package, found on their own: a
    dataset they do not fit (another CSV, folders with other file names) simply gets no votes.
    Files the user named or put beside the data must fit, or loading fails.
    """

    votes: Path
    index: Path | None
    required: bool


def find_ferplus(source: Path, ferplus: str | os.PathLike | None = None) -> FerPlusFiles | None:
    """The FER+ files for the dataset at `source` (a CSV file or an image-folder root).

    `ferplus` is a `fer2013new.csv` file or a folder holding it (and `image_rows.csv` for image
    folders); without it, the files beside the data are used, else the shipped copies.
    """
    folders = source.is_dir()
    if ferplus is not None:
        path = Path(ferplus)
        votes = path / VOTES_NAME if path.is_dir() else path
        if not votes.is_file():
            raise DatasetError(f"no FER+ votes at '{path}': expected {VOTES_NAME} or a folder "
                               f"holding it")
        index = _index_for(votes.parent) if folders else None
        return FerPlusFiles(votes, index, required=True)
    beside = source if folders else source.parent
    if (beside / VOTES_NAME).is_file():
        return FerPlusFiles(beside / VOTES_NAME, _index_for(beside) if folders else None, True)
    return FerPlusFiles(SHIPPED / VOTES_NAME, SHIPPED / INDEX_NAME if folders else None, False)


def _index_for(folder: Path) -> Path:
    """`image_rows.csv` beside the votes, else the shipped one (it fits Kaggle's folders)."""
    return folder / INDEX_NAME if (folder / INDEX_NAME).is_file() else SHIPPED / INDEX_NAME


def read_votes(path: Path) -> np.ndarray:
    """uint8 (rows, 10) vote counts in `VOTE_COLUMNS` order, one row per data row of the file."""
    table = _read(path, VOTE_COLUMNS)
    counts = table[list(VOTE_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    bad = (counts.isna() | (counts < 0) | (counts > 255) | (counts % 1 != 0)).any(axis=1).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        values = ",".join(table.iloc[row][list(VOTE_COLUMNS)])
        raise DatasetError(f"{path}: line {row + _FIRST_DATA_LINE}: expected whole-number vote "
                           f"counts 0-255 in {','.join(VOTE_COLUMNS)}, got {values}")
    return counts.to_numpy(np.uint8)


def read_index(path: Path) -> dict[str, int]:
    """`image_rows.csv`: each image's path relative to the data root, to its 0-based data row."""
    table = _read(path, ("path", "row"))
    rows = pd.to_numeric(table["row"], errors="coerce")
    bad = (rows.isna() | (rows < 0) | (rows % 1 != 0)).to_numpy()
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + _FIRST_DATA_LINE
        raise DatasetError(f"{path}: line {line}: expected a row number, got {table['row'].iloc[line - 2]!r}")
    return dict(zip(table["path"].map(image_key), rows.astype(np.int64)))


def image_key(relative_path: str) -> str:
    """How an image is named in the index: `split/emotion/file`, with the two folder names in
    lower case as the loader reads them (Kaggle's are lower case; a user's may not be)."""
    *folders, name = relative_path.replace("\\", "/").split("/")
    return "/".join([f.lower() for f in folders] + [name])


def _read(path: Path, columns) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a readable FER+ file ({str(exc).splitlines()[0]})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                           f"{', '.join(columns)}")
    return table


def votes_by_row(files: FerPlusFiles, rows: int, data: Path) -> np.ndarray | None:
    """(rows, 10) votes for a CSV of `rows` data rows, joined row by row (the official way)."""
    votes = read_votes(files.votes)
    if len(votes) != rows:
        # The shipped votes fit Kaggle's own CSV only; another CSV just gets no votes.
        return _misfit(files, f"{files.votes} has {len(votes)} rows of votes but {data} has "
                              f"{rows} data rows; the two files must be row-aligned",
                       level=logging.DEBUG)
    return votes


def votes_by_name(files: FerPlusFiles, keys: list[str], data: Path) -> np.ndarray | None:
    """(len(keys), 10) votes for the images named `keys` (see `image_key`), through the index."""
    index = read_index(files.index)
    missing = [k for k in keys if k not in index]
    if len(missing) == len(keys) and not files.required:
        log.debug("FER+ votes not used: no image in %s is named in %s", data, files.index)
        return None
    if missing:
        return _misfit(files, f"{data / missing[0]}: not in the FER+ index {files.index} "
                              f"({len(missing)} image(s) are not)")
    extra = sorted(set(index) - set(keys))
    if extra:
        return _misfit(files, f"{data / extra[0]}: named in the FER+ index {files.index} but "
                              f"missing from the data ({len(extra)} image(s) are)")
    votes = read_votes(files.votes)
    rows = np.array([index[k] for k in keys], np.int64)
    if len(rows) and rows.max() >= len(votes):
        return _misfit(files, f"{files.index} names row {rows.max()}, but {files.votes} has "
                              f"only {len(votes)} rows")
    return votes[rows]


def _misfit(files: FerPlusFiles, problem: str, level: int = logging.WARNING) -> None:
    """A FER+ file that does not fit the data: an error if the user chose it, else no votes."""
    if files.required:
        raise DatasetError(problem)
    log.log(level, "FER+ votes not used (the shipped files do not fit this data): %s", problem)
    return None


def vote_distribution(votes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """float32 (N, 7): each image's share of votes per FER2013 class, counting only the votes
    for those seven classes. An image with none of those votes keeps its one-hot label."""
    counts = votes[:, :NUM_CLASSES].astype(np.float32)
    totals = counts.sum(axis=1, keepdims=True)
    one_hot = np.eye(NUM_CLASSES, dtype=np.float32)[labels]
    return np.where(totals > 0, counts / np.maximum(totals, 1), one_hot)


def majority(votes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(class, scored): each image's most-voted class and whether it is scored by the FER+
    protocol, i.e. its majority over all ten columns is one of the 7 classes and unique."""
    top = votes.argmax(axis=1)
    unique = (votes == votes.max(axis=1, keepdims=True)).sum(axis=1) == 1
    return top, unique & (top < NUM_CLASSES) & (votes.max(axis=1) > 0)
