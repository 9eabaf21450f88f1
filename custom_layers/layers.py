"""Layers written from scratch, drop-in compatible with their ``keras.layers`` namesakes.

Each layer keeps Keras's argument names, defaults and weight names/shapes, so weights
copy across with ``get_weights``/``set_weights`` and the outputs agree.

* :class:`Dense`: ``a = f(x·W + b)``, the neuron of lesson 01, many at once.
* :class:`PReLU`: a ReLU whose negative slope ``α`` is learned.
* :class:`Conv2D`: ``a = f(conv(x, kernel) + b)``, one small dense neuron slid over an image.
* :class:`Embedding`: token ids → rows of a learned table (a gather; sparse gradients).
* :class:`MaskedGlobalAveragePooling1D`: the mean over a sequence's unmasked steps.
"""

import keras
from keras import constraints, initializers, ops, regularizers

from custom_layers import activations

_register = keras.saving.register_keras_serializable(package="custom_layers")


def _check_positive_int(name, value):
    # bool is an int in Python, but Dense(units=True) is surely a mistake.
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer; got {name}={value!r}.")


# --- Dense -----------------------------------------------------------------------------


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
        _check_positive_int("units", units)
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


# --- PReLU -----------------------------------------------------------------------------


@_register
class PReLU(keras.layers.Layer):
    """Parametric ReLU: ``f(x) = max(0, x) + α · min(0, x)`` with a learned ``α``.

    ``α`` has one entry per input position (``input_shape[1:]``); axes listed in
    ``shared_axes`` share one value (e.g. ``shared_axes=[1, 2]`` for images: one ``α``
    per channel). Same arguments and weight (``alpha``) as ``keras.layers.PReLU``;
    ``α = 0`` (the default start) is a plain ReLU, ``α = 0.2`` a leaky ReLU.
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
        if len(input_shape) < 2:
            raise ValueError(
                f"PReLU expects inputs of rank >= 2 (batch, ...); got shape {tuple(input_shape)}."
            )
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


# --- Conv2D ----------------------------------------------------------------------------


def _check_pair(name, value):
    """An int or a pair of ints -> a tuple of two positive ints (else a clear ValueError)."""
    pair = (value, value) if isinstance(value, int) else value
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair)
    ):
        raise ValueError(
            f"`{name}` must be a positive integer or a pair of positive integers; "
            f"got {name}={value!r}."
        )
    return tuple(pair)


@_register
class Conv2D(keras.layers.Layer):
    """2-D convolution: ``outputs = activation(conv(inputs, kernel) + bias)``.

    Every output pixel is a neuron that sees one small window of the input, and all of
    them share the same weights. For channels-last inputs ``(batch, height, width,
    channels)``, strides ``s`` and dilation ``d``::

        z[n, i, j, k] = Σ_{u, v, c} x[n, i·s₀ + u·d₀, j·s₁ + v·d₁, c] · kernel[u, v, c, k] + bias[k]

    ``kernel`` has shape ``(kh, kw, in_channels, filters)`` and ``bias`` ``(filters,)``, as
    in ``keras.layers.Conv2D``. ``padding="valid"`` uses whole windows only, so an axis of
    length ``n`` gives ``⌊(n − d·(k − 1) − 1) / s⌋ + 1`` outputs; ``"same"`` pads with
    zeros and gives ``⌈n / s⌉``.

    Args:
        filters: number of output channels (a positive integer).
        kernel_size, strides, dilation_rate: an integer or a pair ``(rows, columns)``;
            strides and dilation greater than 1 cannot be combined (as in Keras).
        padding: ``"valid"`` or ``"same"``.
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
        _check_positive_int("filters", filters)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self.kernel_size = _check_pair("kernel_size", kernel_size)
        self.strides = _check_pair("strides", strides)
        self.dilation_rate = _check_pair("dilation_rate", dilation_rate)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides` > 1 and `dilation_rate` > 1 cannot be combined (TensorFlow's "
                f"convolution does one or the other); got strides={self.strides}, "
                f"dilation_rate={self.dilation_rate}."
            )
        self.padding = padding.lower() if isinstance(padding, str) else padding
        if self.padding not in ("valid", "same"):
            raise ValueError(f'`padding` must be "valid" or "same"; got padding={padding!r}.')
        self.data_format = data_format or keras.config.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                '`data_format` must be "channels_last" or "channels_first"; '
                f"got data_format={data_format!r}."
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
        self.compute_output_shape(input_shape)  # an input smaller than the kernel fails here
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, self.filters),
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


# --- Embedding -------------------------------------------------------------------------


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
        _check_positive_int("input_dim", input_dim)
        _check_positive_int("output_dim", output_dim)
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


# --- MaskedGlobalAveragePooling1D --------------------------------------------------------


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
                '`data_format` must be "channels_last" or "channels_first"; '
                f"got data_format={data_format!r}."
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
