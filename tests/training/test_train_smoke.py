"""One short training run through the CLI, in-process: the run folder, --resume and --evaluate.

The data is a few hundred synthetic 48x48 faces whose class shows in their brightness and in
a bar's position, so the network has something to learn. One epoch is trained once for the
module; the resume and evaluate tests work on copies of that run.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from facial_emotion.cli.train import main
from facial_emotion.labels import EMOTIONS

pytestmark = pytest.mark.usefixtures("restore_logging")

COUNTS = {"Training": 7 * 32, "PublicTest": 7 * 6, "PrivateTest": 7 * 6}
RUN_FILES = ("emotion_mini_xception.keras", "best.keras", "last.keras", "state.json",
             "config.json", "log.csv", "report.json", "confusion_matrix.png",
             "training_curves.png")


def read_log(run_dir):
    with open(run_dir / "log.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def one_epoch_run(tmp_path_factory, fer_csv, fer_rows, logging_restored):
    """Train one epoch on synthetic data; returns (run folder, data CSV). Cache goes to tmp."""
    root = tmp_path_factory.mktemp("smoke")
    data = fer_csv(root / "fer2013.csv", fer_rows(COUNTS))
    with pytest.MonkeyPatch.context() as mp, logging_restored():
        mp.setenv("XDG_CACHE_HOME", str(root / "xdg-cache"))
        rc = main(["--data", str(data), "--out", str(root / "run"), "--epochs", "1",
                   "--batch-size", "32", "--seed", "7", "--swa-epochs", "0"])
    assert rc == 0
    assert list((root / "xdg-cache" / "facial_emotion").glob("*.npz"))  # the cache went to tmp
    return root / "run", data


def test_one_epoch_writes_the_run_folder(one_epoch_run):
    run_dir, data = one_epoch_run
    for name in RUN_FILES:
        assert (run_dir / name).is_file(), name
        assert (run_dir / name).stat().st_size > 0, name
    assert not [p.name for p in run_dir.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]

    report = json.loads((run_dir / "report.json").read_text())
    for split, n in (("private_test", COUNTS["PrivateTest"]), ("public_test", COUNTS["PublicTest"])):
        assert report[split]["n"] == n
        assert 0.0 <= report[split]["accuracy"] <= 1.0
        assert 0.0 <= report[split]["macro_f1"] <= 1.0
        assert 0.0 <= report[split]["flip_averaged_accuracy"] <= 1.0
        assert list(report[split]["per_class"]) == list(EMOTIONS)
    assert report["training"]["epochs_run"] == 1
    assert report["data"] == str(data)

    state = json.loads((run_dir / "state.json").read_text())
    assert state["epochs_done"] == 1
    assert 0.0 <= state["best"] <= 1.0
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["epochs"], config["batch_size"], config["seed"]) == (1, 32, 7)
    assert [row["epoch"] for row in read_log(run_dir)] == ["0"]


def test_resume_continues_from_the_last_epoch(one_epoch_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(one_epoch_run[0], run_dir)
    config = json.loads((run_dir / "config.json").read_text())
    config.update(epochs=2, out=str(run_dir))
    (run_dir / "config.json").write_text(json.dumps(config))

    # --resume reads every option from the run's config.json; --out only says which run.
    assert main(["--resume", "--out", str(run_dir)]) == 0

    log = read_log(run_dir)
    assert [row["epoch"] for row in log] == ["0", "1"]
    assert {"accuracy", "loss", "val_accuracy", "val_loss"} <= set(log[0])
    assert json.loads((run_dir / "state.json").read_text())["epochs_done"] == 2
    report = json.loads((run_dir / "report.json").read_text())
    assert report["training"]["epochs_run"] == 2
    assert 0.0 <= report["private_test"]["accuracy"] <= 1.0


def test_evaluate_writes_a_report(one_epoch_run, tmp_path):
    run_dir, data = one_epoch_run
    model = run_dir / "emotion_mini_xception.keras"
    out = tmp_path / "evaluation"

    assert main(["--evaluate", str(model), "--data", str(data), "--out", str(out)]) == 0

    report = json.loads((out / "report.json").read_text())
    assert report["model"] == str(model)
    assert report["private_test"]["n"] == COUNTS["PrivateTest"]
    assert 0.0 <= report["private_test"]["accuracy"] <= 1.0
    assert 0.0 <= report["private_test"]["macro_f1"] <= 1.0
    assert (out / "confusion_matrix.png").is_file()
    # The same model on the same data scores the same as at the end of training.
    trained = json.loads((run_dir / "report.json").read_text())
    assert report["private_test"]["accuracy"] == trained["private_test"]["accuracy"]


def test_resume_with_more_epochs_stretches_the_schedule(one_epoch_run, tmp_path):
    """--resume --epochs N moves the run's end (config.json and the cosine schedule follow),
    and works on a run folder that was moved since it was made."""
    from facial_emotion.model import load_classifier
    from facial_emotion.training import TrainConfig
    from facial_emotion.training.trainer import learning_rate_schedule

    run_dir = shutil.copytree(one_epoch_run[0], tmp_path / "moved")
    # 8 epochs of 7 steps outlast the 5-epoch warm-up, so the cosine part changes length
    assert main(["--resume", "--epochs", "8", "--out", str(run_dir)]) == 0

    config = json.loads((run_dir / "config.json").read_text())
    assert (config["epochs"], config["out"]) == (8, str(run_dir))
    assert json.loads((run_dir / "state.json").read_text())["epochs_done"] == 8
    assert [row["epoch"] for row in read_log(run_dir)] == [str(i) for i in range(8)]

    def schedule(folder):
        return load_classifier(folder / "last.keras", compile=True).optimizer._learning_rate

    steps_per_epoch = COUNTS["Training"] // 32
    expected = learning_rate_schedule(TrainConfig.load(run_dir / "config.json"), steps_per_epoch)
    assert schedule(run_dir).get_config() == expected.get_config()
    assert schedule(run_dir).get_config() != schedule(one_epoch_run[0]).get_config()


def test_swa_averages_the_final_epochs_and_ships_the_better_model(one_epoch_run, tmp_path):
    run_dir = shutil.copytree(one_epoch_run[0], tmp_path / "run")

    assert main(["--resume", "--epochs", "3", "--swa-epochs", "2", "--out", str(run_dir)]) == 0

    # Epochs 2 and 3 are the run's last two: each left a snapshot, and nothing else did.
    assert sorted(p.name for p in (run_dir / "snapshots").iterdir()) == [
        "epoch_002.keras", "epoch_003.keras"]
    assert json.loads((run_dir / "config.json").read_text())["swa_epochs"] == 2
    selected = json.loads((run_dir / "report.json").read_text())["training"]["selected"]
    scores = selected["public_test_accuracy"]
    assert set(scores) == {"best epoch", "mean of epochs 2-3"}
    assert selected["model"] == max(scores, key=scores.get)
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_swa_needs_two_snapshots_and_otherwise_ships_the_best_epoch(one_epoch_run, tmp_path):
    """Turned on after the fact, on a run that is already complete, there is nothing to average."""
    run_dir = shutil.copytree(one_epoch_run[0], tmp_path / "run")

    assert main(["--resume", "--swa-epochs", "5", "--out", str(run_dir)]) == 0

    report = json.loads((run_dir / "report.json").read_text())
    assert report["training"]["selected"]["model"] == "best epoch"
    assert report["training"]["epochs_run"] == 1
    assert not (run_dir / "snapshots").exists()
