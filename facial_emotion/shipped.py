"""Where the classifier that ships with the tool is, found without importing TensorFlow."""

from __future__ import annotations

from pathlib import Path

MODEL_NAME = "emotion_mini_xception.keras"
# An installed package carries the model in facial_emotion/models/ (pyproject.toml ships the
# repository's models/ folder there); a source checkout has it in models/ at the top.
_PACKAGED_MODEL = Path(__file__).resolve().parent / "models" / MODEL_NAME
DEFAULT_MODEL = (_PACKAGED_MODEL if _PACKAGED_MODEL.is_file()
                 else Path(__file__).resolve().parents[1] / "models" / MODEL_NAME)
