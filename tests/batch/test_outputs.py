"""BatchOutputs: one --csv and --jsonl with every source's records in the order handed on,
and a --summary of every source, the failed ones and the files skipped; each file whole or
not at all."""

from __future__ import annotations

import contextlib
import csv
import json

import pytest

from facial_emotion.batch import BatchOutputs, Outcome
from facial_emotion.labels import EMOTIONS
from facial_emotion.video.sinks import record_columns


def outcome(index: int, source: str, faces: int) -> Outcome:
    """A complete source with `faces` records (one face in each of `faces` frames)."""
    probabilities = dict.fromkeys(EMOTIONS, 0.0) | {"happy": 1.0}
    records = [dict.fromkeys(record_columns(EMOTIONS))
               | {"source": source, "frame": n, "time_s": n / 10, "face_id": 1, "x": 1,
                  "y": 2, "w": 30, "h": 30, **probabilities, "emotion": "happy"}
               for n in range(faces)]
    summary = {"source": source, "frames": faces, "class_names": list(EMOTIONS), "faces": []}
    return Outcome(index, source, records, summary, frames=faces, faces=faces)


DELIVERED = [outcome(0, "in/a.mp4", 2), Outcome(1, "in/broken.mp4", error="not a video"),
             outcome(2, "in/b.jpg", 0), outcome(3, "in/c.avi", 1)]


def write(tmp_path, delivered, **files) -> dict:
    paths = {name: tmp_path / file for name, file in files.items()}
    with contextlib.ExitStack() as stack:
        outputs = BatchOutputs(stack, skipped=("in/notes.txt",), **paths)
        for n, delivery in enumerate(delivered):
            outputs.deliver(delivery, resumed=n % 2 == 1)
        outputs.write_summary()
        # under temporary names until the batch ends
        assert not any(path.exists() for path in paths.values() if path.suffix != ".json")
    return paths


def test_records_of_every_source_in_the_order_handed_on(tmp_path):
    paths = write(tmp_path, DELIVERED, csv="f.csv", jsonl="f.jsonl", summary="s.json")
    with open(paths["csv"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(row["source"], row["frame"]) for row in rows] == [
        ("in/a.mp4", "0"), ("in/a.mp4", "1"), ("in/c.avi", "0")]
    assert list(rows[0]) == record_columns(EMOTIONS)
    lines = paths["jsonl"].read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        record for delivery in DELIVERED if not delivery.failed for record in delivery.records]
    assert json.loads(paths["summary"].read_text()) == {
        "sources": [delivery.summary for delivery in DELIVERED if not delivery.failed],
        "failed": [{"source": "in/broken.mp4", "error": "not a video"}],
        "skipped": ["in/notes.txt"]}


@pytest.mark.parametrize("first", [0, 2], ids=["with faces", "without"])
def test_the_csv_has_its_header_once(tmp_path, first):
    paths = write(tmp_path, [DELIVERED[first], DELIVERED[3]], csv="f.csv")
    lines = paths["csv"].read_text().splitlines()
    assert lines[0] == ",".join(record_columns(EMOTIONS))
    assert sum(line.startswith("source,") for line in lines) == 1


def test_nothing_handed_on_writes_no_summary(tmp_path):
    paths = write(tmp_path, [], summary="s.json")
    assert not paths["summary"].exists()


def test_an_error_leaves_no_file_half_written(tmp_path):
    with pytest.raises(RuntimeError), contextlib.ExitStack() as stack:
        outputs = BatchOutputs(stack, csv=tmp_path / "f.csv", jsonl=tmp_path / "f.jsonl")
        outputs.deliver(DELIVERED[0])
        raise RuntimeError("a disk error in the next source")
    assert list(tmp_path.iterdir()) == []
