"""Mini-Xception as the original mini_XCEPTION, the raw-pixel classifier around it, save and load."""

from __future__ import annotations

from collections import Counter

import keras
import numpy as np
import pytest

from facial_emotion.errors import ModelError
from facial_emotion.labels import EMOTIONS
from facial_emotion.model import (build_classifier, build_mini_xception, class_names,
                                  load_classifier, save_atomically)

PARAMS, TRAINABLE = 58_423, 56_951


def trainable_count(model: keras.Model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def kind(layer) -> str:
    return type(layer).__name__


def producer(tensor):
    """The layer that made a symbolic tensor of a functional model."""
    return tensor._keras_history.operation


def pixels(n: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 48, 48, 1)).astype(np.float32)


@pytest.fixture(scope="module")
def network():
    keras.utils.set_random_seed(0)
    return build_mini_xception()


def test_parameter_counts_match_the_original(network):
    assert network.count_params() == PARAMS
    assert trainable_count(network) == TRAINABLE
    assert network.input_shape == (None, 48, 48, 1)
    assert network.output_shape == (None, 7)


def test_layer_types_match_the_original(network):
    assert Counter(kind(layer) for layer in network.layers) == {
        "InputLayer": 1, "Conv2D": 2 + 4 + 1, "BatchNormalization": 2 + 4 * 3,
        "Activation": 2 + 4 + 1, "SeparableConv2D": 8, "MaxPooling2D": 4, "Add": 4,
        "GlobalAveragePooling2D": 1}


def test_stem_and_head_match_the_original(network):
    layers = network.layers
    assert [kind(x) for x in layers[:7]] == [
        "InputLayer", "Conv2D", "BatchNormalization", "Activation",
        "Conv2D", "BatchNormalization", "Activation"]
    for conv in (layers[1], layers[4]):
        assert (conv.filters, conv.kernel_size, conv.strides, conv.padding, conv.use_bias) == (
            8, (3, 3), (1, 1), "valid", False)
    assert [layers[i].activation.__name__ for i in (3, 6)] == ["relu", "relu"]

    conv, pool, softmax = layers[-3:]
    assert (kind(conv), conv.filters, conv.kernel_size, conv.padding) == ("Conv2D", 7, (3, 3), "same")
    assert kind(pool) == "GlobalAveragePooling2D"
    assert (kind(softmax), softmax.activation.__name__) == ("Activation", "softmax")


def test_separable_convolutions_and_residuals_match_the_original(network):
    separable = [x for x in network.layers if kind(x) == "SeparableConv2D"]
    assert [x.filters for x in separable] == [16, 16, 32, 32, 64, 64, 128, 128]
    assert {(x.kernel_size, x.strides, x.padding, x.use_bias) for x in separable} == {
        ((3, 3), (1, 1), "same", False)}
    residual = [x for x in network.layers if kind(x) == "Conv2D" and x.kernel_size == (1, 1)]
    assert [x.filters for x in residual] == [16, 32, 64, 128]
    assert {(x.strides, x.padding, x.use_bias) for x in residual} == {((2, 2), "same", False)}
    pools = [x for x in network.layers if kind(x) == "MaxPooling2D"]
    assert {(x.pool_size, x.strides, x.padding) for x in pools} == {((3, 3), (2, 2), "same")}


def test_each_module_is_the_original_residual_block(network):
    """Per module, main path SepConv-BN-ReLU-SepConv-BN-MaxPool and a 1x1 Conv-BN shortcut, added.

    Keras may list the shortcut's layers anywhere inside the module, so the shortcut is found
    through the graph and the main path's order is checked with it taken out.
    """
    adds = [x for x in network.layers if kind(x) == "Add"]
    shortcut_layers = []
    for add, filters in zip(adds, (16, 32, 64, 128)):
        inputs = {kind(producer(t)): producer(t) for t in add.input}
        assert set(inputs) == {"MaxPooling2D", "BatchNormalization"}
        conv = producer(inputs["BatchNormalization"].input)
        assert (kind(conv), conv.kernel_size, conv.strides, conv.filters) == (
            "Conv2D", (1, 1), (2, 2), filters)
        shortcut_layers += [conv, inputs["BatchNormalization"]]

    main_path = [kind(x) for x in network.layers[7:-3] if x not in shortcut_layers]
    module = ["SeparableConv2D", "BatchNormalization", "Activation", "SeparableConv2D",
              "BatchNormalization", "MaxPooling2D", "Add"]
    assert main_path == module * 4


