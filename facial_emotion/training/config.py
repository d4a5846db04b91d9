"""Every training option in one frozen dataclass, saved next to the run so it can be resumed.

This module imports no TensorFlow, so the CLI can build its --help and resolve a run's final
config before the heavy imports.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ..errors import RunError

REFERENCE_BATCH = 128  # the peak learning rates below were tuned for this global batch


class Choice(str, Enum):
    """A named option value that prints, formats and saves as its plain string (as 3.11's
    StrEnum does; Python 3.10 has none)."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Optimizer(Choice):
    SGD = "sgd"    # Nesterov momentum with coupled weight decay on every weight
    ADAM = "adam"  # Adam with L2 on the convolution kernels


class ClassWeight(Choice):
    NONE = "none"
    BALANCED = "balanced"  # inverse class frequency
    SQRT = "sqrt"          # square root of that: a milder push towards rare classes


class Strategy(Choice):
    NONE = "none"
    MIRRORED = "mirrored"        # every local GPU
    MULTIWORKER = "multiworker"  # the cluster in TF_CONFIG


# Per optimizer: (peak learning rate at batch 128, weight decay). SGD's pair comes from the
# ablation in models/README.md; Adam's is the earlier recipe.
OPTIMIZER_DEFAULTS = {Optimizer.SGD: (0.05, 5e-4), Optimizer.ADAM: (2e-3, 5e-5)}


