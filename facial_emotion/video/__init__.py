"""Video I/O: frame sources, sinks (files, data, the window), and the loop that joins them."""

from .keys import FaceKeys, Next, Quit, Select
from .outputs import PendingFile, check_distinct
from .runner import FpsMeter, RunSummary, annotate, run
from .sinks import (CsvSink, ImageFileSink, JsonlSink, RecordSink, Sink, VideoFileSink,
                    face_record)
from .sources import FrameSource, VideoInfo
from .streams import StreamCapture, is_stream, masked
from .summary import EmotionTally, SummarySink
from .timeline import TimelineSink
from .window import WindowSink, window_unavailable

__all__ = ["CsvSink", "EmotionTally", "FaceKeys", "FpsMeter", "FrameSource", "ImageFileSink",
           "JsonlSink", "Next", "PendingFile", "Quit", "RecordSink", "RunSummary", "Select",
           "Sink", "StreamCapture", "SummarySink", "TimelineSink", "VideoFileSink", "VideoInfo",
           "annotate", "check_distinct", "WindowSink", "face_record", "is_stream", "masked",
           "run", "window_unavailable"]
