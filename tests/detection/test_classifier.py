"""EmotionClassifier's LiteRT cache: used when intact, rebuilt with one warning when not.

A cache file with bytes zeroed inside still parses as a LiteRT model and runs, with wrong
probabilities; only its stored hash gives it away.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

import numpy as np
import pytest

from facial_emotion.cache import hash_path, read_cached
from facial_emotion.detection import EmotionClassifier, classifier as classifier_module
from facial_emotion.labels import EMOTIONS, IMAGE_SIZE
from tests.helpers_video import HAS_LITERT, expected_probabilities

pytestmark = pytest.mark.skipif(not HAS_LITERT, reason="ai-edge-litert not installed")


def faces(n: int = 5) -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (n, IMAGE_SIZE, IMAGE_SIZE, 1), np.uint8)


@pytest.fixture
def cache_dir(model_files, tmp_path):
    """A copy of the session's warmed cache: the untrained model's .tflite and its hash."""
    copy = tmp_path / "cache"
    shutil.copytree(model_files.cache_dir, copy)
    return copy


def the_tflite(cache_dir):
    [path] = cache_dir.glob("*.tflite")
    return path


def no_conversion(*args, **kwargs):
    raise AssertionError("the model was converted again instead of read from the cache")


def zero_inside(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(64) + data[middle + 64:]


def test_an_intact_cache_is_used_quietly(model_files, cache_dir, monkeypatch, caplog):
    monkeypatch.setattr(classifier_module, "convert_to_litert", no_conversion)
    with caplog.at_level(logging.WARNING):
        classifier = EmotionClassifier(model_files.model, backend="litert", cache_dir=cache_dir)
    assert classifier.backend == "litert" and not caplog.records
    expected = expected_probabilities(classifier, faces())
    np.testing.assert_allclose(classifier.predict(faces()), expected, atol=1e-5)


@pytest.mark.parametrize("damage, says", [
    pytest.param(lambda path: path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2]),
                 "damaged", id="truncated"),
    pytest.param(lambda path: path.write_bytes(zero_inside(path.read_bytes())),
                 "damaged", id="bytes zeroed inside"),
    pytest.param(lambda path: path.write_bytes(b""), "damaged", id="empty"),
    pytest.param(lambda path: hash_path(path).unlink(), "no stored hash", id="hash missing"),
])
def test_a_damaged_cache_is_rebuilt_with_one_warning(model_files, cache_dir, caplog, monkeypatch,
                                                     damage, says):
    cached = the_tflite(cache_dir)
    good = cached.read_bytes()
    damage(cached)
    # The conversion itself is slow and tested elsewhere (tests/test_export.py): here it
    # returns what it returned when the session's cache was warmed.
    conversions = []
    monkeypatch.setattr(classifier_module, "convert_to_litert",
                        lambda model: conversions.append(model) or good)

    with caplog.at_level(logging.WARNING):
        classifier = EmotionClassifier(model_files.model, backend="litert", cache_dir=cache_dir)

    assert conversions == [classifier.model]
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    message = warning.getMessage()
    assert str(cached) in message and says in message and "rebuilding" in message
    assert "\n" not in message
    assert read_cached(cached) == good  # rewritten, with a hash that matches again
    expected = expected_probabilities(classifier, faces())
    np.testing.assert_allclose(classifier.predict(faces()), expected, atol=1e-5)


@pytest.mark.slow
def test_an_unwritable_cache_only_warns(model_files, tmp_path, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING):
        classifier = EmotionClassifier(model_files.model, backend="litert", cache_dir=blocker)
    assert "could not write the cache" in caplog.text
    expected = expected_probabilities(classifier, faces())
    np.testing.assert_allclose(classifier.predict(faces()), expected, atol=1e-5)


def test_backend_litert_without_the_package_says_so(model_files, monkeypatch):
    monkeypatch.setattr(classifier_module, "litert_available", lambda: False)
    with pytest.raises(ValueError, match="ai-edge-litert"):
        EmotionClassifier(model_files.model, backend="litert")
    assert EmotionClassifier(model_files.model, backend="auto").backend == "tf"


@pytest.mark.parametrize("flip", [True, False])
def test_flip_averages_each_face_with_its_mirror_image_in_one_call(model_files, cache_dir, flip):
    classifier = EmotionClassifier(model_files.model, backend="litert", cache_dir=cache_dir,
                                   flip=flip)
    calls = []
    forward = classifier._forward
    classifier._forward = lambda batch: calls.append(len(batch)) or forward(batch)

    probabilities = classifier.predict(faces(3))

    assert calls == [6 if flip else 3]
    model = classifier.model
    plain = model.predict(faces(3).astype(np.float32), verbose=0)
    mirrored = model.predict(faces(3)[:, :, ::-1].astype(np.float32), verbose=0)
    np.testing.assert_allclose(probabilities, (plain + mirrored) / 2 if flip else plain, atol=1e-5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


CHILD = """
import sys
import numpy as np
from facial_emotion.detection import EmotionClassifier
classifier = EmotionClassifier(sys.argv[1], cache_dir=sys.argv[2])
probabilities = classifier.predict(np.full((2, 48, 48, 1), 128, np.uint8))
print("tensorflow" in sys.modules, classifier.class_names == tuple(sys.argv[3].split(",")),
      probabilities.shape)
"""


def test_a_cached_conversion_runs_without_tensorflow(model_files, cache_dir):
    """A start from the cache imports neither TensorFlow nor Keras (seconds saved at every
    start of the app and of each batch worker); the class names come from the file."""
    child = subprocess.run([sys.executable, "-c", CHILD, str(model_files.model), str(cache_dir),
                            ",".join(EMOTIONS)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["False", "True", "(2,", "7)"]


def test_the_keras_model_loads_when_asked_for(model_files, cache_dir):
    classifier = EmotionClassifier(model_files.model, cache_dir=cache_dir)
    assert classifier._model is None  # the cache was enough
    assert classifier.model.output_shape == (None, len(classifier.class_names))
