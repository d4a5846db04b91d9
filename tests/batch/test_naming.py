"""Per-source output names of a batch: named after each source, and never the same twice
(ignoring letter case), whatever names the sources have."""

from __future__ import annotations

import pytest

from facial_emotion.batch import output_stems
from facial_emotion.batch.naming import annotated_name, possible_names

# (sources, below /data: the stems they get)
STEMS = {
    "distinct stems are kept": (["in/anna.mp4", "in/bob.jpg"], ["anna", "bob"]),
    "one source": (["in/anna.mp4"], ["anna"]),
    "a clash is named by its folders": (["day1/anna.mp4", "day2/anna.mp4", "day1/bob.mp4"],
                                        ["day1_anna", "day2_anna", "bob"]),
    "folders of different depth": (["a/b/anna.mp4", "a/anna.mp4"], ["b_anna", "anna"]),
    "deeper folders": (["x/1/anna.mp4", "y/1/anna.mp4"], ["x_1_anna", "y_1_anna"]),
    "a clash in one folder is named by its suffix": (["in/anna.mp4", "in/anna.jpg"],
                                                     ["anna_mp4", "anna_jpg"]),
    "letter case alone is a clash": (["in/Anna.mp4", "in/anna.mp4"],
                                     ["Anna_mp4_1", "anna_mp4_2"]),
    "a longer name that meets another stem": (
        ["d1/anna.mp4", "d2/anna.mp4", "x/d1_anna.mp4"],
        ["d1_anna_mp4_1", "d2_anna", "d1_anna_mp4_2"]),
    # The counted names must not take a name that another source has as its own.
    "a counted name that another source has": (
        ["in/a.mp4", "in/a.jpg", "in/a_mp4.mp4", "in/a_mp4_1.mp4"],
        None),
    "a counted name that another has in other letter case": (
        ["in/Anna.mp4", "in/anna.mp4", "in/ANNA_MP4_1.mp4"], None),
}


@pytest.mark.parametrize("case", list(STEMS))
def test_output_stems(case):
    sources, expected = STEMS[case]
    stems = output_stems([f"/data/{s}" for s in sources])
    if expected is not None:
        assert stems == expected
    assert len({s.lower() for s in stems}) == len(sources), stems
    # and so are the files named after them, whatever each source turns out to be
    for kind in (False, True):
        names = [annotated_name(stem, source, kind).lower()
                 for stem, source in zip(stems, sources)]
        assert len(set(names)) == len(names), names


# (stem, source, still, the annotated file's name)
ANNOTATED = [
    ("anna", "in/anna.mp4", False, "anna.mp4"),
    ("anna", "in/anna.avi", False, "anna.avi"),
    ("anna", "in/anna.MOV", False, "anna.mov"),
    ("anna", "in/anna.mkv", False, "anna.mkv"),
    ("anna", "in/anna.webm", False, "anna.mp4"),   # OpenCV cannot write it
    ("anna", "in/anna.gif", False, "anna.mp4"),
    ("anna", "in/anna.jpg", True, "anna.jpg"),
    ("anna", "in/anna.JPG", True, "anna.jpg"),
    ("anna", "in/anna.webp", True, "anna.webp"),
    ("anna", "in/anna.mp4", True, "anna.png"),     # a one-frame video is a still
    ("anna", "in/anna", True, "anna.png"),
    ("day1_anna", "day1/anna.avi", False, "day1_anna.avi"),
]


@pytest.mark.parametrize("stem, source, still, expected", ANNOTATED)
def test_annotated_name(stem, source, still, expected):
    assert annotated_name(stem, source, still) == expected


def test_possible_names_are_those_of_a_video_and_of_a_still():
    assert possible_names("anna", "in/anna.mp4") == {"anna.mp4", "anna.png"}
    assert possible_names("anna", "in/anna.jpg") == {"anna.mp4", "anna.jpg"}
