"""load_classifier refuses, in one line and before inflating anything, a model file that is
not a classifier of this tool: an archive that would inflate past its limits, or a model
whose outputs are not probabilities."""

from __future__ import annotations

import time
import zipfile

import keras
import numpy as np
import pytest

import facial_emotion.model.io as model_io
from facial_emotion.errors import ModelError
from facial_emotion.labels import IMAGE_SIZE
from facial_emotion.model import (build_classifier, build_mini_xception, load_classifier,
                                  save_atomically)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "good.keras"
    save_atomically(build_classifier(build_mini_xception()), path)
    return path


def repacked(saved, path, inflate: dict[str, int] | None = None, extra: int = 0):
    """A copy of `saved` in which each member named in `inflate` is padded with zeros to that
    many bytes (deflated, so the file stays small), plus `extra` small members."""
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            size = (inflate or {}).get(info.filename)
            if size is not None:
                data = data + b"\0" * (size - len(data))
            dst.writestr(info.filename, data)
        for i in range(extra):
            dst.writestr(f"extra_{i}.txt", b"x")
    return path


# (member: inflated size, extra members, the fragment of the refusal)
@pytest.mark.parametrize("inflate, extra, fragment", [
    ({"config.json": 3 << 20}, 0, "config.json to hold at most 1 MiB, got 3.0"),
    ({"model.weights.h5": 60 << 20}, 0, "model.weights.h5 to hold at most 50 MiB"),
    ({}, 20, "at most 16 files"),
], ids=["config", "weights", "many members"])
def test_an_archive_too_large_inside_is_refused_without_inflating(saved, tmp_path, monkeypatch,
                                                                  inflate, extra, fragment):
    path = repacked(saved, tmp_path / "bomb.keras", inflate, extra)
    assert path.stat().st_size < 2 << 20  # small on disk

    def no_loading(*args, **kwargs):
        raise AssertionError("the archive was opened by Keras")

    monkeypatch.setattr(model_io.keras.saving, "load_model", no_loading)
    started = time.perf_counter()
    with pytest.raises(ModelError, match=fragment) as excinfo:
        load_classifier(path)
    assert time.perf_counter() - started < 1.0
    assert str(path) in str(excinfo.value) and "\n" not in str(excinfo.value)


def test_an_archive_within_the_limits_loads(saved, tmp_path):
    path = repacked(saved, tmp_path / "padded.keras", {"config.json": 512 << 10})
    with pytest.raises(ModelError, match="not a loadable Keras model"):
        load_classifier(path)  # padded JSON is not JSON: Keras's turn to refuse, not ours


def scores_model(bias: float) -> keras.Model:
    """A 48x48x1 -> 7 network without a softmax: its outputs are scores around `bias`."""
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1))
    x = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(7, kernel_initializer="zeros",
                                 bias_initializer=keras.initializers.Constant(bias))(x)
    return keras.Model(inputs, outputs)


def nan_classifier() -> keras.Model:
    model = build_classifier(build_mini_xception())
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return model


# (the model, whether it is refused, the fragment)
@pytest.mark.parametrize("make, fragment", [
    (lambda: scores_model(-434.0), "got values from -434"),
    (lambda: scores_model(0.5), "rows summing to 3.5"),
    (nan_classifier, "not finite"),
    (lambda: build_classifier(build_mini_xception()), None),
], ids=["scores of -434", "scores in [0, 1]", "NaN weights", "a classifier"])
def test_a_model_must_give_probabilities(tmp_path, make, fragment):
    path = tmp_path / "model.keras"
    save_atomically(make(), path)
    if fragment is None:
        assert load_classifier(path).output_shape == (None, 7)
        return
    with pytest.raises(ModelError, match=f"expected probabilities.*{fragment}") as excinfo:
        load_classifier(path)
    assert str(excinfo.value).startswith(str(path)) and "\n" not in str(excinfo.value)
