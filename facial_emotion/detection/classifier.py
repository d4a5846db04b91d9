"""Emotion probabilities for a batch of face crops, through one lean call per frame.

`model.predict` costs ~30 ms a call, almost all fixed overhead, and an eager call ~15 ms.
The saved Keras model is converted once to LiteRT (cached on disk, keyed by the model file's
hash, and checked against its own stored hash before each use, so a damaged cache is rebuilt
rather than run), whose interpreter runs one face in a fraction of a millisecond. Without the
`ai-edge-litert` package a `tf.function` traced for any batch size is used instead.
The model itself scales the pixels, so both paths take raw 0-255 crops.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

from ..cache import default_cache_dir, read_cached, write_cached
from ..files import sha256_file
from ..labels import IMAGE_SIZE
from ..model.archive import stored_class_names
from ..model.litert import (MAX_FLATBUFFER_BYTES, LiteRTRunner, convert_to_litert,
                            litert_available)
from ..shipped import DEFAULT_MODEL

log = logging.getLogger(__name__)


# Part of the cache key: change it when the conversion changes, so old caches are not used.
_LITERT_CACHE_FORMAT = "litert-float32-v1"


def load_classifier(path: str | os.PathLike | None = None, *, compile: bool = False):
    """model.io's load_classifier, imported when first needed: Keras loads with it."""
    from ..runtime import import_tensorflow

    import_tensorflow()  # its start-up notices hidden, as configure_tensorflow asked
    from ..model.io import load_classifier as load

    return load(path, compile=compile)


def _cache_file(model_path: Path, cache_dir: Path | None) -> Path:
    """Where the LiteRT flatbuffer of the model in `model_path` is cached: named by the
    file's content, so an edited or replaced model is converted again."""
    key = hashlib.sha256(f"{_LITERT_CACHE_FORMAT}|{sha256_file(model_path)}".encode())
    name = f"{model_path.stem}-{key.hexdigest()[:16]}.tflite"
    return Path(cache_dir or default_cache_dir()) / name


def _converted(model, cached: Path, model_path: Path) -> bytes:
    """`model` (loaded from `model_path`) converted to LiteRT, and cached in `cached`."""
    log.info("converting %s to LiteRT once (cached in %s)", model_path.name, cached.parent)
    flatbuffer = convert_to_litert(model)
    write_cached(cached, flatbuffer)
    return flatbuffer


class EmotionClassifier:
    """Raw (N, 48, 48, 1) face crops in, (N, classes) probabilities out, one call per batch.

    backend: "litert" (fastest; needs ai-edge-litert), "tf" (a compiled tf.function), or
    "auto" (LiteRT when installed). flip: score each face and its mirror image in the same
    call and average the two, which is steadier and a little more accurate (about +0.7
    points on FER2013) for twice the classifier work, still a small part of a frame's time.
    """

    def __init__(self, model: str | os.PathLike | None = None, *, backend: str = "auto",
                 threads: int = 1, cache_dir: str | os.PathLike | None = None,
                 flip: bool = True):
        if backend not in ("auto", "litert", "tf"):
            raise ValueError(f"expected backend auto, litert or tf, got {backend!r}")
        self.flip = bool(flip)
        self.path = Path(model or DEFAULT_MODEL)
        self._model = None
        if backend == "litert" and not litert_available():
            raise ValueError("backend litert needs the ai-edge-litert package, which is not "
                             "installed: pip install ai-edge-litert, or use backend auto or tf")
        if backend == "litert" or (backend == "auto" and litert_available()):
            self.backend = "litert"
            # A cached conversion of this very file (the cache is keyed by its content) was
            # made from a model that loaded and passed its checks: it runs without Keras,
            # which saves TensorFlow's seconds-long import at every start.
            cached = _cache_file(self.path, cache_dir) if self.path.is_file() else None
            flatbuffer = (read_cached(cached, max_bytes=MAX_FLATBUFFER_BYTES)
                          if cached is not None else None)
            names = stored_class_names(self.path) if flatbuffer is not None else None
            if flatbuffer is None:  # self.model says what is wrong with a bad file
                flatbuffer = _converted(self.model, cached, self.path)
            self.class_names = names or self._names_of_model()
            self._forward = LiteRTRunner(flatbuffer, threads)
        else:
            self.class_names = self._names_of_model()
            import tensorflow as tf

            self.backend = "tf"
            spec = tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE, 1), tf.float32)
            compiled = tf.function(lambda x: self.model(x, training=False), input_signature=[spec])
            self._forward = lambda faces: compiled(faces).numpy()

    @property
    def model(self):
        """The Keras model, loaded (and checked) on first use: the LiteRT path runs from its
        cached conversion without it."""
        if self._model is None:
            self._model = load_classifier(self.path)
        return self._model

    def _names_of_model(self) -> tuple[str, ...]:
        from ..model import class_names

        return class_names(self.model)

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(N, 48, 48, 1) raw pixels, uint8 or float, to float32 (N, classes) probabilities."""
        if faces.ndim != 4 or faces.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 1):
            raise ValueError(f"expected faces of shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}, 1), "
                             f"got {faces.shape}")
        if len(faces) == 0:
            return np.zeros((0, len(self.class_names)), dtype=np.float32)
        if not self.flip:
            return self._forward(np.ascontiguousarray(faces, dtype=np.float32))
        # Faces and their mirror images (width is axis 2) in one batch: one call, not two.
        both = np.concatenate([faces, faces[:, :, ::-1]]).astype(np.float32)
        probabilities = self._forward(both)
        return (probabilities[:len(faces)] + probabilities[len(faces):]) / 2
