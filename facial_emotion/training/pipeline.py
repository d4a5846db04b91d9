"""tf.data pipelines: raw 0-255 pixels in, augmented batches out (the model scales them itself)."""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from ..data import Split
from ..data.ferplus import vote_distribution
from ..labels import NUM_CLASSES
from .config import TrainConfig


def affine_matrices(angle, zoom, shift_x, shift_y, size: int) -> tf.Tensor:
    """(N, 8) projective transforms, as ImageProjectiveTransformV3 takes them, that rotate by
    `angle` radians and scale by `zoom` about the image centre, then shift by `shift_*` pixels.

    Each row maps an output pixel to the input point it samples, so it is the inverse of the
    motion: a zoom above 1 enlarges the face. Zero angle, unit zoom and zero shift give the
    identity, which samples every pixel exactly.
    """
    centre = (size - 1) / 2.0
    cos, sin = tf.cos(angle) / zoom, tf.sin(angle) / zoom
    a0, a1, b0, b1 = cos, sin, -sin, cos
    a2 = centre - a0 * centre - a1 * centre - shift_x
    b2 = centre - b0 * centre - b1 * centre - shift_y
    zeros = tf.zeros_like(a0)
    return tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def resample(images: tf.Tensor, angle, zoom, shift_x, shift_y) -> tf.Tensor:
    """Rotate, zoom and shift each image of a (N, H, W, C) float batch (see `affine_matrices`)
    in one bilinear resampling, filling the borders by reflection."""
    matrices = affine_matrices(angle, zoom, shift_x, shift_y, images.shape[1])
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=matrices, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="REFLECT")


def augment(images: tf.Tensor, config: TrainConfig, seed: tf.Tensor) -> tf.Tensor:
    """Face-safe augmentation of a batch of raw pixels (N, H, W, 1), float32 0-255.

    The horizontal flip is exact (a reversal). Rotation, zoom and shift are composed into one
    affine matrix per image and applied in ONE bilinear resampling with reflected borders:
    every extra resampling blurs training images, which test images never are, and that cost
    about 2 points of accuracy (see models/README.md). Brightness and contrast, when on, only
    rescale values. `seed` is a stateless (2,) seed, so a batch's augmentation is reproducible.
    """
    n, size = tf.shape(images)[0], images.shape[1]
    seeds = tf.random.experimental.stateless_split(seed, 7)

    def uniform(i, limit):
        return tf.random.stateless_uniform([n], seeds[i], -limit, limit)

    flip = tf.random.stateless_uniform([n], seeds[0]) < 0.5
    images = tf.where(flip[:, None, None, None], tf.reverse(images, axis=[2]), images)
    if config.rotation_deg or config.zoom or config.shift:
        images = resample(images, uniform(1, math.radians(config.rotation_deg)),
                          1.0 + uniform(2, config.zoom),
                          uniform(3, config.shift * size), uniform(4, config.shift * size))
    if config.brightness or config.contrast:
        gain = 1.0 + uniform(5, config.contrast)[:, None, None, None]
        offset = 255.0 * tf.random.stateless_uniform([n, 1, 1, 1], seeds[6],
                                                     -config.brightness, config.brightness)
        mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
        images = tf.clip_by_value((images - mean) * gain + mean + offset, 0.0, 255.0)
    return images


def _mixup(images, targets, alpha: float, seed):
    """Blend each example with another from the batch, weight ~ Beta(alpha, alpha)."""
    n = tf.shape(images)[0]
    s1, s2, s3 = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    g1 = tf.random.stateless_gamma([n], s1, alpha)
    g2 = tf.random.stateless_gamma([n], s2, alpha)
    lam = g1 / (g1 + g2)
    perm = tf.argsort(tf.random.stateless_uniform([n], s3))
    images = lam[:, None, None, None] * images + (1 - lam[:, None, None, None]) * tf.gather(images, perm)
    targets = lam[:, None] * targets + (1 - lam[:, None]) * tf.gather(targets, perm)
    return images, targets


def training_targets(split: Split, label_weight: float = 1.0,
                     label_smoothing: float = 0.0) -> np.ndarray:
    """float32 (N, 7): `label_weight` x the smoothed one-hot FER2013 label + the rest x the
    FER+ raters' vote distribution.

    Smoothing mixes `label_smoothing` of a uniform target into the one-hot part only: it keeps
    a single hard label from making the model overconfident, while the votes are a soft target
    already, and smoothing them too would only pull the model away from how people vote. At
    `label_weight` 1 this is exactly Keras' `CategoricalCrossentropy(label_smoothing=...)`.
    """
    one_hot = np.eye(NUM_CLASSES, dtype=np.float32)[split.labels]
    targets = label_weight * ((1 - label_smoothing) * one_hot + label_smoothing / NUM_CLASSES)
    if label_weight < 1:
        if split.votes is None:
            raise ValueError(f"expected FER+ votes for a label weight below 1, got "
                             f"{label_weight} and images without votes")
        targets += (1 - label_weight) * vote_distribution(split.votes, split.labels)
    return targets.astype(np.float32)


def steps_per_epoch(split: Split, batch_size: int) -> int:
    return math.ceil(len(split) / batch_size)


def make_dataset(split: Split, batch_size: int, config: TrainConfig | None = None,
                 training: bool = False, initial_epoch: int = 0) -> tf.data.Dataset:
    """Batches of (float32 pixels 0-255, float32 targets): the one-hot labels, or for
    training the targets of `training_targets`.

    For training the batches are shuffled, augmented and repeated without end: fit it with
    `steps_per_epoch(split, batch_size)`. Epoch e's order is a permutation drawn from
    (seed, e), and each batch's augmentation from (seed, the batch's index since epoch 1), so
    every epoch sees a fresh order and fresh transforms, and a run resumed at `initial_epoch`
    sees exactly the batches it would have seen without the interruption.
    """
    if not training:
        targets = np.eye(NUM_CLASSES, dtype=np.float32)[split.labels]
        ds = tf.data.Dataset.from_tensor_slices((split.images, targets)).batch(batch_size)
        return ds.map(_to_float, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    targets = training_targets(split, config.label_weight, config.label_smoothing)
    images, targets = tf.constant(split.images), tf.constant(targets)
    n = len(split)

    def epoch_batches(epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(config.seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    first = initial_epoch * steps_per_epoch(split, batch_size)
    ds = (tf.data.Dataset.range(initial_epoch, _NO_END).flat_map(epoch_batches)
          .map(lambda index: (tf.gather(images, index), tf.gather(targets, index)),
               num_parallel_calls=tf.data.AUTOTUNE)
          .map(_to_float, num_parallel_calls=tf.data.AUTOTUNE)
          .enumerate(start=first)
          .map(lambda i, batch: _augment_batch(batch, i, config),
               num_parallel_calls=tf.data.AUTOTUNE))
    return ds.prefetch(tf.data.AUTOTUNE)


_NO_END = 2 ** 62  # epochs: Dataset.range needs an end


def _to_float(images, targets):
    return tf.cast(images, tf.float32), targets


def _augment_batch(batch, index, config: TrainConfig):
    images, targets = batch
    seed = tf.stack([tf.constant(config.seed, tf.int64), index])
    images = augment(images, config, seed)
    if config.mixup:
        images, targets = _mixup(images, targets, config.mixup, seed + 7)
    return images, targets
