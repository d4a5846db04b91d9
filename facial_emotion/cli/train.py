"""`python train_emotion_classifier.py`: train, resume or evaluate the emotion classifier."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..errors import RunError
from ..training.config import (OPTIMIZER_DEFAULTS, REFERENCE_BATCH, ClassWeight, Optimizer,
                               Strategy, TrainConfig)
from .common import (EXIT_INTERRUPTED, EXIT_TERMINATED, ArgumentParser, fraction, non_negative,
                     one_line_errors, positive, setup_logging, unit_interval)

PROG = "train_emotion_classifier.py"
log = logging.getLogger(__name__)

# Options a resumed run may change; every other option is the run's own, from its config.json.
EVALUATE_OUT = "runs/eval"
RESUMABLE = {"epochs", "swa_epochs", "data", "ferplus", "skip_bad_rows"}
REPORT = "report.json"


def seed(text: str) -> int:
    """argparse type for --seed: what NumPy and TensorFlow both accept, 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value < 2 ** 32:
        got = repr(text) if value is None else text
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {2 ** 32 - 1}, "
                                         f"got {got}")
    return value


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    d = TrainConfig()
    sgd, adam = OPTIMIZER_DEFAULTS[Optimizer.SGD], OPTIMIZER_DEFAULTS[Optimizer.ADAM]
    p = ArgumentParser(prog=prog, argument_default=argparse.SUPPRESS, description=(
        "Train Mini-Xception on FER2013: fit on Training, choose the model by PublicTest "
        "accuracy, report PrivateTest. Writes the model, report.json and plots to --out."))
    p.add_argument("--data", help=f"fer2013.csv, or a folder holding it or train/ and test/ "
                   f"image folders (default {d.data}/)")
    p.add_argument("--ferplus", metavar="PATH",
                   help="FER+ rater votes: fer2013new.csv or a folder holding it (and "
                        "image_rows.csv for image folders); default: beside the data, else the "
                        "copy shipped with this tool")
    p.add_argument("--out", help=f"run folder for checkpoints, log and report (default {d.out}; "
                                 f"with --evaluate, {EVALUATE_OUT})")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last finished epoch")
    p.add_argument("--overwrite", action="store_true",
                   help="delete the run already in --out (its own files only) and start a new "
                        "one; with --evaluate, replace the report already in --out")
    p.add_argument("--evaluate", metavar="MODEL", type=Path,
                   help="only evaluate this saved model on --data; the report goes to --out, "
                        "which must not hold one already (unless --overwrite)")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="drop malformed CSV rows or unreadable images instead of stopping")
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's own log lines too")
    run = p.add_argument_group("run length and hardware")
    run.add_argument("--epochs", type=positive(int),
                     help=f"epochs to train (default {d.epochs}); with --resume, moves the "
                          f"run's end and re-fits its cosine schedule")
    run.add_argument("--batch-size", type=positive(int),
                     help=f"images per step and replica (default {d.batch_size}); the learning "
                          f"rate scales with it")
    run.add_argument("--seed", type=seed,
                     help=f"random seed, 0 to 2**32 - 1 (default {d.seed})")
    run.add_argument("--strategy", choices=list(Strategy),
                     help="tf.distribute: mirrored uses every local GPU, multiworker reads "
                          "TF_CONFIG (default none)")
    recipe = p.add_argument_group("recipe")
    recipe.add_argument("--optimizer", choices=list(Optimizer),
                        help=f"sgd: Nesterov momentum with coupled weight decay; adam: Adam "
                             f"with L2 on the kernels (default {d.optimizer})")
    recipe.add_argument("--lr", type=positive(float), dest="learning_rate", metavar="RATE",
                        help=f"peak learning rate at batch {REFERENCE_BATCH}, after warm-up; "
                             f"scaled linearly with the global batch (default {sgd[0]} for "
                             f"sgd, {adam[0]} for adam)")
    recipe.add_argument("--momentum", type=fraction, help=f"SGD momentum (default {d.momentum})")
    recipe.add_argument("--no-nesterov", action="store_false", dest="nesterov",
                        help="plain momentum instead of Nesterov's (SGD)")
    recipe.add_argument("--weight-decay", type=non_negative(float),
                        help=f"sgd: decay on every weight, added to the gradient before "
                             f"momentum; adam: L2 on the convolution kernels. Higher "
                             f"regularises harder (default {sgd[1]} for sgd, {adam[1]} for adam)")
    recipe.add_argument("--warmup-epochs", type=non_negative(int),
                        help=f"epochs of linear learning-rate warm-up before the cosine decay "
                             f"(default {d.warmup_epochs})")
    recipe.add_argument("--label-weight", type=unit_interval, metavar="A",
                        help=f"train on A x the FER2013 label + (1 - A) x the FER+ raters' vote "
                             f"distribution: 1 is FER2013 alone, 0 the votes alone (default "
                             f"{d.label_weight:g})")
    recipe.add_argument("--label-smoothing", type=fraction,
                        help=f"mix this much of a uniform target into the one-hot FER2013 part "
                             f"of the target (default {d.label_smoothing})")
    recipe.add_argument("--recall-floor", type=fraction, metavar="R",
                        help=f"after training, raise the probabilities of any class whose "
                             f"PublicTest recall is below R until it is not, so rare emotions "
                             f"stay named; 0 is off (default {d.recall_floor})")
    recipe.add_argument("--rotation", type=non_negative(float), dest="rotation_deg",
                        metavar="DEGREES",
                        help=f"largest random rotation in degrees (default {d.rotation_deg:g})")
    recipe.add_argument("--shift", type=fraction,
                        help=f"largest random shift, as a fraction of the size (default {d.shift})")
    recipe.add_argument("--zoom", type=fraction,
                        help=f"largest random change of scale (default {d.zoom})")
    recipe.add_argument("--brightness", type=fraction,
                        help=f"largest random brightness change, as a fraction of 255 "
                             f"(default {d.brightness}: off)")
    recipe.add_argument("--contrast", type=fraction,
                        help=f"largest random contrast change (default {d.contrast}: off)")
    recipe.add_argument("--mixup", type=non_negative(float),
                        help=f"mixup's Beta alpha; 0 is off (default {d.mixup})")
    recipe.add_argument("--class-weight", choices=list(ClassWeight),
                        help="weight rare classes up: balanced by inverse frequency, sqrt by "
                             "its square root (default none)")
    recipe.add_argument("--ema", type=fraction,
                        help="keep an exponential moving average of the weights with this "
                             "momentum, e.g. 0.999; 0 is off (default 0)")
    recipe.add_argument("--swa-epochs", type=non_negative(int),
                        help=f"average the weights of the last N epochs and ship that if it "
                             f"beats the best epoch on PublicTest; 0 is off (default "
                             f"{d.swa_epochs}); with --resume, changes the run's setting")
    recipe.add_argument("--patience", type=non_negative(int),
                        help="stop after N epochs without a better PublicTest accuracy; "
                             "0 never stops early (default 0)")
    return p


