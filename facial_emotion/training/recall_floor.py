"""A prior correction that keeps rare emotions named: every class's recall at least a floor.

Trained on the FER+ votes, a model learns how often people name each emotion, and raters
rarely name disgust or fear, so it almost never does either, even for a clearly disgusted or
frightened face. Multiplying a class's probabilities by a factor (and renormalising) moves
the decision towards it. The factors are the smallest, in steps of 10%, that bring every
class's recall on PublicTest up to the floor; they are chosen on PublicTest, never on
PrivateTest. Adding log(factor) to the last layer's bias (the logits just before the
softmax) makes the correction part of the saved model, with no extra weights.
"""

from __future__ import annotations

import logging

import keras
import numpy as np

from .averaging import all_layers

log = logging.getLogger(__name__)

_STEP = np.log(1.1)       # each raise multiplies a class's probabilities by 1.1
_MAX_BOOST = np.log(20)   # never more than x20: past that the floor is not worth the errors


def boosted(views: list[np.ndarray], log_boost: np.ndarray) -> np.ndarray:
    """The mean over `views` (probabilities of each image and, say, its mirror image) after
    multiplying each view's class probabilities by exp(log_boost) and renormalising: exactly
    what the model gives once `add_to_logits(model, log_boost)` is applied."""
    scale = np.exp(log_boost)
    out = [v * scale for v in views]
    return sum(o / o.sum(axis=1, keepdims=True) for o in out) / len(views)


def fit_recall_floor(views: list[np.ndarray], labels: np.ndarray, floor: float,
                     num_classes: int) -> np.ndarray:
    """Log factors (num_classes,), 0 for most classes, that lift each class's recall on these
    images to `floor` where x20 can; all zero when every class already meets it.

    Raising one class lowers the others' recall, so this raises the furthest-below class one
    10% step at a time and looks again, until every class meets the floor or its factor is
    at the limit.
    """
    log_boost = np.zeros(num_classes)
    support = np.bincount(labels, minlength=num_classes)
    while True:
        predicted = boosted(views, log_boost).argmax(axis=1)
        hits = np.bincount(labels[predicted == labels], minlength=num_classes)
        recall = np.divide(hits, support, out=np.ones(num_classes), where=support > 0)
        short = np.flatnonzero((recall < floor) & (log_boost + _STEP <= _MAX_BOOST + 1e-9))
        if not len(short):
            # Only ratios matter (the softmax renormalises): the least-raised class gets x1.
            return log_boost - log_boost.min()
        log_boost[short[np.argmin(recall[short])]] += _STEP


def add_to_logits(model: keras.Model, log_boost: np.ndarray) -> None:
    """Add `log_boost` to the bias of the model's last convolution, whose global average is
    the softmax's input, so every output is multiplied by exp(log_boost) and renormalised."""
    last = [layer for layer in all_layers(model) if isinstance(layer, keras.layers.Conv2D)][-1]
    if last.bias is None or last.bias.shape != log_boost.shape:
        raise ValueError(f"expected a last convolution with a bias of shape {log_boost.shape}, "
                         f"got {None if last.bias is None else last.bias.shape}")
    last.bias.assign(last.bias.numpy() + log_boost.astype(last.bias.dtype))

