"""Training recipes side by side at equal epochs, scored on PublicTest only.

    python benchmarks/ablate_recipe.py --data ../shared/fer2013 --epochs 30 [--out runs/ablation]
        [--recipes sgd adam sgd+bc ...]

Each recipe is the default TrainConfig with a few fields changed (RECIPES below). Each trains
in its own run folder under --out with the project's own trainer, so an interrupted ablation
continues where it stopped when run again. Prints one markdown row per recipe: the best
epoch's PublicTest accuracy and the last epoch's with batch norm re-estimated on the Training
images. PrivateTest is never scored here: these numbers choose the recipe, and PrivateTest
must play no part in that choice.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name: the TrainConfig fields that differ from the defaults (SGD, one-resampling augmentation).
RECIPES = {
    "sgd": {},
    "adam": {"optimizer": "adam"},
    "sgd+bc": {"brightness": 0.2, "contrast": 0.2},
    "sgd-lr0.1": {"learning_rate": 0.1},
    "sgd-b64": {"batch_size": 64},
}


def run_recipe(name: str, changes: dict, data, epochs: int, out: Path) -> tuple[float, float]:
    """Train (or finish) one recipe; (best epoch's, last epoch's BN-refreshed) PublicTest accuracy."""
    from facial_emotion.evaluation import evaluate
    from facial_emotion.model import load_classifier
    from facial_emotion.training import TrainConfig
    from facial_emotion.training.averaging import refresh_batch_norm
    from facial_emotion.training.checkpoints import RunCheckpoints
    from facial_emotion.training.run_folder import locked
    from facial_emotion.training.trainer import fit

    run_dir = out / name
    config = TrainConfig(out=str(run_dir), epochs=epochs, swa_epochs=0, **changes)
    checkpoints = RunCheckpoints.for_run(run_dir, epochs, 0)
    with locked(run_dir):
        resume = checkpoints.state_path.is_file()
        if resume:
            checkpoints.read_state()
        checkpoints.check_data(data.content_hash(), data.source)
        config.save(run_dir / "config.json")
        if fit(config, data, checkpoints, resume) is not None:  # the interrupt that stopped it
            raise SystemExit(f"{name}: interrupted; run again to continue")
    last = load_classifier(checkpoints.last_path)
    refresh_batch_norm(last, data.train.images)
    return checkpoints.best, evaluate(last, data.val).accuracy


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="fer2013", help="FER2013 CSV or image folders")
    p.add_argument("--epochs", type=int, default=30, help="epochs per recipe")
    p.add_argument("--out", type=Path, default=Path("runs/ablation"), help="parent run folder")
    p.add_argument("--recipes", nargs="+", choices=list(RECIPES), default=["sgd", "adam"])
    args = p.parse_args()

    sys.path.insert(0, str(ROOT))
    from facial_emotion.cli.common import setup_logging
    from facial_emotion.runtime import configure_tensorflow

    setup_logging()
    configure_tensorflow()
    from facial_emotion.data import load_fer2013

    data = load_fer2013(args.data)
    rows = []
    for name in args.recipes:
        best, last = run_recipe(name, RECIPES[name], data, args.epochs, args.out)
        rows.append(f"| {name} | {RECIPES[name] or 'defaults'} | {args.epochs} | {best:.2%} "
                    f"| {last:.2%} |")
        print(f"{name}: best epoch {best:.2%}, last epoch + BN {last:.2%}", flush=True)
    print("| recipe | changes | epochs | PublicTest, best epoch | PublicTest, last epoch + BN |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
