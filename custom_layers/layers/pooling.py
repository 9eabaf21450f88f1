"""``MaskedGlobalAveragePooling1D``: the mean over a sequence's unmasked steps."""

import keras
from keras import ops

_register = keras.saving.register_keras_serializable(package="custom_layers")


@_register
class MaskedGlobalAveragePooling1D(keras.layers.Layer):
    """Mean over the steps of a sequence, counting only the steps the mask keeps.

    For inputs ``x`` of shape ``(batch, steps, features)`` and a boolean mask ``m`` of
    shape ``(batch, steps)`` (from ``Embedding(mask_zero=True)``)::

        outputs[b, :] = Σ_t m[b, t] · x[b, t, :] / max(Σ_t m[b, t], 1)

    so padding does not dilute the mean: a 10-word review padded to 300 steps is the
    mean of its 10 vectors, not that sum divided by 300. Without a mask it is the plain
    mean over all steps. Equals ``keras.layers.GlobalAveragePooling1D`` given the same
    mask, except for a sequence with no unmasked step: Keras divides 0 by 0 (NaN), here
    it is 0. ``data_format="channels_first"`` takes ``(batch, features, steps)``.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or keras.config.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of {'channels_first', "
                f"'channels_last'}}. Received: data_format={data_format!r}"
            )
        self.keepdims = keepdims
        self.supports_masking = True
        self.input_spec = keras.InputSpec(ndim=3)

    def call(self, inputs, mask=None):
        steps_axis = 1 if self.data_format == "channels_last" else 2
        if mask is None:
            return ops.mean(inputs, axis=steps_axis, keepdims=self.keepdims)
        keep = ops.expand_dims(ops.cast(mask, "bool"), 3 - steps_axis)  # broadcast over features
        # where, not multiply: a masked step's value never reaches the sum (nor does NaN).
        total = ops.sum(ops.where(keep, inputs, 0), axis=steps_axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=steps_axis, keepdims=self.keepdims)
        return total / ops.maximum(count, 1)

    def compute_mask(self, inputs, mask=None):
        return None  # the steps axis is gone

    def compute_output_shape(self, input_shape):
        features_axis = 2 if self.data_format == "channels_last" else 1
        batch, features = input_shape[0], input_shape[features_axis]
        if self.keepdims:
            if self.data_format == "channels_last":
                return (batch, 1, features)
            return (batch, features, 1)
        return (batch, features)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
