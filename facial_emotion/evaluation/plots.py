"""PNG pictures of a run: the confusion matrix and the training curves.

Each is written atomically (see `facial_emotion.files.atomic_write`): a full disk or a kill
leaves the previous picture or none, never half of one.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..files import atomic_write  # noqa: E402


def plot_confusion(confusion: np.ndarray, class_names, path: Path, title: str) -> None:
    """Row-normalised confusion matrix (recall per true class), with counts in each cell."""
    rates = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set(xticks=range(len(class_names)), yticks=range(len(class_names)),
           xticklabels=class_names, yticklabels=class_names,
           xlabel="predicted", ylabel="true", title=title)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    for (i, j), count in np.ndenumerate(confusion):
        ax.text(j, i, f"{rates[i, j]:.0%}\n{count}", ha="center", va="center", fontsize=8,
                color="white" if rates[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    _save(fig, path)


def plot_training_curves(log_csv: Path, path: Path) -> None:
    """Loss and accuracy per epoch for training and validation (PublicTest), from log.csv."""
    log = pd.read_csv(log_csv)
    epochs = log["epoch"]  # counted from 1, as the console does
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    marker = "o" if len(log) <= 20 else None  # a run of one epoch is a point, not a line
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.plot(epochs, log[metric], label="train (augmented)", marker=marker)
        if f"val_{metric}" in log:
            ax.plot(epochs, log[f"val_{metric}"], label="validation (PublicTest)", marker=marker)
        ax.set(xlabel="epoch", ylabel=metric, title=metric)
        if len(log):
            # Half an epoch either side: a short run's axis then spans whole epochs, which
            # the integer locator needs (for one epoch it drew 0.96, 0.98, ...).
            ax.set_xlim(epochs.min() - 0.5, epochs.max() + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(alpha=0.3)
        ax.legend()
    _save(fig, path)


def _save(fig, path: Path) -> None:
    try:
        fig.tight_layout()
        with atomic_write(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=120, format="png")
    finally:
        plt.close(fig)
