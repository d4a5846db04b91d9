"""`analyze()`: the emotions of every face in videos and photos, as a pandas DataFrame."""

from __future__ import annotations

import inspect
import logging
import os

log = logging.getLogger(__name__)

# What analyze() takes besides EmotionDetector's own options.
_OWN_OPTIONS = {"recursive", "workers", "progress"}


def analyze(sources: str | os.PathLike | list, *, recursive: bool = False, workers: int = 1,
            progress: bool = False, **options):
    """One row per face per frame of every source, as `real_time_video.py --csv` writes them.

    sources: a video or photo file, a folder of them (with `recursive`, its subfolders too),
        a glob ("clips/*.mp4"), or a list of these. Sources are analysed in order, each from
        a fresh start (face ids begin at 1 in each).
    workers: analyse this many sources at once, each in its own process (which loads the
        model once); the rows are the same, in the same order, for any number. The
        processes are started afresh ("spawn"), so a script that asks for more than one
        must call analyze() under `if __name__ == "__main__":`.
    progress: draw a progress bar on stderr.
    options: EmotionDetector's (model, cascade, detector, detect_width, min_neighbors,
        min_size, track, smoothing, full_scan_every, flip); `still` is chosen per source.

    Returns a DataFrame with the CSV's columns: source (categorical, in source order), frame,
    time_s, face_id (nullable Int64: <NA> without tracking), x, y, w, h, one float64
    probability column per class, emotion (categorical, in the model's class order) and the
    landmarks (float64, NaN where the face finder gives none), holding the CSV's values
    (probabilities to 5 decimals). Sources that cannot be read are logged and left out;
    `df.attrs["failed"]` maps each to why, and `df.attrs["skipped"]` lists the files a
    folder or glob held that are not media.

    Raises SourceError for a missing file or a glob that matches nothing, and TypeError or
    ValueError for an unknown option or a bad value.
    """
    from .batch import Job, expand_sources, run_batch
    from .detection import EmotionDetector

    allowed = set(inspect.signature(EmotionDetector).parameters) - {"still"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"expected options among {', '.join(sorted(allowed | _OWN_OPTIONS))}, "
                        f"got {', '.join(unknown)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"expected workers as an int of 1 or more, got {workers!r}")
    width = options.pop("detect_width", "auto")
    # The batch takes --detect-width's meaning: None for the default, 0 for full size.
    options["detect_width"] = None if width == "auto" else 0 if width is None else width
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    listing = expand_sources([str(s) for s in sources], recursive)
    records: list[dict] = []
    failed: dict[str, str] = {}
    class_names: tuple[str, ...] = ()

    def collect(outcome, resumed):
        nonlocal class_names
        if outcome.failed:
            log.warning("%s: left out: %s", outcome.source, outcome.error)
            failed[outcome.source] = outcome.error
            return
        class_names = tuple(outcome.summary["class_names"])
        records.extend(outcome.records)

    jobs = [Job(i, source) for i, source in enumerate(listing.sources)]
    report = run_batch(jobs, options, collect, workers=workers, progress=progress)
    if report.interrupted:
        raise KeyboardInterrupt
    frame = records_frame(records, class_names or _class_names(options), listing.sources)
    frame.attrs["failed"] = failed
    frame.attrs["skipped"] = list(listing.skipped)
    return frame


def records_frame(records: list[dict], class_names: tuple[str, ...], sources=()):
    """The DataFrame of `face_record`s, with the dtypes `analyze` documents."""
    import pandas as pd

    from .video.sinks import LANDMARK_COLUMNS, record_columns

    frame = pd.DataFrame.from_records(records, columns=record_columns(class_names))
    floats = ["time_s", *class_names, *LANDMARK_COLUMNS]
    return frame.astype({
        "source": pd.CategoricalDtype(list(dict.fromkeys(sources))),
        "frame": "int64", "face_id": "Int64", "x": "int64", "y": "int64", "w": "int64",
        "h": "int64", **{name: "float64" for name in floats},
        "emotion": pd.CategoricalDtype(list(class_names), ordered=True)})


def _class_names(options: dict) -> tuple[str, ...]:
    """The model's class names, for the columns of a result without a single face."""
    from .model import class_names, load_classifier

    return class_names(load_classifier(options.get("model")))
