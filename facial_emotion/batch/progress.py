"""The progress of a batch on a terminal: sources done of all, frames analysed, time left.

One bar counts sources (with tqdm's rate and time left); its tail counts the frames
analysed so far and their rate, fed as they are analysed, by the loop in this process or
by worker processes through a queue. Without a terminal nothing is drawn.
"""

from __future__ import annotations

import time

from tqdm import tqdm

from ..video.sinks import Sink

REPORT_EVERY_S = 0.5


class FrameCounter(Sink):
    """A sink that counts the frames of one source and calls `report(index, frames)` at most
    every REPORT_EVERY_S seconds, and once more when the source ends."""

    def __init__(self, index: int, report, clock=time.monotonic):
        self.index, self.report, self.clock = index, report, clock
        self.written = 0
        self._last = clock()

    def write(self, result) -> None:
        self.written += 1
        if self.clock() - self._last >= REPORT_EVERY_S:
            self._last = self.clock()
            self.report(self.index, self.written)

    def close(self) -> None:
        self.report(self.index, self.written)


class BatchProgress:
    """total: sources in the batch; already: those done by an earlier run (--resume)."""

    def __init__(self, total: int, already: int = 0, enabled: bool = False,
                 clock=time.monotonic):
        self.bar = tqdm(total=total, initial=already, unit="source", disable=not enabled)
        self.clock = clock
        self.started = clock()
        self._frames: dict[int, int] = {}  # per source in this run

    def frames(self, index: int, count: int) -> None:
        self._frames[index] = count
        total = sum(self._frames.values())
        elapsed = self.clock() - self.started
        rate = f", {total / elapsed:.0f} frames/s" if elapsed > 0 else ""
        self.bar.set_postfix_str(f"{total:,} frames{rate}", refresh=False)
        self.bar.refresh()

    def source_done(self) -> None:
        self.bar.update()

    def write(self, line: str, file) -> None:
        """A line above the bar (the bar is drawn again below it)."""
        self.bar.write(line, file=file)

    def close(self) -> None:
        self.bar.close()
