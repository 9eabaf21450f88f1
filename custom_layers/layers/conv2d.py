"""``Conv2D``: ``a = f(conv(x, kernel) + b)``, one small dense neuron slid over an image.

Same arguments (``groups`` included), defaults, weight names and shapes as
``keras.layers.Conv2D``; invalid arguments are rejected with Keras's messages.
"""

import keras
from keras import constraints, initializers, ops, regularizers

from custom_layers import activations
from custom_layers.layers._validation import is_positive_int

_register = keras.saving.register_keras_serializable(package="custom_layers")


def _pair(name, value):
    """An int or a pair of ints -> a tuple of two positive ints (Keras's message if not)."""
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not all(map(is_positive_int, pair)):
        raise ValueError(
            f"The `{name}` argument must be a tuple of 2 positive integers. "
            f"Received {name}={value!r}"
        )
    return tuple(pair)


@_register
class Conv2D(keras.layers.Layer):
    """2-D convolution: ``outputs = activation(conv(inputs, kernel) + bias)``.

    Every output pixel is a neuron that sees one small window of the input, and all of
    them share the same weights. For channels-last inputs ``(batch, height, width,
    channels)``, strides ``s`` and dilation ``d``::

        z[n, i, j, k] = Σ_{u, v, c} x[n, i·s₀ + u·d₀, j·s₁ + v·d₁, c] · kernel[u, v, c, k] + bias[k]

    ``kernel`` has shape ``(kh, kw, in_channels / groups, filters)`` and ``bias``
    ``(filters,)``, as in ``keras.layers.Conv2D``. With ``groups = g`` the channels are
    split into ``g`` equal groups, and group ``i`` of the filters sees only group ``i`` of
    the input channels (``g`` separate, narrower convolutions side by side).
    ``padding="valid"`` uses whole windows only, so an axis of length ``n`` gives
    ``⌊(n − d·(k − 1) − 1) / s⌋ + 1`` outputs; ``"same"`` pads with zeros and gives ``⌈n / s⌉``.

    Args:
        filters: number of output channels (a positive integer).
        kernel_size, strides, dilation_rate: an integer or a pair ``(rows, columns)``;
            strides and dilation greater than 1 cannot be combined (as in Keras).
        padding: ``"valid"`` or ``"same"``.
        groups: a positive integer dividing both ``filters`` and the input channels.
        data_format: ``"channels_last"`` (default, ``keras.config.image_data_format()``)
            or ``"channels_first"`` (``(batch, channels, height, width)``).
        activation: ``None`` (linear), a name (our ``custom_layers.activations`` first)
            or a callable.
        use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in ``keras.layers.Conv2D`` (same defaults).
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=1,
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
        if not is_positive_int(filters):
            raise ValueError(
                "Invalid value for argument `filters`. Expected a strictly positive value. "
                f"Received filters={filters!r}."
            )
        if not is_positive_int(groups):
            raise ValueError(
                f"The number of groups must be a positive integer. Received: groups={groups!r}."
            )
        if filters % groups != 0:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self.groups = groups
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.strides = _pair("strides", strides)
        self.dilation_rate = _pair("dilation_rate", dilation_rate)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.padding = padding.lower() if isinstance(padding, str) else padding
        if self.padding not in ("valid", "same"):
            raise ValueError(
                "The `padding` argument must be a list/tuple or one of {'valid', 'same'}. "
                f"Received: {padding!r}"
            )
        self.data_format = data_format or keras.config.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of {'channels_first', "
                f"'channels_last'}}. Received: data_format={data_format!r}"
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _check_rank(self, shape):
        if len(shape) != 4:
            layout = (
                "(batch, height, width, channels)"
                if self.data_format == "channels_last"
                else "(batch, channels, height, width)"
            )
            raise ValueError(
                f"Conv2D expects 4-D inputs {layout}; got rank {len(shape)} with shape "
                f"{tuple(shape)}. For one greyscale image, add the batch and channel axes: "
                "x[None, :, :, None]."
            )

    def build(self, input_shape):
        self._check_rank(input_shape)
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        if channels is None:
            raise ValueError(
                f"Conv2D needs to know the number of input channels; got shape "
                f"{tuple(input_shape)}."
            )
        if channels % self.groups != 0:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)  # an input smaller than the kernel fails here
        self.kernel = self.add_weight(
            name="kernel",
            # ops.conv reads the groups off the kernel: input channels / its third axis.
            shape=(*self.kernel_size, channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = keras.InputSpec(ndim=4, axes={channel_axis: channels})

    def call(self, inputs):
        self._check_rank(inputs.shape)
        if self.data_format == "channels_first":
            # TensorFlow's CPU convolution wants channels last: move them there and back.
            inputs = ops.transpose(inputs, (0, 2, 3, 1))
        # With groups > 1 the kernel's third axis is in_channels / groups, and ops.conv
        # convolves each group of channels with its own filters.
        z = ops.conv(
            inputs,
            self.kernel,
            strides=self.strides,
            padding=self.padding,
            dilation_rate=self.dilation_rate,
            data_format="channels_last",
        )
        if self.use_bias:
            z = z + self.bias  # one bias per filter, broadcast over batch, rows, columns
        outputs = self.activation(z)
        if self.data_format == "channels_first":
            outputs = ops.transpose(outputs, (0, 3, 1, 2))
        return outputs

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        if self.data_format == "channels_last":
            batch, rows, cols, _ = input_shape
        else:
            batch, _, rows, cols = input_shape
        sizes = []
        axes = zip((rows, cols), self.kernel_size, self.strides, self.dilation_rate, strict=True)
        for n, k, s, d in axes:
            if n is None:
                sizes.append(None)
                continue
            size = -(-n // s) if self.padding == "same" else (n - d * (k - 1) - 1) // s + 1
            if size < 1:
                raise ValueError(
                    f"Conv2D: an input of {n} rows/columns is smaller than the kernel "
                    f"{self.kernel_size} (dilation {self.dilation_rate}) with "
                    f'padding="valid"; got input shape {tuple(input_shape)}. '
                    'Use padding="same" or a smaller kernel.'
                )
            sizes.append(size)
        if self.data_format == "channels_last":
            return (batch, *sizes, self.filters)
        return (batch, self.filters, *sizes)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "groups": self.groups,
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
