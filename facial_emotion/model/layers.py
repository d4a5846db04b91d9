"""Parameter-free layers that travel inside the saved model."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="facial_emotion")
class ClassNames(keras.layers.Layer):
    """Identity on the probabilities; stores the class names in the saved model's config."""

    def __init__(self, names, **kwargs):
        super().__init__(**kwargs)
        self.names = tuple(str(n) for n in names)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "names": list(self.names)}
