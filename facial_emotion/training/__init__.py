"""Training Mini-Xception on FER2013.

`TrainConfig` imports no TensorFlow; the trainer loads it on first use.
"""

from importlib import import_module

from .config import TrainConfig

_LAZY = {"TrainResult": ".trainer", "train": ".trainer"}

__all__ = ["TrainConfig", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
