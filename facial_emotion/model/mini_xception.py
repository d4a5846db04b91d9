"""Mini-Xception (Arriaga et al., arXiv 1710.07557), exactly as the original `mini_XCEPTION`.

58,423 parameters, 56,951 trainable. `build_mini_xception` is a pure builder of the bare
network, which expects inputs already scaled to [-1, 1]; `build_classifier` wraps it into
the model we save, which takes raw 0-255 pixels and knows its class names.
"""

from __future__ import annotations

import keras
from keras import layers

from ..labels import EMOTIONS, IMAGE_SIZE
from .layers import ClassNames

MODULE_FILTERS = (16, 32, 64, 128)


def _residual_module(x, filters: int, regularizer):
    residual = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization()(residual)
    x = layers.SeparableConv2D(
        filters, 3, padding="same", depthwise_regularizer=regularizer,
        pointwise_regularizer=regularizer, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(
        filters, 3, padding="same", depthwise_regularizer=regularizer,
        pointwise_regularizer=regularizer, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return layers.Add()([x, residual])


def build_mini_xception(input_shape=(IMAGE_SIZE, IMAGE_SIZE, 1), num_classes: int = len(EMOTIONS),
                        l2: float = 1e-4) -> keras.Model:
    """The bare network: [-1, 1] scaled (N, 48, 48, 1) in, softmax over `num_classes` out.

    `l2` is the kernel weight decay; raising it regularises harder (0 disables it).
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(input_shape, name="scaled_pixels")
    x = inputs
    for _ in range(2):
        x = layers.Conv2D(8, 3, use_bias=False, kernel_regularizer=regularizer)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    for filters in MODULE_FILTERS:
        x = _residual_module(x, filters, regularizer)
    x = layers.Conv2D(num_classes, 3, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Activation("softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mini_xception")


def build_classifier(network: keras.Model, class_names=EMOTIONS) -> keras.Model:
    """Wrap `network` so the saved model takes raw pixels 0-255 and carries its class names.

    The [-1, 1] scaling lives here, inside the model, so no caller can feed it differently
    scaled pixels (the widely copied original trained on [-1, 1] and served /255).
    """
    if network.output_shape[-1] != len(class_names):
        raise ValueError(f"expected {network.output_shape[-1]} class names, got {len(class_names)}")
    inputs = keras.Input(network.input_shape[1:], name="pixels")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="to_unit_range")(inputs)
    x = network(x)
    outputs = ClassNames(class_names, name="class_names")(x)
    return keras.Model(inputs, outputs, name="emotion_classifier")
