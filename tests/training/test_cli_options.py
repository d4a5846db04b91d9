"""train_emotion_classifier.py's options: help for each, a --help that never loads
TensorFlow, and how options become the run's one TrainConfig."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from facial_emotion.cli.train import build_parser, main, resolve_config
from facial_emotion.errors import RunError
from facial_emotion.training.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "train_emotion_classifier.py"


def test_every_option_has_help_text():
    parser = build_parser()
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert len(options) > 20
    for action in options:
        assert action.help and action.help != argparse.SUPPRESS, action.option_strings
    text = parser.format_help()
    for option in ("--optimizer", "--lr", "--weight-decay", "--resume", "--overwrite",
                   "--evaluate", "--swa-epochs", "{sgd,adam}"):
        assert option in text


def test_help_loads_no_tensorflow():
    """--help must answer at once: the script's import path stays clear of TensorFlow."""
    probe = textwrap.dedent(f"""
        import contextlib, io, json, runpy, sys
        sys.argv = ["train_emotion_classifier.py", "--help"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                runpy.run_path({str(SCRIPT)!r}, run_name="__main__")
            except SystemExit as exit:
                code = exit.code
        heavy = sorted(m for m in ("tensorflow", "keras", "cv2", "matplotlib") if m in sys.modules)
        print(json.dumps({{"code": code, "help": out.getvalue(), "heavy": heavy}}))
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    result = json.loads(done.stdout.splitlines()[-1])
    assert (result["code"], result["heavy"]) == (0, [])
    assert "--optimizer" in result["help"]


def parse(*argv: str) -> argparse.Namespace:
    args = build_parser().parse_args(list(argv))
    for flag in ("resume", "overwrite"):
        setattr(args, flag, getattr(args, flag, False))
    return args


# (options, the config fields they must give)
@pytest.mark.parametrize("argv, expected", [
    ([], {"optimizer": "sgd", "learning_rate": 0.05, "weight_decay": 5e-4, "epochs": 150}),
    (["--optimizer", "adam"], {"optimizer": "adam", "learning_rate": 2e-3, "weight_decay": 5e-5}),
    (["--optimizer", "sgd", "--lr", "0.1", "--no-nesterov", "--momentum", "0.8"],
     {"learning_rate": 0.1, "nesterov": False, "momentum": 0.8}),
    (["--weight-decay", "0", "--batch-size", "64"], {"weight_decay": 0.0, "batch_size": 64}),
    (["--rotation", "15", "--shift", "0.05", "--zoom", "0.2"],
     {"rotation_deg": 15.0, "shift": 0.05, "zoom": 0.2}),
    (["--label-weight", "0", "--recall-floor", "0", "--ferplus", "votes/"],
     {"label_weight": 0.0, "recall_floor": 0.0, "ferplus": "votes/"}),
])
def test_options_become_the_config(tmp_path, argv, expected):
    config = resolve_config(parse(*argv, "--out", str(tmp_path / "run")))
    assert config.out == str(tmp_path / "run")
    for name, value in expected.items():
        assert getattr(config, name) == value, name


# (options given with --resume, the error fragment or None if allowed)
@pytest.mark.parametrize("argv, error", [
    ([], None),
    (["--epochs", "9", "--swa-epochs", "3", "--data", "elsewhere.csv", "--skip-bad-rows"], None),
    (["--lr", "0.1"], "--lr cannot change"),
    (["--optimizer", "adam", "--seed", "1"], "--optimizer, --seed cannot change"),
])
def test_a_resume_takes_the_runs_own_settings(tmp_path, argv, error):
    run = tmp_path / "run"
    run.mkdir()
    saved = TrainConfig(out=str(run), optimizer="adam", epochs=5, skip_bad_rows=True,
                        data="fer.csv")
    saved.save(run / "config.json")
    args = parse("--resume", "--out", str(run), *argv)
    options = {a.dest: a.option_strings[0] for a in build_parser()._actions if a.option_strings}
    if error:
        with pytest.raises(RunError, match=error):
            resolve_config(args, options)
        return
    config = resolve_config(args, options)
    changed = {"epochs": 9, "swa_epochs": 3, "data": "elsewhere.csv"} if argv else {}
    assert config == saved.replace(**changed)  # skip_bad_rows stays the run's own


@pytest.mark.parametrize("argv, fragment", [
    pytest.param(["--resume", "--overwrite"], "contradict", id="resume and overwrite"),
    pytest.param(["--evaluate", "m.keras", "--resume"], "--resume would have no effect",
                 id="evaluate and resume"),
    pytest.param(["--evaluate", "m.keras", "--lr", "0.1", "--resume"],
                 "--lr, --resume would have no effect", id="evaluate and training options"),
    pytest.param(["--optimizer", "rmsprop"], "rmsprop", id="unknown optimizer"),
    pytest.param(["--lr", "0"], "--lr", id="zero learning rate"),
    pytest.param(["--momentum", "1"], "--momentum", id="momentum of 1"),
])
def test_contradictions_are_usage_errors(tmp_path, capsys, argv, fragment):
    with pytest.raises(SystemExit) as excinfo:
        main([*argv, "--out", str(tmp_path / "run")])
    assert excinfo.value.code == 2
    assert fragment in capsys.readouterr().err.splitlines()[-1]
    assert not (tmp_path / "run").exists()


def test_evaluate_refuses_a_folder_that_holds_a_training_run(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    (run / "report.json").write_text("the run's own report")
    assert main(["--evaluate", "m.keras", "--out", str(run)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "holds a training run" in err
    assert (run / "report.json").read_text() == "the run's own report"


@pytest.mark.parametrize("overwrite", [False, True])
def test_evaluate_replaces_an_earlier_report_only_with_overwrite(tmp_path, capsys, overwrite):
    out = tmp_path / "eval"
    out.mkdir()
    (out / "report.json").write_text("the earlier report")
    argv = ["--evaluate", str(tmp_path / "m.keras"), "--data", str(tmp_path / "none"),
            "--out", str(out)] + (["--overwrite"] if overwrite else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    if overwrite:  # past the check: the next mistake (no data there) is the one reported
        assert "already holds an evaluation" not in err and "no FER2013 data" in err
    else:
        assert "already holds an evaluation (report.json)" in err and "--overwrite" in err
    assert (out / "report.json").read_text() == "the earlier report"
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]  # and no .lock
