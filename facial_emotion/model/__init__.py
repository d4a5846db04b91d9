"""The Mini-Xception classifier: builder, saving and loading.

Keras (and so TensorFlow, seconds to import) loads on first use of what needs it, so that
running a converted model (litert.py) or reading a saved file's class names (archive.py)
does not.
"""

from importlib import import_module

_WHERE = {"DEFAULT_MODEL": "..shipped", "class_names": ".io", "load_classifier": ".io",
          "save_atomically": ".io", "ClassNames": ".layers",
          "build_classifier": ".mini_xception", "build_mini_xception": ".mini_xception"}

__all__ = ["DEFAULT_MODEL", "ClassNames", "build_classifier", "build_mini_xception",
           "class_names", "load_classifier", "save_atomically"]


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
