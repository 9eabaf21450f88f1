"""``Embedding``: token ids -> rows of a learned table (a gather, with sparse gradients).

Same arguments, defaults and weight (``embeddings``) as ``keras.layers.Embedding``.
"""

import keras
from keras import constraints, initializers, ops, regularizers

from custom_layers.layers._validation import is_positive_int

_register = keras.saving.register_keras_serializable(package="custom_layers")


@_register
class Embedding(keras.layers.Layer):
    """Token ids -> vectors: row ``i`` of a trainable table is the vector of token ``i``.

    For integer ids of shape ``(batch, steps)`` and a table ``embeddings`` of shape
    ``(input_dim, output_dim)``::

        outputs[b, t, :] = embeddings[ids[b, t], :]

    a gather (``ops.take``, on TensorFlow ``tf.gather``). Its gradient touches only the
    rows that were looked up, so TensorFlow returns it as a ``tf.IndexedSlices``
    (``indices`` = the ids of the batch, one entry per occurrence, so a token that occurs
    twice appears twice; ``values`` = the gradient of each occurrence), not as a dense
    ``(input_dim, output_dim)`` array. The table's true gradient is the sum of the
    values that share an index.

    With ``mask_zero=True``, id 0 means padding: ``compute_mask`` returns ``ids != 0``
    and Keras hands that mask to the layers that follow (e.g.
    :class:`MaskedGlobalAveragePooling1D`); row 0 is still a row of the table.

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: length of each vector.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero:
            as in ``keras.layers.Embedding`` (same defaults; the weight is ``embeddings``).
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        **kwargs,
    ):
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not is_positive_int(value):
                raise ValueError(
                    f"`{name}` must be a positive integer. Received: {name}={value!r} "
                    f"(of type {type(value).__name__})."
                )
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs):
        if keras.backend.standardize_dtype(inputs.dtype) not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")  # ids may arrive as floats, e.g. from numpy
        return ops.take(self.embeddings, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
            }
        )
        return config
