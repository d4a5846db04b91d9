"""Fit Mini-Xception on FER2013's Training split, select on PublicTest, report PrivateTest."""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from ..data import FER2013, load_fer2013
from ..errors import ModelError
from ..evaluation import evaluate, format_table, write_report
from ..evaluation.plots import plot_confusion, plot_training_curves
from ..model import build_classifier, build_mini_xception, load_classifier, save_atomically
from .averaging import average_weights, refresh_batch_norm
from .checkpoints import RunCheckpoints
from .config import TrainConfig
from .distribute import make_strategy
from .pipeline import make_dataset

log = logging.getLogger(__name__)

MODEL_NAME = "emotion_mini_xception.keras"


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    model_path: Path | None  # None when interrupted before any epoch finished
    interrupted: bool
    report: dict | None


def learning_rate_schedule(config: TrainConfig, steps_per_epoch: int, replicas: int = 1):
    """Linear warm-up to the peak rate, then cosine decay to zero at the last epoch.

    The peak scales linearly with the replica count, as the global batch does.
    """
    warmup = config.warmup_epochs * steps_per_epoch
    peak = config.learning_rate * replicas
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 100, warmup_target=peak,
        warmup_steps=warmup, decay_steps=max(config.epochs * steps_per_epoch - warmup, 1))


def compile_new_model(config: TrainConfig, steps_per_epoch: int, replicas: int = 1) -> keras.Model:
    """A fresh classifier with its optimizer, loss and metrics."""
    model = build_classifier(build_mini_xception(l2=config.weight_decay))
    optimizer = keras.optimizers.Adam(learning_rate_schedule(config, steps_per_epoch, replicas),
                                      use_ema=config.ema > 0, ema_momentum=config.ema or 0.99)
    model.compile(optimizer,
                  keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
                  metrics=["accuracy"])
    return model


def class_weights(data: FER2013, mode: str) -> dict[int, float] | None:
    """Inverse-frequency weights (mean 1) for rare classes such as disgust; None for 'none'."""
    if mode == "none":
        return None
    counts = data.train.class_counts().astype(float)
    weights = counts.sum() / np.maximum(counts, 1)
    if mode == "sqrt":
        weights = np.sqrt(weights)
    weights /= (weights * counts).sum() / counts.sum()
    return {i: float(w) for i, w in enumerate(weights)}


