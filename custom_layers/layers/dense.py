"""``Dense``: ``a = f(x·W + b)``, the neuron of lesson 01, many at once.

Same arguments, defaults, weight names and shapes as ``keras.layers.Dense``, so weights
copy across with ``get_weights``/``set_weights`` and the outputs agree.
"""

import keras
from keras import constraints, initializers, ops, regularizers

from custom_layers import activations
from custom_layers.layers._validation import is_positive_int

_register = keras.saving.register_keras_serializable(package="custom_layers")


@_register
class Dense(keras.layers.Layer):
    """Fully connected layer: ``outputs = activation(inputs · kernel + bias)``.

    For inputs of shape ``(batch, ..., d_in)``, ``kernel`` has shape ``(d_in, units)``
    and ``bias`` shape ``(units,)``; the product contracts the last axis of the inputs
    (a ``tensordot``, as in ``keras.layers.Dense``), so the output is
    ``(batch, ..., units)``. Each output unit is one neuron ``f(w·x + b)``.

    Args:
        units: number of neurons (a positive integer).
        activation: ``None`` (linear), a name (``"gelu"`` means
            ``custom_layers.activations.gelu``; Keras built-in names also work) or a
            callable.
        use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in ``keras.layers.Dense`` (same defaults).
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        if not is_positive_int(units):
            raise ValueError(
                "Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units!r}"
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"Dense expects inputs of rank >= 2, shaped (batch, ..., features); "
                f"got rank {len(input_shape)} with shape {tuple(input_shape)}. "
                "For a single example, add a batch axis: x[None, :]."
            )
        if input_shape[-1] is None:
            raise ValueError(
                f"Dense needs to know the number of input features (the last axis); "
                f"got shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs):
        # z = x·W (+ b): ops.matmul contracts the last axis of x with the first of W,
        # for rank-2 inputs a matrix product, for higher ranks a tensordot.
        z = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            # ops.add (not +) as keras.layers.Dense does: TensorFlow then emits BiasAdd,
            # which its graph optimizer fuses with the MatMul (and whose gradient is one
            # column sum), so our graph is the built-in's, op for op.
            z = ops.add(z, self.bias)
        return self.activation(z)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
