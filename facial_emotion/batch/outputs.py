"""The data outputs of a batch: --csv and --jsonl get each source's records in source order
as it is handed on, and --summary, written when the batch ends, holds every source.

The per-source outputs (--output and --timeline folders) are written by the analyser as
each source is analysed; see analyser.py and naming.py.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from ..video import CsvSink, JsonlSink
from ..video.outputs import PendingFile, write_error
from .outcome import Outcome


class BatchOutputs:
    """Enter it with the files it writes, each under a temporary name until `close()`;
    `deliver(outcome, resumed)` takes each source in order (see runner.run_batch).

    The summary is {"sources": [one source's summary, as --summary writes for a single
    source], "failed": [{"source", "error"}], "skipped": [files that are not media]}.
    """

    def __init__(self, stack: contextlib.ExitStack, *, csv: Path | None = None,
                 jsonl: Path | None = None, summary: Path | None = None,
                 skipped: tuple[str, ...] = ()):
        self.stack = stack
        self.csv, self.jsonl, self.summary_path = csv, jsonl, summary
        self.text_sinks: list | None = None  # made with the first records: the CSV's
        # columns name the model's classes, which the parent process need not load
        self.summaries: list[dict] = []
        self.failed: list[dict] = []
        self.skipped = list(skipped)

    def deliver(self, outcome: Outcome, resumed: bool = False) -> None:
        if outcome.failed:
            self.failed.append({"source": outcome.source, "error": outcome.error})
            return
        if self.text_sinks is None:
            self.text_sinks = self._open(tuple(outcome.summary["class_names"]))
        for sink in self.text_sinks:
            sink.write_records(outcome.records)
        self.summaries.append(outcome.summary)

    def _open(self, class_names: tuple[str, ...]) -> list:
        sinks = []
        if self.csv is not None:
            sinks.append(self.stack.enter_context(CsvSink(self.csv, class_names)))
        if self.jsonl is not None:
            sinks.append(self.stack.enter_context(JsonlSink(self.jsonl)))
        return sinks

    def finish(self, class_names: tuple[str, ...]) -> None:
        """Once the batch has ended: give --csv and --jsonl their (header) even when no source
        gave records (all failed), so a script reading them finds them; write --summary.
        class_names: the model's, for a CSV header no outcome gave."""
        if self.text_sinks is None:
            self.text_sinks = self._open(tuple(class_names))
        for sink in self.text_sinks:
            if not sink.written:
                sink.write_records([])
        self.write_summary()

    def write_summary(self) -> None:
        """Write --summary (complete or not at all); call it once the batch has ended."""
        if self.summary_path is None or not (self.summaries or self.failed):
            return
        document = {"sources": self.summaries, "failed": self.failed, "skipped": self.skipped}
        pending = PendingFile(self.summary_path)
        try:
            pending.tmp.write_text(json.dumps(document, indent=2) + "\n")
        except OSError as exc:
            pending.discard()
            raise write_error(self.summary_path, exc) from None
        pending.commit()
