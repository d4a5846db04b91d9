"""Face and FrameResult, the result types: checks on construction, properties, immutability,
and that importing them loads no TensorFlow."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from facial_emotion.results import Face, FrameResult
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



FRAME = np.zeros((4, 6, 3), dtype=np.uint8)


def test_importing_the_result_types_loads_no_tensorflow_or_opencv():
    code = ("import sys, facial_emotion.results, facial_emotion; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'cv2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("kwargs, error", [
    ({"index": 0, "time_s": 0.0, "frame": FRAME}, None),
    ({"index": 3, "time_s": 0.1, "frame": FRAME[..., 0]}, None),  # gray frames are frames too
    ({"index": -1, "time_s": 0.0, "frame": FRAME}, ValueError),
    ({"index": 0, "time_s": 0.0, "frame": [[0]]}, ValueError),
    ({"index": 0, "time_s": 0.0, "frame": np.zeros(5)}, ValueError),
    ({"index": 0, "time_s": 0.0, "frame": FRAME, "faces": [(0, 0, 1, 1)]}, TypeError),
])
def test_frame_result_checks_its_fields(kwargs, error):
    if error:
        with pytest.raises(error, match="expected"):
            FrameResult(**kwargs)
    else:
        assert FrameResult(**kwargs).faces == ()


def test_frame_result_faces_become_a_tuple():
    faces = [Face((0, 0, 2, 2), HAPPY, 1)]
    result = FrameResult(0, 0.0, FRAME, faces)
    faces.clear()  # the caller's list is not shared
    assert len(result.faces) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.fps = 3.0


SMALL, LARGE = Face((0, 0, 2, 2), HAPPY, 3), Face((0, 0, 5, 5), UNIFORM, 1)


@pytest.mark.parametrize("faces, selected_id, expected", [
    ((), None, None),
    ((), 3, None),
    ((SMALL, LARGE), None, LARGE),   # no selection: the largest face
    ((SMALL, LARGE), 3, SMALL),      # by track id, not by position
    ((SMALL, LARGE), 1, LARGE),
    ((SMALL, LARGE), 2, LARGE),      # an id not in view: back to the largest
])
def test_selected_face(faces, selected_id, expected):
    assert FrameResult(0, 0.0, FRAME, faces, selected_id=selected_id).selected_face is expected
