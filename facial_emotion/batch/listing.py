"""What `--source` names, as the list of files a run analyses.

A source is a video or photo file, a folder (its video and image files, sorted; with
`recursive`, those of its subfolders too), or a quoted glob (`"clips/*.mp4"`), expanded here
rather than by the shell so that thousands of files do not hit the shell's length limit. A
camera index or a stream URL is a source of its own, never part of a batch: it has no end
to resume from, and it could not be analysed beside others in a separate process.

Files a folder or glob brings that are neither video nor image (notes, subtitles) are
skipped and counted; hidden files (ours: temporary outputs and batch state) are left out.
A file named on the command line is always tried, whatever its suffix.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from ..video.sources import IMAGE_SUFFIXES, check_source
from ..video.streams import is_stream, masked

# What OpenCV's FFmpeg backend reads as video; a GIF plays as one.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".wmv", ".flv",
                            ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".3gp", ".ogv", ".gif"})
MEDIA_SUFFIXES = VIDEO_SUFFIXES | IMAGE_SUFFIXES
GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True)
class SourceList:
    """sources: the files to analyse, in order (each once). skipped: files a folder or glob
    brought that are not media. batch: the run writes per-source outputs into folders,
    because several sources were named or a folder or glob was (whose count is not known
    in advance)."""

    sources: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    batch: bool = False


def is_live(spec: str) -> bool:
    """A camera index or a stream URL."""
    return spec.isdigit() or is_stream(spec)


def is_glob(spec: str) -> bool:
    return bool(GLOB_CHARACTERS & set(spec)) and not os.path.lexists(spec)


def is_media(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_SUFFIXES


def expand_sources(specs: list[str] | tuple[str, ...] | str, recursive: bool = False,
                   exclude=()) -> SourceList:
    """The files `specs` name, in order: each spec's own files sorted by path, duplicates
    (the same file reached twice) kept at their first place. exclude: folders whose files a
    folder or glob never brings (a batch's output folders: their annotated copies would
    otherwise become sources of the next run, or of a resumed one).

    Raises SourceError, before any work, for a named file that is missing, a glob that
    matches nothing, a camera or stream among other sources, and when nothing is left.
    """
    specs = [specs] if isinstance(specs, (str, os.PathLike)) else [str(s) for s in specs]
    if not specs:
        raise SourceError("expected at least one source, got none")
    specs = [str(spec) for spec in specs]
    live = [spec for spec in specs if is_live(spec)]
    if live and len(specs) > 1:
        raise SourceError(f"{masked(live[0])} is a camera or stream: it runs on its own, not "
                          "in a batch of several sources")
    if live:
        return SourceList(tuple(specs))
    batch = len(specs) > 1
    found: list[Path] = []
    skipped: list[Path] = []
    for spec in specs:
        if not spec.strip():
            check_source(spec)  # raises: an empty name is not the current folder
        if is_glob(spec):
            batch = True
            matches = sorted(glob.glob(spec, recursive=recursive))
            if not matches:
                raise SourceError(f"no file matches {spec}")
            for match in map(Path, matches):
                if match.is_dir():
                    _add_folder(match, recursive, found, skipped)
                else:
                    (found if is_media(match) else skipped).append(match)
        elif Path(spec).is_dir():
            batch = True
            _add_folder(Path(spec), recursive, found, skipped)
        else:
            check_source(spec)
            found.append(Path(spec))
    named = {os.path.realpath(spec) for spec in specs}
    # An output folder that is itself a source folder is not left out: the caller refuses
    # it, as its annotated copies would replace the sources.
    outputs = [os.path.realpath(folder) for folder in exclude
               if folder is not None and os.path.realpath(folder) not in named]
    if outputs:
        found = [path for path in found if os.path.realpath(path) in named
                 or not any(_inside(path, folder) for folder in outputs)]
        skipped = [path for path in skipped if not any(_inside(path, f) for f in outputs)]
    sources = _unique(found)
    if not sources:
        raise SourceError(f"no video or image files in {' '.join(specs)}"
                          + ("" if recursive else " (--recursive looks in subfolders)"))
    return SourceList(tuple(map(str, sources)), tuple(map(str, _unique(skipped))), batch)


def _add_folder(folder: Path, recursive: bool, found: list[Path], skipped: list[Path]) -> None:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        files += [Path(root, name) for name in names if not name.startswith(".")]
    for path in sorted(files):
        if path.is_file():
            (found if is_media(path) else skipped).append(path)


def _inside(path: Path, folder: str) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(folder)


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[str] = set()
    unique = []
    for path in paths:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique
