"""Fixtures for the detection tests: one untrained classifier per session."""

from __future__ import annotations

import pytest

from tests.helpers_video import ModelFiles, untrained_model


@pytest.fixture(scope="session")
def model_files(tmp_path_factory) -> ModelFiles:
    """An untrained Mini-Xception classifier, saved, with its LiteRT conversion cached."""
    return untrained_model(tmp_path_factory)
