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
from .metrics import accuracy, confusion_matrix, per_class_scores


@dataclass(frozen=True)
class Evaluation:
    class_names: tuple[str, ...]
    confusion: np.ndarray       # plain predictions, rows = true class
    flip_accuracy: float        # probabilities averaged with the mirrored image's

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
        }


def predict_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Raw 0-255 uint8 or float pixels (N, 48, 48, 1) in, (N, classes) probabilities out."""
    return model.predict(images.astype(np.float32), batch_size=batch_size, verbose=0)


def evaluate(model: keras.Model, split: Split) -> Evaluation:
    probs = predict_probabilities(model, split.images)
    flipped = predict_probabilities(model, split.images[:, :, ::-1])
    names = class_names(model)
    confusion = confusion_matrix(split.labels, probs.argmax(axis=1), len(names))
    flip_acc = float(((probs + flipped).argmax(axis=1) == split.labels).mean())
    return Evaluation(names, confusion, flip_acc)


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
    for i, name in enumerate(ev.class_names):
        lines.append(f"{name:<10}{scores['precision'][i]:>10.3f}{scores['recall'][i]:>8.3f}"
                     f"{scores['f1'][i]:>8.3f}{int(scores['support'][i]):>9d}")
    return "\n".join(lines)
