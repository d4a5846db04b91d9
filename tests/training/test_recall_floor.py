"""The recall floor: the smallest class factors that keep rare emotions named, folded into
the model's last bias so that the saved model gives exactly the corrected probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.model import build_classifier, build_mini_xception
from facial_emotion.training.recall_floor import add_to_logits, boosted, fit_recall_floor


def timid_model_outputs(n_per_class: int = 40, seed: int = 0):
    """Probabilities of a model that sees class 1 (disgust) but never dares to name it: its
    probability for a disgusted face is high, yet below the top class's."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(7), n_per_class)
    logits = rng.normal(0, 0.3, (len(labels), 7))
    logits[np.arange(len(labels)), labels] += 2.0
    logits[labels == 1, 1] -= 1.0
    logits[labels == 1, 6] += 1.4  # disgust is read as neutral
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probs, labels


def recall(probs, labels, cls):
    return (probs.argmax(axis=1)[labels == cls] == cls).mean()


def test_classes_above_the_floor_change_nothing():
    probs, labels = timid_model_outputs()
    assert not fit_recall_floor([probs], labels, 0.0, 7).any()


def test_a_class_below_the_floor_is_raised_just_enough():
    probs, labels = timid_model_outputs()
    assert recall(probs, labels, 1) < 0.3

    log_boost = fit_recall_floor([probs], labels, 0.5, 7)

    corrected = boosted([probs], log_boost)
    assert recall(corrected, labels, 1) >= 0.5
    assert log_boost[1] > 0 and np.count_nonzero(log_boost) == 1
    smaller = log_boost.copy()
    smaller[1] -= np.log(1.1)
    assert recall(boosted([probs], smaller), labels, 1) < 0.5  # one step less falls short
    for cls in (0, 2, 3, 4, 5, 6):
        assert recall(corrected, labels, cls) >= 0.5


def test_an_unreachable_floor_stops_at_the_limit():
    probs, labels = timid_model_outputs()
    log_boost = fit_recall_floor([probs], labels, 0.999, 7)
    assert log_boost.max() <= np.log(20) + 1e-9


def test_the_floor_is_fitted_on_the_flip_averaged_views():
    probs, labels = timid_model_outputs()
    mirrored, _ = timid_model_outputs(seed=1)
    log_boost = fit_recall_floor([probs, mirrored], labels, 0.5, 7)
    assert recall(boosted([probs, mirrored], log_boost), labels, 1) >= 0.5


@pytest.fixture(scope="module")
def model():
    return build_classifier(build_mini_xception())


def test_folded_into_the_bias_the_model_gives_the_boosted_probabilities(model):
    faces = np.random.default_rng(0).integers(0, 256, (6, 48, 48, 1)).astype(np.float32)
    before = model.predict(faces, verbose=0)
    log_boost = np.log(np.array([1, 3, 2.5, 1, 1, 1, 1.0]))

    add_to_logits(model, log_boost)

    np.testing.assert_allclose(model.predict(faces, verbose=0), boosted([before], log_boost),
                               rtol=1e-4, atol=1e-6)
    assert model.count_params() == 58_423


def test_a_bias_of_the_wrong_shape_is_refused(model):
    with pytest.raises(ValueError, match="expected a last convolution with a bias of shape"):
        add_to_logits(model, np.zeros(5))
