"""The tf.distribute path, proven on two logical CPU devices in a fresh process.

Logical devices must be configured before TensorFlow initialises, which has already happened
in the test process, so the training runs in a subprocess.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, logging, sys
    logging.basicConfig(level=logging.INFO)
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from facial_emotion.data import FER2013, Split
    from facial_emotion.training import TrainConfig, train
    from facial_emotion.training.distribute import make_strategy

    rng = np.random.default_rng(0)
    def split(n):
        labels = rng.integers(0, 7, n)
        images = (rng.integers(0, 60, (n, 48, 48, 1)) + 25 * labels[:, None, None, None])
        return Split(images.astype(np.uint8), labels)
    data = FER2013(split(96), split(32), split(32), source="synthetic")
    config = TrainConfig(out=sys.argv[1], epochs=1, batch_size=16, strategy="mirrored",
                         warmup_epochs=0, label_weight=1.0)
    result = train(config, data=data)
    print(json.dumps({"replicas": make_strategy("mirrored").num_replicas_in_sync,
                      "accuracy": result.report["private_test"]["accuracy"]}))
""")


@pytest.mark.parametrize("name, error", [("none", False), ("mirrored", False), ("bogus", True)])
def test_make_strategy_names(name, error):
    from facial_emotion.training.distribute import make_strategy

    if error:
        with pytest.raises(ValueError, match="expected a strategy"):
            make_strategy(name)
    else:
        assert make_strategy(name).num_replicas_in_sync >= 1


@pytest.mark.slow
def test_mirrored_training_on_two_logical_cpus(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "run")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert 0.0 <= result["accuracy"] <= 1.0
    assert "training on 2 replicas: global batch 32" in done.stderr
    assert (tmp_path / "run" / "emotion_mini_xception.keras").is_file()
