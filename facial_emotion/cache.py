"""Where the tools keep what they can always rebuild: parsed datasets, converted models."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/facial_emotion, else ~/.cache/facial_emotion."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "facial_emotion"
