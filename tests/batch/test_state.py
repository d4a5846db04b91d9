"""BatchState: the manifest and per-source parts a batch keeps for --resume, and what it
refuses (starting over an unfinished batch, resuming another batch, a second run)."""

from __future__ import annotations

import json
import re

import pytest

from facial_emotion.batch import BatchState, Outcome
from facial_emotion.batch.state import state_folder
from facial_emotion.errors import SourceError
from facial_emotion.files import temp_prefix
from tests.processes import dead_pid

MANIFEST = {"sources": ["/in/a.mp4", "/in/b.jpg"], "settings": {"detector": "yunet"},
            "outputs": {"csv": "/out/f.csv"}}


def outcome(index: int, source: str = "a.mp4") -> Outcome:
    record = {"source": source, "frame": 0, "time_s": 0.0, "face_id": 1, "happy": 0.25}
    return Outcome(index, source, [record], {"source": source, "frames": 1}, frames=1,
                   frames_with_faces=1, faces=1, seconds=0.5)


def stored(folder, *outcomes: Outcome) -> None:
    """The state a batch killed after these outcomes leaves (its lock went with it)."""
    state = BatchState.open(folder, MANIFEST, resume=False)
    for done in outcomes:
        state.save(done)
    state.close()


@pytest.fixture
def folder(tmp_path):
    return state_folder(tmp_path / "f.csv")


def test_the_state_is_hidden_beside_its_anchor(tmp_path):
    assert state_folder(tmp_path / "out" / "f.csv") == (
        tmp_path / "out" / ".f.csv.facial_emotion-batch")


def test_parts_are_stored_read_back_and_kept_by_close(folder):
    state = BatchState.open(folder, MANIFEST, resume=False)
    assert json.loads((folder / "manifest.json").read_text()) == MANIFEST
    assert state.done() == set()
    for index in (0, 3):
        state.save(outcome(index))
    assert state.done() == {0, 3}
    assert state.load(3) == outcome(3)
    state.close()
    assert sorted(p.name for p in (folder / "parts").iterdir()) == ["000000.json",
                                                                    "000003.json"]


def test_a_resume_reads_the_parts_of_the_batch_it_continues(folder):
    stored(folder, outcome(1, "b.jpg"))
    state = BatchState.open(folder, MANIFEST, resume=True)
    assert state.done() == {1} and state.load(1) == outcome(1, "b.jpg")
    state.remove()
    assert not folder.exists()


def test_a_resume_with_nothing_to_resume_starts_the_batch(folder):
    state = BatchState.open(folder, MANIFEST, resume=True)
    assert state.done() == set() and (folder / "manifest.json").is_file()
    state.close()


def test_an_unfinished_batch_is_not_started_over(folder):
    stored(folder, outcome(0))
    with pytest.raises(SourceError, match=re.escape(f"its state is in {folder}): add "
                                                    "--resume to continue it, or delete")):
        BatchState.open(folder, MANIFEST, resume=False)
    assert (folder / "manifest.json").is_file()  # nothing of it is lost


@pytest.mark.parametrize("resume", [False, True])
def test_a_batch_stopped_before_its_first_source_was_done_starts_anew(folder, resume):
    """Killed before a part was stored: nothing to lose, so neither refused nor checked."""
    stored(folder)
    state = BatchState.open(folder, {**MANIFEST, "sources": ["/in/other.mp4"]}, resume=resume)
    assert state.done() == set()
    assert json.loads((folder / "manifest.json").read_text())["sources"] == ["/in/other.mp4"]
    state.close()


@pytest.mark.parametrize("key, other", [
    ("sources", ["/in/a.mp4"]),
    ("settings", {"detector": "haar"}),
    ("outputs", {"csv": "/out/f.csv", "summary": "/out/s.json"}),
])
def test_a_resume_of_another_batch_is_refused(folder, key, other):
    stored(folder, outcome(0))
    with pytest.raises(SourceError, match=f"cannot resume: .* has other {key}; run it as it "
                                          "was started"):
        BatchState.open(folder, {**MANIFEST, key: other}, resume=True)
    assert (folder / "parts" / "000000.json").is_file()


def test_a_second_run_on_the_same_outputs_is_refused_while_the_first_runs(folder):
    first = BatchState.open(folder, MANIFEST, resume=False)
    with pytest.raises(SourceError, match="another run is writing these outputs"):
        BatchState.open(folder, MANIFEST, resume=True)
    first.close()
    BatchState.open(folder, MANIFEST, resume=True).close()  # free once it has ended


@pytest.mark.parametrize("damaged", ["manifest.json", "parts/000000.json"])
def test_damaged_state_is_one_line_that_says_how_to_start_over(folder, damaged):
    stored(folder, outcome(0))
    (folder / damaged).write_text('{"sources": [')  # cut short
    with pytest.raises(SourceError, match=f"is damaged .*; delete {re.escape(str(folder))} "
                                          "to start over"):
        state = BatchState.open(folder, MANIFEST, resume=True)  # a damaged manifest: here
        try:
            state.load(0)  # a damaged part: here
        finally:
            state.close()


def test_a_part_cut_short_by_a_kill_is_not_counted_as_done(folder):
    state = BatchState.open(folder, MANIFEST, resume=False)
    state.save(outcome(0))
    # what atomic_write leaves when its process is killed before the rename
    (folder / "parts" / f"{temp_prefix('000001', dead_pid())}abcd1234.json").write_text("{")
    assert state.done() == {0}
    state.save(outcome(1))
    assert state.done() == {0, 1} and state.load(1) == outcome(1)
    state.close()


def test_an_outcome_survives_its_round_trip_through_json():
    failed = Outcome(2, "c.mp4", error="not a readable video")
    for original in (outcome(0), failed):
        assert Outcome.from_json(json.loads(json.dumps(original.to_json()))) == original
    assert failed.failed and not failed.complete
    assert failed.line() == "c.mp4: failed: not a readable video"
