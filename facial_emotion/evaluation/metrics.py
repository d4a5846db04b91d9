"""Classification metrics in plain numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.ferplus import majority, vote_distribution


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts, rows = true class, columns = predicted class."""
    return np.bincount(labels * num_classes + predicted,
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_scores(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per class; 0 where a class is never predicted or present."""
    tp = np.diag(confusion).astype(float)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def accuracy(confusion: np.ndarray) -> float:
    return float(np.trace(confusion) / max(confusion.sum(), 1))


@dataclass(frozen=True)
class VoteScores:
    """How well predictions match the FER+ raters, over the images the FER+ protocol scores
    (a unique majority among the 7 classes)."""

    n: int
    majority_accuracy: float  # top class == the raters' majority
    agreement: float          # mean share of raters (of their 7-class votes) who chose the top class
    cross_entropy: float      # against the raters' 7-class vote distribution, in nats

    def as_dict(self) -> dict:
        return {"n": self.n, "majority_accuracy": round(self.majority_accuracy, 4),
                "agreement": round(self.agreement, 4), "cross_entropy": round(self.cross_entropy, 4)}


def vote_scores(probabilities: np.ndarray, votes: np.ndarray, labels: np.ndarray) -> VoteScores:
    """Score (N, 7) probabilities against (N, 10) FER+ vote counts (see `data.ferplus`)."""
    top_vote, scored = majority(votes)
    probabilities, distribution = probabilities[scored], vote_distribution(votes, labels)[scored]
    predicted = probabilities.argmax(axis=1)
    if not len(predicted):
        return VoteScores(0, float("nan"), float("nan"), float("nan"))
    log_p = np.log(np.clip(probabilities, 1e-7, 1.0))
    return VoteScores(
        n=int(scored.sum()),
        majority_accuracy=float((predicted == top_vote[scored]).mean()),
        agreement=float(distribution[np.arange(len(predicted)), predicted].mean()),
        cross_entropy=float(-(distribution * log_p).sum(axis=1).mean()))
