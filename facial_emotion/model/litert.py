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
from typing import TYPE_CHECKING

import numpy as np

from ..labels import IMAGE_SIZE
from ..runtime import native_stderr_hidden

if TYPE_CHECKING:  # Keras loads with TensorFlow: running a flatbuffer needs neither
    import keras

# The largest flatbuffer a cache is trusted with: this model's is about 250 KB.
MAX_FLATBUFFER_BYTES = 50 << 20


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

    A frame's faces go in one invoke. Interpreters are sized to a few buckets, the powers of
    two up to `max_batch`: a batch is padded (with black faces) up to the next
    bucket and the padding's rows dropped, and a larger batch runs in chunks of `max_batch`.
    So at most log2(max_batch) + 1 interpreters ever exist, whatever face counts a video
    has; one per distinct count grew without bound (13.5 GB after 300 counts).
    threads: CPU threads per invoke; more helps only for large batches.
    """

    def __init__(self, flatbuffer: bytes, threads: int = 1, max_batch: int = 64):
        from ai_edge_litert.interpreter import Interpreter

        if max_batch < 1 or max_batch & (max_batch - 1):
            raise ValueError(f"expected max_batch a power of two, got {max_batch}")
        self._interpreter_cls = Interpreter
        self.flatbuffer, self.threads, self.max_batch = flatbuffer, threads, max_batch
        self._by_batch: dict[int, tuple] = {}

    @property
    def interpreters(self) -> int:
        """How many interpreters are held now."""
        return len(self._by_batch)

    def __call__(self, faces: np.ndarray) -> np.ndarray:
        faces = np.ascontiguousarray(faces, dtype=np.float32)
        if len(faces) > self.max_batch:
            return np.concatenate([self(faces[i:i + self.max_batch])
                                   for i in range(0, len(faces), self.max_batch)])
        n = len(faces)
        bucket = 1 << max(n - 1, 0).bit_length()  # the next power of two, at least n
        if bucket > n:  # rows of a batch are independent: padding changes no other row
            faces = np.concatenate([faces, np.zeros((bucket - n, *faces.shape[1:]), np.float32)])
        interpreter, input_index, output_index = self._interpreter(bucket)
        interpreter.set_tensor(input_index, faces)
        interpreter.invoke()
        return interpreter.get_tensor(output_index)[:n].copy()

    def _interpreter(self, batch: int) -> tuple:
        if batch not in self._by_batch:
            with native_stderr_hidden():  # LiteRT's "Created ... XNNPACK delegate" line
                interpreter = self._interpreter_cls(model_content=self.flatbuffer,
                                                    num_threads=self.threads)
                input_index = interpreter.get_input_details()[0]["index"]
                interpreter.resize_tensor_input(input_index, [batch, IMAGE_SIZE, IMAGE_SIZE, 1])
                interpreter.allocate_tensors()
            self._by_batch[batch] = (interpreter, input_index,
                                     interpreter.get_output_details()[0]["index"])
        return self._by_batch[batch]


def max_difference(model: keras.Model, flatbuffer: bytes, faces: np.ndarray) -> float:
    """Largest absolute difference between the probabilities of `model` and of `flatbuffer`
    on the same raw-pixel `faces`: a check that a conversion kept the model."""
    import keras

    faces = np.asarray(faces, dtype=np.float32)
    # A direct call rather than `predict`, which would trace a new tf.function per model.
    expected = keras.ops.convert_to_numpy(model(faces, training=False))
    return float(np.abs(LiteRTRunner(flatbuffer)(faces) - expected).max())
