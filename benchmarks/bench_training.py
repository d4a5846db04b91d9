"""Training throughput of Mini-Xception on this machine, per TensorFlow/oneDNN setting.

    python benchmarks/bench_training.py [--data ../shared/fer2013] [--steps 40]

Each setting runs in its own process (oneDNN reads its settings at start-up), one after the
other on the same data and pipeline (augmentation included), and reports images/s and the
implied seconds per epoch on the full 28,709-image train split. Without --data it trains on
random pixels of the same shape, which costs the same.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN_IMAGES = 28_709
SETTINGS = {  # name: environment overrides
    "ours (facial_emotion.runtime defaults)": {},
    "oneDNN off (TF_ENABLE_ONEDNN_OPTS=0)": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}


def worker(data: str | None, steps: int, batch_size: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from facial_emotion.runtime import configure_tensorflow

    configure_tensorflow()
    import numpy as np

    from facial_emotion.data import Split, load_fer2013
    from facial_emotion.training.config import TrainConfig
    from facial_emotion.training.pipeline import make_dataset
    from facial_emotion.training.trainer import compile_new_model

    if data:
        split = load_fer2013(data).train
    else:
        rng = np.random.default_rng(0)
        split = Split(rng.integers(0, 256, (batch_size * steps, 48, 48, 1), dtype=np.uint8),
                      rng.integers(0, 7, batch_size * steps))
    config = TrainConfig(batch_size=batch_size)
    ds = make_dataset(split, batch_size, config, training=True).take(steps + 5).cache()
    model = compile_new_model(config, steps_per_epoch=steps)
    model.fit(ds.take(5), epochs=1, verbose=0)  # trace and warm up
    timed = ds.skip(5)
    list(timed)  # fill the cache so only training is timed
    start = time.perf_counter()
    model.fit(timed, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    return {"images_per_s": steps * batch_size / seconds}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.data, args.steps, args.batch_size)))
        return 0
    rows = []
    for name, env in SETTINGS.items():
        cmd = [sys.executable, __file__, "--worker", "--steps", str(args.steps),
               "--batch-size", str(args.batch_size)] + (["--data", args.data] if args.data else [])
        out = subprocess.run(cmd, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
                             capture_output=True, text=True, check=True).stdout
        rate = json.loads(out.strip().splitlines()[-1])["images_per_s"]
        rows.append((name, rate))
    base = rows[-1][1]
    print(f"batch {args.batch_size}, {args.steps} timed steps per setting, {os.cpu_count()} CPU cores")
    print("| setting | images/s | s/epoch (28,709 images) | vs oneDNN off |")
    print("|---|---:|---:|---:|")
    for name, rate in rows:
        print(f"| {name} | {rate:.0f} | {TRAIN_IMAGES / rate:.0f} | {rate / base:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