def resolve_config(args: argparse.Namespace, options: dict[str, str] | None = None) -> TrainConfig:
    """The one final config of this run: a new run's from the options given, a resumed
    run's from its config.json with the few options a resume may change.

    `options` maps config fields to the option that sets them, for messages (e.g. --lr).
    """
    options = options or {}
    given = {k: v for k, v in vars(args).items()
             if k in {f for f in TrainConfig.__dataclass_fields__} and k != "out"}
    if not args.resume:
        return TrainConfig(out=args.out, **given)
    path = Path(args.out) / "config.json"
    if not path.is_file():
        raise RunError(f"nothing to resume in {args.out}: it has no config.json; start a new "
                       f"run without --resume")
    fixed = sorted(options.get(name, name) for name in set(given) - RESUMABLE)
    if fixed:
        raise RunError(f"--resume continues a run with its own settings, so "
                       f"{', '.join(fixed)} cannot change; start a new run instead")
    return TrainConfig.load(path).replace(out=args.out, **given)


@one_line_errors(PROG)
def main(argv=None, prog: str = PROG) -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    for flag in ("resume", "overwrite", "verbose"):
        setattr(args, flag, getattr(args, flag, False))
    evaluating = getattr(args, "evaluate", None) is not None
    # An evaluation must not write its report into (and so over) a training run's folder.
    args.out = getattr(args, "out", EVALUATE_OUT if evaluating else TrainConfig.out)
    if args.resume and args.overwrite:
        parser.error("--resume and --overwrite contradict each other: pick one")
    options = {action.dest: action.option_strings[0]
               for action in parser._actions if action.option_strings}
    if evaluating:
        training_only = sorted(options[name] for name in vars(args)
                               if name in TrainConfig.__dataclass_fields__
                               and name not in ("data", "ferplus", "skip_bad_rows", "out"))
        training_only += ["--resume"] if args.resume else []
        if training_only:
            parser.error(f"--evaluate only scores a saved model: {', '.join(training_only)} "
                         f"would have no effect")
    else:
        try:
            config = resolve_config(args, options)
        except ValueError as exc:
            if isinstance(exc, RunError):
                raise
            parser.error(str(exc))
    # Paths are checked before the heavy imports and the data: a mistake costs nothing.
    from ..training.run_folder import check_new_run, check_out

    check_out(args.out, getattr(args, "data", TrainConfig.data) if evaluating else config.data)
    if evaluating:
        check_evaluation_out(Path(args.out), args.overwrite)
    elif not args.resume:
        check_new_run(Path(args.out), args.overwrite)  # again under the lock, in train()
    setup_logging(args.verbose)
    from ..runtime import configure_tensorflow
    configure_tensorflow(quiet=not args.verbose)
    if evaluating:
        return evaluate(args)
    from ..training import train

    result = train(config, resume=args.resume, overwrite=args.overwrite)
    if result.interrupted:
        return EXIT_TERMINATED if result.terminated else EXIT_INTERRUPTED
    if result.report is None:
        return 0
    log.info("%s; model %s", summary(result.report), result.model_path)
    return 0


