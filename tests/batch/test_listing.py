"""expand_sources: what --source names, as the files a batch analyses, in order.

Every case builds the same small tree of empty files under tmp_path (listing looks at names
only, never inside a file) and names its sources relative to it; results are compared as
paths relative to it too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from facial_emotion.batch import SourceList, expand_sources
from facial_emotion.errors import SourceError

# The tree every case lists: media with mixed suffixes and letter case, a note, hidden files
# (ours and a user's), a subfolder and a hidden one.
TREE = ["clips/b.mp4", "clips/a.JPG", "clips/c.avi", "clips/notes.txt", "clips/.hidden.mp4",
        "clips/.out.csv.facial_emotion-batch/manifest.json", "clips/sub/d.png",
        "clips/sub/e.srt", "clips/.cache/f.mp4", "other/g.webm", "other/h.gif",
        "only_notes/readme.md", "nested/deep/i.mp4", "loose.mp4", "loose.txt", "odd[1].mp4"]


@pytest.fixture
def tree(tmp_path):
    for name in TREE:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    (tmp_path / "empty").mkdir()
    return tmp_path


def relative(paths, root: Path) -> list[str]:
    return [os.path.relpath(p, root) for p in paths]


# (specs, recursive, sources, skipped, batch)
LISTINGS = {
    "one file": (["loose.mp4"], False, ["loose.mp4"], [], False),
    "a file named is tried whatever its suffix": (["loose.txt"], False, ["loose.txt"], [],
                                                  False),
    "several files, in the order named": (["loose.mp4", "clips/b.mp4"], False,
                                          ["loose.mp4", "clips/b.mp4"], [], True),
    "a folder: sorted, hidden files and subfolders left out, notes skipped": (
        ["clips"], False, ["clips/a.JPG", "clips/b.mp4", "clips/c.avi"], ["clips/notes.txt"],
        True),
    "a folder, recursive: subfolders too, hidden ones not": (
        ["clips"], True, ["clips/a.JPG", "clips/b.mp4", "clips/c.avi", "clips/sub/d.png"],
        ["clips/notes.txt", "clips/sub/e.srt"], True),
    "a glob: its matches sorted": (["clips/*.*"], False,
                                   ["clips/a.JPG", "clips/b.mp4", "clips/c.avi"],
                                   ["clips/notes.txt"], True),
    "a glob matching one file is still a batch": (["clips/b.*"], False, ["clips/b.mp4"], [],
                                                  True),
    "a glob that matches folders lists them": (["o[tn]*"], False,
                                               ["other/g.webm", "other/h.gif"],
                                               ["only_notes/readme.md"], True),
    "a recursive glob": (["**/*.png"], True, ["clips/sub/d.png"], [], True),
    "a name with glob characters that exists is a file": (["odd[1].mp4"], False,
                                                          ["odd[1].mp4"], [], False),
    "the same file twice is kept at its first place": (
        ["clips/c.avi", "clips", "clips/../clips/c.avi"], False,
        ["clips/c.avi", "clips/a.JPG", "clips/b.mp4"], ["clips/notes.txt"], True),
    "two folders, each sorted, in the order named": (
        ["other", "clips/sub"], False, ["other/g.webm", "other/h.gif", "clips/sub/d.png"],
        ["clips/sub/e.srt"], True),
    "an empty folder beside one with media": (["empty", "other"], False,
                                              ["other/g.webm", "other/h.gif"], [], True),
}


@pytest.mark.parametrize("case", list(LISTINGS))
def test_what_a_batch_lists(tree, case):
    specs, recursive, sources, skipped, batch = LISTINGS[case]
    listing = expand_sources([str(tree / spec) for spec in specs], recursive)
    assert relative(listing.sources, tree) == [os.path.normpath(s) for s in sources]
    assert relative(listing.skipped, tree) == skipped
    assert listing.batch is batch


@pytest.mark.parametrize("spec", ["0", "12", "rtsp://cam.local/live", "HTTPS://x.org/a.m3u8"])
def test_a_camera_or_stream_on_its_own_is_passed_through(spec):
    assert expand_sources([spec]) == SourceList((spec,), (), False)


def test_one_source_may_be_a_string_or_a_path(tree):
    for spec in (str(tree / "loose.mp4"), tree / "loose.mp4"):
        assert expand_sources(spec) == SourceList((str(tree / "loose.mp4"),), (), False)


# (specs relative to the tree, the error's message)
REFUSED = {
    "no source": ([], "expected at least one source, got none"),
    "a camera among files": (["loose.mp4", "0"], "0 is a camera or stream: it runs on its own"),
    "a stream among files": (["rtsp://cam/1", "clips"], "rtsp://cam/1 is a camera or stream"),
    "a missing file": (["loose.mp4", "missing.mp4"], "no such file"),
    "a glob matching nothing": (["clips/*.mkv"], "no file matches"),
    "a folder without media": (["only_notes"], "no video or image files in"),
    "an empty folder": (["empty"], "(--recursive looks in subfolders)"),
    "an empty name among others": (["loose.mp4", ""], "got an empty name"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_a_batch_refuses(tree, case):
    specs, message = REFUSED[case]
    specs = [s if s in ("", "0") or "://" in s else str(tree / s) for s in specs]
    with pytest.raises(SourceError, match=re.escape(message)):
        expand_sources(specs)


def test_media_only_in_subfolders_need_recursive(tree):
    with pytest.raises(SourceError, match=re.escape("(--recursive looks in subfolders)")):
        expand_sources([str(tree / "nested")])
    listing = expand_sources([str(tree / "nested")], recursive=True)
    assert relative(listing.sources, tree) == ["nested/deep/i.mp4"]
