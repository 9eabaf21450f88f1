"""``PReLU``: a ReLU whose negative slope ``α`` is learned.

Same arguments, defaults and weight (``alpha``) as ``keras.layers.PReLU``.
"""

import keras
from keras import constraints, initializers, regularizers

from custom_layers import activations

_register = keras.saving.register_keras_serializable(package="custom_layers")


@_register
class PReLU(keras.layers.Layer):
    """Parametric ReLU: ``f(x) = max(0, x) + α · min(0, x)`` with a learned ``α``.

    ``α`` has one entry per input position (``input_shape[1:]``); axes listed in
    ``shared_axes`` share one value (e.g. ``shared_axes=[1, 2]`` for images: one ``α``
    per channel). Same arguments and weight (``alpha``) as ``keras.layers.PReLU``;
    ``α = 0`` (the default start) is a plain ReLU, ``α = 0.2`` a leaky ReLU. On rank-1
    inputs ``(batch,)`` there are no positions, and ``α`` is one scalar, as in Keras.
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            for axis in axes:
                if isinstance(axis, bool) or not isinstance(axis, int) or axis < 1:
                    raise ValueError(
                        "`shared_axes` must list axes >= 1 (axis 0 is the batch); "
                        f"got shared_axes={shared_axes!r}."
                    )
            self.shared_axes = axes
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError(f"PReLU expects inputs of rank >= 1; got shape {tuple(input_shape)}.")
        alpha_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis >= len(input_shape):
                raise ValueError(
                    f"`shared_axes` contains axis {axis}, but the input has rank "
                    f"{len(input_shape)} (shape {tuple(input_shape)})."
                )
            alpha_shape[axis - 1] = 1
        self.alpha = self.add_weight(
            name="alpha",
            shape=tuple(alpha_shape),
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        shared = set(self.shared_axes or [])
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in shared}
        self.input_spec = keras.InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        # relu(x) − α·relu(−x) = max(0, x) + α·min(0, x); written with relu so the
        # gradient at exactly x = 0 is 0, as in Keras.
        return activations.relu(inputs) - self.alpha * activations.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes,
            }
        )
        return config
