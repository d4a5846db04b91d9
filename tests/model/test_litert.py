"""LiteRTRunner: a few interpreters, whatever the batch sizes, and the same probabilities as
an interpreter sized to the batch."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.labels import IMAGE_SIZE
from tests.helpers_video import HAS_LITERT

pytestmark = pytest.mark.skipif(not HAS_LITERT, reason="ai-edge-litert not installed")


@pytest.fixture(scope="module")
def small_model():
    """A tiny softmax classifier whose probabilities differ from face to face, and its LiteRT
    flatbuffer."""
    import keras

    from facial_emotion.model.litert import convert_to_litert

    keras.utils.set_random_seed(0)
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1))
    x = keras.layers.AveragePooling2D(8)(inputs)
    x = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(x))
    outputs = keras.layers.Dense(7, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    return model, convert_to_litert(model)


def faces(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, IMAGE_SIZE, IMAGE_SIZE, 1)).astype(
        np.float32)


def test_many_batch_sizes_keep_few_interpreters(small_model):
    from facial_emotion.model.litert import LiteRTRunner

    model, flatbuffer = small_model
    runner = LiteRTRunner(flatbuffer, max_batch=16)
    for n in range(0, 40):
        batch = faces(n, seed=n)
        got = runner(batch)
        assert got.shape == (n, 7)
        if n:
            np.testing.assert_allclose(got, model(batch).numpy(), rtol=1e-5, atol=1e-6)
    assert runner.interpreters <= 5  # batches of 1, 2, 4, 8 and 16


@pytest.mark.parametrize("n", [1, 3, 5, 17, 33])
def test_padding_changes_no_probability(small_model, n):
    """The rows of a padded batch are those of an interpreter sized to the batch exactly."""
    from facial_emotion.model.litert import LiteRTRunner

    _, flatbuffer = small_model
    batch = faces(n, seed=100 + n)
    exact = LiteRTRunner(flatbuffer, max_batch=1)  # one face at a time: no padding
    np.testing.assert_allclose(LiteRTRunner(flatbuffer, max_batch=8)(batch), exact(batch),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("max_batch", [0, 3, 12])
def test_max_batch_is_a_power_of_two(small_model, max_batch):
    from facial_emotion.model.litert import LiteRTRunner

    with pytest.raises(ValueError, match="power of two"):
        LiteRTRunner(small_model[1], max_batch=max_batch)
