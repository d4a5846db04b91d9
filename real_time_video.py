#!/usr/bin/env python
"""Live facial emotion recognition from a webcam, a video file or an image. See `--help`."""

from facial_emotion.cli.video import main

if __name__ == "__main__":
    raise SystemExit(main())
