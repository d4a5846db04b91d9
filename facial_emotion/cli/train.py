"""`python train_emotion_classifier.py`: train, resume or evaluate the emotion classifier."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..runtime import configure_tensorflow
from .common import one_line_errors, setup_logging

PROG = "train_emotion_classifier.py"
log = logging.getLogger(__name__)


def build_parser():
    from ..training.config import TrainConfig
    d = TrainConfig()
    p = argparse.ArgumentParser(prog=PROG, description=(
        "Train Mini-Xception on FER2013: fit on Training, keep the best epoch by PublicTest "
        "accuracy, report PrivateTest. Writes the model, report.json and plots to --out."),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=d.data,
                   help="fer2013.csv, or a folder holding it or train/ and test/ image folders")
    p.add_argument("--out", default=d.out, help="run folder for checkpoints, logs and report")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"epochs to train (default {d.epochs}); with --resume, moves the run's end")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.learning_rate, help="peak learning rate")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="drop malformed CSV rows or unreadable images instead of stopping")
    p.add_argument("--strategy", choices=("none", "mirrored", "multiworker"), default=d.strategy,
                   help="tf.distribute: mirrored uses every local GPU; multiworker reads TF_CONFIG")
    p.add_argument("--evaluate", metavar="MODEL", type=Path,
                   help="only evaluate this saved model on --data and write the report to --out")
    recipe = p.add_argument_group("recipe")
    recipe.add_argument("--warmup-epochs", type=int, default=d.warmup_epochs)
    recipe.add_argument("--weight-decay", type=float, default=d.weight_decay)
    recipe.add_argument("--label-smoothing", type=float, default=d.label_smoothing)
    recipe.add_argument("--mixup", type=float, default=d.mixup, help="Beta alpha; 0 is off")
    recipe.add_argument("--class-weight", choices=("none", "balanced", "sqrt"), default=d.class_weight)
    recipe.add_argument("--ema", type=float, default=d.ema, help="weight-average momentum; 0 is off")
    recipe.add_argument("--swa-epochs", type=int, default=None,
                        help=f"average the weights of the last N epochs and ship that if it "
                             f"beats the best epoch on PublicTest; 0 is off (default "
                             f"{d.swa_epochs}); with --resume, changes the run's setting")
    recipe.add_argument("--patience", type=int, default=d.patience, help="early-stopping epochs")
    return p


@one_line_errors(PROG)
def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        build_parser().error(f"--epochs: expected at least 1, got {args.epochs}")
    if args.swa_epochs is not None and args.swa_epochs < 0:
        build_parser().error(f"--swa-epochs: expected at least 0, got {args.swa_epochs}")
    setup_logging()
    configure_tensorflow()
    from ..data import load_fer2013
    from ..training import TrainConfig, evaluate_run, train

    if args.evaluate:
        data = load_fer2013(args.data, skip_bad_rows=args.skip_bad_rows)
        report = evaluate_run(args.evaluate, data, Path(args.out))
        log.info("PrivateTest accuracy %.2f%%; report in %s",
                 100 * report["private_test"]["accuracy"], Path(args.out) / "report.json")
        return 0
    try:
        config = TrainConfig(
            data=args.data, out=args.out, epochs=args.epochs or TrainConfig.epochs,
            batch_size=args.batch_size,
            learning_rate=args.lr, seed=args.seed, skip_bad_rows=args.skip_bad_rows,
            warmup_epochs=args.warmup_epochs, weight_decay=args.weight_decay,
            label_smoothing=args.label_smoothing, mixup=args.mixup,
            class_weight=args.class_weight, ema=args.ema, patience=args.patience,
            swa_epochs=TrainConfig.swa_epochs if args.swa_epochs is None else args.swa_epochs,
            strategy=args.strategy)
    except ValueError as exc:
        build_parser().error(str(exc))
    result = train(config, resume=args.resume, epochs=args.epochs, swa_epochs=args.swa_epochs)
    if result.interrupted:
        return 130
    log.info("PrivateTest accuracy %.2f%% (flip-averaged %.2f%%); model %s",
             100 * result.report["private_test"]["accuracy"],
             100 * result.report["private_test"]["flip_averaged_accuracy"], result.model_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
