"""The training pipeline: one exact resampling per image, reproducible augmentation, and the
batches a resumed run sees."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from facial_emotion.data import Split
from facial_emotion.training.config import TrainConfig
from facial_emotion.training.pipeline import (augment, make_dataset, resample, steps_per_epoch,
                                              training_targets)

SIZE = 48


def faces(n: int = 3, seed: int = 0) -> tf.Tensor:
    """Random pixels 1-255 (never 0, so a zero-filled border would show) as float32 (N,48,48,1)."""
    pixels = np.random.default_rng(seed).integers(1, 256, (n, SIZE, SIZE, 1))
    return tf.constant(pixels, tf.float32)


def moved(images, angle=0.0, zoom=1.0, shift_x=0.0, shift_y=0.0) -> np.ndarray:
    n = images.shape[0]
    return resample(images, *(tf.fill([n], float(v)) for v in (angle, zoom, shift_x, shift_y))).numpy()


def test_zero_angle_unit_zoom_zero_shift_returns_the_image_unchanged():
    images = faces()
    np.testing.assert_array_equal(moved(images), images.numpy())


ALL = np.s_[:, :, :]


# (motion, the part of the output, the part of the input it must equal)
@pytest.mark.parametrize("motion, out_part, in_part", [
    pytest.param(dict(shift_x=3), np.s_[:, :, 3:], np.s_[:, :, :-3], id="3 px right"),
    pytest.param(dict(shift_y=-2), np.s_[:, :-2], np.s_[:, 2:], id="2 px up"),
    pytest.param(dict(angle=math.pi), ALL, np.s_[:, ::-1, ::-1], id="half turn"),
])
def test_motions_land_where_expected(motion, out_part, in_part):
    images = faces()
    np.testing.assert_allclose(moved(images, **motion)[out_part], images.numpy()[in_part],
                               atol=0.01)  # sin(pi) is -8.7e-8 in float32


def test_borders_are_reflected_not_filled():
    out = moved(faces(), angle=0.3, zoom=0.8, shift_x=5, shift_y=-5)
    assert out.min() >= 1.0  # a constant fill would bring in zeros


def test_zoom_above_one_enlarges_the_face():
    image = np.zeros((1, SIZE, SIZE, 1), np.float32)
    image[:, 19:29, 19:29] = 255.0  # a centred 10x10 square
    area = (moved(tf.constant(image), zoom=2.0) > 127).sum()
    assert 350 <= area <= 450  # about 20x20


def config(**changes) -> TrainConfig:
    return TrainConfig(**changes)


def seed(n: int) -> tf.Tensor:
    return tf.constant([1337, n], tf.int64)


def test_without_geometry_an_image_is_kept_or_mirrored_exactly():
    images = faces(8)
    out = augment(images, config(rotation_deg=0, zoom=0, shift=0), seed(0)).numpy()
    x = images.numpy()
    kept = [np.array_equal(o, i) for o, i in zip(out, x)]
    mirrored = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)]
    assert all(k or m for k, m in zip(kept, mirrored))
    assert any(kept) and any(mirrored)


def resampling_ops(graph_config: TrainConfig) -> list[str]:
    fn = tf.function(lambda x: augment(x, graph_config, seed(0)))
    graph = fn.get_concrete_function(tf.TensorSpec([None, SIZE, SIZE, 1], tf.float32)).graph
    names = ("ImageProjectiveTransform", "Resize", "ScaleAndTranslate", "CropAndResize")
    return [op.type for op in graph.get_operations() if op.type.startswith(names)]


@pytest.mark.parametrize("changes, count", [
    ({}, 1),                                                  # rotation, zoom and shift: one
    ({"brightness": 0.2, "contrast": 0.2}, 1),                # value changes add no resampling
    ({"rotation_deg": 0, "zoom": 0, "shift": 0}, 0),          # flip only: none at all
])
def test_geometry_is_one_resampling(changes, count):
    assert resampling_ops(config(**changes)) == ["ImageProjectiveTransformV3"] * count


def test_augmentation_is_reproducible_from_its_seed():
    images = faces(4)
    c = config(brightness=0.1, contrast=0.1)
    first, again = augment(images, c, seed(5)).numpy(), augment(images, c, seed(5)).numpy()
    other = augment(images, c, seed(6)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert 0.0 <= first.min() and first.max() <= 255.0


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    return Split(rng.integers(0, 256, (100, SIZE, SIZE, 1), dtype=np.uint8), rng.integers(0, 7, 100))


def batches(split, initial_epoch: int, count: int):
    c = config(batch_size=32, label_weight=1.0)  # the split has no votes
    ds = make_dataset(split, 32, c, training=True, initial_epoch=initial_epoch)
    return [(x.numpy(), y.numpy()) for x, y in ds.take(count)]


def test_a_resumed_pipeline_gives_the_batches_of_an_uninterrupted_one(split):
    steps = steps_per_epoch(split, 32)
    straight = batches(split, 0, 3 * steps)
    resumed = batches(split, 2, steps)
    for (x, y), (x2, y2) in zip(straight[2 * steps:], resumed, strict=True):
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(y, y2)


def test_each_epoch_shows_every_image_once_in_a_new_order(split):
    steps = steps_per_epoch(split, 32)
    epochs = batches(split, 0, 2 * steps)
    assert [len(y) for _, y in epochs] == [32, 32, 32, 4] * 2
    labels = [np.concatenate([y.argmax(1) for _, y in epochs[e * steps:(e + 1) * steps]])
              for e in range(2)]
    for epoch in labels:
        np.testing.assert_array_equal(np.bincount(epoch, minlength=7), split.class_counts())
    assert not np.array_equal(labels[0], labels[1])


def test_evaluation_batches_are_in_order_and_unchanged(split):
    x, y = next(iter(make_dataset(split, 64)))
    np.testing.assert_array_equal(x.numpy(), split.images[:64].astype(np.float32))
    np.testing.assert_array_equal(y.numpy().argmax(1), split.labels[:64])


def voted_split(n: int = 50, seed: int = 0) -> Split:
    rng = np.random.default_rng(seed)
    votes = rng.integers(0, 4, (n, 10)).astype(np.uint8)
    votes[0, :7] = 0  # only non-class votes: this image keeps its one-hot label
    return Split(rng.integers(0, 256, (n, SIZE, SIZE, 1), dtype=np.uint8),
                 rng.integers(0, 7, n), votes)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_label_weight_1_is_kerass_label_smoothing_on_the_one_hot_label(smoothing):
    split = voted_split()
    one_hot = np.eye(7, dtype=np.float32)[split.labels]
    targets = training_targets(split, 1.0, smoothing)
    keras_loss = tf.keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
    ours = tf.keras.losses.CategoricalCrossentropy()
    predictions = tf.nn.softmax(np.random.default_rng(1).normal(size=(len(split), 7)))
    np.testing.assert_allclose(ours(targets, predictions), keras_loss(one_hot, predictions),
                               rtol=1e-6)


def test_label_weight_0_is_the_vote_distribution_unsmoothed():
    split = voted_split()
    targets = training_targets(split, 0.0, 0.1)
    counts = split.votes[1:, :7].astype(np.float32)
    np.testing.assert_allclose(targets[1:], counts / counts.sum(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_array_equal(targets[0], np.eye(7)[split.labels[0]])


def test_a_blend_mixes_the_two_and_sums_to_one():
    split = voted_split()
    blend = training_targets(split, 0.3, 0.1)
    expected = 0.3 * training_targets(split, 1.0, 0.1) + 0.7 * training_targets(split, 0.0, 0.1)
    np.testing.assert_allclose(blend, expected, rtol=1e-6)
    np.testing.assert_allclose(blend.sum(axis=1), 1.0, rtol=1e-6)


def test_votes_are_needed_below_label_weight_1(split):
    with pytest.raises(ValueError, match="FER\\+ votes"):
        training_targets(split, 0.5)


def test_training_batches_carry_the_blended_targets():
    split = voted_split(40)
    c = config(batch_size=40, label_weight=0.5, rotation_deg=0.0, shift=0.0, zoom=0.0)
    images, targets = next(iter(make_dataset(split, 40, c, training=True)))
    expected = training_targets(split, 0.5, c.label_smoothing)
    # The batch is a shuffle of the split: match its rows by their pixels' sums (flips keep them).
    order = np.argsort(split.images.reshape(40, -1).sum(axis=1))
    batch_order = np.argsort(images.numpy().reshape(40, -1).sum(axis=1))
    np.testing.assert_allclose(targets.numpy()[batch_order], expected[order], rtol=1e-6)
