"""What both command-line tools share: logging set-up and one-line errors."""

from __future__ import annotations

import functools
import logging
import sys

from ..errors import FacialEmotionError

EXIT_USAGE = 2


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(message)s", stream=sys.stderr, force=True)
    for noisy in ("tensorflow", "absl", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def one_line_errors(prog: str):
    """Decorate main(argv): our errors become `prog: error: message` on stderr and exit code 2."""
    def decorate(main):
        @functools.wraps(main)
        def wrapper(argv=None) -> int:
            try:
                return main(argv)
            except FacialEmotionError as exc:
                print(f"{prog}: error: {exc}", file=sys.stderr)
                return EXIT_USAGE
        return wrapper
    return decorate
