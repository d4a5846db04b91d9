"""`EmotionDetector`: every face in a frame, with its emotion probabilities, in one call.

Speed (issue 10): most of a frame's time went into scanning the whole frame for faces. In a
video a face moves little from one frame to the next, so only every `full_scan_every`-th
frame is scanned in full; in between the finder looks only near the faces already followed,
for faces of about their size, which costs a fraction of a full scan.
A face that enters the frame is found by the next full scan, within `full_scan_every` - 1
frames (at once while no face is followed, since such frames are all scanned in full), and
shown once confirmed: at once with YuNet, the frame after with the Haar cascade or MTCNN
(the finder's `confirm_hits`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..frames import as_uint8, to_gray
from ..results import Face
from .alignment import crop_faces
from .face_finder import FACE_FINDERS, detect_width_for, make_finder
from .tracker import FaceTracker

if TYPE_CHECKING:  # the classifier module loads TensorFlow's helpers: only for the hint
    from .classifier import EmotionClassifier

# A frame costs about F/N + R + C: a full scan F every N frames, a search near each face R,
# and the rest C (decoding, classifier, tracker, drawing). With the Haar cascade F was ~12 ms
# at 320 px on the 2-core test machine and N=5 ran 3.0x scanning every frame. With YuNet F is
# ~2-3 ms and R ~1 ms, and it still pays: `benchmarks/bench_video.py --frames 580 --sweep`,
# end to end on a 596x336 clip, every frame 206 fps, N=3 294, N=5 325, N=10 364, every N
# finding the face in the same 550 frames. A face that enters beside one already followed
# waits up to N - 1 frames: 5 keeps that under 1/6 s at 30 fps, 10 would double it for ~12%
# more speed.
DEFAULT_FULL_SCAN_EVERY = 5


class EmotionDetector:
    """Finds faces (YuNet, Haar cascade or MTCNN) and classifies all of them in one model call.

    model: a saved classifier (.keras); default the shipped models/emotion_mini_xception.keras.
        An EmotionClassifier already loaded is used as it is, so detectors for videos and
        for stills can share one (its own `flip` then holds, and must agree with `flip`).
    cascade: a Haar cascade XML path or file name, for detector "haar"; default OpenCV's
        frontal-face cascade.
    detector: the face finder. "yunet" (the default: OpenCV's FaceDetectorYN with the YuNet
        model shipped in the package; the fastest, finds tilted heads and few false faces,
        and gives landmarks, so each face is cropped with its eyes levelled where FER2013 has
        them), "haar" (the paper's Haar cascade: upright faces only, more false faces) or
        "mtcnn" (needs the mtcnn package; landmarks too; several times slower).
    still: the frames are unrelated still images (an image source): every face is shown
        from the first frame on (no confirmation), every frame is scanned in full, and
        "auto" finds faces at full resolution up to 2048 px.
    detect_width: frames are shrunk to this width for face finding; lower is faster but
        misses small faces; None = full size; "auto" = `detect_width_for(still)`: 320 for
        video, 2048 for stills.
    min_neighbors: Haar votes a face needs; higher gives fewer false faces but misses some
        (detector "haar" only).
    min_size: smallest face, in frame pixels.
    track: give faces stable ids across frames, smooth the probabilities and, with a finder
        whose false faces flicker (haar, mtcnn), show a new face only once it has been seen
        in 2 of 3 frames.
    smoothing: 0 turns smoothing off; towards 1 labels get steadier but slower to change.
    full_scan_every: scan the whole frame every N frames and, in between, only near the faces
        followed; 1 scans every frame in full (slowest, finds a new face at once); higher is
        faster but a face entering the frame is found up to N-1 frames later. Frames with no
        face to follow are always scanned in full.
    flip: classify each face and its mirror image together and average them (steadier and
        a little more accurate); False halves the classifier's work.

    Made where nothing has imported TensorFlow yet, it imports it with its native start-up
    notices hidden (see runtime.configure_tensorflow; a TF_CPP_MIN_LOG_LEVEL of your own wins).
    """

    def __init__(self, model: str | os.PathLike | EmotionClassifier | None = None,
                 cascade: str | os.PathLike | None = None, *, detector: str = FACE_FINDERS[0],
                 detect_width: int | None | Literal["auto"] = "auto", min_neighbors: int = 5,
                 min_size: int = 40, track: bool = True, smoothing: float = 0.6,
                 still: bool = False, full_scan_every: int = DEFAULT_FULL_SCAN_EVERY,
                 flip: bool = True):
        if isinstance(full_scan_every, bool) or not isinstance(full_scan_every, (int, np.integer)):
            raise TypeError(f"expected full_scan_every as an int, got {full_scan_every!r}")
        if full_scan_every < 1:
            raise ValueError(f"expected full_scan_every >= 1, got {full_scan_every}")
        if isinstance(detect_width, str):
            if detect_width != "auto":
                raise ValueError(f"expected detect_width 'auto', None or >= 32, "
                                 f"got {detect_width!r}")
            detect_width = detect_width_for(bool(still))
        self.still = bool(still)
        self.full_scan_every = 1 if self.still else int(full_scan_every)
        self.finder = make_finder(detector, detect_width=detect_width, min_size=min_size,
                                  cascade=cascade, min_neighbors=min_neighbors)
        confirm_hits = 1 if self.still else self.finder.confirm_hits
        self.tracker = (FaceTracker(smoothing=smoothing, confirm_hits=confirm_hits)
                        if track else None)
        # Loads TensorFlow or LiteRT: last, so a bad option fails fast and cheaply.
        from ..runtime import configure_tensorflow, tensorflow_configured

        if not tensorflow_configured():  # the Python API: no tool has set TensorFlow up
            configure_tensorflow(load=False)
        from .classifier import EmotionClassifier

        if isinstance(model, EmotionClassifier):
            if model.flip != bool(flip):
                raise ValueError(f"expected flip={model.flip} as the classifier given has it, "
                                 f"got flip={flip}")
            self.classifier = model
        else:
            self.classifier = EmotionClassifier(model, flip=flip)
        self._until_full_scan = 0            # frames to go before the next full scan
        self._last_boxes = np.zeros((0, 4))  # where faces were, when there is no tracker

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.classifier.class_names

    def detect(self, frame: np.ndarray) -> list[Face]:
        """Faces in a BGR, BGRA or gray frame, in the order the finder found them (with
        tracking: only confirmed faces). Pixels of other types are scaled to 8 bits first
        (16-bit and int as their brightest becomes 255, float 0..1 to 0..255, bool to 0/255).
        Raises TypeError for what is not an image array (None, as cv2.imread returns for a
        bad path; a file name) and ValueError for an empty frame or an unusable shape."""
        image = as_uint8(frame)
        gray = to_gray(image)  # once per frame, for the crops; it also checks the shape
        boxes, landmarks = self._find(image if self.finder.takes_colour else gray)
        probabilities = self.classifier.predict(crop_faces(gray, boxes, landmarks))
        faces = [Face(tuple(box), p, None, self.class_names,
                      None if landmarks is None else landmarks[i])
                 for i, (box, p) in enumerate(zip(boxes, probabilities))]
        return self.tracker.update(faces) if self.tracker else faces

    def _find(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        near = self.tracker.boxes if self.tracker else self._last_boxes
        if self._until_full_scan == 0 or len(near) == 0:
            boxes, landmarks = self.finder.find(image)
            self._until_full_scan = self.full_scan_every - 1
        else:
            boxes, landmarks = self.finder.find_near(image, near)
            self._until_full_scan -= 1
        self._last_boxes = boxes
        return boxes, landmarks

    def reset(self) -> None:
        """Forget tracked faces, e.g. between two videos; the next frame is scanned in full."""
        if self.tracker:
            self.tracker.reset()
        self._until_full_scan = 0
        self._last_boxes = np.zeros((0, 4))
