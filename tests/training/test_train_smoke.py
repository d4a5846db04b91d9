"""Short training runs through the CLI, in-process: the run folder, --resume and --evaluate.

The data is a few hundred synthetic 48x48 faces whose class shows in their brightness and in
a bar's position. One epoch is trained once per session (tests/training/conftest.py); the
tests here work on copies of that run.
"""

from __future__ import annotations

import json
import shutil

import keras
import numpy as np
import pytest

from facial_emotion.cli.train import main
from facial_emotion.labels import EMOTIONS
from facial_emotion.model import load_classifier
from tests.training.conftest import (BATCH, COUNTS, STEPS, read_log, read_state, temp_files,
                                     train_args)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("restore_logging")]

RUN_FILES = ("emotion_mini_xception.keras", "checkpoints/epoch_001.keras", "state.json",
             "config.json", "log.csv", "report.json", "confusion_matrix.png",
             "training_curves.png")


def iterations(checkpoint) -> int:
    return int(load_classifier(checkpoint, compile=True).optimizer.iterations)


def test_one_epoch_writes_the_run_folder(one_epoch_run):
    run_dir = one_epoch_run.folder
    for name in RUN_FILES:
        assert (run_dir / name).is_file(), name
        assert (run_dir / name).stat().st_size > 0, name
    assert temp_files(run_dir) == []

    report = json.loads((run_dir / "report.json").read_text())
    for split, n in (("private_test", COUNTS["PrivateTest"]), ("public_test", COUNTS["PublicTest"])):
        assert report[split]["n"] == n
        assert 0.0 <= report[split]["accuracy"] <= 1.0
        assert 0.0 <= report[split]["macro_f1"] <= 1.0
        assert 0.0 <= report[split]["flip_averaged_accuracy"] <= 1.0
        assert list(report[split]["per_class"]) == list(EMOTIONS)
    assert report["training"]["epochs_run"] == 1
    assert report["data"] == str(one_epoch_run.data)

    state = read_state(run_dir)
    assert (state["epochs_done"], state["best_epoch"], state["monitor"]) == (1, 1, "val_accuracy")
    assert 0.0 <= state["best"] <= 1.0
    assert len(state["data_sha256"]) == 64
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["epochs"], config["batch_size"], config["seed"]) == (1, BATCH, 7)
    log = read_log(run_dir)
    assert [row["epoch"] for row in log] == ["1"]  # counted from 1, as the console does
    assert float(log[0]["val_accuracy"]) == pytest.approx(state["best"], abs=1e-5)
    assert iterations(run_dir / "checkpoints" / "epoch_001.keras") == STEPS


def test_resume_refuses_different_data(one_epoch_run, tmp_path, fer_csv, fer_rows, capsys):
    run_dir = one_epoch_run.copy(tmp_path / "run")
    other = fer_csv(tmp_path / "other.csv", fer_rows(COUNTS, seed=1))
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}

    # --epochs 2: the run is not finished, so there is something to train on that data
    assert main(["--resume", "--epochs", "2", "--data", str(other), "--out", str(run_dir)]) == 2

    last = capsys.readouterr().err.splitlines()[-1]
    assert str(other) in last and "different data" in last
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()} == before


def test_evaluate_as_the_readme_shows(one_epoch_run, tmp_path, monkeypatch):
    """`--evaluate MODEL --out runs/eval`, the data from fer2013/ in the working folder."""
    shutil.copy(one_epoch_run.data, (tmp_path / "fer2013").mkdir() or tmp_path / "fer2013")
    model = one_epoch_run.folder / "emotion_mini_xception.keras"
    monkeypatch.chdir(tmp_path)

    assert main(["--evaluate", str(model), "--out", "runs/eval"]) == 0

    out = tmp_path / "runs" / "eval"
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == str(model)
    assert "fer2013" in report["data"]
    assert report["private_test"]["n"] == COUNTS["PrivateTest"]
    assert (out / "confusion_matrix.png").stat().st_size > 0
    assert not (out / "training_curves.png").exists()  # no log.csv there
    assert temp_files(out) == []
    # The same model on the same data scores the same as at the end of training.
    trained = json.loads((one_epoch_run.folder / "report.json").read_text())
    assert report["private_test"] == trained["private_test"]


