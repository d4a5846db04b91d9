"""Metrics, report.json and plots for a trained classifier."""

from .report import Evaluation, evaluate, format_table, write_report
from .run_report import evaluate_run

__all__ = ["Evaluation", "evaluate", "evaluate_run", "format_table", "write_report"]
