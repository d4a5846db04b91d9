"""Score a saved model on PublicTest and PrivateTest, and write report.json and its plots."""

from __future__ import annotations

import logging
from pathlib import Path

from ..data import FER2013
from ..model import load_classifier
from .plots import plot_confusion, plot_training_curves
from .report import evaluate, format_table, write_report

log = logging.getLogger(__name__)


def evaluate_run(model_path: Path, data: FER2013, out_dir: Path, **extra) -> dict:
    """Evaluate the model at `model_path`; write report.json, confusion_matrix.png and, when
    `out_dir` holds a training log, training_curves.png. Returns the report."""
    model = load_classifier(model_path)
    results = {"public_test": evaluate(model, data.val), "private_test": evaluate(model, data.test)}
    for name, ev in results.items():
        log.info("\n%s", format_table(ev, name))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    private = results["private_test"]
    plot_confusion(private.confusion, private.class_names, out_dir / "confusion_matrix.png",
                   f"PrivateTest confusion ({private.accuracy:.1%} accuracy)")
    if (out_dir / "log.csv").is_file():
        plot_training_curves(out_dir / "log.csv", out_dir / "training_curves.png")
    return write_report(out_dir / "report.json", results, model=str(model_path),
                        data=data.source, **extra)
