"""Emotion probabilities for a batch of face crops, through one lean call per frame.

`model.predict` costs ~30 ms a call, almost all fixed overhead, and an eager call ~15 ms.
The saved Keras model is converted once to LiteRT (cached on disk, keyed by the model file's
hash), whose interpreter runs one face in a fraction of a millisecond. Without the
`ai-edge-litert` package a `tf.function` traced for any batch size is used instead.
The model itself scales the pixels, so both paths take raw 0-255 crops.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
from pathlib import Path

import cv2
import numpy as np

from ..cache import default_cache_dir
from ..labels import IMAGE_SIZE
from ..model import DEFAULT_MODEL, class_names, load_classifier

log = logging.getLogger(__name__)


def crop_faces(gray: np.ndarray, boxes: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """uint8 (N, size, size, 1) crops of `boxes` (already clipped to the frame), resized."""
    crops = np.empty((len(boxes), size, size, 1), dtype=np.uint8)
    for i, (x, y, w, h) in enumerate(boxes):
        crops[i, :, :, 0] = cv2.resize(gray[y:y + h, x:x + w], (size, size),
                                       interpolation=cv2.INTER_AREA)
    return crops


class _LiteRTRunner:
    """One interpreter per batch size seen, so a frame's faces always go in one invoke."""

    def __init__(self, flatbuffer: bytes, interpreter_cls, threads: int):
        self.flatbuffer, self.interpreter_cls, self.threads = flatbuffer, interpreter_cls, threads
        self.by_batch: dict[int, tuple] = {}

    def __call__(self, faces: np.ndarray) -> np.ndarray:
        n = len(faces)
        if n not in self.by_batch:
            interpreter = self.interpreter_cls(model_content=self.flatbuffer, num_threads=self.threads)
            input_index = interpreter.get_input_details()[0]["index"]
            interpreter.resize_tensor_input(input_index, [n, IMAGE_SIZE, IMAGE_SIZE, 1])
            interpreter.allocate_tensors()
            self.by_batch[n] = (interpreter, input_index,
                                interpreter.get_output_details()[0]["index"])
        interpreter, input_index, output_index = self.by_batch[n]
        interpreter.set_tensor(input_index, faces)
        interpreter.invoke()
        return interpreter.get_tensor(output_index).copy()


def _litert_flatbuffer(model, model_path: Path, cache_dir: Path | None) -> bytes:
    digest = hashlib.sha1(model_path.read_bytes()).hexdigest()[:16]
    cached = Path(cache_dir or default_cache_dir()) / f"{model_path.stem}-{digest}.tflite"
    if cached.is_file():
        return cached.read_bytes()
    import tensorflow as tf

    log.info("converting %s to LiteRT once (cached in %s)", model_path.name, cached.parent)
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints every signature
        flatbuffer = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(flatbuffer)
        os.replace(tmp, cached)
    except OSError as exc:
        log.warning("could not cache the LiteRT model in %s (%s)", cached.parent, exc)
    return flatbuffer


class EmotionClassifier:
    """Raw (N, 48, 48, 1) face crops in, (N, classes) probabilities out, one call per batch.

    backend: "litert" (fastest; needs ai-edge-litert), "tf" (a compiled tf.function), or
    "auto" (LiteRT when installed).
    """

    def __init__(self, model: str | os.PathLike | None = None, *, backend: str = "auto",
                 threads: int = 1, cache_dir: str | os.PathLike | None = None):
        if backend not in ("auto", "litert", "tf"):
            raise ValueError(f"expected backend auto, litert or tf, got {backend!r}")
        path = Path(model or DEFAULT_MODEL)
        self.model = load_classifier(path)
        self.class_names = class_names(self.model)
        interpreter_cls = None
        if backend != "tf":
            try:
                from ai_edge_litert.interpreter import Interpreter as interpreter_cls
            except ImportError:
                if backend == "litert":
                    raise
        if interpreter_cls is not None:
            self.backend = "litert"
            self._forward = _LiteRTRunner(_litert_flatbuffer(self.model, path, cache_dir),
                                          interpreter_cls, threads)
        else:
            import tensorflow as tf

            self.backend = "tf"
            spec = tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE, 1), tf.float32)
            compiled = tf.function(lambda x: self.model(x, training=False), input_signature=[spec])
            self._forward = lambda faces: compiled(faces).numpy()

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(N, 48, 48, 1) raw pixels, uint8 or float, to float32 (N, classes) probabilities."""
        if faces.ndim != 4 or faces.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 1):
            raise ValueError(f"expected faces of shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}, 1), "
                             f"got {faces.shape}")
        if len(faces) == 0:
            return np.zeros((0, len(self.class_names)), dtype=np.float32)
        return self._forward(np.ascontiguousarray(faces, dtype=np.float32))
