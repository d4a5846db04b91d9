"""Training throughput of Mini-Xception on this machine: the input pipeline, the model step,
and both together.

    python benchmarks/bench_training.py [--data ../shared/fer2013] [--steps 40] [--onednn]

Three numbers per setting, in images/s, side by side:

- input pipeline alone: the real training pipeline (`make_dataset(..., training=True)`:
  shuffle, one-resampling augmentation, prefetch), iterated without a model, not cached;
- model step alone: `model.fit` on batches that pipeline made beforehand and cached in memory,
  so only the forward and backward pass and the SGD update are timed;
- end to end: `model.fit` on the real pipeline, as training runs.

End to end near the smaller of the first two means the two overlap well; well below it means
they compete for the same cores. Each setting runs in its own process (oneDNN reads its
settings at start-up); --onednn adds a row with oneDNN off. Without --data it uses random
pixels of FER2013's shape, which cost the same. s/epoch is for the 28,709 training images.
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
WARMUP_STEPS = 5
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
    from facial_emotion.training.trainer import new_model

    if data:
        split = load_fer2013(data).train
    else:
        rng = np.random.default_rng(0)
        n = batch_size * (steps + WARMUP_STEPS)
        split = Split(rng.integers(0, 256, (n, 48, 48, 1), dtype=np.uint8), rng.integers(0, 7, n))
    config = TrainConfig(batch_size=batch_size)
    images = steps * batch_size

    # Input pipeline alone: a fresh pipeline, warmed up (its threads and buffers), then timed.
    batches = iter(make_dataset(split, batch_size, config, training=True))
    for _ in range(WARMUP_STEPS):
        next(batches)
    start = time.perf_counter()
    for _ in range(steps):
        next(batches)[0].numpy()
    pipeline = images / (time.perf_counter() - start)

    # Model step alone: batches made beforehand and held in memory.
    import tensorflow as tf

    made = [next(batches) for _ in range(steps)]
    cached = tf.data.Dataset.from_tensor_slices(
        (tf.stack([x for x, _ in made]), tf.stack([y for _, y in made])))
    model = new_model(config, steps)
    model.fit(cached.take(WARMUP_STEPS), epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(cached, epochs=1, verbose=0)
    step = images / (time.perf_counter() - start)

    # End to end: the same model fed by the real pipeline.
    live = make_dataset(split, batch_size, config, training=True)
    model.fit(live, epochs=1, steps_per_epoch=WARMUP_STEPS, verbose=0)
    start = time.perf_counter()
    model.fit(live, epochs=1, steps_per_epoch=steps, verbose=0)
    both = images / (time.perf_counter() - start)
    return {"pipeline": pipeline, "step": step, "end_to_end": both}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None, help="FER2013 (default: random pixels)")
    p.add_argument("--steps", type=int, default=40, help="timed batches per measurement")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--onednn", action="store_true", help="also time with oneDNN off")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.data, args.steps, args.batch_size)))
        return 0
    settings = SETTINGS if args.onednn else dict(list(SETTINGS.items())[:1])
    rows = []
    for name, env in settings.items():
        cmd = [sys.executable, __file__, "--worker", "--steps", str(args.steps),
               "--batch-size", str(args.batch_size)] + (["--data", args.data] if args.data else [])
        out = subprocess.run(cmd, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
                             capture_output=True, text=True, check=True).stdout
        rows.append((name, json.loads(out.strip().splitlines()[-1])))
    print(f"batch {args.batch_size}, {args.steps} timed steps per measurement, "
          f"{os.cpu_count()} CPU cores, data: {args.data or 'random pixels'}")
    print("| setting | input pipeline alone | model step alone (cached) | end to end "
          "| s/epoch end to end |")
    print("|---|---:|---:|---:|---:|")
    for name, rate in rows:
        print(f"| {name} | {rate['pipeline']:.0f} | {rate['step']:.0f} | "
              f"{rate['end_to_end']:.0f} | {TRAIN_IMAGES / rate['end_to_end']:.0f} |")
    print("(images/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
