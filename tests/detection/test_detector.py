"""Face crops, the Haar finder's scaling and clipping, the batched classifier, EmotionDetector.

Behaviour tests use an untrained classifier and scripted boxes: the Haar cascade finds no faces
in synthetic frames, and what matters here is the plumbing, not the model's accuracy.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facial_emotion.detection import (EmotionClassifier, EmotionDetector, FaceTracker,
                                      HaarFaceFinder, crop_faces, iou_matrix)
from facial_emotion.detection.face_finder import clip_boxes
from facial_emotion.detection.yunet_finder import YunetFaceFinder
from facial_emotion.errors import ModelError
from facial_emotion.labels import EMOTIONS
from facial_emotion.model import DEFAULT_MODEL, class_names, load_classifier
from tests.helpers_video import HAS_LITERT, ScriptedFinder, as_boxes, expected_probabilities
from tests.scenes import entering_face_clip, entering_face_places, group_scene


def random_frame(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def random_crops(n: int, seed: int = 0) -> np.ndarray:
    return random_frame((n, 48, 48, 1), seed)


# --- crop_faces and clip_boxes -------------------------------------------------------------

@pytest.mark.parametrize("gray_shape, boxes, size", [
    ((80, 100), [], 48),
    ((80, 100), [[0, 0, 10, 10]], 48),
    ((80, 100), [[0, 0, 10, 10], [50, 40, 50, 40], [0, 0, 100, 80]], 48),
    ((80, 100), [[3, 4, 1, 1], [20, 10, 7, 60]], 64),
    ((37, 1001), [[900, 0, 101, 37]], 48),
])
def test_crop_faces_shapes(gray_shape, boxes, size):
    crops = crop_faces(random_frame(gray_shape), as_boxes(boxes), size=size)
    assert crops.shape == (len(boxes), size, size, 1)
    assert crops.dtype == np.uint8


def test_crop_faces_takes_each_boxs_pixels():
    gray = np.zeros((80, 100), np.uint8)
    gray[:, 50:] = 255
    gray[70:, 90:] = 128
    crops = crop_faces(gray, as_boxes([[0, 0, 40, 80], [60, 10, 30, 30], [90, 70, 10, 10]]))
    assert (crops[0] == 0).all() and (crops[1] == 255).all() and (crops[2] == 128).all()


@pytest.mark.parametrize("box, clipped", [
    ((10, 10, 20, 20), (10, 10, 20, 20)),
    ((0, 0, 100, 80), (0, 0, 100, 80)),       # the whole frame
    ((-10, -10, 30, 30), (0, 0, 20, 20)),     # over the top-left corner
    ((90, 70, 30, 30), (90, 70, 10, 10)),     # over the bottom-right corner
    ((-5, 10, 200, 20), (0, 10, 100, 20)),    # wider than the frame
    ((99, 79, 5, 5), (99, 79, 1, 1)),         # one pixel left inside
    ((100, 0, 10, 10), None),                 # touching the right edge from outside
    ((-10, 0, 10, 10), None),                 # touching the left edge from outside
    ((20, 90, 10, 10), None),                 # below the frame
])
def test_clip_boxes_then_crop(box, clipped):
    gray = random_frame((80, 100))
    boxes = clip_boxes(as_boxes([box]), width=100, height=80)
    assert boxes.dtype == np.int32
    if clipped is None:
        assert boxes.shape == (0, 4)
    else:
        assert boxes.tolist() == [list(clipped)]
    crops = crop_faces(gray, boxes)
    assert crops.shape == (len(boxes), 48, 48, 1)
    if clipped is not None:
        x, y, w, h = clipped
        expected = cv2.resize(gray[y:y + h, x:x + w], (48, 48), interpolation=cv2.INTER_AREA)
        np.testing.assert_array_equal(crops[0, :, :, 0], expected)


def test_clip_boxes_keeps_order_and_drops_only_empty_boxes():
    boxes = as_boxes([[5, 5, 10, 10], [500, 5, 10, 10], [-20, 0, 30, 10], [0, 0, 0, 10]])
    assert clip_boxes(boxes, 100, 80).tolist() == [[5, 5, 10, 10], [0, 0, 10, 10]]


# --- HaarFaceFinder -------------------------------------------------------------------------

class FakeCascade:
    """Stands in for cv2.CascadeClassifier: returns `boxes` and records what it was asked."""

    def __init__(self, boxes):
        self.boxes = boxes
        self.calls = []

    def detectMultiScale(self, image, scaleFactor, minNeighbors, minSize,  # noqa: N802, N803
                         maxSize=(0, 0)):  # noqa: N803
        self.calls.append({"shape": image.shape, "dtype": image.dtype, "scale_factor": scaleFactor,
                           "min_neighbors": minNeighbors, "min_size": minSize,
                           "max_size": maxSize})
        # OpenCV returns an empty tuple when it finds nothing, else an int32 (N, 4) array
        return as_boxes(self.boxes) if self.boxes else ()


@pytest.mark.parametrize("shape", [(120, 160), (480, 640), (37, 1001)])
def test_haar_finds_no_face_in_a_blank_frame(shape):
    boxes = HaarFaceFinder().find(np.zeros(shape, np.uint8))[0]
    assert boxes.shape == (0, 4)
    assert np.issubdtype(boxes.dtype, np.integer)


@pytest.mark.parametrize("frame_shape, detect_width, found, small_shape, min_side, expected", [
    # shrunk to half size: boxes double on the way back
    ((480, 640), 320, [[10, 20, 30, 40]], (240, 320), 20, [[20, 40, 60, 80]]),
    ((480, 640), 320, [[10, 20, 30, 40], [200, 100, 50, 50]], (240, 320), 20,
     [[20, 40, 60, 80], [400, 200, 100, 100]]),
    # scaled back past the border: clipped to the frame
    ((480, 640), 320, [[300, 200, 40, 60]], (240, 320), 20, [[600, 400, 40, 80]]),
    # a scale that does not divide evenly: rounded
    ((480, 640), 400, [[5, 5, 25, 25]], (300, 400), 25, [[8, 8, 40, 40]]),
    # a thin strip: 37 rows become 12, so 12 px become 37.5 and are clipped to 37
    ((37, 1001), 320, [[0, 0, 12, 12]], (12, 320), 13, [[0, 0, 38, 37]]),
    # narrower than detect_width, or detect_width None: full size, boxes unchanged
    ((120, 160), 320, [[10, 20, 30, 40]], (120, 160), 40, [[10, 20, 30, 40]]),
    ((480, 640), None, [[10, 20, 30, 40]], (480, 640), 40, [[10, 20, 30, 40]]),
    ((480, 640), 320, [], (240, 320), 20, []),
])
def test_haar_boxes_are_scaled_back_and_clipped(monkeypatch, frame_shape, detect_width, found,
                                                small_shape, min_side, expected):
    finder = HaarFaceFinder(detect_width=detect_width, min_neighbors=3, min_size=40)
    cascade = FakeCascade(found)
    monkeypatch.setattr(finder, "classifier", cascade)
    boxes = finder.find(random_frame(frame_shape))[0]
    assert boxes.shape == (len(expected), 4)
    assert boxes.tolist() == expected
    (call,) = cascade.calls
    assert call["shape"] == small_shape and call["dtype"] == np.uint8
    assert call["min_size"] == (min_side, min_side) and call["max_size"] == (0, 0)
    assert call["min_neighbors"] == 3 and call["scale_factor"] == 1.1


@pytest.mark.parametrize("found, expected", [
    # one face boxed twice (neighbouring scales): one box, the bigger
    ([[10, 10, 50, 50], [14, 12, 44, 44]], [[20, 20, 100, 100]]),
    # a mouth inside the face: dropped
    ([[10, 10, 50, 50], [22, 40, 20, 10]], [[20, 20, 100, 100]]),
    # both, and a second face: two boxes, in the cascade's order
    ([[22, 40, 20, 10], [200, 10, 40, 40], [10, 10, 50, 50], [12, 8, 48, 48]],
     [[400, 20, 80, 80], [20, 20, 100, 100]]),
])
def test_haar_merges_duplicate_and_nested_boxes(monkeypatch, found, expected):
    finder = HaarFaceFinder(detect_width=320)
    monkeypatch.setattr(finder, "classifier", FakeCascade(found))
    assert finder.find(random_frame((480, 640)))[0].tolist() == expected


@pytest.mark.parametrize("detect_width, raises", [(None, False), (32, False), (320, False),
                                                  (31, True), (0, True), (-100, True),
                                                  (320.0, True), ("320", True), (True, True)])
def test_haar_detect_width(detect_width, raises):
    if raises:
        with pytest.raises(ValueError, match="detect_width"):
            HaarFaceFinder(detect_width=detect_width)
    else:
        assert HaarFaceFinder(detect_width=detect_width).detect_width == detect_width


@pytest.mark.parametrize("content", [
    pytest.param(None, id="missing"),
    pytest.param(b"", id="empty"),
    pytest.param(b"this is not a cascade\n", id="not-xml"),  # OpenCV raises cv2.error for these
    pytest.param(b"<?xml version='1.0'?>\n<opencv_storage></opencv_storage>\n", id="no-cascade"),
])
def test_haar_bad_cascade_is_a_model_error(tmp_path, content):
    path = tmp_path / "cascade.xml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match="cascade"):
        HaarFaceFinder(path)


def test_haar_cascade_by_file_name_and_by_path():
    by_name = HaarFaceFinder("haarcascade_frontalface_alt.xml")
    by_path = HaarFaceFinder(cv2.data.haarcascades + "haarcascade_frontalface_alt.xml")
    assert not by_name.classifier.empty() and not by_path.classifier.empty()


# --- EmotionClassifier ----------------------------------------------------------------------

BACKENDS = ["tf", pytest.param("litert", marks=pytest.mark.skipif(
    not HAS_LITERT, reason="ai-edge-litert not installed"))]


@pytest.fixture(scope="module", params=BACKENDS)
def classifier(request, model_files) -> EmotionClassifier:
    return EmotionClassifier(model_files.model, backend=request.param,
                             cache_dir=model_files.cache_dir)


def test_classifier_backend_and_class_names(classifier, request):
    assert classifier.backend == request.node.callspec.params["classifier"]
    assert classifier.class_names == EMOTIONS


@pytest.mark.parametrize("shape, raises", [
    ((0, 48, 48, 1), False),
    ((1, 48, 48, 1), False),
    ((5, 48, 48, 1), False),
    ((2, 48, 48), True),
    ((2, 48, 48, 3), True),
    ((2, 32, 32, 1), True),
    ((48, 48, 1), True),
    ((0, 48, 48), True),
    ((0, 10), True),
])
def test_classifier_input_shapes(classifier, shape, raises):
    faces = np.zeros(shape, np.uint8)
    if raises:
        with pytest.raises(ValueError, match="expected faces of shape"):
            classifier.predict(faces)
        return
    probabilities = classifier.predict(faces)
    assert probabilities.shape == (shape[0], 7)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_classifier_matches_model_predict(classifier):
    crops = random_crops(5)
    expected = expected_probabilities(classifier, crops)
    np.testing.assert_allclose(classifier.predict(crops), expected, atol=1e-5)
    np.testing.assert_allclose(classifier.predict(crops.astype(np.float32)), expected, atol=1e-5)


def test_classifier_batch_rows_do_not_depend_on_each_other(classifier):
    crops = random_crops(4, seed=1)
    batch = classifier.predict(crops)
    for i in range(4):
        np.testing.assert_allclose(classifier.predict(crops[i:i + 1])[0], batch[i], atol=1e-5)
    np.testing.assert_allclose(classifier.predict(crops[1:3]), batch[1:3], atol=1e-5)


def test_classifier_rejects_an_unknown_backend(model_files):
    with pytest.raises(ValueError, match="backend"):
        EmotionClassifier(model_files.model, backend="onnx")


def test_classifier_missing_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        EmotionClassifier(tmp_path / "missing.keras")


@pytest.mark.skipif(not DEFAULT_MODEL.is_file(), reason=f"no shipped model at {DEFAULT_MODEL}")
def test_the_shipped_model_loads():
    model = load_classifier(DEFAULT_MODEL)
    assert model.input_shape == (None, 48, 48, 1)
    assert len(class_names(model)) == 7
    assert class_names(model) == EMOTIONS


# --- EmotionDetector ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_detector(model_files) -> EmotionDetector:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(model_files.cache_home))  # the warmed LiteRT cache
        return EmotionDetector(model_files.model)


@pytest.fixture
def make_detector(base_detector, monkeypatch):
    """The module's detector with a scripted finder and a fresh tracker (or none).

    confirm_hits: 1 (the default here) shows every scripted box at once, so the plumbing
    tests see each frame's boxes; the detector's own default is 2.
    """
    def make(script, *, track: bool = True, smoothing: float = 0.6, confirm_hits: int = 1,
             full_scan_every: int = 5) -> EmotionDetector:
        monkeypatch.setattr(base_detector, "finder", ScriptedFinder(script))
        monkeypatch.setattr(base_detector, "tracker", FaceTracker(
            smoothing=smoothing, confirm_hits=confirm_hits, confirm_window=max(3, confirm_hits))
            if track else None)
        monkeypatch.setattr(base_detector, "full_scan_every", full_scan_every)
        base_detector.reset()
        return base_detector
    return make


FRAME_KINDS = [
    # frame shape, scripted boxes, raises
    ((120, 160, 3), [[10, 10, 40, 40], [100, 60, 50, 50]], False),       # BGR
    ((120, 160), [[10, 10, 40, 40], [100, 60, 50, 50]], False),          # gray
    ((120, 160, 1), [[0, 0, 160, 120]], False),                          # gray with a channel axis
    ((120, 160, 4), [[10, 10, 40, 40], [60, 10, 40, 40], [110, 10, 50, 110]], False),  # BGRA
    ((37, 1001, 3), [[0, 0, 30, 30], [900, 5, 101, 32]], False),         # odd sizes
    ((1001, 37, 3), [[0, 500, 37, 37]], False),
    ((33, 47), [[1, 2, 3, 4]], False),
    ((120, 160, 3), [], False),                                          # no face
    ((120, 160, 2), [[10, 10, 40, 40]], True),
    ((120,), [], True),
]


@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("shape, boxes, raises", FRAME_KINDS)
def test_detect_frame_kinds(make_detector, shape, boxes, raises, track):
    detector = make_detector([boxes], track=track)
    frame = random_frame(shape)
    if raises:
        with pytest.raises(ValueError, match="expected a gray, BGR or BGRA frame"):
            detector.detect(frame)
        return
    found = detector.detect(frame)
    assert detector.finder.calls == [shape]  # the finder saw the frame as given, full size
    assert [face.box for face in found] == [tuple(box) for box in boxes]  # one per box, in order
    for face in found:
        assert face.probabilities.shape == (7,) and face.probabilities.dtype == np.float32
        assert face.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
        assert face.class_names == EMOTIONS
    assert [face.track_id for face in found] == (
        list(range(1, len(boxes) + 1)) if track else [None] * len(boxes))


# What cv2.imread, scientific image readers and a careless caller hand over: converted when it
# is an image of another pixel type, refused with a clear error when it is not an image.
OTHER_PIXEL_TYPES = {
    # name: the frame, from the uint8 frame `u`; the detector sees it as `u` again
    "float 0..1": lambda u: u.astype(np.float32) / 255,
    "float64 0..1": lambda u: u.astype(np.float64) / 255,
    "uint16, full range": lambda u: u.astype(np.uint16) * 257,
    "int32": lambda u: u.astype(np.int32),
    "int64": lambda u: u.astype(np.int64),
}


@pytest.mark.parametrize("kind", list(OTHER_PIXEL_TYPES))
def test_detect_converts_other_pixel_types(make_detector, kind):
    frame = random_frame((120, 160, 3))
    frame[0, 0] = 255  # the brightest pixel is 255, so scaling by it is the identity
    boxes = [[10, 10, 40, 40], [100, 60, 50, 50]]
    expected = make_detector([boxes], track=False).detect(frame)
    found = make_detector([boxes], track=False).detect(OTHER_PIXEL_TYPES[kind](frame))
    assert [f.box for f in found] == [f.box for f in expected]
    for face, reference in zip(found, expected):
        np.testing.assert_allclose(face.probabilities, reference.probabilities, atol=1e-6)


def test_detect_takes_a_bool_mask_as_black_and_white(make_detector):
    found = make_detector([[[10, 10, 40, 40]]], track=False).detect(
        random_frame((120, 160)) > 127)
    assert len(found) == 1


@pytest.mark.parametrize("frame, error, message", [
    (None, TypeError, r"got NoneType \(cv2.imread returns None for a file it cannot read\)"),
    ("x.jpg", TypeError, "got str; read the image first"),
    ([[0, 1], [2, 3]], TypeError, "expected a frame as a numpy array, got list"),
    (np.zeros((12, 16), complex), TypeError, "integer or float pixels, got dtype complex128"),
    (np.array([["a"]]), TypeError, "integer or float pixels"),
    (np.zeros((0, 16, 3), np.uint8), ValueError, "expected a frame with pixels"),
    (np.full((12, 16), np.nan, np.float32), ValueError, "finite"),
    (np.zeros((12, 16, 2), np.float32), ValueError, "expected a gray, BGR or BGRA frame"),
])
def test_detect_refuses_what_is_not_a_frame(make_detector, frame, error, message):
    with pytest.raises(error, match=message):
        make_detector([[[1, 1, 5, 5]]]).detect(frame)


def test_detect_probabilities_are_the_classifiers_on_the_gray_crops(make_detector):
    boxes = [[10, 10, 40, 40], [100, 60, 50, 50]]
    detector = make_detector([boxes], track=False)
    frame = random_frame((120, 160, 3))
    found = detector.detect(frame)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    expected = expected_probabilities(detector.classifier, crop_faces(gray, as_boxes(boxes)))
    np.testing.assert_allclose([face.probabilities for face in found], expected, atol=1e-5)


def test_one_classifier_call_per_frame(make_detector, monkeypatch):
    counts = [0, 1, 3, 2, 0, 4]
    script = [[[10 + 30 * j, 10, 25, 25] for j in range(n)] for n in counts]
    detector = make_detector(script)
    classifier = detector.classifier
    forward_batches, predict_calls = [], []
    forward, predict = classifier._forward, classifier.predict

    def spy_forward(faces):
        forward_batches.append(len(faces))
        return forward(faces)

    def spy_predict(faces):
        predict_calls.append(len(faces))
        return predict(faces)

    monkeypatch.setattr(classifier, "_forward", spy_forward)
    monkeypatch.setattr(classifier, "predict", spy_predict)
    frame = random_frame((120, 160, 3))
    for n in counts:
        before = (len(forward_batches), len(predict_calls))
        assert len(detector.detect(frame)) == n
        # predict once per frame; the model itself once per frame with faces, all in one
        # batch with their mirror images
        assert predict_calls[before[1]:] == [n]
        assert forward_batches[before[0]:] == ([2 * n] if n else [])


def test_tracking_smooths_the_classifiers_probabilities(make_detector):
    boxes = [[10, 10, 60, 60]]
    frames = [random_frame((120, 160, 3), seed) for seed in range(3)]
    raw = make_detector([boxes] * 3, track=False)
    raw_probabilities = [raw.detect(frame)[0].probabilities for frame in frames]
    tracked = make_detector([boxes] * 3, track=True, smoothing=0.5)
    expected = None
    for frame, p in zip(frames, raw_probabilities):
        (face,) = tracked.detect(frame)
        expected = p if expected is None else 0.5 * expected + 0.5 * p
        assert face.track_id == 1
        np.testing.assert_allclose(face.probabilities, expected, atol=1e-5)


@pytest.mark.parametrize("shape", [(120, 160, 3), (120, 160, 4), (120, 160)])
def test_a_finder_of_gray_frames_gets_the_detectors_own_gray(make_detector, monkeypatch, shape):
    detector = make_detector([[[10, 10, 40, 40]]])
    monkeypatch.setattr(detector.finder, "takes_colour", False)  # as haar and mtcnn
    assert len(detector.detect(random_frame(shape))) == 1
    assert detector.finder.calls == [shape[:2]]  # one gray frame, converted once


def test_detector_reset_restarts_ids(make_detector):
    detector = make_detector([[[0, 0, 30, 30]], [[100, 0, 30, 30]], [[100, 0, 30, 30]]])
    frame = random_frame((120, 160))
    assert detector.detect(frame)[0].track_id == 1
    assert detector.detect(frame)[0].track_id == 2
    detector.reset()
    assert detector.detect(frame)[0].track_id == 1


def test_detector_with_the_real_finder_finds_nothing_in_a_blank_frame(base_detector):
    assert isinstance(base_detector.finder, YunetFaceFinder)  # the default
    assert base_detector.detect(np.full((240, 320, 3), 127, np.uint8)) == []


@pytest.mark.parametrize("kwargs, detect_width, full_scan_every, confirm_hits", [
    ({}, 320, 5, 1),                                       # yunet: new faces show at once
    ({"track": False}, 320, 5, None),
    ({"smoothing": 0.0, "detect_width": None, "min_neighbors": 2, "min_size": 20,
      "detector": "haar"}, None, 5, 2),
    ({"detector": "haar"}, 320, 5, 2),
    ({"detect_width": "auto", "full_scan_every": 1}, 320, 1, 1),
    ({"still": True}, 2048, 1, 1),                         # stills: full detail, shown at once
    ({"still": True, "detect_width": 600, "full_scan_every": 5}, 600, 1, 1),
    ({"still": True, "detect_width": None}, None, 1, 1),
])
def test_detector_constructor_wires_its_parts(warm_cache, kwargs, detect_width, full_scan_every,
                                              confirm_hits):
    detector = EmotionDetector(warm_cache.model, **kwargs)
    assert detector.class_names == EMOTIONS
    assert detector.finder.detect_width == detect_width
    assert detector.full_scan_every == full_scan_every
    assert detector.finder.name == kwargs.get("detector", "yunet")
    if detector.finder.name == "haar":
        assert detector.finder.min_neighbors == kwargs.get("min_neighbors", 5)
    assert detector.finder.min_size == kwargs.get("min_size", 40)
    if kwargs.get("track", True):
        assert detector.tracker.smoothing == kwargs.get("smoothing", 0.6)
        assert detector.tracker.confirm_hits == confirm_hits
    else:
        assert detector.tracker is None
        detector.reset()  # nothing to forget, and no error


@pytest.mark.parametrize("kwargs, error", [
    ({"model": "missing.keras"}, ModelError),
    ({"detector": "haar", "cascade": "missing_cascade.xml"}, ModelError),
    ({"cascade": "haarcascade_frontalface_alt.xml"}, ValueError),  # a cascade for yunet
    ({"smoothing": 1.0}, ValueError),
    ({"detect_width": 8}, ValueError),
    ({"detect_width": "full"}, ValueError),
    ({"full_scan_every": 0}, ValueError),
    ({"full_scan_every": -3}, ValueError),
    ({"full_scan_every": 2.5}, TypeError),
    ({"full_scan_every": True}, TypeError),
])
def test_detector_constructor_errors(warm_cache, tmp_path, kwargs, error):
    if "model" in kwargs:
        kwargs = {**kwargs, "model": tmp_path / kwargs["model"]}
    else:
        kwargs = {"model": warm_cache.model, **kwargs}
    with pytest.raises(error, match="expected|not found|cascade"):
        EmotionDetector(**kwargs)


# --- full scans and region search -----------------------------------------------------------

FACE_BOX = [40, 30, 50, 50]


@pytest.mark.parametrize("full_scan_every, seen, kinds", [
    # "x": the scripted finder returns a face that frame, ".": none. "F": a full scan, "n": a
    # search near the faces followed. Nothing followed: every frame is scanned in full.
    (1, "xxxxxx", "FFFFFF"),
    (3, "xxxxxxx", "FnnFnnF"),
    (5, "xxxxxxx", "FnnnnFn"),
    (3, "......", "FFFFFF"),
    (3, "..xxxxx", "FFFnnFn"),
    # a face lost is still followed (max_missed frames), so the search near it goes on
    (3, "xx..xx.", "FnnFnnF"),
])
def test_full_scans_every_n_frames_and_region_search_between(make_detector, full_scan_every,
                                                             seen, kinds):
    script = [[FACE_BOX] if hit == "x" else [] for hit in seen]
    detector = make_detector(script, full_scan_every=full_scan_every)
    for _ in seen:
        detector.detect(random_frame((120, 160)))
    assert "".join("F" if kind == "full" else "n" for kind in detector.finder.kinds) == kinds


def test_region_search_looks_near_the_faces_followed_candidates_included(make_detector):
    other = [100, 10, 40, 40]
    detector = make_detector([[FACE_BOX], [FACE_BOX, other], [FACE_BOX, other]],
                             confirm_hits=2)
    frame = random_frame((120, 160))
    assert detector.detect(frame) == []                  # a candidate: searched near, not shown
    assert [f.track_id for f in detector.detect(frame)] == [1]
    assert [f.track_id for f in detector.detect(frame)] == [1, 2]
    assert detector.finder.kinds == ["full", "near", "near"]
    assert detector.finder.near[0].tolist() == [FACE_BOX]
    assert sorted(detector.finder.near[1].tolist()) == sorted([FACE_BOX, other])


def test_without_tracking_the_region_search_uses_the_last_frames_boxes(make_detector):
    detector = make_detector([[FACE_BOX], [[42, 30, 50, 50]], []], track=False)
    frame = random_frame((120, 160))
    for _ in range(4):
        detector.detect(frame)
    assert detector.finder.kinds == ["full", "near", "near", "full"]
    assert detector.finder.near[1].tolist() == [[42, 30, 50, 50]]


def test_reset_makes_the_next_frame_a_full_scan(make_detector):
    detector = make_detector([[FACE_BOX]] * 4, full_scan_every=5)
    frame = random_frame((120, 160))
    detector.detect(frame)
    detector.detect(frame)
    detector.reset()
    detector.detect(frame)
    assert detector.finder.kinds == ["full", "near", "full"]


# --- real faces: the astronaut pasted into scenes (tests/scenes.py) -------------------------

@pytest.fixture
def real_detector(warm_cache):
    """Factory: an EmotionDetector with the real Haar cascade and the untrained classifier."""
    def make(**kwargs) -> EmotionDetector:
        return EmotionDetector(warm_cache.model, **kwargs)
    return make


def matches(faces, places) -> list[int]:
    """How many found faces overlap each placed face's expected box (IoU over 0.5)."""
    if not faces:
        return [0] * len(places)
    iou = iou_matrix(np.array([f.box for f in faces]), np.array([p.face_box for p in places]))
    return (iou > 0.5).sum(axis=0).tolist()


