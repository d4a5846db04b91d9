#!/usr/bin/env python
"""Train the FER2013 emotion classifier. See `--help`, or docs/training.md."""

from facial_emotion.cli.train import main

if __name__ == "__main__":
    raise SystemExit(main())
