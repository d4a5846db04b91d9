"""Small drawing classes. Style goes in __init__; each has one `annotate(scene, faces)`.

They draw in place on a BGR uint8 scene and return it, so they chain; the caller decides
whether to copy the frame first. Colours are BGR tuples, as OpenCV wants them.
"""

from __future__ import annotations

import cv2
import numpy as np

from .results import Face

FONT = cv2.FONT_HERSHEY_SIMPLEX
# One BGR colour per FER2013 class: angry, disgust, fear, happy, sad, surprise, neutral.
EMOTION_COLORS = ((40, 40, 220), (40, 140, 40), (150, 60, 150), (0, 200, 255),
                  (200, 120, 40), (0, 140, 255), (170, 170, 170))


def _color(face: Face) -> tuple[int, int, int]:
    return EMOTION_COLORS[int(face.probabilities.argmax()) % len(EMOTION_COLORS)]


class BoxAnnotator:
    """A rectangle around each face, coloured by its top emotion."""

    def __init__(self, thickness: int = 2):
        self.thickness = thickness

    def annotate(self, scene: np.ndarray, faces: list[Face]) -> np.ndarray:
        for face in faces:
            x, y, w, h = face.box
            cv2.rectangle(scene, (x, y), (x + w - 1, y + h - 1), _color(face), self.thickness)
        return scene


class LabelAnnotator:
    """The top emotion and its probability (and the face id) above each box."""

    def __init__(self, scale: float = 0.6, thickness: int = 1, show_id: bool = True):
        self.scale, self.thickness, self.show_id = scale, thickness, show_id

    def annotate(self, scene: np.ndarray, faces: list[Face]) -> np.ndarray:
        for face in faces:
            x, y, _, _ = face.box
            prefix = f"#{face.track_id} " if self.show_id and face.track_id is not None else ""
            text = f"{prefix}{face.label} {face.confidence:.0%}"
            (tw, th), base = cv2.getTextSize(text, FONT, self.scale, self.thickness)
            top = max(y - th - base - 4, 0)
            cv2.rectangle(scene, (x, top), (x + tw + 4, top + th + base + 4), _color(face), -1)
            cv2.putText(scene, text, (x + 2, top + th + 2), FONT, self.scale, (255, 255, 255),
                        self.thickness, cv2.LINE_AA)
        return scene


class ProbabilityBarsAnnotator:
    """A panel of bars, one per emotion, for one face: `selected` if set, else the largest."""

    def __init__(self, width: int = 220, bar_height: int = 18, margin: int = 8):
        self.width, self.bar_height, self.margin = width, bar_height, margin
        self.selected: int | None = None  # a track id (or list index when untracked)

    def pick(self, faces: list[Face]) -> Face | None:
        if not faces:
            return None
        if self.selected is not None:
            for index, face in enumerate(faces):
                if self.selected in (face.track_id, index + 1):
                    return face
        return max(faces, key=lambda f: f.area)

    def annotate(self, scene: np.ndarray, faces: list[Face]) -> np.ndarray:
        face = self.pick(faces)
        if face is None:
            return scene
        m, bh = self.margin, self.bar_height
        height = m + len(face.class_names) * (bh + 4) + m
        width = min(self.width, scene.shape[1])
        panel = scene[:min(height, scene.shape[0]), :width]
        panel[:] = (panel * 0.4).astype(scene.dtype)  # darken, so bars read on any video
        label_w = 80
        for i, (name, p) in enumerate(zip(face.class_names, face.probabilities)):
            top = m + i * (bh + 4)
            if top + bh > panel.shape[0]:
                break
            cv2.putText(scene, name, (m, top + bh - 5), FONT, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
            full = width - label_w - 2 * m
            cv2.rectangle(scene, (label_w, top), (label_w + int(full * float(p)), top + bh),
                          EMOTION_COLORS[i % len(EMOTION_COLORS)], -1)
            cv2.putText(scene, f"{p:.0%}", (label_w + 3, top + bh - 5), FONT, 0.4,
                        (255, 255, 255), 1, cv2.LINE_AA)
        return scene


class FpsAnnotator:
    """Frames per second, bottom left. Call `tick()` once a frame; it keeps a smoothed rate."""

    def __init__(self, smoothing: float = 0.9):
        self.smoothing = smoothing
        self.fps: float | None = None
        self._last: float | None = None

    def tick(self, now: float) -> None:
        if self._last is not None and now > self._last:
            rate = 1.0 / (now - self._last)
            self.fps = rate if self.fps is None else self.smoothing * self.fps + (1 - self.smoothing) * rate
        self._last = now

    def annotate(self, scene: np.ndarray, faces: list[Face]) -> np.ndarray:
        if self.fps is not None:
            cv2.putText(scene, f"{self.fps:.1f} FPS", (8, scene.shape[0] - 10), FONT, 0.6,
                        (0, 255, 0), 2, cv2.LINE_AA)
        return scene