def summary(report: dict) -> str:
    """One line of PrivateTest scores: FER2013 accuracy, and the FER+ ones when known."""
    private = report["private_test"]
    line = (f"PrivateTest accuracy {private['accuracy']:.2%} (flip-averaged "
            f"{private['flip_averaged_accuracy']:.2%})")
    if "ferplus" in private:
        plain, flipped = private["ferplus"], private["ferplus_flip_averaged"]
        line += (f", FER+ majority accuracy {plain['majority_accuracy']:.2%} "
                 f"({flipped['majority_accuracy']:.2%}), rater agreement "
                 f"{plain['agreement']:.3f} ({flipped['agreement']:.3f})")
    return line


def check_evaluation_out(out: Path, overwrite: bool) -> None:
    """Refuse an --out for --evaluate that holds a training run, or (unless `overwrite`)
    an earlier evaluation, whose report and plots it would replace."""
    if any((out / name).exists() for name in ("config.json", "state.json")):
        raise RunError(f"{out} holds a training run, whose report and plots an evaluation "
                       f"would replace: pick another --out (default {EVALUATE_OUT})")
    if (out / REPORT).exists() and not overwrite:
        raise RunError(f"{out} already holds an evaluation ({REPORT}): replace it with "
                       f"--overwrite, or pick another --out")


def evaluate(args: argparse.Namespace) -> int:
    """--evaluate MODEL: score a saved model on --data (default fer2013/), report in --out."""
    from ..data import load_fer2013
    from ..evaluation import evaluate_run
    from ..training.run_folder import locked

    out = Path(args.out)
    with locked(out):  # a training may start in this folder meanwhile
        check_evaluation_out(out, args.overwrite)
        data = load_fer2013(getattr(args, "data", TrainConfig.data),
                            skip_bad_rows=getattr(args, "skip_bad_rows", False),
                            ferplus=getattr(args, "ferplus", None))
        report = evaluate_run(args.evaluate, data, out)
    log.info("%s; report in %s", summary(report), out / "report.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
