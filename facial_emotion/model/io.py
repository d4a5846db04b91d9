"""Saving and loading the classifier: atomic writes, and checks that a file fits this tool."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras

from ..errors import ModelError
from ..files import atomic_write
from ..labels import EMOTIONS, IMAGE_SIZE
from .layers import ClassNames

MODEL_NAME = "emotion_mini_xception.keras"
# An installed package carries the model in facial_emotion/models/ (pyproject.toml ships the
# repository's models/ folder there); a source checkout has it in models/ at the top.
_PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "models" / MODEL_NAME
DEFAULT_MODEL = (_PACKAGED_MODEL if _PACKAGED_MODEL.is_file()
                 else Path(__file__).resolve().parents[2] / "models" / MODEL_NAME)
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
    return model


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


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
