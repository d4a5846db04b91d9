"""YuNet, the default face finder, on real faces (the astronaut pasted into scenes and rolled,
tests/scenes.py) and on scikit-image's photos without one: every face once and no false one,
its landmarks in the project's order, the second pass for big faces, the search near known
faces, eye-aligned crops, and the checks of its model file and of OpenCV."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest

import facial_emotion.detection.yunet_finder as yunet
from facial_emotion.detection import EmotionDetector, FaceTracker, detect_width_for, iou_matrix
from facial_emotion.detection.yunet_finder import YunetFaceFinder
from facial_emotion.errors import ModelError
from tests.scenes import (Placed, background, compose, entering_face_clip, eye_roll, group_scene,
                          moving_face_clip, rolled)

ROOT = Path(__file__).resolve().parents[2]

PLACE = Placed(170, 60, 260)  # a head-and-shoulders patch, the face ~175 px, in 600x450
# scikit-image's photos without a human face, one of each kind: objects, an animal's face,
# machines, text, textures, a clock's face, microscopy, the sky.
FACELESS = ("coffee", "chelsea", "rocket", "coins", "horse", "moon", "page", "text", "brick",
            "grass", "gravel", "cell", "colorwheel", "logo", "clock", "checkerboard",
            "immunohistochemistry", "retina", "hubble_deep_field")


@pytest.fixture(scope="module")
def finder():
    return YunetFaceFinder(detect_width=None)


def face_centre():
    x, y, w, h = PLACE.face_box
    return x + w / 2, y + h / 2


def photo(name: str) -> np.ndarray:
    """A scikit-image photo as the BGR uint8 frame OpenCV would read."""
    from skimage import data

    image = np.asarray(getattr(data, name)())
    if image.dtype != np.uint8:
        image = (image.astype(np.float64) / max(image.max(), 1) * 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    code = cv2.COLOR_RGBA2BGR if image.shape[2] == 4 else cv2.COLOR_RGB2BGR  # RGB to BGR
    return cv2.cvtColor(image, code)


@pytest.mark.parametrize("degrees", [0, 15, -15, 25, -25, 35, -35])
def test_a_rolled_face_is_found_once_with_its_eyes(finder, degrees):
    """YuNet reads the roll of a tilted head short (see yunet_finder.py): the eye line turns
    the right way, by at least half the roll."""
    upright = eye_roll(finder.find(compose(600, 450, [PLACE]))[1][0])
    scene = rolled(compose(600, 450, [PLACE]), face_centre(), degrees)
    boxes, landmarks = finder.find(scene)
    assert boxes.shape == (1, 4) and boxes.dtype == np.int32
    assert landmarks.shape == (1, 5, 2) and landmarks.dtype == np.float32
    x, y, w, h = boxes[0]
    assert abs(x + w / 2 - face_centre()[0]) < w / 4 and abs(y + h / 2 - face_centre()[1]) < h / 4
    turned = eye_roll(landmarks[0]) - upright
    assert abs(turned - degrees) < 6 or (np.sign(turned) == np.sign(degrees)
                                         and abs(degrees) / 2 < abs(turned) < abs(degrees) + 6)


def test_landmarks_are_in_the_projects_order_left_as_seen_first(finder):
    """YuNet lists the person's right eye first, which is the left one as seen: that is
    LANDMARKS' order. Mirrored, the scene's left eye is the original's right one."""
    scene = compose(600, 450, [PLACE])
    (left_eye, right_eye, nose, mouth_left, mouth_right), = finder.find(scene)[1]
    assert left_eye[0] < nose[0] < right_eye[0] and mouth_left[0] < mouth_right[0]
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])
    mirrored = finder.find(scene[:, ::-1].copy())[1][0]
    width, face_width = scene.shape[1], PLACE.face_box[2]
    # A swap would be off by the eyes' distance (~60 px); YuNet's points move a few pixels.
    for ours, theirs in ((0, 1), (1, 0), (2, 2), (3, 4), (4, 3)):
        seen_there = np.array([width - 1 - mirrored[theirs][0], mirrored[theirs][1]])
        assert np.abs(seen_there - finder.find(scene)[1][0][ours]).max() < 0.06 * face_width


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_gray_bgr_and_bgra_frames_all_work(finder, channels):
    scene = compose(600, 450, [PLACE])
    frame = {1: cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY), 3: scene,
             4: cv2.cvtColor(scene, cv2.COLOR_BGR2BGRA)}[channels]
    boxes, landmarks = finder.find(frame)
    assert len(boxes) == 1 == len(landmarks)


@pytest.mark.parametrize("width, height, face_width, count", [
    (320, 240, 100, 2),
    (600, 450, 200, 2),
    (2048, 1536, 60, 6),     # a group photo's small faces
    (2048, 1536, 160, 6),
    (2048, 1536, 400, 6),
])
def test_stills_find_every_face_exactly_once(width, height, face_width, count):
    scene, places = group_scene(width, height, face_width, count)
    boxes, landmarks = YunetFaceFinder(detect_width=detect_width_for(True)).find(scene)
    assert len(boxes) == count == len(landmarks)
    overlaps = iou_matrix(boxes, np.array([p.box for p in places])) > 0
    assert (overlaps.sum(axis=1) == 1).all() and (overlaps.sum(axis=0) == 1).all()
    assert (np.diff(boxes[:, 0]) >= 0).all()  # left to right: a photo's ids in that order


