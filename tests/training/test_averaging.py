"""Weight averaging (SWA): the mean of saved models' weights, and re-estimated batch norm."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from facial_emotion.model import build_classifier, build_mini_xception, save_atomically
from facial_emotion.training.averaging import average_weights, refresh_batch_norm


def saved_model(path, seed: int):
    keras.utils.set_random_seed(seed)
    model = build_classifier(build_mini_xception())
    # Fresh batch norm has mean 0 and variance 1 everywhere; vary it so averaging shows.
    model.set_weights([w + np.random.default_rng(seed).normal(size=w.shape).astype(w.dtype) ** 2
                       for w in model.get_weights()])
    save_atomically(model, path)
    return model


def pixels(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 48, 48, 1)).astype(np.uint8)


def batch_norms(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def test_average_is_the_elementwise_mean(tmp_path):
    models = [saved_model(tmp_path / f"m{i}.keras", seed=i) for i in range(3)]

    averaged = average_weights([tmp_path / f"m{i}.keras" for i in range(3)])

    expected = [np.mean(ws, axis=0) for ws in zip(*(m.get_weights() for m in models))]
    assert len(averaged.get_weights()) == len(expected)
    for got, want in zip(averaged.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert averaged.output_shape == (None, 7)


def test_average_of_one_model_is_that_model(tmp_path):
    model = saved_model(tmp_path / "m.keras", seed=3)
    averaged = average_weights([tmp_path / "m.keras"])
    x = pixels(4).astype(np.float32)
    np.testing.assert_allclose(averaged(x), model(x), rtol=1e-5, atol=1e-6)


def test_averaging_nothing_is_an_error():
    with pytest.raises(ValueError, match="at least one model"):
        average_weights([])


@pytest.mark.parametrize("batch_size", [64, 50])  # 50 leaves a short last batch
def test_refresh_sets_batch_norm_to_the_data_statistics(tmp_path, batch_size):
    model = saved_model(tmp_path / "m.keras", seed=1)
    images = pixels(200, seed=2)
    first_bn = batch_norms(model.get_layer("mini_xception"))[0]
    # What the first batch-norm layer sees: the first convolution of the rescaled pixels.
    inner = model.get_layer("mini_xception")
    features = keras.Model(inner.input, first_bn.input)
    rescaled = model.get_layer("to_unit_range")(images.astype(np.float32))
    activations = np.asarray(features(rescaled))
    momenta = [bn.momentum for bn in batch_norms(inner)]

    refresh_batch_norm(model, images, batch_size=batch_size)

    np.testing.assert_allclose(first_bn.moving_mean.numpy(), activations.mean(axis=(0, 1, 2)),
                               rtol=1e-4, atol=1e-4)
    # The variance is the size-weighted mean of the batches' variances.
    batches = [activations[i:i + batch_size] for i in range(0, len(images), batch_size)]
    variance = sum(len(b) * b.var(axis=(0, 1, 2)) for b in batches) / len(images)
    np.testing.assert_allclose(first_bn.moving_variance.numpy(), variance, rtol=1e-3, atol=1e-4)
    assert [bn.momentum for bn in batch_norms(inner)] == momenta
