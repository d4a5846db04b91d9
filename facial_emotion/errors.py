"""Exceptions the command-line tools turn into one line on stderr and exit code 2."""


class FacialEmotionError(Exception):
    """Base class for errors caused by the user's input rather than by a bug."""


class DatasetError(FacialEmotionError, ValueError):
    """FER2013 data that is missing or malformed. The message names the file (and line)."""


class ModelError(FacialEmotionError, ValueError):
    """A model file that is missing or does not fit this tool."""


class SourceError(FacialEmotionError, ValueError):
    """A camera, video or image that cannot be opened, or an output that cannot be written."""


class OutputError(SourceError):
    """An output that cannot be written (a full disk, a folder made read-only). A batch stops
    at one, where it goes on past a source that cannot be read."""


class RunError(FacialEmotionError, ValueError):
    """A training run folder that is damaged, in use, or would be overwritten."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (a `kill`, a service manager, a timeout), raised where Ctrl-C raises
    KeyboardInterrupt, so that it finishes and keeps the outputs as Ctrl-C does; the tools
    then exit with 143 (128 + SIGTERM) instead of 130."""
