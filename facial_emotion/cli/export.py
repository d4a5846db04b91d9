"""`facial-emotion export`: the classifier as a LiteRT file for phones and edge boards."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..errors import ModelError
from ..runtime import configure_tensorflow
from .common import ArgumentParser, one_line_errors, setup_logging

PROG = "facial-emotion export"
FORMATS = ("tflite",)
CHECK_FACES = 16  # random raw-pixel faces the export is checked on against the .keras model
# How far the export's probabilities may be from the .keras model's before it is refused:
# float32 conversions agree to ~1e-6, float16 weights move them by ~1e-3.
TOLERANCE = {False: 1e-4, True: 1e-2}
log = logging.getLogger(__name__)


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    p = ArgumentParser(prog=prog, description=(
        "Convert a saved classifier to a LiteRT (TensorFlow Lite) flatbuffer that takes "
        "float32 (N, 48, 48, 1) raw 0-255 grayscale faces and returns the 7 probabilities. "
        "The file is checked against the .keras model on random faces before it is written."))
    p.add_argument("model", metavar="MODEL", type=Path, nargs="?",
                   help="saved classifier (.keras); default the shipped model")
    p.add_argument("--format", choices=FORMATS, default="tflite",
                   help="tflite: a LiteRT flatbuffer (default)")
    p.add_argument("--float16", action="store_true",
                   help="store the weights as float16: half the file, probabilities within ~1e-3")
    p.add_argument("--output", type=Path,
                   help="file to write; default MODEL's name with .tflite (-float16.tflite with "
                        "--float16) in the current folder")
    return p


def default_output(model: Path, float16: bool) -> Path:
    return Path(f"{model.stem}-float16.tflite" if float16 else f"{model.stem}.tflite")


@one_line_errors(PROG)
def main(argv=None, prog: str = PROG) -> int:
    args = build_parser(prog).parse_args(argv)
    setup_logging()
    configure_tensorflow()
    import numpy as np

    from ..files import atomic_write_bytes
    from ..labels import IMAGE_SIZE
    from ..model import DEFAULT_MODEL, class_names, load_classifier
    from ..model.litert import convert_to_litert, litert_available, max_difference

    from ..video.outputs import check_distinct

    model_path = args.model or DEFAULT_MODEL
    output = args.output or default_output(model_path, args.float16)
    check_distinct({"--output": output}, {"MODEL": model_path})  # before the slow conversion
    model = load_classifier(model_path)
    flatbuffer = convert_to_litert(model, float16=args.float16)
    if litert_available():
        faces = np.random.default_rng(0).uniform(0, 255, (CHECK_FACES, IMAGE_SIZE, IMAGE_SIZE, 1))
        difference = max_difference(model, flatbuffer, faces)
        if not difference <= TOLERANCE[args.float16]:  # `not <=`: a NaN fails too
            raise ModelError(f"the LiteRT conversion of {model_path} changed its probabilities: "
                             f"expected a difference of at most {TOLERANCE[args.float16]:g}, "
                             f"got {difference:.3g}; nothing written")
        checked = f"probabilities within {difference:.1e} of the .keras model's"
    else:
        checked = "not checked: ai-edge-litert is not installed"
    atomic_write_bytes(output, flatbuffer)
    log.info("wrote %s (%d KiB, %s weights; %s). Input: float32 (N, %d, %d, 1) raw 0-255 "
             "grayscale; output: probabilities of %s", output, len(flatbuffer) // 1024,
             "float16" if args.float16 else "float32", checked, IMAGE_SIZE, IMAGE_SIZE,
             ", ".join(class_names(model)))
    return 0
