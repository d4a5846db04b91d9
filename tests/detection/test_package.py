"""What `facial_emotion.detection` exports, and that finding faces loads no TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import facial_emotion.detection as detection

REPO = Path(detection.__file__).resolve().parents[2]  # where `import facial_emotion` works


def test_everything_in_all_is_there():
    for name in detection.__all__:
        assert getattr(detection, name) is not None, name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute"):
        detection.NoSuchThing  # noqa: B018


@pytest.mark.parametrize("code", [
    "import facial_emotion.detection",
    "from facial_emotion.detection import HaarFaceFinder, FaceTracker, merge_duplicates",
    "from facial_emotion.detection import YunetFaceFinder, make_finder",
    "from facial_emotion.detection import detect_width_for, DEFAULT_FULL_SCAN_EVERY",
    "from facial_emotion.detection import EmotionDetector",  # the classifier loads when built
    "from facial_emotion.detection import Face",
])
def test_importing_loads_no_tensorflow(code):
    # A fresh interpreter: this one may have loaded TensorFlow for other tests already.
    probe = f"import sys; {code}; print([m for m in ('tensorflow', 'keras') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"
