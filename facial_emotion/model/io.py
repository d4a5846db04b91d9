"""Saving and loading the classifier: atomic writes, and checks that a file fits this tool."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras
import numpy as np

from ..errors import ModelError
from ..files import archive_size_problem, atomic_write
from ..labels import EMOTIONS, IMAGE_SIZE
from ..shipped import DEFAULT_MODEL
from .layers import ClassNames

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
# What a .keras archive of this tool's classifier may hold, checked on the sizes its zip
# directory declares before anything is inflated (zipfile never inflates past them). The
# shipped model (58k parameters) has a 60 KB config.json and 0.9 MB of weights with the
# optimizer's; these limits leave room for a 50x larger network. An 815 KB file whose
# config inflated to 800 MB took 5 GB of memory before Keras refused it.
MAX_MEMBER_BYTES = {"config.json": 1 << 20, "metadata.json": 64 << 10,
                    "model.weights.h5": 50 << 20}
MAX_OTHER_MEMBER_BYTES = 1 << 20
MAX_MEMBERS = 16
# How far from probabilities a classifier's outputs may be (float32 softmax sums to 1
# within ~1e-6).
PROBABILITY_TOLERANCE = 1e-3


def save_atomically(model: keras.Model, path: str | os.PathLike) -> None:
    """Save `model` so that a crash never leaves half a model at `path`."""
    with atomic_write(path, suffix=".keras") as tmp:  # Keras picks the format by suffix
        model.save(tmp)


def class_names(model: keras.Model) -> tuple[str, ...]:
    """The class names saved inside the model, or FER2013's order for a bare network."""
    for layer in model.layers:
        if isinstance(layer, ClassNames):
            return layer.names
    return EMOTIONS


def load_classifier(path: str | os.PathLike | None = None, *, compile: bool = False) -> keras.Model:
    """Load a saved classifier and check it takes (N, 48, 48, 1) pixels and returns 7 scores.

    A missing, empty, truncated or foreign file raises ModelError naming it and saying which.
    """
    path = Path(path or DEFAULT_MODEL)
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelError(f"{path} is a folder, expected a .keras model file")
    _check_keras_archive(path)
    try:
        model = keras.saving.load_model(path, compile=compile)
    except Exception as exc:  # Keras raises many types for a corrupt or foreign file
        raise ModelError(f"{path}: not a loadable Keras model ({type(exc).__name__}: "
                         f"{_first_line(exc)})") from None
    if tuple(model.input_shape[1:]) != INPUT_SHAPE:
        raise ModelError(f"{path}: expected a model taking (N, {IMAGE_SIZE}, {IMAGE_SIZE}, 1) "
                         f"grayscale faces, got input shape {model.input_shape}")
    if model.output_shape[-1] != len(class_names(model)):
        raise ModelError(f"{path}: expected {len(class_names(model))} outputs, got {model.output_shape}")
    _check_probabilities(model, path)
    return model


def probe_faces() -> np.ndarray:
    """A few fixed raw-pixel faces: black, white, mid-grey, a gradient and seeded noise."""
    ramp = np.linspace(0, 255, IMAGE_SIZE * IMAGE_SIZE, dtype=np.float32)
    noise = np.random.default_rng(0).uniform(0, 255, IMAGE_SIZE * IMAGE_SIZE)
    faces = [np.zeros(IMAGE_SIZE * IMAGE_SIZE), np.full(IMAGE_SIZE * IMAGE_SIZE, 255.0),
             np.full(IMAGE_SIZE * IMAGE_SIZE, 128.0), ramp, noise]
    return np.stack(faces).reshape(-1, *INPUT_SHAPE).astype(np.float32)


def _check_probabilities(model: keras.Model, path: Path) -> None:
    """Refuse a model whose outputs are not probabilities (finite, in [0, 1], each row
    summing to 1) on `probe_faces`: a diverged run's NaN weights, or a network without its
    softmax, would otherwise reach the app and fail there, or draw bars of -434%."""
    # A direct call rather than `predict`, which would trace a new tf.function per model.
    out = np.asarray(keras.ops.convert_to_numpy(model(probe_faces(), training=False)),
                     dtype=np.float64)
    tol = PROBABILITY_TOLERANCE
    if not np.isfinite(out).all():
        problem = "values that are not finite (NaN or infinite weights: a diverged training?)"
    elif out.min() < -tol or out.max() > 1 + tol:
        problem = f"values from {out.min():.4g} to {out.max():.4g}"
    elif np.abs(out.sum(axis=1) - 1).max() > tol:
        problem = f"rows summing to {out.sum(axis=1).min():.4g}-{out.sum(axis=1).max():.4g}"
    else:
        return
    raise ModelError(f"{path}: expected probabilities (each in [0, 1], summing to 1 per face), "
                     f"got {problem}")


def _check_keras_archive(path: Path) -> None:
    """A .keras file is a zip archive. Keras reports one that is not (empty, cut short by a
    kill or a full disk) as "File not found", which misleads when the file is right there."""
    if path.suffix != ".keras":
        return  # a legacy format; let Keras judge it
    with open(path, "rb") as f:  # an unreadable file raises its own OSError, naming it
        size = f.seek(0, os.SEEK_END)
    if size == 0:
        raise ModelError(f"{path}: not a loadable Keras model: the file is empty (0 bytes)")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not a loadable Keras model: the file is damaged ({size} bytes "
                         f"that are not a complete .keras zip archive: cut short, or another "
                         f"kind of file)")
    problem = archive_size_problem(path, MAX_MEMBER_BYTES, MAX_OTHER_MEMBER_BYTES, MAX_MEMBERS)
    if problem:
        raise ModelError(f"{path}: not a Keras model of this tool: {problem}; refused before "
                         f"loading it")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
