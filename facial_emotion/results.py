"""The result types that flow through the app: one `Face`, and one `FrameResult` per frame.

Plain numpy and dataclasses only: importing this module loads neither TensorFlow nor OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .labels import EMOTIONS

# The landmarks a face finder may give (MTCNN's five), in this order; left and right as seen
# in the image, so "left_eye" is the person's right eye.
LANDMARKS: tuple[str, ...] = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class Face:
    """One face in one frame.

    box: (x, y, w, h) in pixels of the full frame. probabilities: float32 (classes,), summing
    to 1, in `class_names` order. track_id: stable across frames when tracking is on, else None.
    landmarks: float32 (5, 2) (x, y) in pixels of the full frame, in `LANDMARKS` order, when
    the face finder gives them (YuNet and MTCNN do, the Haar cascade does not), else None.
    """

    box: tuple[int, int, int, int]
    probabilities: np.ndarray
    track_id: int | None = None
    class_names: tuple[str, ...] = EMOTIONS
    landmarks: np.ndarray | None = None

    def __post_init__(self):
        if len(self.box) != 4 or self.box[2] <= 0 or self.box[3] <= 0:
            raise ValueError(f"expected box (x, y, w, h) with w, h > 0, got {self.box}")
        object.__setattr__(self, "box", tuple(int(v) for v in self.box))
        # A private copy: freezing the caller's array (or a view of it) would leak both ways.
        probs = np.array(self.probabilities, dtype=np.float32)
        if probs.shape != (len(self.class_names),):
            raise ValueError(f"expected {len(self.class_names)} probabilities, got shape {probs.shape}")
        probs.setflags(write=False)
        object.__setattr__(self, "probabilities", probs)
        if self.landmarks is not None:
            marks = np.array(self.landmarks, dtype=np.float32)
            if marks.shape != (len(LANDMARKS), 2):
                raise ValueError(f"expected landmarks of shape ({len(LANDMARKS)}, 2) or None, "
                                 f"got shape {marks.shape}")
            marks.setflags(write=False)
            object.__setattr__(self, "landmarks", marks)

    @property
    def label(self) -> str:
        """The most likely emotion."""
        return self.class_names[int(self.probabilities.argmax())]

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


@dataclass(frozen=True)
class FrameResult:
    """Everything the loop knows about one frame; the only thing annotators and sinks receive.

    index: 0-based frame number. time_s: seconds since the start (the video's clock for
    files, the wall clock for a camera). frame: the BGR image; after the annotators have
    drawn, the loop hands sinks a copy of this result whose frame is the annotated scene.
    faces: every face found, in the detector's order. fps: the loop's smoothed processing
    rate, None until measured. selected_id: the track id of the face whose bars are shown
    (picked with the number keys); None shows the largest face.
    """

    index: int
    time_s: float
    frame: np.ndarray
    faces: tuple[Face, ...] = ()
    fps: float | None = None
    selected_id: int | None = None

    def __post_init__(self):
        if self.index < 0:
            raise ValueError(f"expected a frame index >= 0, got {self.index}")
        if not isinstance(self.frame, np.ndarray) or self.frame.ndim not in (2, 3):
            raise ValueError(f"expected the frame as a 2-D or 3-D numpy array, got "
                             f"{getattr(self.frame, 'shape', type(self.frame).__name__)}")
        faces = tuple(self.faces)
        if not all(isinstance(face, Face) for face in faces):
            raise TypeError("expected every face to be a Face")
        object.__setattr__(self, "faces", faces)

    @property
    def selected_face(self) -> Face | None:
        """The face whose bars are shown: the one with `selected_id` if it is in view, else
        the largest face; None in a frame without faces."""
        if not self.faces:
            return None
        for face in self.faces:
            if self.selected_id is not None and face.track_id == self.selected_id:
                return face
        return max(self.faces, key=lambda f: f.area)