@dataclass(frozen=True)
class TrainConfig:
    data: str = "fer2013"
    ferplus: str = ""  # FER+ votes file or folder; "" finds them beside the data, else the shipped copy
    out: str = "runs/mini_xception"
    epochs: int = 150
    batch_size: int = 128
    optimizer: Optimizer = Optimizer.SGD
    # Peak rate after warm-up, for a global batch of 128; None takes the optimizer's default.
    # The trainer scales it linearly with the global batch (batch size x replicas).
    learning_rate: float | None = None
    momentum: float = 0.9          # SGD only
    nesterov: bool = True          # SGD only
    warmup_epochs: int = 5
    # SGD: coupled decay, gradient + decay * w on every trainable weight (PyTorch's SGD
    # weight_decay). Adam: L2 on the convolution kernels. Higher regularises harder.
    # None takes the optimizer's default.
    weight_decay: float | None = None
    # Training target: label_weight x FER2013's one-hot label + (1 - label_weight) x the FER+
    # raters' vote distribution. 1 is FER2013 alone; lower reads faces more as people do.
    # 0.8 from three 150-epoch runs side by side (1, 0.8, 0.5) in models/README.md.
    label_weight: float = 0.8
    # Mixed into the one-hot part of the target only: the votes are soft already.
    label_smoothing: float = 0.1
    # After training, raise the probabilities of any class whose PublicTest recall is below
    # this until it is not (a prior correction, folded into the last layer's bias); 0 is off.
    recall_floor: float = 0.35
    rotation_deg: float = 10.0
    shift: float = 0.1            # fraction of the image size
    zoom: float = 0.1             # largest relative change of scale
    brightness: float = 0.0       # fraction of the 0-255 range; 0 is off
    contrast: float = 0.0         # largest relative change of contrast; 0 is off
    mixup: float = 0.0            # Beta(a, a) mixing; 0 turns mixup off
    class_weight: ClassWeight = ClassWeight.NONE
    ema: float = 0.0              # weight-average momentum (e.g. 0.999); 0 turns it off
    swa_epochs: int = 10          # average the last N epochs' weights (SWA); 0 turns it off
    patience: int = 0             # early stopping after N epochs without a better PublicTest; 0 is off
    seed: int = 1337
    strategy: Strategy = Strategy.NONE
    skip_bad_rows: bool = False

    def __post_init__(self):
        for name, kind in (("optimizer", Optimizer), ("class_weight", ClassWeight),
                           ("strategy", Strategy)):
            value = getattr(self, name)
            if value not in set(kind):
                raise ValueError(f"expected {name.replace('_', ' ')} one of "
                                 f"{', '.join(kind)}, got {value!r}")
            object.__setattr__(self, name, kind(value))
        lr, decay = OPTIMIZER_DEFAULTS[self.optimizer]
        if self.learning_rate is None:
            object.__setattr__(self, "learning_rate", lr)
        if self.weight_decay is None:
            object.__setattr__(self, "weight_decay", decay)
        self._check()

    def _check(self):
        positive = {"epochs": self.epochs, "batch size": self.batch_size,
                    "learning rate": self.learning_rate}
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"expected {name} > 0, got {value}")
        non_negative = {"warm-up epochs": self.warmup_epochs, "weight decay": self.weight_decay,
                        "swa epochs": self.swa_epochs, "patience": self.patience,
                        "rotation": self.rotation_deg, "shift": self.shift, "zoom": self.zoom,
                        "brightness": self.brightness, "contrast": self.contrast,
                        "mixup": self.mixup}
        for name, value in non_negative.items():
            if not value >= 0:
                raise ValueError(f"expected {name} >= 0, got {value}")
        fractions = {"momentum": self.momentum, "label smoothing": self.label_smoothing,
                     "ema": self.ema, "shift": self.shift, "zoom": self.zoom,
                     "recall floor": self.recall_floor,
                     "brightness": self.brightness, "contrast": self.contrast}
        for name, value in fractions.items():
            if not 0 <= value < 1:
                raise ValueError(f"expected {name} in [0, 1), got {value}")
        if not 0 <= self.label_weight <= 1:
            raise ValueError(f"expected label weight in [0, 1], got {self.label_weight}")
        if not 0 <= self.seed < 2 ** 32:  # what NumPy's and TensorFlow's seeding accept
            raise ValueError(f"expected seed from 0 to {2 ** 32 - 1}, got {self.seed}")
        if self.rotation_deg > 180:
            raise ValueError(f"expected rotation <= 180 degrees, got {self.rotation_deg}")

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def save(self, path: Path) -> None:
        from ..files import atomic_write_text
        atomic_write_text(path, json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "TrainConfig":
        """Read a run's config.json; a damaged or foreign one raises RunError naming it and
        saying what to do."""
        fix = "restore it, or start the run again with --overwrite"
        try:
            fields = json.loads(Path(path).read_text())
        except OSError as exc:
            raise RunError(f"{path}: cannot read it ({exc.strerror})") from None
        except ValueError:
            raise RunError(f"{path} is damaged (not valid JSON, perhaps cut short): {fix}") from None
        if not isinstance(fields, dict):
            raise RunError(f"{path} is damaged: expected a JSON object, got "
                           f"{type(fields).__name__}: {fix}")
        unknown = sorted(set(fields) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise RunError(f"{path}: unknown setting(s) {', '.join(unknown)}; it was written by "
                           f"another version of this tool, or edited: resume with that version, "
                           f"remove the setting(s), or start again with --overwrite")
        defaults = cls()
        for name, value in fields.items():
            kind = _json_kind(getattr(defaults, name))
            if not _is_kind(value, kind):
                raise RunError(f"{path} is damaged: expected {name} to be {kind}, got "
                               f"{value!r}: {fix}")
        try:
            return cls(**fields)
        except (TypeError, ValueError) as exc:
            raise RunError(f"{path} is damaged: {exc}: {fix}") from None


def _json_kind(default) -> str:
    for kind, python in (("true or false", bool), ("a whole number", int), ("a number", float),
                         ("a string", str)):
        if isinstance(default, python):
            return kind
    raise TypeError(f"expected a JSON-able default, got {default!r}")


def _is_kind(value, kind: str) -> bool:
    if kind == "true or false":
        return isinstance(value, bool)
    if kind == "a whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "a number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)
