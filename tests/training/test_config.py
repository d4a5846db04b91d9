"""TrainConfig: defaults per optimizer, checks, and config.json round trips and damage."""

from __future__ import annotations

import json

import pytest

from facial_emotion.errors import RunError
from facial_emotion.training.config import Optimizer, TrainConfig


# (changes, expected error fragment or None)
@pytest.mark.parametrize("changes, error", [
    ({}, None),
    ({"optimizer": "adam"}, None),
    ({"optimizer": "rmsprop"}, "expected optimizer one of sgd, adam, got 'rmsprop'"),
    ({"class_weight": "heavy"}, "class weight"),
    ({"strategy": "tpu"}, "strategy"),
    ({"epochs": 0}, "expected epochs > 0, got 0"),
    ({"batch_size": -1}, "batch size"),
    ({"learning_rate": 0.0}, "learning rate"),
    ({"weight_decay": -1e-4}, "weight decay"),
    ({"momentum": 1.0}, "momentum in [0, 1)"),
    ({"zoom": 1.5}, "zoom"),
    ({"rotation_deg": 200}, "rotation"),
    ({"label_smoothing": -0.1}, "label smoothing"),
    ({"seed": -1}, "expected seed from 0 to 4294967295, got -1"),
    ({"seed": 2 ** 32}, "expected seed from 0"),
    ({"seed": 2 ** 32 - 1}, None),
])
def test_checks(changes, error):
    if error is None:
        TrainConfig(**changes)
    else:
        with pytest.raises(ValueError, match=error.replace("[", r"\[").replace(")", r"\)")
                           .replace("(", r"\(")):
            TrainConfig(**changes)


# (optimizer, --lr, --weight-decay, resolved lr, resolved decay)
@pytest.mark.parametrize("optimizer, lr, decay, want_lr, want_decay", [
    ("sgd", None, None, 0.05, 5e-4),
    ("adam", None, None, 2e-3, 5e-5),
    ("sgd", 0.1, 0.0, 0.1, 0.0),
    ("adam", 1e-3, 1e-4, 1e-3, 1e-4),
])
def test_defaults_follow_the_optimizer(optimizer, lr, decay, want_lr, want_decay):
    config = TrainConfig(optimizer=optimizer, learning_rate=lr, weight_decay=decay)
    assert config.optimizer is Optimizer(optimizer)
    assert (config.learning_rate, config.weight_decay) == (want_lr, want_decay)


def test_save_and_load_round_trip(tmp_path):
    config = TrainConfig(optimizer="adam", epochs=7, ema=0.99, out=str(tmp_path))
    config.save(tmp_path / "config.json")
    assert TrainConfig.load(tmp_path / "config.json") == config
    assert not list(tmp_path.glob(".tmp-*"))


def fields(**changes) -> str:
    saved = json.loads(json.dumps(TrainConfig().__dict__, default=str))
    return json.dumps({**saved, **changes})


# (config.json content, fragments the error must hold besides the path)
@pytest.mark.parametrize("content, fragments", [
    pytest.param("", ["damaged", "not valid JSON", "--overwrite"], id="empty"),
    pytest.param(fields()[:40], ["damaged", "not valid JSON", "--overwrite"], id="truncated"),
    pytest.param("[1, 2]", ["damaged", "JSON object"], id="a list"),
    pytest.param(fields(colour="red"), ["unknown setting", "colour", "--overwrite"],
                 id="unknown key"),
    pytest.param(fields(epochs=0), ["damaged", "epochs > 0", "--overwrite"], id="zero epochs"),
    pytest.param(fields(epochs="ten"), ["damaged", "epochs", "whole number"], id="epochs text"),
    pytest.param(fields(nesterov="yes"), ["nesterov", "true or false"], id="flag as text"),
    pytest.param(fields(optimizer="lbfgs"), ["damaged", "optimizer", "lbfgs"], id="no such optimizer"),
])
def test_a_damaged_config_names_itself_and_the_remedy(tmp_path, content, fragments):
    path = tmp_path / "config.json"
    path.write_text(content)
    with pytest.raises(RunError) as excinfo:
        TrainConfig.load(path)
    message = str(excinfo.value)
    assert str(path) in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message
