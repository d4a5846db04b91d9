"""Face: the one result type. Shape checks on construction, its properties, and immutability."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from facial_emotion.detection import Face
from facial_emotion.labels import EMOTIONS

UNIFORM = np.full(7, 1 / 7, dtype=np.float32)
HAPPY = np.array([0.05, 0.0, 0.05, 0.6, 0.1, 0.1, 0.1], dtype=np.float32)


@pytest.mark.parametrize("box, probabilities, class_names, raises", [
    ((0, 0, 10, 10), UNIFORM, EMOTIONS, False),
    ((-5, -5, 1, 1), UNIFORM, EMOTIONS, False),  # x, y may be anything; only the size is checked
    (np.array([3, 4, 5, 6], dtype=np.int32), UNIFORM, EMOTIONS, False),
    ((0, 0, 10, 10), [0.2, 0.3, 0.5], ("a", "b", "c"), False),
    ((0, 0, 10, 10), UNIFORM.astype(np.float64), EMOTIONS, False),
    ((), UNIFORM, EMOTIONS, True),
    ((0, 0, 10), UNIFORM, EMOTIONS, True),
    ((0, 0, 10, 10, 1), UNIFORM, EMOTIONS, True),
    ((0, 0, 0, 10), UNIFORM, EMOTIONS, True),
    ((0, 0, 10, 0), UNIFORM, EMOTIONS, True),
    ((0, 0, -3, 10), UNIFORM, EMOTIONS, True),
    ((0, 0, 10, -1), UNIFORM, EMOTIONS, True),
    ((0, 0, 10, 10), np.full(6, 1 / 6), EMOTIONS, True),
    ((0, 0, 10, 10), np.full(8, 1 / 8), EMOTIONS, True),
    ((0, 0, 10, 10), UNIFORM[None, :], EMOTIONS, True),
    ((0, 0, 10, 10), UNIFORM[:, None], EMOTIONS, True),
    ((0, 0, 10, 10), 1.0, EMOTIONS, True),
    ((0, 0, 10, 10), UNIFORM, ("a", "b", "c"), True),
])
def test_validation(box, probabilities, class_names, raises):
    if raises:
        with pytest.raises(ValueError, match="expected"):
            Face(box, probabilities, None, class_names)
        return
    face = Face(box, probabilities, None, class_names)
    assert face.box == tuple(int(v) for v in box)
    assert all(type(v) is int for v in face.box)
    assert face.probabilities.dtype == np.float32
    assert face.probabilities.shape == (len(class_names),)


@pytest.mark.parametrize("probabilities, label, confidence", [
    (HAPPY, "happy", 0.6),
    (np.eye(7, dtype=np.float32)[0], "angry", 1.0),
    (np.eye(7, dtype=np.float32)[6], "neutral", 1.0),
    (UNIFORM, "angry", 1 / 7),  # a tie goes to the first class, as argmax does
])
def test_label_and_confidence(probabilities, label, confidence):
    face = Face((0, 0, 4, 4), probabilities)
    assert face.label == label
    assert face.confidence == pytest.approx(confidence)
    assert isinstance(face.confidence, float)


@pytest.mark.parametrize("box, area", [
    ((0, 0, 1, 1), 1), ((5, 7, 10, 20), 200), ((-3, 2, 4, 3), 12)])
def test_area(box, area):
    assert Face(box, UNIFORM).area == area


@pytest.mark.parametrize("track_id", [None, 3])
def test_as_record(track_id):
    face = Face((1, 2, 30, 40), np.array([0.123456789, 0, 0, 0.876543211, 0, 0, 0]), track_id)
    record = face.as_record()
    assert list(record) == ["face_id", "x", "y", "w", "h", *EMOTIONS, "emotion"]
    assert record["face_id"] == track_id
    assert (record["x"], record["y"], record["w"], record["h"]) == (1, 2, 30, 40)
    assert record["angry"] == 0.12346 and record["happy"] == 0.87654  # rounded to 5 places
    assert all(type(record[name]) is float for name in EMOTIONS)
    assert record["emotion"] == "happy"


def test_as_record_uses_the_faces_own_class_names():
    face = Face((0, 0, 2, 2), [0.7, 0.3], 1, ("yes", "no"))
    assert face.as_record() == {"face_id": 1, "x": 0, "y": 0, "w": 2, "h": 2,
                                "yes": 0.7, "no": 0.3, "emotion": "yes"}


@pytest.mark.parametrize("field, value", [
    ("box", (1, 1, 1, 1)), ("probabilities", UNIFORM), ("track_id", 9), ("class_names", ("x",))])
def test_fields_cannot_be_reassigned(field, value):
    face = Face((0, 0, 4, 4), HAPPY, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(face, field, value)


def test_probabilities_are_read_only():
    face = Face((0, 0, 4, 4), HAPPY)
    assert not face.probabilities.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        face.probabilities[0] = 1.0


@pytest.mark.parametrize("make_source", [
    pytest.param(lambda: HAPPY.copy(), id="float32"),  # np.asarray would neither copy nor convert
    pytest.param(lambda: np.stack([HAPPY, UNIFORM])[0], id="row-of-a-batch"),
    pytest.param(lambda: HAPPY.astype(np.float64), id="float64"),
])
def test_the_callers_array_is_neither_frozen_nor_shared(make_source):
    source = make_source()
    face = Face((0, 0, 4, 4), source)
    source[:] = 0.0  # still writable, and writing to it leaves the face alone
    np.testing.assert_allclose(face.probabilities, HAPPY, rtol=1e-6)
    assert face.label == "happy"

