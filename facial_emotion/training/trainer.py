"""Fit Mini-Xception on FER2013's Training split, select on PublicTest, report PrivateTest."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from ..data import FER2013, load_fer2013
from ..errors import DatasetError, RunError, Terminated
from ..evaluation import evaluate, evaluate_run
from ..evaluation.report import predict_flip_averaged
from ..model import build_classifier, build_mini_xception, class_names, load_classifier, save_atomically
from ..shipped import MODEL_NAME
from .averaging import average_weights, refresh_batch_norm
from .checkpoints import RunCheckpoints
from .config import REFERENCE_BATCH, ClassWeight, Optimizer, TrainConfig
from .distribute import make_strategy
from .pipeline import make_dataset, steps_per_epoch
from .progress import EpochProgress
from .recall_floor import add_to_logits, fit_recall_floor
from .run_folder import check_out, delete_run, locked, prepare_new_run
from .stopping import StopOnNonFiniteLoss, StopRequests

log = logging.getLogger(__name__)

# The warm-up takes at most this share of the run, so a short run (--epochs 1, the natural
# smoke test) still reaches its peak rate and decays, instead of ending mid-warm-up with a
# model that predicts one class. The recipe's 5 of 150 epochs is far below it.
MAX_WARMUP_SHARE = 0.25


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    model_path: Path | None  # None when interrupted before the run finished
    interrupted: bool
    report: dict | None
    terminated: bool = False  # interrupted by SIGTERM rather than Ctrl-C


def peak_learning_rate(config: TrainConfig, replicas: int = 1) -> float:
    """The configured peak, scaled linearly from batch 128 to the global batch."""
    return config.learning_rate * config.batch_size * replicas / REFERENCE_BATCH


def warmup_steps(config: TrainConfig, steps: int) -> int:
    """--warmup-epochs in steps, cut to MAX_WARMUP_SHARE of the run's steps."""
    return min(config.warmup_epochs * steps, int(config.epochs * steps * MAX_WARMUP_SHARE))


def learning_rate_schedule(config: TrainConfig, steps: int, replicas: int = 1):
    """Linear warm-up to the peak rate, then cosine decay to zero at the last epoch."""
    warmup = warmup_steps(config, steps)
    peak = peak_learning_rate(config, replicas)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 100, warmup_target=peak,
        warmup_steps=warmup, decay_steps=max(config.epochs * steps - warmup, 1))


def make_optimizer(config: TrainConfig, steps: int, replicas: int = 1) -> keras.optimizers.Optimizer:
    schedule = learning_rate_schedule(config, steps, replicas)
    ema = {"use_ema": config.ema > 0, "ema_momentum": config.ema or 0.99}
    if config.optimizer == Optimizer.SGD:
        return keras.optimizers.SGD(schedule, momentum=config.momentum, nesterov=config.nesterov,
                                    **ema)
    return keras.optimizers.Adam(schedule, **ema)


def add_coupled_weight_decay(model: keras.Model, decay: float) -> None:
    """Add (decay / 2) * sum(w ** 2) over every trainable weight to the training loss.

    Its gradient, decay * w, joins the loss gradient before momentum, as in PyTorch's
    SGD(weight_decay=decay); batch-norm scales and offsets and biases are included. This is
    not Keras' own `weight_decay=` argument, which shrinks weights after the momentum step.
    Regularisers set this way are not saved, so a resumed model gets them again here.
    """
    penalty = keras.regularizers.L2(decay / 2) if decay else None
    for weight in model.trainable_weights:
        weight.regularizer = penalty


