"""PublicTest accuracy of weight averages over a finished run's last N epochs (SWA).

    python benchmarks/ablate_swa.py --run runs/mini_xception [--data ../shared/fer2013] [--last 5 10 20]

Needs a run trained with --swa-epochs at least max(--last): it keeps those epochs in its
checkpoints/ folder. The run folder is only read, so this can run beside its training. Prints one markdown row per N, with and without re-estimating the
batch-norm statistics, next to the run's best single epoch. Only PublicTest is scored: this is
for choosing N, and PrivateTest must play no part in that choice.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, required=True, help="finished run folder")
    p.add_argument("--data", default=None, help="FER2013 (default: the run's own --data)")
    p.add_argument("--last", type=int, nargs="+", default=[5, 10, 20, 30, 40])
    args = p.parse_args()

    sys.path.insert(0, str(ROOT))
    from facial_emotion.runtime import configure_tensorflow

    configure_tensorflow()
    from facial_emotion.data import load_fer2013
    from facial_emotion.evaluation import evaluate
    from facial_emotion.model import load_classifier
    from facial_emotion.training import TrainConfig
    from facial_emotion.training.averaging import average_weights, refresh_batch_norm
    from facial_emotion.training.checkpoints import RunCheckpoints

    config = TrainConfig.load(args.run / "config.json")
    data = load_fer2013(args.data or config.data)
    checkpoints = RunCheckpoints.for_run(args.run, config.epochs, config.swa_epochs)
    checkpoints.read_state(clean=False)  # never delete a file of a run we only read
    best = evaluate(load_classifier(checkpoints.best_path), data.val).accuracy
    print(f"| weights (run {args.run}, {checkpoints.epochs_done} epochs) | BN re-estimated "
          f"| PublicTest accuracy |\n|---|---|---:|\n| best single epoch | - | {best:.2%} |")
    for n in args.last:
        snapshots = checkpoints.snapshots(n)
        if len(snapshots) < n:
            print(f"| mean of last {n} epochs | - | only {len(snapshots)} snapshots |")
            continue
        model = average_weights(list(snapshots.values()))
        raw = evaluate(model, data.val).accuracy
        refresh_batch_norm(model, data.train.images)
        refreshed = evaluate(model, data.val).accuracy
        label = (f"mean of epochs {min(snapshots)}-{max(snapshots)}" if n > 1
                 else f"last epoch ({max(snapshots)})")
        print(f"| {label} | no | {raw:.2%} |\n| {label} | yes | {refreshed:.2%} |", flush=True)


if __name__ == "__main__":
    main()
