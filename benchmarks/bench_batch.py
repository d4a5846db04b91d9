"""Speed of a batch with one worker process and with two, side by side, end to end.

    python benchmarks/bench_batch.py [--clips 8] [--frames 150] [--photos 12] [--repeats 3]
        [--workers 1 2]

The batches are made in memory from scikit-image's public-domain astronaut (tests/scenes.py)
and written to a temporary folder: `--clips` videos (320x240, 10 fps, mp4v) of a face gliding
across a wall, each on another background, and `--photos` JPEG group photos (1280x720, three
faces each). Each batch is analysed by the real command, `real_time_video.py --source FOLDER
--no-display --csv FILE --workers N`, in a fresh process, so the time counts everything a
user waits for: starting Python, loading the model (LiteRT) in every worker, decoding,
finding and classifying faces, and writing the CSV.

Settings run in turns (1, 2, 1, 2, ...) so that a busy spell on the shared machine slows them
alike. The table gives each setting's fastest run; below it come the speed-up of each turn
(two runs side by side) and their median, which a noisy machine sways less. The CSVs of every
run are compared: the records must be identical whatever the number of workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from tests.scenes import group_scene, moving_face_clip  # noqa: E402


def make_clips(folder: Path, clips: int, frames: int) -> None:
    folder.mkdir()
    for k in range(clips):
        writer = cv2.VideoWriter(str(folder / f"clip{k:02d}.mp4"),
                                 cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 240))
        for frame in moving_face_clip(frames, 320, 240, 100, seed=k):
            writer.write(frame)
        writer.release()


def make_photos(folder: Path, photos: int) -> None:
    folder.mkdir()
    for k in range(photos):
        scene, _ = group_scene(1280, 720, 220, 3, seed=k)
        cv2.imwrite(str(folder / f"photo{k:02d}.jpg"), scene)


def run(folder: Path, workers: int, csv: Path) -> float:
    command = [sys.executable, str(ROOT / "real_time_video.py"), "--source", str(folder),
               "--no-display", "--csv", str(csv), "--workers", str(workers)]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clips", type=int, default=8)
    p.add_argument("--frames", type=int, default=150, help="frames per clip")
    p.add_argument("--photos", type=int, default=12)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_clips(tmp / "clips", args.clips, args.frames)
        make_photos(tmp / "photos", args.photos)
        batches = {"clips": tmp / "clips", "photos": tmp / "photos"}
        times: dict[tuple[str, int], list[float]] = {}
        first_csv: dict[str, bytes] = {}
        for repeat in range(args.repeats):
            for name, folder in batches.items():
                for workers in args.workers:
                    csv = tmp / f"{name}-{workers}-{repeat}.csv"
                    seconds = run(folder, workers, csv)
                    times.setdefault((name, workers), []).append(seconds)
                    data = csv.read_bytes()
                    if first_csv.setdefault(name, data) != data:
                        raise SystemExit(f"{name}: the records of --workers {workers} differ")
                    print(f"  run {repeat + 1}: {name}, --workers {workers}: {seconds:.2f} s",
                          file=sys.stderr)

    print(f"\n{cpu_name()}, {os.cpu_count()} cores; {args.clips} clips of {args.frames} "
          f"frames (320x240), {args.photos} photos (1280x720, 3 faces); best of "
          f"{args.repeats}, wall time of the whole command\n")
    best = {key: min(seconds) for key, seconds in times.items()}
    base = {name: best[(name, args.workers[0])] for name in batches}
    print("| --workers | clips: seconds | sources/s | frames/s | photos: seconds | photos/s "
          "| speed-up (clips / photos) |")
    print("|---|---|---|---|---|---|---|")
    for workers in args.workers:
        clips, photos = best[("clips", workers)], best[("photos", workers)]
        print(f"| {workers} | {clips:.2f} | {args.clips / clips:.2f} | "
              f"{args.clips * args.frames / clips:.0f} | {photos:.2f} | "
              f"{args.photos / photos:.2f} | {base['clips'] / clips:.2f}x / "
              f"{base['photos'] / photos:.2f}x |")
    print()
    for workers in args.workers[1:]:
        for name in batches:
            turns = [one / many for one, many in zip(times[(name, args.workers[0])],
                                                     times[(name, workers)])]
            print(f"{name}, --workers {workers} against {args.workers[0]}, turn by turn: "
                  f"{' '.join(f'{r:.2f}x' for r in turns)}; median "
                  f"{statistics.median(turns):.2f}x")
    print("\nrecords identical for every --workers: yes")


if __name__ == "__main__":
    main()