def test_resume_moves_the_end_and_averages_the_last_epochs(one_epoch_run, tmp_path):
    """--resume --epochs N --swa-epochs K --data MOVED in a run folder moved since it was
    made: config.json and the cosine schedule follow, the data is accepted because its
    content is the run's, the last K epochs are kept and averaged, and the better of that
    average and the best epoch is shipped."""
    from facial_emotion.training import TrainConfig
    from facial_emotion.training.trainer import learning_rate_schedule

    run_dir = one_epoch_run.copy(tmp_path / "moved")
    data = shutil.copy(one_epoch_run.data, tmp_path / "elsewhere.csv")

    assert main(["--resume", "--epochs", "3", "--swa-epochs", "2", "--data", str(data),
                 "--out", str(run_dir)]) == 0

    config = TrainConfig.load(run_dir / "config.json")
    assert (config.epochs, config.swa_epochs, config.out) == (3, 2, str(run_dir))
    assert config.data == str(data)
    state = read_state(run_dir)
    assert state["epochs_done"] == 3
    assert [row["epoch"] for row in read_log(run_dir)] == ["1", "2", "3"]
    assert iterations(run_dir / "checkpoints" / "epoch_003.keras") == 3 * STEPS
    assert json.loads((run_dir / "report.json").read_text())["training"]["epochs_run"] == 3
    kept = {p.name for p in (run_dir / "checkpoints").iterdir()}
    assert kept == {"epoch_002.keras", "epoch_003.keras", f"epoch_{state['best_epoch']:03d}.keras"}

    def schedule(checkpoint):
        return load_classifier(checkpoint, compile=True).optimizer._learning_rate.get_config()

    assert schedule(run_dir / "checkpoints" / "epoch_003.keras") == \
        learning_rate_schedule(config, STEPS).get_config()
    assert schedule(run_dir / "checkpoints" / "epoch_003.keras") != \
        schedule(one_epoch_run.folder / "checkpoints" / "epoch_001.keras")

    selected = json.loads((run_dir / "report.json").read_text())["training"]["selected"]
    scores = selected["public_test_accuracy"]
    assert set(scores) == {f"best epoch ({state['best_epoch']})", "mean of epochs 2-3"}
    assert selected["model"] == max(scores, key=scores.get)
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_swa_turned_on_after_the_run_ships_the_best_epoch(one_epoch_run, tmp_path):
    """On a complete run there is nothing to train and too few epochs kept to average."""
    run_dir = one_epoch_run.copy(tmp_path / "run")

    assert main(["--resume", "--swa-epochs", "5", "--out", str(run_dir)]) == 0

    report = json.loads((run_dir / "report.json").read_text())
    assert report["training"]["selected"]["model"] == "best epoch (1)"
    assert report["training"]["epochs_run"] == 1
    assert [p.name for p in (run_dir / "checkpoints").iterdir()] == ["epoch_001.keras"]


def interrupt_at_epoch(monkeypatch, epoch: int) -> None:
    """Ctrl-C as epoch `epoch` (counted from 1) begins, after the one before was committed."""
    from facial_emotion.training.progress import EpochProgress

    begin = EpochProgress.on_epoch_begin

    def on_epoch_begin(self, index, logs=None):
        if index + 1 == epoch:
            raise KeyboardInterrupt
        begin(self, index, logs)

    monkeypatch.setattr(EpochProgress, "on_epoch_begin", on_epoch_begin)