@pytest.mark.parametrize("l2, regularised", [(1e-4, True), (0.0, False)])
def test_l2_regularises_the_kernels(l2, regularised):
    network = build_mini_xception(l2=l2)
    assert network.count_params() == PARAMS
    assert bool(network.losses) == regularised


@pytest.mark.parametrize("names, raises", [
    pytest.param(EMOTIONS, False, id="FER2013 order"),
    pytest.param(tuple("abcdefg"), False, id="custom names"),
    pytest.param(EMOTIONS[:6], True, id="one name short"),
])
def test_classifier_carries_class_names(network, names, raises):
    if raises:
        with pytest.raises(ValueError, match="7"):
            build_classifier(network, names)
        return
    classifier = build_classifier(network, names)
    assert class_names(classifier) == tuple(names)
    assert classifier.count_params() == PARAMS
    assert trainable_count(classifier) == TRAINABLE
    assert classifier.input_shape == (None, 48, 48, 1)
    assert classifier.output_shape == (None, 7)


def test_bare_network_defaults_to_fer2013_class_names(network):
    assert class_names(network) == EMOTIONS


def test_classifier_takes_raw_pixels(network):
    classifier = build_classifier(network)
    x = pixels(6)
    x[0] = 0.0
    x[1] = 255.0
    wrapped = classifier(x, training=False).numpy()
    bare = network(x / 127.5 - 1.0, training=False).numpy()
    np.testing.assert_allclose(wrapped, bare, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(wrapped.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("names", [EMOTIONS, ("a", "b", "c", "d", "e", "f", "neutral-ish")])
def test_save_and_load_round_trip(tmp_path, network, names):
    classifier = build_classifier(network, names)
    path = tmp_path / "models" / "emotion.keras"  # the folder does not exist yet

    save_atomically(classifier, path)
    loaded = load_classifier(path)

    assert sorted(p.name for p in path.parent.iterdir()) == ["emotion.keras"]  # no temp files
    assert class_names(loaded) == tuple(names)
    x = pixels(3, seed=1)
    np.testing.assert_allclose(loaded(x, training=False).numpy(),
                               classifier(x, training=False).numpy(), rtol=1e-5, atol=1e-6)


def test_save_replaces_an_existing_file(tmp_path, network):
    path = tmp_path / "emotion.keras"
    path.write_text("an older file")
    save_atomically(build_classifier(network), path)
    assert class_names(load_classifier(path)) == EMOTIONS


def tiny_model(input_shape, outputs: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(outputs, activation="softmax")(x))


# (what the file is, raises ModelError, what the message must say)
@pytest.mark.parametrize("case, raises, fragment", [
    pytest.param("missing", True, "not found", id="missing file"),
    pytest.param("folder", True, "is a folder", id="a folder"),
    pytest.param("text", True, "not a loadable Keras model: the file is damaged",
                 id="text file named .keras"),
    pytest.param("empty", True, "not a loadable Keras model: the file is empty", id="0-byte .keras"),
    pytest.param("truncated", True, "not a loadable Keras model: the file is damaged",
                 id="a model cut short"),
    pytest.param("csv", True, "not a loadable Keras model", id="wrong suffix"),
    pytest.param("rgb 32x32", True, "input shape", id="wrong input shape"),
    pytest.param("3 outputs", True, "outputs", id="wrong number of outputs"),
    pytest.param("bare 48x48", False, None, id="a bare 7-class network"),
])
def test_load_classifier_checks_the_file(tmp_path, case, raises, fragment):
    path = tmp_path / "model.keras"
    if case == "folder":
        path.mkdir()
    elif case == "text":
        path.write_text("definitely not a zip archive")
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "truncated":  # as a kill or a full disk leaves it
        tiny_model((48, 48, 1), 7).save(path)
        path.write_bytes(path.read_bytes()[:-200])
    elif case == "csv":
        path = tmp_path / "fer2013.csv"
        path.write_text("emotion,pixels,Usage\n")
    elif case == "rgb 32x32":
        tiny_model((32, 32, 3), 7).save(path)
    elif case == "3 outputs":
        tiny_model((48, 48, 1), 3).save(path)
    elif case == "bare 48x48":
        tiny_model((48, 48, 1), 7).save(path)

    if raises:
        with pytest.raises(ModelError) as excinfo:
            load_classifier(path)
        assert str(path) in str(excinfo.value)
        assert fragment in str(excinfo.value)
        assert "\n" not in str(excinfo.value)
        assert "File not found" not in str(excinfo.value)  # Keras' words for a damaged file
    else:
        assert load_classifier(path).output_shape == (None, 7)