def compile_model(model: keras.Model, config: TrainConfig, optimizer) -> keras.Model:
    if config.optimizer == Optimizer.SGD:
        add_coupled_weight_decay(model, config.weight_decay)
    # Label smoothing is in the targets already (pipeline.training_targets).
    model.compile(optimizer, keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    return model


def new_model(config: TrainConfig, steps: int, replicas: int = 1) -> keras.Model:
    """A fresh classifier with its optimizer, loss and metrics. Adam's recipe puts L2 on the
    convolution kernels; SGD's decay (on every weight) is added by `compile_model`."""
    l2 = config.weight_decay if config.optimizer == Optimizer.ADAM else 0.0
    model = build_classifier(build_mini_xception(l2=l2))
    return compile_model(model, config, make_optimizer(config, steps, replicas))


def class_weights(data: FER2013, mode: ClassWeight) -> dict[int, float] | None:
    """Inverse-frequency weights (mean 1) for rare classes such as disgust; None for 'none'."""
    if mode == ClassWeight.NONE:
        return None
    counts = data.train.class_counts().astype(float)
    weights = counts.sum() / np.maximum(counts, 1)
    if mode == ClassWeight.SQRT:
        weights = np.sqrt(weights)
    weights /= (weights * counts).sum() / counts.sum()
    return {i: float(w) for i, w in enumerate(weights)}


def train(config: TrainConfig, *, resume: bool = False, overwrite: bool = False,
          data: FER2013 | None = None) -> TrainResult:
    """Train a new run in `config.out` (or resume it), then choose, save and evaluate its model.

    `config` is final: for a resumed run, the CLI builds it from the run's own config.json
    (see `TrainConfig.load`). The folder is locked while training. A new run refuses a
    folder that holds one unless `overwrite` is given.
    """
    run_dir = Path(config.out)
    check_out(run_dir, config.data)
    with locked(run_dir):
        if not resume:
            prepare_new_run(run_dir, overwrite)
        checkpoints = RunCheckpoints.for_run(run_dir, config.epochs, config.swa_epochs)
        if resume:
            checkpoints.read_state()
            if finished(config, checkpoints):
                return already_finished(config, checkpoints)
        try:
            data = data or load_fer2013(config.data, skip_bad_rows=config.skip_bad_rows,
                                        ferplus=config.ferplus or None)
            if config.label_weight < 1 and not data.has_votes:
                raise DatasetError(f"a label weight of {config.label_weight} trains on the FER+ "
                                   f"rater votes, but none fit {data.source}: pass --ferplus with "
                                   f"fer2013new.csv (and image_rows.csv for image folders), or "
                                   f"--label-weight 1")
            log.info("FER2013 from %s: %d train, %d PublicTest, %d PrivateTest",
                     data.source, len(data.train), len(data.val), len(data.test))
            checkpoints.check_data(data.content_hash(), data.source)
            config.save(run_dir / "config.json")
            interrupt = fit(config, data, checkpoints, resume)
        except BaseException:
            _forget_unstarted(run_dir, checkpoints, resume)
            raise
        if interrupt is not None:
            _forget_unstarted(run_dir, checkpoints, resume)
            return TrainResult(run_dir, None, True, None,
                               terminated=isinstance(interrupt, Terminated))
        return finish(config, data, checkpoints)


def _forget_unstarted(run_dir: Path, checkpoints: RunCheckpoints, resume: bool) -> None:
    """A new run that stopped before committing an epoch leaves the folder as it found it,
    so the same --out can be used again without --overwrite."""
    if resume or checkpoints.committed_epoch():
        return
    try:
        delete_run(run_dir)
    except (RunError, OSError) as exc:  # the error that got here matters more
        log.debug("could not remove the unstarted run in %s: %s", run_dir, exc)


def finished(config: TrainConfig, checkpoints: RunCheckpoints) -> bool:
    """Whether a resumed run has nothing left to do: every epoch trained, its model shipped,
    and the settings it was finished with unchanged (a new --swa-epochs chooses again)."""
    run_dir = checkpoints.run_dir
    if checkpoints.epochs_done < config.epochs or not (run_dir / MODEL_NAME).is_file():
        return False
    saved = TrainConfig.load(run_dir / "config.json")
    return saved.replace(data=config.data, ferplus=config.ferplus, out=config.out) == config


def already_finished(config: TrainConfig, checkpoints: RunCheckpoints) -> TrainResult:
    run_dir = checkpoints.run_dir
    log.info("%s is already finished (%d of %d epochs, model %s): nothing to do; "
             "--epochs N (above %d) trains it further", run_dir, checkpoints.epochs_done,
             config.epochs, run_dir / MODEL_NAME, checkpoints.epochs_done)
    try:
        report = json.loads((run_dir / "report.json").read_text())
    except (OSError, ValueError):
        report = None
    return TrainResult(run_dir, run_dir / MODEL_NAME, False, report)


def fit(config: TrainConfig, data: FER2013, checkpoints: RunCheckpoints,
        resume: bool) -> KeyboardInterrupt | None:
    """Train from the last committed epoch to `config.epochs`; the interrupt (Ctrl-C, or
    Terminated for SIGTERM) if one stopped it, else None.

    An interruption keeps the last committed epoch as it is: a half-trained epoch is dropped.
    A loss that is not finite stops the run with a RunError, with the same guarantee.
    """
    if checkpoints.epochs_done >= config.epochs:
        return None
    if config.warmup_epochs > config.epochs * MAX_WARMUP_SHARE:
        log.warning("a %d-epoch warm-up is too long for a %d-epoch run: warming up for %g "
                    "epochs instead (at most %d%% of the run)", config.warmup_epochs,
                    config.epochs, config.epochs * MAX_WARMUP_SHARE, 100 * MAX_WARMUP_SHARE)
    keras.utils.set_random_seed((config.seed + checkpoints.epochs_done) % 2 ** 32)
    strategy = make_strategy(config.strategy)
    replicas = strategy.num_replicas_in_sync
    batch = config.batch_size * replicas  # each replica keeps --batch-size examples
    steps = steps_per_epoch(data.train, batch)
    train_ds = make_dataset(data.train, batch, config, training=True,
                            initial_epoch=checkpoints.epochs_done)
    val_ds = make_dataset(data.val, 512)
    with strategy.scope():
        if resume:
            model = checkpoints.restore(optimizer=str(config.optimizer))
            # The schedule is rebuilt from the config, so a moved end re-fits the cosine.
            model.optimizer.learning_rate = learning_rate_schedule(config, steps, replicas)
            compile_model(model, config, model.optimizer)
            log.info("resuming %s after epoch %d of %d (best PublicTest accuracy %.4f)",
                     checkpoints.run_dir, checkpoints.epochs_done, config.epochs, checkpoints.best)
        else:
            model = new_model(config, steps, replicas)
    if replicas > 1:
        log.info("training on %d replicas: global batch %d", replicas, batch)
    stop = StopRequests()
    # The loss check comes first: a diverged epoch must fail before it is committed.
    callbacks = [StopOnNonFiniteLoss(checkpoints.committed_epoch), stop, checkpoints,
                 EpochProgress(steps, config.epochs)]
    if config.patience:
        callbacks.append(keras.callbacks.EarlyStopping("val_accuracy", patience=config.patience,
                                                       mode="max"))
    if config.ema:
        callbacks.insert(0, swap_ema_weights(resumed=resume))
    try:
        with stop.catching_signals():
            model.fit(train_ds, validation_data=val_ds, epochs=config.epochs,
                      steps_per_epoch=steps, initial_epoch=checkpoints.epochs_done,
                      callbacks=callbacks, class_weight=class_weights(data, config.class_weight),
                      shuffle=False, verbose=0)
            if stop.requested is not None:  # asked during the last epoch's end: stop here
                raise stop.requested
    except KeyboardInterrupt as interrupt:
        kept = checkpoints.committed_epoch()
        if kept or resume:
            log.warning("interrupted: epoch %d is the last one saved in %s; continue with "
                        "--resume", kept, checkpoints.run_dir)
        else:
            log.warning("interrupted before an epoch was saved: nothing kept in %s",
                        checkpoints.run_dir)
        return interrupt
    return None


def swap_ema_weights(resumed: bool) -> keras.callbacks.Callback:
    """SwapEMAWeights, which puts the averaged weights in the model for validation and for the
    checkpoint saved at each epoch's end, and the training weights back at the next start.

    A checkpoint therefore holds the average as the model's weights and the training weights
    in the optimizer's average slots. After a resume the callback must know that, so that
    the first epoch swaps them back instead of training the average. (At the last epoch of
    a fit, Keras copies the average into both; a finished run resumed with more --epochs
    goes on from the average, the only weights left.)
    """
    swap = keras.callbacks.SwapEMAWeights(swap_on_epoch=True)
    swap._ema_weights_in_model = resumed  # no public setter in Keras 3.15
    return swap


def finish(config: TrainConfig, data: FER2013, checkpoints: RunCheckpoints) -> TrainResult:
    """Choose the model to ship on PublicTest, save it, and evaluate it once on PrivateTest."""
    if not checkpoints.epochs_done:
        raise RunError(f"{checkpoints.run_dir}: no epoch finished, so there is no model to save")
    model, selected = final_model(checkpoints, config.swa_epochs, data)
    if config.recall_floor:
        selected["class_factors"] = apply_recall_floor(model, data, config.recall_floor)
    model_path = checkpoints.run_dir / MODEL_NAME
    save_atomically(model, model_path)  # without optimizer state
    report = evaluate_run(model_path, data, checkpoints.run_dir,
                          training={"epochs_run": checkpoints.epochs_done,
                                    "wall_minutes": round(checkpoints.seconds / 60, 1),
                                    "selected": selected})
    return TrainResult(checkpoints.run_dir, model_path, False, report)


def apply_recall_floor(model: keras.Model, data: FER2013, floor: float) -> dict[str, float]:
    """Fold into `model` the smallest class factors that lift every class's flip-averaged
    PublicTest recall to `floor` (see `recall_floor`); returns the factors above 1 by name."""
    views = list(predict_flip_averaged(model, data.val.images, views=True))
    log_boost = fit_recall_floor(views, data.val.labels, floor, len(views[0][0]))
    if log_boost.any():
        add_to_logits(model, log_boost)
    factors = {name: round(float(np.exp(b)), 3) for name, b in zip(class_names(model), log_boost) if b}
    log.info("class factors for a PublicTest recall of at least %.2f: %s", floor,
             ", ".join(f"{k} x{v}" for k, v in factors.items()) or "none needed")
    return factors


def final_model(checkpoints: RunCheckpoints, swa_epochs: int,
                data: FER2013) -> tuple[keras.Model, dict]:
    """The model to ship, chosen on PublicTest: the best epoch, or the weight average of the
    last `swa_epochs` epochs if that scores higher. Also says which, and both scores."""
    best = load_classifier(checkpoints.best_path)
    best_name = f"best epoch ({checkpoints.best_epoch})"
    snapshots = checkpoints.snapshots(swa_epochs) if swa_epochs else {}
    if len(snapshots) < 2:
        return best, {"model": best_name,
                      "public_test_accuracy": {best_name: round(checkpoints.best, 4)}}
    averaged = average_weights(list(snapshots.values()))
    refresh_batch_norm(averaged, data.train.images)
    scores = {best_name: evaluate(best, data.val).accuracy,
              f"mean of epochs {min(snapshots)}-{max(snapshots)}": evaluate(averaged, data.val).accuracy}
    log.info("PublicTest accuracy: %s", ", ".join(f"{k} {v:.2%}" for k, v in scores.items()))
    choice = max(scores, key=scores.get)  # the best epoch wins a tie
    return (best if choice == best_name else averaged), {
        "model": choice, "public_test_accuracy": {k: round(v, 4) for k, v in scores.items()}}
