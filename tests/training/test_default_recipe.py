"""The default recipe that --help shows is the one the model card names and measured (and
docs/training.md states): its default label weight, and the commands of the card's three
150-epoch runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from facial_emotion.cli.train import build_parser, resolve_config
from facial_emotion.training.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "models" / "README.md"
DEFAULT_RUN = "ferplus-a0.8"  # the run whose recipe the card names as the default


def help_of(option: str) -> str:
    """--help's text for `option`, on one line."""
    lines = build_parser().format_help().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(option + " "))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("-")
                or not lines[i].strip()), len(lines))
    return " ".join(" ".join(lines[start:end]).split())


def card_command(run: str) -> list[str]:
    """The options of the card's command for `run`, from its row in the table of runs."""
    row = re.search(rf"^\| `{re.escape(run)}` \| `python train_emotion_classifier\.py ([^`]*)`",
                    CARD.read_text(encoding="utf-8"), re.MULTILINE)
    assert row, f"expected a row for {run} in {CARD}"
    return shlex.split(row.group(1))


def config_of(argv: list[str]) -> TrainConfig:
    args = build_parser().parse_args(argv)
    args.resume = False
    return resolve_config(args)


def test_help_shows_the_default_label_weight_the_card_names():
    named = re.search(r"\*\*The default: `--label-weight ([\d.]+)`\.\*\*",
                      CARD.read_text(encoding="utf-8"))
    assert named, f"expected the default label weight named in {CARD}"
    shown = re.search(r"\(default ([\d.]+)\)", help_of("--label-weight"))
    assert shown, help_of("--label-weight")
    assert float(shown.group(1)) == float(named.group(1)) == TrainConfig().label_weight
    training_page = " ".join((ROOT / "docs" / "training.md").read_text(encoding="utf-8").split())
    assert f"the default, {named.group(1)}," in training_page


# (the card's run, the label weight its command sets)
@pytest.mark.parametrize("run, label_weight", [
    ("control-a1.0", 1.0),
    (DEFAULT_RUN, 0.8),
    ("ferplus-a0.5", 0.5),
])
def test_the_card_runs_differ_from_the_defaults_in_label_weight_only(run, label_weight):
    config = config_of(card_command(run))
    assert config == TrainConfig(data=config.data, out=config.out, label_weight=label_weight)


def test_the_default_command_trains_the_named_run():
    argv = card_command(DEFAULT_RUN)
    i = argv.index("--label-weight")
    assert config_of(argv[:i] + argv[i + 2:]) == config_of(argv)
