"""Names of the per-source outputs of a batch (`--output DIR`, `--timeline DIR`).

Each source's files are named after it: `interviews/anna.mp4` gives `anna.mp4` and
`anna.png`. Where two sources share a stem (`day1/anna.mp4`, `day2/anna.mp4`, or `anna.mp4`
beside `anna.jpg`), those are named by their path below the folder all sources share, with
`_` for `/` (`day1_anna`, `day2_anna`), and then by their suffix too (`anna_mp4`), so no
output replaces another's. The names depend only on the list of sources, so a resumed run
names every file as the first run did.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import cv2

from ..video.sinks import FOURCC

TIMELINE_SUFFIX = ".png"
STILL_SUFFIX = ".png"   # a photo whose own format OpenCV cannot write
VIDEO_SUFFIX = ".mp4"   # a video whose container OpenCV cannot write (.webm, .gif, ...)


def output_stems(sources: list[str] | tuple[str, ...]) -> list[str]:
    """One distinct file stem per source, in order (see the module's docstring)."""
    paths = [Path(os.path.abspath(s)) for s in sources]
    stems = [p.stem for p in paths]
    if any(_clashing(stems)):
        root = Path(os.path.commonpath([p.parent for p in paths]))
        longer = [str(p.relative_to(root).with_suffix("")).replace(os.sep, "_") for p in paths]
        stems = [long if clash else stem for stem, long, clash in
                 zip(stems, longer, _clashing(stems))]
    if any(_clashing(stems)):
        stems = [f"{stem}_{p.suffix.lstrip('.')}" if clash else stem
                 for stem, p, clash in zip(stems, paths, _clashing(stems))]
    counts: Counter = Counter()
    taken = {stem.lower() for stem in stems}  # a number must not give another's own name
    unique = []
    for stem, clash in zip(stems, _clashing(stems)):  # same name but for letter case
        while clash:
            counts[stem.lower()] += 1
            numbered = f"{stem}_{counts[stem.lower()]}"
            if numbered.lower() not in taken:
                taken.add(numbered.lower())
                stem, clash = numbered, False
        unique.append(stem)
    return unique


def _clashing(stems: list[str]) -> list[bool]:
    """Per stem, whether another has the same one (letter case ignored: not every file
    system tells `Anna` from `anna`)."""
    counts = Counter(stem.lower() for stem in stems)
    return [counts[stem.lower()] > 1 for stem in stems]


def annotated_name(stem: str, source: str, still: bool) -> str:
    """The annotated output's file name: the source's own suffix where OpenCV writes that
    format, else .mp4 for a video and .png for a still."""
    suffix = Path(source).suffix.lower()
    if still:
        writable = bool(suffix) and cv2.haveImageWriter(f"x{suffix}")
        return stem + (suffix if writable else STILL_SUFFIX)
    return stem + (suffix if suffix in FOURCC else VIDEO_SUFFIX)


def possible_names(stem: str, source: str) -> set[str]:
    """Every name `annotated_name` may give (whether a source is a still is known only once
    it is open: a one-frame video is one)."""
    return {annotated_name(stem, source, still) for still in (False, True)}
