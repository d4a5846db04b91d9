"""MTCNN as a face finder (detector "mtcnn") on real faces: the astronaut pasted into scenes and
rolled (tests/scenes.py), its landmarks, the search near known faces, eye-aligned crops, and the
one-line error without the package. Skipped where the optional mtcnn package is not installed,
except the test of that error."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from facial_emotion.detection import EmotionDetector, FaceTracker, iou_matrix
from facial_emotion.errors import ModelError
from tests.scenes import Placed, compose, eye_roll, group_scene, rolled

needs_mtcnn = pytest.mark.skipif(
    __import__("importlib").util.find_spec("mtcnn") is None, reason="mtcnn is not installed")


@pytest.fixture(scope="module")
def finder():
    pytest.importorskip("mtcnn")
    from facial_emotion.detection import MtcnnFaceFinder
    return MtcnnFaceFinder(detect_width=None)


def gray(scene: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)  # BGR, as the scenes are made


PLACE = Placed(170, 60, 260)  # a head-and-shoulders patch, the face ~175 px, in 600x450


def face_centre():
    x, y, w, h = PLACE.face_box
    return x + w / 2, y + h / 2


@pytest.mark.parametrize("degrees", [0, 25, -25])
def test_a_rolled_face_is_found_with_its_eyes(finder, degrees):
    scene = rolled(compose(600, 450, [PLACE]), face_centre(), degrees)
    boxes, landmarks = finder.find(gray(scene))
    assert boxes.shape == (1, 4) and boxes.dtype == np.int32
    assert landmarks.shape == (1, 5, 2) and landmarks.dtype == np.float32
    x, y, w, h = boxes[0]
    assert abs(x + w / 2 - face_centre()[0]) < w / 4 and abs(y + h / 2 - face_centre()[1]) < h / 4
    assert abs(eye_roll(landmarks[0]) - degrees) < 6
    # the eyes lie in the box's upper half, the mouth corners below them
    assert (landmarks[0, :, 0] > x).all() and (landmarks[0, :, 0] < x + w).all()
    assert landmarks[0, :2, 1].mean() < landmarks[0, 3:, 1].mean()


@pytest.mark.parametrize("width, height, face_width, count", [
    (320, 240, 100, 2),
    (600, 450, 200, 2),
    (2048, 1536, 160, 6),
    (2048, 1536, 400, 6),
])
def test_stills_find_every_face_exactly_once(width, height, face_width, count):
    pytest.importorskip("mtcnn")
    from facial_emotion.detection import MtcnnFaceFinder

    scene, places = group_scene(width, height, face_width, count)
    boxes, landmarks = MtcnnFaceFinder(detect_width=2048).find(gray(scene))
    assert len(boxes) == count == len(landmarks)
    # MTCNN's box is tighter than the cascade's: each lies inside one pasted patch
    inside = iou_matrix(boxes, np.array([p.box for p in places])) > 0
    assert (inside.sum(axis=1) == 1).all() and (inside.sum(axis=0) == 1).all()



@needs_mtcnn
def test_the_detector_gives_landmarks_in_frame_pixels(warm_cache):
    detector = EmotionDetector(warm_cache.model, detector="mtcnn", still=True)
    faces = detector.detect(compose(600, 450, [PLACE]))
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    marks = faces[0].landmarks
    assert marks.shape == (5, 2) and not marks.flags.writeable
    assert (marks[:, 0] > x).all() and (marks[:, 0] < x + w).all()
    assert (marks[:, 1] > y).all() and (marks[:, 1] < y + h).all()


@needs_mtcnn
def test_video_keeps_landmarks_through_tracking_and_region_search(warm_cache):
    detector = EmotionDetector(warm_cache.model, detector="mtcnn", full_scan_every=5)
    assert isinstance(detector.tracker, FaceTracker)
    shown = []
    for i in range(6):
        shown.append(detector.detect(compose(596, 336, [Placed(60 + 4 * i, 40, 200)])))
    assert [len(faces) for faces in shown] == [0, 1, 1, 1, 1, 1]  # confirmed on its 2nd frame
    assert all(faces[0].landmarks is not None for faces in shown[1:])


def test_haar_gives_no_landmarks(warm_cache):
    faces = EmotionDetector(warm_cache.model, still=True, detector="haar").detect(
        compose(600, 450, [PLACE]))
    assert len(faces) == 1 and faces[0].landmarks is None


def without_mtcnn(monkeypatch):
    """Imports of mtcnn (and of any of its modules already loaded) fail, as if not installed."""
    for name in [n for n in sys.modules if n == "mtcnn" or n.startswith("mtcnn.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "mtcnn", None)


def test_without_the_package_the_error_names_it(model_files, monkeypatch):
    without_mtcnn(monkeypatch)
    with pytest.raises(ModelError, match="needs the mtcnn package.*pip install mtcnn"):
        EmotionDetector(model_files.model, detector="mtcnn")


@pytest.mark.parametrize("options, message", [
    (dict(detector="dlib"), "expected detector yunet, haar or mtcnn, got 'dlib'"),
    (dict(detector="MTCNN"), "expected detector yunet, haar or mtcnn, got 'MTCNN'"),
    (dict(detector="mtcnn", cascade="haarcascade_frontalface_alt.xml"),
     "a cascade is for detector haar"),
])
def test_bad_detector_options_are_refused(model_files, options, message):
    with pytest.raises(ValueError, match=message):
        EmotionDetector(model_files.model, **options)
