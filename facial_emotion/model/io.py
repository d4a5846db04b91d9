"""Saving and loading the classifier: atomic writes, and checks that a file fits this tool."""

from __future__ import annotations

import os
from pathlib import Path

import keras

from ..errors import ModelError
from ..files import atomic_write
from ..labels import EMOTIONS, IMAGE_SIZE
from .layers import ClassNames

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "emotion_mini_xception.keras"
INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)


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
    """Load a saved classifier and check it takes (N, 48, 48, 1) pixels and returns 7 scores."""
    path = Path(path or DEFAULT_MODEL)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    try:
        model = keras.saving.load_model(path, compile=compile)
    except Exception as exc:  # Keras raises many types for a corrupt or foreign file
        raise ModelError(f"{path}: not a loadable Keras model ({type(exc).__name__}: "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})") from None
    if tuple(model.input_shape[1:]) != INPUT_SHAPE:
        raise ModelError(f"{path}: expected a model taking (N, {IMAGE_SIZE}, {IMAGE_SIZE}, 1) "
                         f"grayscale faces, got input shape {model.input_shape}")
    if model.output_shape[-1] != len(class_names(model)):
        raise ModelError(f"{path}: expected {len(class_names(model))} outputs, got {model.output_shape}")
    return model
