"""FER2013 CSV parsing: the seed's per-row loop against `read_csv`, side by side, and cached loads.

    python benchmarks/bench_data.py --csv /tmp/fer2013.csv [--repeats 3]

The two parsers read the same file in this one process, taking turns, best of --repeats each,
so a busy machine slows both alike. A cached load is `load_fer2013`'s second call on a source;
the first call builds the cache, in a temporary folder. Without --csv, a CSV is written from
the image folders (default ../shared/fer2013) into a temporary folder, never into the repository.
The image folders' cached load is timed too when they are there.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars from reading the image folders

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from facial_emotion.data import Usage, load_fer2013  # noqa: E402
from facial_emotion.data.csv_format import read_csv  # noqa: E402

SHARED = ROOT.parent / "shared" / "fer2013"


def seed_loop(path: Path):
    """The seed's CSV parsing, as it was."""
    data = pd.read_csv(path)
    faces = []
    for pixel_sequence in data['pixels'].tolist():
        face = [int(pixel) for pixel in pixel_sequence.split(' ')]
        face = np.asarray(face).reshape(48, 48)
        face = cv2.resize(face.astype('uint8'), (48, 48))
        faces.append(face.astype('float32'))
    faces = np.expand_dims(np.asarray(faces), -1)
    emotions = pd.get_dummies(data['emotion']).to_numpy()
    return faces, emotions


def seconds(call) -> float:
    gc.collect()
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def cached_load_seconds(source: Path, repeats: int) -> float:
    with tempfile.TemporaryDirectory() as cache_dir:
        load_fer2013(source, cache_dir=cache_dir)  # builds the cache
        return min(seconds(lambda: load_fer2013(source, cache_dir=cache_dir))
                   for _ in range(repeats))


def write_csv(folder: Path, path: Path) -> Path:
    """The image folders as a Kaggle-format CSV, grouped by Usage."""
    data = load_fer2013(folder, use_cache=False)
    with open(path, "w") as f:
        f.write("emotion,pixels,Usage\n")
        for usage in Usage:
            split = data.split(usage)
            for label, image in zip(split.labels, split.images):
                f.write(f"{label},{' '.join(map(str, image.ravel().tolist()))},{usage.value}\n")
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--csv", type=Path, help="a Kaggle fer2013.csv (default: written from --folder)")
    p.add_argument("--folder", type=Path, default=SHARED if SHARED.is_dir() else None,
                   help="Kaggle image folders (default: ../shared/fer2013 if there)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    if args.csv is None and args.folder is None:
        p.error("pass --csv, or --folder with the image folders to write one from")

    with tempfile.TemporaryDirectory() as tmp:
        csv = args.csv or write_csv(args.folder, Path(tmp) / "fer2013.csv")
        seed, ours = [], []
        for _ in range(args.repeats):
            seed.append(seconds(lambda: seed_loop(csv)))
            ours.append(seconds(lambda: read_csv(csv)))
        rows = [("CSV parse, seed per-row loop (s)", f"{min(seed):.2f}"),
                ("CSV parse, read_csv (s)", f"{min(ours):.2f}"),
                ("speed-up", f"{min(seed) / min(ours):.2f}x"),
                ("cached load_fer2013, CSV (s)", f"{cached_load_seconds(csv, args.repeats):.2f}")]
    if args.folder is not None:
        rows.append(("cached load_fer2013, image folders (s)",
                     f"{cached_load_seconds(args.folder, args.repeats):.2f}"))

    print(f"{csv if args.csv else 'CSV written from ' + str(args.folder)}, "
          f"best of {args.repeats}, {os.cpu_count()} CPU cores")
    print("| | result |")
    print("|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
