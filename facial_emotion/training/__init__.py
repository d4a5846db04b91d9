"""Training Mini-Xception on FER2013."""

from .config import TrainConfig
from .trainer import TrainResult, evaluate_run, train

__all__ = ["TrainConfig", "TrainResult", "evaluate_run", "train"]
