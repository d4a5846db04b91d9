"""What a saved .keras file says about itself, read without TensorFlow."""

from __future__ import annotations

import json
import os
import zipfile

from ..labels import EMOTIONS

CLASS_NAMES_LAYER = "ClassNames"  # layers.ClassNames, as the archive's config names it


def stored_class_names(path: str | os.PathLike) -> tuple[str, ...] | None:
    """The class names a saved classifier carries (FER2013's order for a bare network, as
    `class_names(model)` gives), from its config.json alone; None when the archive cannot
    be read that way (the caller then loads the model, which says what is wrong)."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("class_name") == CLASS_NAMES_LAYER:
                names = node.get("config", {}).get("names")
                return tuple(map(str, names)) if isinstance(names, list) else None
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return EMOTIONS
