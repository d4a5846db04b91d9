"""The classifier as a LiteRT (TensorFlow Lite) flatbuffer, and a runner for one.

One conversion serves both `facial-emotion export` (a file for phones and edge boards) and
EmotionClassifier's cached fast path, so the file you export is the model the demo runs.
The flatbuffer keeps the saved model's contract: float32 (N, 48, 48, 1) raw 0-255 grayscale
pixels in (the model scales them itself), float32 (N, classes) probabilities out, in the
order of `class_names(model)`. N is 1 until the interpreter is resized.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io

import keras
import numpy as np

from ..labels import IMAGE_SIZE
from ..runtime import native_stderr_hidden


def litert_available() -> bool:
    """Whether the `ai-edge-litert` interpreter is installed (it has no Windows wheels)."""
    return importlib.util.find_spec("ai_edge_litert") is not None


def convert_to_litert(model: keras.Model, *, float16: bool = False) -> bytes:
    """The LiteRT flatbuffer of `model`, built-in ops only, so any LiteRT runtime runs it.

    float16: store the weights as float16, which halves the file; the runtime computes in
    float32 on CPUs (or float16 on GPUs that have it), and the probabilities move by about
    1e-3 instead of 1e-6.
    """
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if float16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints every signature
        return bytes(converter.convert())


class LiteRTRunner:
    """Probabilities from a LiteRT flatbuffer: (N, 48, 48, 1) float32 in, (N, classes) out.

    Keeps one interpreter per batch size seen, so a frame's faces always go in one invoke.
    threads: CPU threads per invoke; more helps only for large batches.
    """

    def __init__(self, flatbuffer: bytes, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter_cls = Interpreter
        self.flatbuffer, self.threads = flatbuffer, threads
        self._by_batch: dict[int, tuple] = {}

    def __call__(self, faces: np.ndarray) -> np.ndarray:
        n = len(faces)
        if n not in self._by_batch:
            with native_stderr_hidden():  # LiteRT's "Created ... XNNPACK delegate" line
                interpreter = self._interpreter_cls(model_content=self.flatbuffer,
                                                    num_threads=self.threads)
                input_index = interpreter.get_input_details()[0]["index"]
                interpreter.resize_tensor_input(input_index, [n, IMAGE_SIZE, IMAGE_SIZE, 1])
                interpreter.allocate_tensors()
            self._by_batch[n] = (interpreter, input_index,
                                 interpreter.get_output_details()[0]["index"])
        interpreter, input_index, output_index = self._by_batch[n]
        interpreter.set_tensor(input_index, np.ascontiguousarray(faces, dtype=np.float32))
        interpreter.invoke()
        return interpreter.get_tensor(output_index).copy()


def max_difference(model: keras.Model, flatbuffer: bytes, faces: np.ndarray) -> float:
    """Largest absolute difference between the probabilities of `model` and of `flatbuffer`
    on the same raw-pixel `faces`: a check that a conversion kept the model."""
    faces = np.asarray(faces, dtype=np.float32)
    # A direct call rather than `predict`, which would trace a new tf.function per model.
    expected = keras.ops.convert_to_numpy(model(faces, training=False))
    return float(np.abs(LiteRTRunner(flatbuffer)(faces) - expected).max())
