"""Stochastic weight averaging (SWA): one model whose weights are the mean of several epochs'.

Late in a cosine schedule the weights wander around a wide optimum; their mean sits nearer its
centre and usually generalises a little better than any single epoch. The batch-norm statistics
of the mean are re-estimated on the training images, since the mean of several epochs' running
statistics does not describe the averaged network's activations.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import keras
import numpy as np

from ..model import load_classifier

log = logging.getLogger(__name__)


def average_weights(paths: Sequence[str | os.PathLike]) -> keras.Model:
    """Load saved classifiers of one architecture and return one holding their mean weights."""
    if not paths:
        raise ValueError("expected at least one model to average, got none")
    model = load_classifier(paths[0])
    total = [w.astype(np.float64) for w in model.get_weights()]
    for path in paths[1:]:
        weights = load_classifier(path).get_weights()
        if [w.shape for w in weights] != [t.shape for t in total]:
            raise ValueError(f"expected models of one architecture, got a different one in {path}")
        for t, w in zip(total, weights):
            t += w
    model.set_weights([(t / len(paths)).astype(w.dtype)
                       for t, w in zip(total, model.get_weights())])
    return model


def refresh_batch_norm(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> None:
    """Set every batch-norm layer's moving mean and variance to their average over `images`.

    Runs the model in training mode, where each batch-norm layer folds the batch's statistics
    into its moving ones by `momentum`; a momentum of seen/(seen + batch) turns that into the
    plain average over all images. The layers' own momentum is restored afterwards.
    """
    layers = [layer for layer in all_layers(model)
              if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in layers]
    try:
        for seen in range(0, len(images), batch_size):
            batch = images[seen:seen + batch_size].astype(np.float32)
            for layer in layers:
                layer.momentum = seen / (seen + len(batch))
            model(batch, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    log.info("re-estimated %d batch-norm layers on %d images", len(layers), len(images))


def all_layers(model: keras.Model):
    """Every layer of `model`, nested models' layers included (and the nested models)."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from all_layers(layer)
