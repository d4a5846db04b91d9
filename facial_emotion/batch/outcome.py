"""What analysing one source of a batch gave: its records and summary, or why it failed."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Outcome:
    """One source's result, small enough to pass between processes and store as JSON.

    records: one `face_record` per face per frame, already rounded as the CSV writes them, so
        a record read back from the batch state is the one first written. summary: the
        source's entry of `--summary` (see video/summary.py). error: one line when the source
        could not be read (its records are then None). quit: the window's q (or Esc, or
        closing it) stopped it; interrupted: Ctrl-C or SIGTERM did. Only complete sources
        (neither) are stored for --resume.
    """

    index: int
    source: str
    records: list[dict] | None = None
    summary: dict | None = None
    frames: int = 0
    frames_with_faces: int = 0
    faces: int = 0
    seconds: float = 0.0
    error: str | None = None
    quit: bool = False
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return not (self.failed or self.quit or self.interrupted)

    @property
    def failed(self) -> bool:
        return self.error is not None

    def line(self) -> str:
        """One line for the terminal as the source finishes."""
        if self.failed:
            return f"{self.source}: failed: {self.error}"
        fps = self.frames / self.seconds if self.seconds > 0 else 0.0
        return (f"{self.source}: {self.frames} frames, {self.frames_with_faces} with a face, "
                f"{self.faces} faces, {fps:.1f} fps"
                + ("" if self.complete else " (stopped)"))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Outcome":
        return cls(**data)
