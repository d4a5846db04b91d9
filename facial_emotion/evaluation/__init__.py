"""Metrics, report.json and plots for a trained classifier."""

from .report import Evaluation, evaluate, format_table, write_report

__all__ = ["Evaluation", "evaluate", "format_table", "write_report"]
