"""Honest evaluation of a saved classifier on a FER2013 split, and the report.json it writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from ..data import Split
from ..files import atomic_write_text
from ..model import class_names
from .metrics import VoteScores, accuracy, confusion_matrix, per_class_scores, vote_scores


@dataclass(frozen=True)
class Evaluation:
    class_names: tuple[str, ...]
    confusion: np.ndarray       # plain predictions, rows = true class
    flip_accuracy: float        # probabilities averaged with the mirrored image's
    votes: VoteScores | None = None       # against the FER+ raters, when their votes are known
    flip_votes: VoteScores | None = None  # the same, flip-averaged

    @property
    def accuracy(self) -> float:
        return accuracy(self.confusion)

    @property
    def per_class(self) -> dict[str, np.ndarray]:
        return per_class_scores(self.confusion)

    @property
    def macro_f1(self) -> float:
        return float(self.per_class["f1"].mean())

    def as_dict(self) -> dict:
        scores = self.per_class
        return {
            "n": int(self.confusion.sum()),
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "flip_averaged_accuracy": round(self.flip_accuracy, 4),
            "per_class": {name: {key: round(float(scores[key][i]), 4) for key in scores}
                          for i, name in enumerate(self.class_names)},
            "confusion_matrix": self.confusion.tolist(),
        } | ({"ferplus": self.votes.as_dict(), "ferplus_flip_averaged": self.flip_votes.as_dict()}
             if self.votes else {})


def predict_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Raw 0-255 uint8 or float pixels (N, 48, 48, 1) in, (N, classes) probabilities out."""
    return model.predict(images.astype(np.float32), batch_size=batch_size, verbose=0)


def predict_flip_averaged(model: keras.Model, images: np.ndarray,
                          views: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(plain, flip-averaged) probabilities: the second is the mean of each image's and its
    mirror image's, as the app computes them. With `views`, (plain, mirrored) instead."""
    probs = predict_probabilities(model, images)
    mirrored = predict_probabilities(model, images[:, :, ::-1])
    return (probs, mirrored) if views else (probs, (probs + mirrored) / 2)


def evaluate(model: keras.Model, split: Split) -> Evaluation:
    return evaluate_probabilities(*predict_flip_averaged(model, split.images), split,
                                  class_names(model))


def evaluate_probabilities(probs: np.ndarray, flip_probs: np.ndarray, split: Split,
                           names: tuple[str, ...]) -> Evaluation:
    """Score plain and flip-averaged probabilities of `split`'s images."""
    confusion = confusion_matrix(split.labels, probs.argmax(axis=1), len(names))
    flip_acc = float((flip_probs.argmax(axis=1) == split.labels).mean())
    if split.votes is None:
        return Evaluation(names, confusion, flip_acc)
    return Evaluation(names, confusion, flip_acc, vote_scores(probs, split.votes, split.labels),
                      vote_scores(flip_probs, split.votes, split.labels))


def write_report(path: Path, evaluations: dict[str, Evaluation], **extra) -> dict:
    """report.json: {"private_test": {"accuracy", "macro_f1", ...}, "public_test": {...}, ...}."""
    report = {name: ev.as_dict() for name, ev in evaluations.items()} | extra
    atomic_write_text(path, json.dumps(report, indent=2) + "\n")
    return report


def format_table(ev: Evaluation, title: str) -> str:
    scores = ev.per_class
    lines = [f"{title}: accuracy {ev.accuracy:.2%}, macro-F1 {ev.macro_f1:.3f}, "
             f"flip-averaged accuracy {ev.flip_accuracy:.2%} (n={int(ev.confusion.sum())})",
             f"{'class':<10}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"]
    if ev.votes:
        lines.insert(1, f"FER+ raters (n={ev.votes.n}): majority accuracy "
                        f"{ev.votes.majority_accuracy:.2%} (flip-averaged "
                        f"{ev.flip_votes.majority_accuracy:.2%}), agreement {ev.votes.agreement:.3f} "
                        f"({ev.flip_votes.agreement:.3f}), cross-entropy "
                        f"{ev.votes.cross_entropy:.3f} ({ev.flip_votes.cross_entropy:.3f})")
    for i, name in enumerate(ev.class_names):
        lines.append(f"{name:<10}{scores['precision'][i]:>10.3f}{scores['recall'][i]:>8.3f}"
                     f"{scores['f1'][i]:>8.3f}{int(scores['support'][i]):>9d}")
    return "\n".join(lines)
