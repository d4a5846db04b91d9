"""tf.data pipelines: raw 0-255 pixels in, augmented batches out (the model scales them itself)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ..data import Split
from ..labels import NUM_CLASSES
from .config import TrainConfig


def make_augmenter(config: TrainConfig) -> keras.Sequential:
    """Face-safe augmentation of raw pixels: flip, small rotation/shift/zoom, light and contrast.

    Each factor is the largest change applied; 0 disables that step. None of these layers
    has weights, and none goes into the saved model.
    """
    value_range = (0.0, 255.0)
    steps = [keras.layers.RandomFlip("horizontal", seed=config.seed)]
    if config.rotation_deg:
        steps.append(keras.layers.RandomRotation(config.rotation_deg / 360, fill_mode="reflect",
                                                 seed=config.seed + 1))
    if config.shift:
        steps.append(keras.layers.RandomTranslation(config.shift, config.shift,
                                                    fill_mode="reflect", seed=config.seed + 2))
    if config.zoom:
        steps.append(keras.layers.RandomZoom(config.zoom, fill_mode="reflect", seed=config.seed + 3))
    if config.brightness:
        steps.append(keras.layers.RandomBrightness(config.brightness, value_range=value_range,
                                                   seed=config.seed + 4))
    if config.contrast:
        steps.append(keras.layers.RandomContrast(config.contrast, value_range=value_range,
                                                 seed=config.seed + 5))
    return keras.Sequential(steps, name="augment")


def _mixup(images, targets, alpha: float):
    """Blend each example with another from the batch, weight ~ Beta(alpha, alpha)."""
    n = tf.shape(images)[0]
    g1 = tf.random.gamma([n], alpha)
    g2 = tf.random.gamma([n], alpha)
    lam = g1 / (g1 + g2)
    perm = tf.random.shuffle(tf.range(n))
    images = lam[:, None, None, None] * images + (1 - lam[:, None, None, None]) * tf.gather(images, perm)
    targets = lam[:, None] * targets + (1 - lam[:, None]) * tf.gather(targets, perm)
    return images, targets


def make_dataset(split: Split, batch_size: int, config: TrainConfig | None = None,
                 training: bool = False) -> tf.data.Dataset:
    """Batches of (float32 pixels 0-255, one-hot float32 targets); shuffled and augmented if training."""
    targets = np.eye(NUM_CLASSES, dtype=np.float32)[split.labels]
    ds = tf.data.Dataset.from_tensor_slices((split.images, targets))
    if training:
        ds = ds.shuffle(len(split), seed=config.seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32), y),
                                  num_parallel_calls=tf.data.AUTOTUNE)
    if training:
        augment = make_augmenter(config)
        ds = ds.map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        if config.mixup:
            ds = ds.map(lambda x, y: _mixup(x, y, config.mixup), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