def test_a_resumed_run_trains_as_an_uninterrupted_one(one_epoch_run, tmp_path, monkeypatch):
    """Epoch 2 after Ctrl-C and a resume equals epoch 2 of a run never stopped: same batches,
    same augmentation, same optimizer state (momentum, step count, weight average), same
    decay. With --ema, which makes this hardest: a checkpoint holds the average as the
    weights and the training weights in the optimizer, and the resumed run must swap them
    back rather than train on from the average."""
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    with monkeypatch.context() as mp:
        interrupt_at_epoch(mp, 2)
        assert main(train_args(one_epoch_run.data, resumed, 2, "--ema", "0.9")) == 130
    assert read_state(resumed)["epochs_done"] == 1
    assert main(["--resume", "--out", str(resumed)]) == 0
    assert main(train_args(one_epoch_run.data, straight, 2, "--ema", "0.9")) == 0

    def weights_and_optimizer(run):
        model = load_classifier(run / "checkpoints" / "epoch_002.keras", compile=True)
        return model.get_weights() + [v.numpy() for v in model.optimizer.variables]

    for got, want in zip(weights_and_optimizer(resumed), weights_and_optimizer(straight),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    for got, want in zip(read_log(resumed), read_log(straight), strict=True):
        assert float(got["loss"]) == pytest.approx(float(want["loss"]), rel=1e-4)


def test_sgd_decay_is_back_on_every_weight_after_a_resume(one_epoch_run):
    """Keras does not save a weight's regularizer; compile_model puts it back."""
    from facial_emotion.training import TrainConfig
    from facial_emotion.training.trainer import compile_model

    config = TrainConfig.load(one_epoch_run.folder / "config.json")
    model = load_classifier(one_epoch_run.folder / "checkpoints" / "epoch_001.keras", compile=True)
    assert all(w.regularizer is None for w in model.trainable_weights)

    compile_model(model, config, model.optimizer)

    expected = config.weight_decay / 2 * sum(float(np.sum(w.numpy() ** 2))
                                             for w in model.trainable_weights)
    assert len(model.losses) == len(model.trainable_weights)
    assert float(keras.ops.sum(model.losses)) == pytest.approx(expected, rel=1e-5)


def snapshot(run_dir) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in run_dir.rglob("*")
            if p.is_file()}


def test_resuming_a_finished_run_says_so_and_changes_nothing(one_epoch_run, tmp_path, capsys,
                                                             monkeypatch):
    import facial_emotion.training.trainer as trainer

    run_dir = one_epoch_run.copy(tmp_path / "run")
    before = snapshot(run_dir)

    def no_loading(*args, **kwargs):
        raise AssertionError("a finished run loaded its data again")

    monkeypatch.setattr(trainer, "load_fer2013", no_loading)
    assert main(["--resume", "--out", str(run_dir)]) == 0

    err = capsys.readouterr().err
    assert "already finished (1 of 1 epochs" in err and "nothing to do" in err
    assert "--epochs N" in err
    assert snapshot(run_dir) == before  # no .lock either


def test_a_diverging_new_run_stops_with_one_line_and_leaves_nothing(one_epoch_run, tmp_path,
                                                                   capsys):
    """A learning rate of 1e30 blows the weights past float32 at once (the weight decay
    term squares them): the loss is infinite or NaN within the first epoch."""
    out = tmp_path / "run"

    rc = main(train_args(one_epoch_run.data, out, 2, "--lr", "1e30"))

    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    last = err.splitlines()[-1]
    assert last.startswith("train_emotion_classifier.py: error: training diverged: the loss "
                           "became ") and "in epoch 1" in last and "lower --lr" in last
    assert "No epoch was saved and no model shipped" in last
    assert not out.exists()  # no epoch committed: the folder is gone with its config


def test_a_run_diverging_after_a_good_epoch_keeps_it_and_ships_nothing(one_epoch_run, tmp_path,
                                                                      capsys):
    run_dir = one_epoch_run.copy(tmp_path / "run")
    config = json.loads((run_dir / "config.json").read_text())
    (run_dir / "config.json").write_text(json.dumps({**config, "learning_rate": 1e30}))
    before = snapshot(run_dir)

    rc = main(["--resume", "--epochs", "2", "--out", str(run_dir)])

    last = capsys.readouterr().err.splitlines()[-1]
    assert rc == 2 and "training diverged" in last and "in epoch 2" in last
    assert "Epoch 1 is the last one saved; no model was shipped" in last
    after = snapshot(run_dir)
    for kept in (before, after):
        kept.pop("config.json")  # now says 2 epochs, as asked
    assert after == before  # epoch 1's checkpoint, state and model as they were
    assert read_state(run_dir)["epochs_done"] == 1
