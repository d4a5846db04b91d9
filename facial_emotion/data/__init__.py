"""FER2013 loading: both Kaggle forms, validated, split by the official protocol, cached."""

from .loader import load_fer2013, resolve_source
from .splits import FER2013, Split, Usage

__all__ = ["FER2013", "Split", "Usage", "load_fer2013", "resolve_source"]
