"""The optimizers: defaults per --optimizer, the learning rate scaled with the global batch,
and SGD's coupled weight decay checked against a hand computation."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from facial_emotion.training.config import TrainConfig
from facial_emotion.training.trainer import (compile_model, make_optimizer, new_model,
                                             peak_learning_rate)

MOMENTUM, DECAY = 0.9, 5e-4


# (optimizer, --lr, --batch-size, replicas, expected peak rate)
@pytest.mark.parametrize("optimizer, lr, batch, replicas, peak", [
    ("sgd", None, 128, 1, 0.05),     # the tuned default, at the batch it was tuned for
    ("sgd", None, 32, 1, 0.0125),    # a quarter of the batch, a quarter of the rate
    ("sgd", None, 64, 2, 0.05),      # the global batch counts every replica
    ("sgd", 0.1, 256, 1, 0.2),
    ("adam", None, 128, 1, 2e-3),
    ("adam", None, 256, 1, 4e-3),
])
def test_peak_rate_scales_linearly_with_the_global_batch(optimizer, lr, batch, replicas, peak):
    config = TrainConfig(optimizer=optimizer, learning_rate=lr, batch_size=batch)
    assert peak_learning_rate(config, replicas) == pytest.approx(peak)


# (optimizer, its Keras class, default decay, decayed weights: "all" or "kernels")
@pytest.mark.parametrize("optimizer, kind, decay, decayed", [
    ("sgd", keras.optimizers.SGD, 5e-4, "all"),
    ("adam", keras.optimizers.Adam, 5e-5, "kernels"),
])
def test_each_optimizer_gets_its_recipe(optimizer, kind, decay, decayed):
    config = TrainConfig(optimizer=optimizer, batch_size=32)
    model = new_model(config, steps=10)

    assert type(model.optimizer) is kind
    assert config.weight_decay == decay
    if optimizer == "sgd":
        assert (model.optimizer.momentum, model.optimizer.nesterov) == (MOMENTUM, True)
    regularised = {w.path for w in model.trainable_weights if w.regularizer is not None}
    kernels = {w.path for w in model.trainable_weights if w.path.endswith("kernel")}
    if decayed == "all":
        assert regularised == {w.path for w in model.trainable_weights}
    else:
        # Adam's L2 sits on the convolution kernels, not on batch norm or the last layer's bias
        assert regularised and regularised <= kernels
        assert not any("batch_normalization" in path for path in regularised)


def tiny_model() -> keras.Model:
    """Dense (kernel and bias), batch norm (gamma and beta), softmax."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    x = keras.layers.Dense(3)(inputs)
    x = keras.layers.BatchNormalization()(x)
    return keras.Model(inputs, keras.layers.Activation("softmax")(x))


def batch(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
    return x, y


def data_gradients(model, x, y) -> list[np.ndarray]:
    """The cross-entropy's gradient alone, as training computes it (batch norm in training mode)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = keras.losses.categorical_crossentropy(y, model(x, training=True))
        loss = tf.reduce_mean(loss)
    return [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]


@pytest.mark.parametrize("data_weight", [0.0, 1.0], ids=["decay alone", "decay and data"])
def test_sgd_adds_decay_times_weight_to_the_gradient_before_nesterov_momentum(data_weight):
    """Two SGD steps against numpy: g = dL/dw + decay * w, then Keras' Nesterov update
    m = momentum * m - lr * g;  w = w + momentum * m - lr * g  (PyTorch's, for a fixed rate).

    With every sample weight 0 the loss gradient vanishes, so the step is the decay alone,
    computed entirely by hand. Biases and batch-norm scales and offsets are decayed too.
    """
    config = TrainConfig(batch_size=8, warmup_epochs=0, epochs=10, label_smoothing=0.0)
    model = compile_model(tiny_model(), config, make_optimizer(config, steps=1))
    names = [w.path.split("/")[-1] for w in model.trainable_weights]
    assert sorted(names) == ["beta", "bias", "gamma", "kernel"]
    assert all(w.regularizer is not None for w in model.trainable_weights)
    assert not any(w.regularizer for w in model.non_trainable_weights)  # moving statistics

    w = [v.numpy().astype(np.float64) for v in model.trainable_weights]
    m = [np.zeros_like(v) for v in w]
    for step in range(2):
        x, y = batch(step)
        lr = float(model.optimizer.learning_rate)
        if step == 0:  # no warm-up: the peak, scaled from batch 128 to 8
            assert lr == pytest.approx(0.05 * 8 / 128)
        grads = data_gradients(model, x, y) if data_weight else [0.0] * len(w)
        penalty = DECAY / 2 * sum(float(np.sum(v ** 2)) for v in w)
        logs = model.train_on_batch(x, y, sample_weight=np.full(len(x), data_weight),
                                    return_dict=True)
        if not data_weight:
            assert logs["loss"] == pytest.approx(penalty, rel=1e-4)  # the loss shows the decay
        for i, g in enumerate(grads):
            g = g + DECAY * w[i]
            m[i] = MOMENTUM * m[i] - lr * g
            w[i] = w[i] + MOMENTUM * m[i] - lr * g
        for got, want in zip(model.trainable_weights, w):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-8)


# (--epochs, --warmup-epochs, steps per epoch, the warm-up in steps)
@pytest.mark.parametrize("epochs, warmup, steps, warmup_steps", [
    (150, 5, 224, 5 * 224),  # the recipe: exactly as before
    (60, 5, 100, 500),
    (20, 5, 100, 500),       # a quarter of the run: still whole
    (8, 5, 100, 200),        # cut to a quarter of the run
    (1, 5, 224, 56),         # --epochs 1, the smoke test: a quarter of its one epoch
    (1, 0, 224, 0),
])
def test_the_warm_up_takes_at_most_a_quarter_of_the_run(epochs, warmup, steps, warmup_steps):
    from facial_emotion.training.trainer import learning_rate_schedule

    config = TrainConfig(epochs=epochs, warmup_epochs=warmup)
    schedule = learning_rate_schedule(config, steps)
    assert schedule.warmup_steps == warmup_steps
    peak = peak_learning_rate(config)
    assert float(schedule(warmup_steps)) == pytest.approx(peak, rel=1e-5)  # the peak is reached
    assert float(schedule(epochs * steps)) == pytest.approx(0.0, abs=1e-6 * peak)  # and left