def train(config: TrainConfig, *, resume: bool = False, epochs: int | None = None,
          swa_epochs: int | None = None, data: FER2013 | None = None) -> TrainResult:
    """Train (or resume) a run in `config.out`, then export and evaluate its final model.

    A resumed run takes its settings from its own config.json; `epochs`, if given, moves its
    end, and the cosine schedule is stretched or shortened to end there. `swa_epochs`, if
    given, changes how many final epochs are averaged (see `final_model`).
    """
    run_dir = Path(config.out)
    if resume:
        if not (run_dir / "config.json").is_file():
            raise ModelError(f"nothing to resume in {run_dir}: it has no config.json")
        saved = TrainConfig.load(run_dir / "config.json")
        # The folder may have moved since: it is where the run is now.
        config = dataclasses.replace(
            saved, epochs=epochs or saved.epochs, out=str(run_dir),
            swa_epochs=saved.swa_epochs if swa_epochs is None else swa_epochs)
    run_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    data = data or load_fer2013(config.data, skip_bad_rows=config.skip_bad_rows)
    log.info("FER2013 from %s: %d train, %d PublicTest, %d PrivateTest",
             data.source, len(data.train), len(data.val), len(data.test))
    strategy = make_strategy(config.strategy)
    replicas = strategy.num_replicas_in_sync
    # The global batch grows with the replicas, so each one keeps --batch-size examples.
    train_ds = make_dataset(data.train, config.batch_size * replicas, config, training=True)
    val_ds = make_dataset(data.val, 512)

    checkpoints = RunCheckpoints(run_dir, snapshot_after=config.epochs - config.swa_epochs
                                 if config.swa_epochs else None)
    with strategy.scope():
        if resume:
            model = checkpoints.restore()
            log.info("resuming %s after epoch %d of %d (best val accuracy %.4f)",
                     run_dir, checkpoints.epochs_done, config.epochs, checkpoints.best)
            if config.epochs != saved.epochs:
                model.optimizer.learning_rate = learning_rate_schedule(config, len(train_ds), replicas)
            if config != saved:
                config.save(run_dir / "config.json")
        else:
            config.save(run_dir / "config.json")
            model = compile_new_model(config, len(train_ds), replicas)
    if replicas > 1:
        log.info("training on %d replicas: global batch %d", replicas, config.batch_size * replicas)
    callbacks = [
        checkpoints,
        keras.callbacks.CSVLogger(str(run_dir / "log.csv"), append=resume),
        keras.callbacks.EarlyStopping("val_accuracy", patience=config.patience, mode="max"),
    ]
    if config.ema:
        callbacks.insert(0, keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    try:
        model.fit(train_ds, validation_data=val_ds, epochs=config.epochs,
                  initial_epoch=checkpoints.epochs_done, callbacks=callbacks,
                  class_weight=class_weights(data, config.class_weight), shuffle=False,
                  verbose=1 if sys.stdout.isatty() else 2)
    except KeyboardInterrupt:
        checkpoints.save_last()
        log.warning("interrupted after %d epoch(s); state saved in %s, continue with --resume",
                    checkpoints.epochs_done, run_dir)
        return TrainResult(run_dir, None, True, None)
    model, selected = final_model(checkpoints, config.swa_epochs, data)
    model_path = run_dir / MODEL_NAME
    save_atomically(model, model_path)  # without optimizer state
    report = evaluate_run(model_path, data, run_dir,
                          training={"epochs_run": checkpoints.epochs_done,
                                    "wall_minutes": round(checkpoints.seconds / 60, 1),
                                    "selected": selected})
    return TrainResult(run_dir, model_path, False, report)


def final_model(checkpoints: RunCheckpoints, swa_epochs: int,
                data: FER2013) -> tuple[keras.Model, dict]:
    """The model to ship, chosen on PublicTest: the best epoch, or the weight average of the
    last `swa_epochs` epochs if that scores higher. Also says which, and both scores."""
    best = load_classifier(checkpoints.best_path)
    snapshots = checkpoints.snapshots(swa_epochs) if swa_epochs else {}
    if len(snapshots) < 2:
        return best, {"model": "best epoch",
                      "public_test_accuracy": {"best epoch": round(checkpoints.best, 4)}}
    averaged = average_weights(list(snapshots.values()))
    refresh_batch_norm(averaged, data.train.images)
    scores = {"best epoch": evaluate(best, data.val).accuracy,
              f"mean of epochs {min(snapshots)}-{max(snapshots)}": evaluate(averaged, data.val).accuracy}
    log.info("PublicTest accuracy: %s", ", ".join(f"{k} {v:.2%}" for k, v in scores.items()))
    choice = max(scores, key=scores.get)  # the best epoch wins a tie
    return (best if choice == "best epoch" else averaged), {
        "model": choice, "public_test_accuracy": {k: round(v, 4) for k, v in scores.items()}}


def evaluate_run(model_path: Path, data: FER2013, out_dir: Path, **extra) -> dict:
    """Score a saved model on PublicTest and PrivateTest; write report.json and the PNGs."""
    model = load_classifier(model_path)
    results = {"public_test": evaluate(model, data.val), "private_test": evaluate(model, data.test)}
    for name, ev in results.items():
        log.info("\n%s", format_table(ev, name))
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_confusion(results["private_test"].confusion, results["private_test"].class_names,
                   out_dir / "confusion_matrix.png",
                   f"PrivateTest confusion ({results['private_test'].accuracy:.1%} accuracy)")
    if (out_dir / "log.csv").is_file():
        plot_training_curves(out_dir / "log.csv", out_dir / "training_curves.png")
    return write_report(out_dir / "report.json", results, model=str(model_path),
                        data=data.source, **extra)
