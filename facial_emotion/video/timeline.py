"""`--timeline`: a picture of each face's seven emotion probabilities over time.

One panel per face id, seconds on the shared x axis, one line per emotion in the same
colours as the annotators' bars, and one legend. Drawn with matplotlib's object API (no
pyplot, so no global backend or figure state) and written atomically when the run ends.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..annotators import class_color
from ..errors import SourceError
from ..results import FrameResult
from .outputs import PendingFile, checked_target, write_error
from .sinks import Sink
from .summary import id_order

log = logging.getLogger(__name__)

MAX_PANELS = 12


def emotion_rgb(name: str, index: int) -> tuple[float, float, float]:
    """Matplotlib's RGB (0-1) for class `name` at `index`: the annotators' colour of that
    emotion, so the bars and the plot agree."""
    b, g, r = class_color(name, index)  # BGR, as OpenCV draws
    return r / 255, g / 255, b / 255


@dataclass
class _Series:
    times: list[float] = field(default_factory=list)
    probabilities: list[np.ndarray] = field(default_factory=list)
    last_index: int | None = None

    def add(self, index: int, time_s: float, probabilities: np.ndarray, gap: bool) -> None:
        if gap:  # a NaN row breaks the lines where the face was out of sight
            self.times.append(np.nan)
            self.probabilities.append(np.full_like(probabilities, np.nan))
        self.times.append(time_s)
        self.probabilities.append(probabilities)
        self.last_index = index


class TimelineSink(Sink):
    """Collects every face's probabilities and draws them when the run closes.

    path: .png, .pdf, .svg or another format matplotlib writes. title: shown above the
    panels (name the source). max_panels: the ids seen in the most frames get a panel;
    more panels than this would be too thin to read. Untracked faces (--no-track) share
    one panel and are drawn as dots, as they cannot be joined into lines.
    """

    def __init__(self, path: str | os.PathLike, class_names: tuple[str, ...], title: str = "",
                 max_panels: int = MAX_PANELS):
        from matplotlib.figure import Figure

        self.path = checked_target(path)
        formats = Figure().canvas.get_supported_filetypes()
        if self.path.suffix.lower().lstrip(".") not in formats:
            raise SourceError(f"cannot write {self.path}: expected a picture suffix "
                              f"({', '.join('.' + f for f in sorted(formats))}), "
                              f"got {self.path.suffix or 'none'!r}")
        if max_panels < 1:
            raise ValueError(f"expected max_panels >= 1, got {max_panels}")
        self.class_names, self.title, self.max_panels = tuple(class_names), title, max_panels
        self.series: dict[int | None, _Series] = defaultdict(_Series)
        self.written = 0

    def write(self, result: FrameResult) -> None:
        for face in result.faces:
            series = self.series[face.track_id]
            gap = (face.track_id is not None and series.last_index is not None
                   and result.index > series.last_index + 1)
            series.add(result.index, result.time_s, face.probabilities, gap)
        self.written += 1

    def figure(self):
        """The matplotlib Figure of everything written so far."""
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        shown = sorted(self.series, key=lambda i: -len(self.series[i].times))[:self.max_panels]
        shown.sort(key=id_order)
        fig = Figure(figsize=(10, 1.2 + 1.7 * max(len(shown), 1)), layout="constrained")
        axes = fig.subplots(max(len(shown), 1), 1, sharex=True, squeeze=False)[:, 0]
        for ax, track_id in zip(axes, shown):
            series = self.series[track_id]
            times = np.asarray(series.times)
            probs = np.vstack(series.probabilities)
            few = np.count_nonzero(~np.isnan(times)) < 30
            for i, name in enumerate(self.class_names):
                style = ({"linestyle": "none", "marker": "."} if track_id is None
                         else {"marker": "." if few else None, "linewidth": 1.2})
                ax.plot(times, probs[:, i], color=emotion_rgb(name, i), label=name, **style)
            ax.set_ylim(0, 1)
            ax.set_ylabel(f"face #{track_id}" if track_id is not None else "untracked faces")
            ax.grid(alpha=0.3)
        if not shown:
            axes[0].text(0.5, 0.5, "no faces found", ha="center", va="center",
                         transform=axes[0].transAxes)
            axes[0].set_yticks([])
        axes[-1].set_xlabel("time (s)")
        handles = [Line2D([], [], color=emotion_rgb(name, i), linewidth=2, label=name)
                   for i, name in enumerate(self.class_names)]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   frameon=False)
        omitted = len(self.series) - len(shown)
        title = "emotion probability over time" + (f": {self.title}" if self.title else "")
        if omitted:
            title += f" ({omitted} faces seen in fewer frames not shown)"
        fig.suptitle(title)
        return fig

    def close(self) -> None:
        if not self.written:
            return
        pending = PendingFile(self.path)
        try:
            self.figure().savefig(pending.tmp, dpi=100)
        except OSError as exc:
            pending.discard()
            raise write_error(self.path, exc) from None
        pending.commit()
        if len(self.series) > self.max_panels:
            log.info("%s: %d faces; the %d seen longest are drawn", self.path,
                     len(self.series), self.max_panels)
        self.written = 0

    def discard(self) -> None:
        self.written = 0
