"""`facial-emotion COMMAND ...`, or `python -m facial_emotion COMMAND ...`: every tool in one.

    facial-emotion video ...           is  python real_time_video.py ...
    facial-emotion train ...           is  python train_emotion_classifier.py ...
    facial-emotion evaluate MODEL ...  is  python train_emotion_classifier.py --evaluate MODEL ...
    facial-emotion export MODEL ...    writes a LiteRT model for phones and edge boards

Each command's own `main(argv, prog)` parses the rest of the line, so `facial-emotion video
--help` lists the video options under that name. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module

from .common import ArgumentParser

PROG = "facial-emotion"
EVALUATE_OUT = "runs/eval"  # not the training run's folder, whose report.json it would replace


@dataclass(frozen=True)
class Command:
    summary: str
    run: Callable[[list[str], str], int]  # (the rest of the line, the name to go by)


def _main_of(module: str) -> Callable[[list[str], str], int]:
    return lambda argv, prog: import_module(module).main(argv, prog=prog)


def build_evaluate_parser(prog: str = f"{PROG} evaluate") -> argparse.ArgumentParser:
    from ..training.config import TrainConfig  # no TensorFlow in there

    p = ArgumentParser(prog=prog, description=(
        "Score a saved classifier on FER2013's PublicTest and PrivateTest; write report.json "
        "and confusion_matrix.png to --out. The same as train_emotion_classifier.py "
        "--evaluate MODEL."))
    p.add_argument("model", metavar="MODEL", help="saved classifier (.keras)")
    p.add_argument("--data", help=f"fer2013.csv, or a folder holding it or train/ and test/ "
                                  f"image folders (default {TrainConfig.data}/)")
    p.add_argument("--out", default=EVALUATE_OUT,
                   help=f"folder for the report (default {EVALUATE_OUT})")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="drop malformed CSV rows or unreadable images instead of stopping")
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's own log lines too")
    return p


def evaluate(argv: list[str], prog: str = f"{PROG} evaluate") -> int:
    """`evaluate MODEL [--data D] [--out DIR]` as train_emotion_classifier.py's --evaluate;
    its errors too go by `prog`."""
    args = build_evaluate_parser(prog).parse_args(argv)
    # OPTION=VALUE, so a value that starts with "-" is not taken for an option.
    forwarded = [f"--evaluate={args.model}", f"--out={args.out}"]
    if args.data is not None:
        forwarded.append(f"--data={args.data}")
    forwarded += ["--skip-bad-rows"] * args.skip_bad_rows + ["--verbose"] * args.verbose
    return import_module("facial_emotion.cli.train").main(forwarded, prog=prog)


COMMANDS = {
    "video": Command("emotions of every face, live from a webcam, a video or an image",
                     _main_of("facial_emotion.cli.video")),
    "train": Command("train or resume Mini-Xception on FER2013",
                     _main_of("facial_emotion.cli.train")),
    "evaluate": Command("score a saved model on FER2013's test splits", evaluate),
    "export": Command("write a LiteRT (.tflite) model for phones and edge boards",
                      _main_of("facial_emotion.cli.export")),
}


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    width = max(map(len, COMMANDS))
    listing = "\n".join(f"  {name:<{width}}  {c.summary}" for name, c in COMMANDS.items())
    p = ArgumentParser(
        prog=prog, usage=f"{prog} [-h] {{{','.join(COMMANDS)}}} ...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Real-time facial emotion recognition: YuNet faces, Mini-Xception "
                    "emotions.",
        epilog=f"commands:\n{listing}\n\nRun '{prog} COMMAND --help' for a command's options.")
    p.add_argument("command", choices=list(COMMANDS), metavar="COMMAND", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run the command named first in `argv` (default sys.argv[1:]) on the rest of it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(prog)
    if not argv or argv[0].startswith("-"):
        parser.parse_args(argv[:1])  # --help exits 0; anything else is a usage error, exit 2
        parser.error("expected a command first")  # reached only for a lone "--" and the like
    if argv[0] not in COMMANDS:
        parser.error(f"expected a command ({', '.join(COMMANDS)}), got {argv[0]!r}")
    # Each tool names itself as called: "facial-emotion video", "python -m facial_emotion train".
    return COMMANDS[argv[0]].run(argv[1:], f"{prog} {argv[0]}")