def test_a_face_too_big_for_the_first_pass_is_found_by_the_second(monkeypatch):
    """A selfie: the face ~1000 px wide, more than YuNet finds at a still's full detail."""
    selfie = Placed(50, 100, 1500)
    scene = compose(1600, 2000, [selfie])
    finder = YunetFaceFinder(detect_width=detect_width_for(True))
    with monkeypatch.context() as patch:
        patch.setattr(yunet, "LARGE_FACE_WIDTH", 10_000)  # the first pass alone
        alone = finder.find(scene)[0]
    assert len(alone) != 1 or iou_matrix(alone, np.array([selfie.face_box]))[0, 0] < 0.4
    boxes, landmarks = finder.find(scene)
    assert len(boxes) == 1 == len(landmarks)
    assert iou_matrix(boxes, np.array([selfie.face_box]))[0, 0] > 0.4


@pytest.mark.parametrize("still", [True, False], ids=["still", "video"])
@pytest.mark.parametrize("name", FACELESS)
def test_no_false_faces_in_photos_without_one(name, still):
    finder = YunetFaceFinder(detect_width=detect_width_for(still))
    boxes, landmarks = finder.find(photo(name))
    assert boxes.shape == (0, 4) and landmarks.shape == (0, 5, 2)


def test_the_scenes_of_the_tests_have_exactly_their_faces():
    video = YunetFaceFinder(detect_width=detect_width_for(False))
    still = YunetFaceFinder(detect_width=detect_width_for(True))
    for seed in range(3):
        for width, height in ((320, 240), (596, 336), (2048, 1536)):
            assert len(still.find(background(width, height, seed))[0]) == 0
            assert len(video.find(background(width, height, seed))[0]) == 0
    found = [len(video.find(frame)[0]) for frame in moving_face_clip(40, enter_at=10)]
    assert found == [0] * 10 + [1] * 30
    found = [len(video.find(frame)[0]) for frame in entering_face_clip(20, enter_at=8)]
    assert found == [1] * 8 + [2] * 12



def test_search_near_a_face_cut_by_the_frames_edge(finder):
    frame = compose(596, 336, [Placed(-40, 20, 220)])
    boxes, _ = finder.find(frame)
    assert len(boxes) == 1
    near, _ = finder.find_near(frame, boxes)
    assert iou_matrix(near, boxes)[0, 0] > 0.7


def test_search_near_wants_a_face_of_about_the_boxs_size(finder):
    scene = compose(596, 336, [Placed(40, 40, 150)])
    boxes, landmarks = finder.find_near(scene, np.array([[40, 40, 30, 30]]))  # far too small
    assert boxes.shape == (0, 4) and landmarks.shape == (0, 5, 2)


def test_the_detector_keeps_landmarks_through_tracking_and_region_search(warm_cache):
    detector = EmotionDetector(warm_cache.model, full_scan_every=5)  # yunet: the default
    assert isinstance(detector.finder, YunetFaceFinder)
    assert isinstance(detector.tracker, FaceTracker)
    shown = [detector.detect(compose(596, 336, [Placed(60 + 4 * i, 40, 200)])) for i in range(6)]
    assert [len(faces) for faces in shown] == [1] * 6  # shown at once: YuNet's confirm_hits
    assert [faces[0].track_id for faces in shown] == [1] * 6
    for faces in shown:
        x, y, w, h = faces[0].box
        marks = faces[0].landmarks
        assert marks.shape == (5, 2) and not marks.flags.writeable
        assert (marks[:, 0] > x).all() and (marks[:, 0] < x + w).all()
        assert (marks[:, 1] > y).all() and (marks[:, 1] < y + h).all()


def test_the_model_ships_in_the_package_with_its_license():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folder = yunet.MODEL_FILE.parent
    shipped = {p.name for pattern in setuptools["package-data"]["facial_emotion.detection"]
               for p in folder.parent.glob(pattern)}
    assert shipped == {yunet.MODEL_FILE.name, "LICENSE"}
    assert hashlib.sha256(yunet.MODEL_FILE.read_bytes()).hexdigest() == yunet.MODEL_SHA256
    assert "MIT License" in (folder / "LICENSE").read_text()


@pytest.mark.parametrize("damage, message", [
    ("missing", "cannot read it"),
    ("empty", r"damaged \(0 bytes"),
    ("truncated", r"damaged \(100,000 bytes"),
    ("altered", r"damaged \(232,589 bytes"),
    ("a folder", "cannot read it"),
])
def test_a_damaged_model_file_is_refused(tmp_path, monkeypatch, damage, message):
    shipped = yunet.MODEL_FILE.read_bytes()
    path = tmp_path / "yunet.onnx"
    content = {"missing": None, "a folder": None, "empty": b"",
               "truncated": shipped[:100_000],
               "altered": shipped[:5000] + bytes([shipped[5000] ^ 1]) + shipped[5001:]}[damage]
    if damage == "a folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=f"YuNet model {path}: {message}.*detector haar"):
        YunetFaceFinder(model=path)
    monkeypatch.setattr(yunet, "MODEL_FILE", path)  # the default is looked up at each call
    with pytest.raises(ModelError, match=message):
        YunetFaceFinder()


@pytest.mark.parametrize("version, has_yunet", [("4.5.3", False), ("4.7.0", True),
                                                ("3.4.18", False)])
def test_an_opencv_too_old_is_refused_naming_the_version_needed(monkeypatch, version,
                                                                has_yunet):
    monkeypatch.setattr(cv2, "__version__", version)
    if not has_yunet:
        monkeypatch.delattr(cv2, "FaceDetectorYN")
    with pytest.raises(ModelError, match=f"needs OpenCV 4.8 or newer.*found {version}"):
        YunetFaceFinder()


@pytest.mark.parametrize("options, error", [
    (dict(detect_width=16), ValueError),
    (dict(min_size=0), ValueError),
    (dict(score_threshold=0), ValueError),
    (dict(score_threshold=1.0), ValueError),
])
def test_bad_options_are_refused(options, error):
    with pytest.raises(error, match="expected"):
        YunetFaceFinder(**options)
