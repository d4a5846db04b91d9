"""tf.distribute strategies for training: one device, all local devices, or many workers."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

STRATEGIES = ("none", "mirrored", "multiworker")


def make_strategy(name: str):
    """The tf.distribute strategy called `name`.

    none: the default single-device strategy. mirrored: synchronous data parallelism over
    every local GPU, or over the logical CPUs when there is no GPU but several are configured.
    multiworker: MultiWorkerMirroredStrategy, its cluster described by the standard TF_CONFIG
    environment variable.
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"expected a strategy in {', '.join(STRATEGIES)}, got {name!r}")
    if name == "none":
        return tf.distribute.get_strategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    devices = [d.name for d in gpus] or [d.name for d in cpus]
    return tf.distribute.MirroredStrategy(devices)
