"""Video I/O: frame sources, sinks, and the loop that joins them."""

from .runner import RunSummary, run
from .sinks import CsvSink, ImageFileSink, JsonlSink, Sink, VideoFileSink, WindowSink
from .sources import FrameSource, VideoInfo

__all__ = ["CsvSink", "FrameSource", "ImageFileSink", "JsonlSink", "RunSummary", "Sink",
           "VideoFileSink", "VideoInfo", "WindowSink", "run"]