def ids_at(faces, place) -> list[int]:
    """The track ids of the faces boxed where `place` put one (the cascade's order varies)."""
    return [f.track_id for f in faces
            if iou_matrix(np.array([f.box]), np.array([place.face_box]))[0, 0] > 0.5]


@pytest.mark.parametrize("full_scan_every, enter_at", [
    # Full scans at frames 0, N, 2N, ... (the first face is followed from frame 0 on).
    (1, 5),
    (3, 6),    # enters on a full scan: found at once, shown the frame after
    (3, 4),    # enters just after one: found 2 frames later, the longest wait for N=3
    (5, 10),
    (5, 8),
    (5, 6),    # the longest wait for N=5: found at frame 10, shown at 11
])
def test_a_face_entering_the_frame_is_shown_within_n_frames(real_detector, full_scan_every,
                                                           enter_at):
    detector = real_detector(full_scan_every=full_scan_every)
    frames = enter_at + full_scan_every + 2
    shown_at = None
    for i, frame in enumerate(entering_face_clip(frames, enter_at)):
        faces = detector.detect(frame)
        places = entering_face_places(i, enter_at)
        found = matches(faces, places)
        assert max(found) <= 1 and len(faces) == sum(found), f"frame {i}: a duplicate or false face"
        if i >= 1:  # the first face, in view from frame 0 and confirmed in frame 1
            assert found[0] == 1 and ids_at(faces, places[0]) == [1], f"frame {i}"
        if i >= enter_at and found[1:] == [1]:
            shown_at = i if shown_at is None else shown_at
            assert ids_at(faces, places[1]) == [2], f"frame {i}"
    # found by the next full scan (within N - 1 frames), shown the frame after (confirmed)
    assert shown_at is not None and shown_at - enter_at <= full_scan_every


@pytest.mark.parametrize("width, height, face_width, count", [
    (320, 240, 100, 2),
    (600, 450, 120, 3),
    (2048, 1536, 80, 6),   # six small faces in a big photo: the street photo
])
def test_a_still_shows_every_face_once_with_ids(real_detector, width, height, face_width, count):
    scene, places = group_scene(width, height, face_width, count)
    faces = real_detector(still=True).detect(scene)
    assert matches(faces, places) == [1] * count
    assert len(faces) == count
    assert sorted(f.track_id for f in faces) == list(range(1, count + 1))


def test_the_video_default_misses_the_small_faces_a_still_finds(real_detector):
    # Why stills get their own default: at 320 px these 54 px faces shrink below the cascade's
    # 24 px window.
    scene, places = group_scene(2048, 1536, 80, 6)
    assert real_detector(track=False).detect(scene) == []
    assert len(real_detector(still=True, track=False).detect(scene)) == 6
