"""The seven FER2013 emotion classes, in the dataset's label order (0-6)."""

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
NUM_CLASSES = len(EMOTIONS)
IMAGE_SIZE = 48  # FER2013 faces are 48x48 grayscale
