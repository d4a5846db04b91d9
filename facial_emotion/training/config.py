"""Every training option in one frozen dataclass, saved next to the run so it can be resumed."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TrainConfig:
    data: str = "fer2013"
    out: str = "runs/mini_xception"
    epochs: int = 100
    batch_size: int = 128
    learning_rate: float = 2e-3   # peak, after warm-up; scaled with batch size by the caller
    warmup_epochs: int = 5
    weight_decay: float = 5e-5    # L2 on conv kernels; higher regularises harder
    label_smoothing: float = 0.1
    rotation_deg: float = 10.0
    shift: float = 0.1            # fraction of the image size
    zoom: float = 0.1
    brightness: float = 0.2       # fraction of the 0-255 range
    contrast: float = 0.2
    mixup: float = 0.0            # Beta(a, a) mixing; 0 turns mixup off
    class_weight: str = "none"    # none | balanced | sqrt
    ema: float = 0.0              # weight-average momentum (e.g. 0.999); 0 turns it off
    swa_epochs: int = 10          # average the last N epochs' weights (SWA); 0 turns it off
    patience: int = 30            # early stopping, in epochs without a better val accuracy
    seed: int = 1337
    strategy: str = "none"        # none | mirrored | multiworker (tf.distribute)
    skip_bad_rows: bool = False

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"expected epochs >= 1 and batch size >= 1, got {self.epochs}, {self.batch_size}")
        if self.swa_epochs < 0:
            raise ValueError(f"expected swa epochs >= 0, got {self.swa_epochs}")
        if self.strategy not in ("none", "mirrored", "multiworker"):
            raise ValueError(f"expected strategy none, mirrored or multiworker, got {self.strategy!r}")
        if self.class_weight not in ("none", "balanced", "sqrt"):
            raise ValueError(f"expected class weight none, balanced or sqrt, got {self.class_weight!r}")

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "TrainConfig":
        return cls(**json.loads(path.read_text()))
