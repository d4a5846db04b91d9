"""The Mini-Xception classifier: builder, saving and loading."""

from .io import DEFAULT_MODEL, class_names, load_classifier, save_atomically
from .layers import ClassNames
from .mini_xception import build_classifier, build_mini_xception

__all__ = ["DEFAULT_MODEL", "ClassNames", "build_classifier", "build_mini_xception",
           "class_names", "load_classifier", "save_atomically"]
