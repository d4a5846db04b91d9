"""The in-memory form of FER2013 that every loader returns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ..labels import IMAGE_SIZE, NUM_CLASSES

NUM_VOTE_COLUMNS = NUM_CLASSES + 3  # FER+: the 7 classes, contempt, unknown, not a face


class Usage(str, Enum):
    """The official FER2013 splits, spelled as in the CSV's Usage column and file-name prefixes."""

    TRAINING = "Training"      # fit on this
    PUBLIC_TEST = "PublicTest"  # choose models and hyperparameters on this
    PRIVATE_TEST = "PrivateTest"  # report this, once; never train or tune on it


@dataclass(frozen=True)
class Split:
    """Images as uint8 (N, 48, 48, 1) raw grayscale pixels and labels as int64 (N,) in 0-6.

    `votes`, when the FER+ votes are known, is uint8 (N, 10): how many of the 10 FER+ raters
    chose each column of `ferplus.VOTE_COLUMNS` (the 7 classes, then contempt, unknown, NF).
    """

    images: np.ndarray
    labels: np.ndarray
    votes: np.ndarray | None = None

    def __post_init__(self):
        if self.images.dtype != np.uint8 or self.images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 1):
            raise ValueError(f"expected uint8 images of shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}, 1), "
                             f"got {self.images.dtype} {self.images.shape}")
        if self.labels.shape != (len(self.images),):
            raise ValueError(f"expected {len(self.images)} labels, got shape {self.labels.shape}")
        if len(self.labels) and not 0 <= self.labels.min() <= self.labels.max() < NUM_CLASSES:
            raise ValueError(f"expected labels in 0-{NUM_CLASSES - 1}, "
                             f"got {self.labels.min()}-{self.labels.max()}")
        if self.votes is not None and (self.votes.dtype != np.uint8
                                       or self.votes.shape != (len(self.labels), NUM_VOTE_COLUMNS)):
            raise ValueError(f"expected uint8 votes of shape ({len(self.labels)}, {NUM_VOTE_COLUMNS}), "
                             f"got {self.votes.dtype} {self.votes.shape}")

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=NUM_CLASSES)


@dataclass(frozen=True)
class FER2013:
    """The three official splits, plus where they came from."""

    train: Split  # Training
    val: Split    # PublicTest
    test: Split   # PrivateTest
    source: str

    def content_hash(self) -> str:
        """SHA-256 of every split's pixels and labels: equal exactly when the data is."""
        digest = hashlib.sha256()
        for name, array in self.as_arrays().items():
            digest.update(f"{name}{array.dtype}{array.shape}".encode())
            digest.update(np.ascontiguousarray(array).data)
        return digest.hexdigest()

    @property
    def has_votes(self) -> bool:
        return all(split.votes is not None for split in (self.train, self.val, self.test))

    def as_arrays(self) -> dict[str, np.ndarray]:
        """Every split's arrays by name ("train_images", ...; "train_votes" when known)."""
        return {f"{name}_{field}": getattr(getattr(self, name), field)
                for name in ("train", "val", "test") for field in ("images", "labels", "votes")
                if getattr(getattr(self, name), field) is not None}

    @classmethod
    def from_arrays(cls, arrays, source: str) -> "FER2013":
        return cls(*(Split(arrays[f"{name}_images"], arrays[f"{name}_labels"],
                           arrays[f"{name}_votes"] if f"{name}_votes" in arrays else None)
                     for name in ("train", "val", "test")), source=source)

    @classmethod
    def from_usage(cls, images: np.ndarray, labels: np.ndarray, usages: np.ndarray,
                   source: str, votes: np.ndarray | None = None) -> "FER2013":
        """Group rows by their Usage value (an array of `Usage` values as strings)."""
        def pick(usage):
            mask = usages == usage.value
            return Split(images[mask], labels[mask].astype(np.int64),
                         None if votes is None else votes[mask])
        return cls(pick(Usage.TRAINING), pick(Usage.PUBLIC_TEST), pick(Usage.PRIVATE_TEST), source)
