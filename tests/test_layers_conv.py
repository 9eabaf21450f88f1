"""custom_layers.layers.Conv2D vs keras.layers.Conv2D (values and gradients) and a NumPy loop."""

import inspect

import keras
import numpy as np
import pytest
from keras import ops

from custom_layers import activations
from custom_layers.layers import Conv2D
from tests.layer_checks import outputs_and_gradients

ATOL, RTOL = 1e-6, 1e-5


class ChannelsFirstReference(keras.layers.Layer):
    """keras.layers.Conv2D(data_format="channels_first") does not run on TensorFlow's CPU
    kernels (NHWC only), so the reference is Keras's channels_last Conv2D between two
    transposes; the shapes come from Keras's channels_first layer."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__()
        self.conv = keras.layers.Conv2D(filters, kernel_size, **(kwargs | {"data_format": None}))
        self.shapes = keras.layers.Conv2D(filters, kernel_size, **kwargs)

    def build(self, input_shape):
        batch, channels, rows, cols = input_shape
        self.conv.build((batch, rows, cols, channels))

    def call(self, x):
        return ops.transpose(self.conv(ops.transpose(x, (0, 2, 3, 1))), (0, 3, 1, 2))

    def compute_output_shape(self, input_shape):
        return self.shapes.compute_output_shape(input_shape)


def twin_conv(input_shape, filters, kernel_size, **kwargs):
    """Our Conv2D and keras.layers.Conv2D, built, with the same (our random) weights."""
    ours = Conv2D(filters, kernel_size, bias_initializer="random_normal", **kwargs)
    if kwargs.get("data_format") == "channels_first":
        theirs = ChannelsFirstReference(filters, kernel_size, **kwargs)
    else:
        theirs = keras.layers.Conv2D(filters, kernel_size, **kwargs)
    ours.build((None,) + tuple(input_shape[1:]))
    theirs.build((None,) + tuple(input_shape[1:]))
    theirs.set_weights(ours.get_weights())
    return ours, theirs


CASES = {
    "3x3-valid": dict(kernel_size=3),
    "3x3-same": dict(kernel_size=3, padding="same"),
    "5x3-stride2-valid": dict(kernel_size=(5, 3), strides=2),
    "3x3-stride2-same": dict(kernel_size=3, strides=2, padding="same"),
    "4x4-stride(3,2)-same": dict(kernel_size=4, strides=(3, 2), padding="same"),
    "3x3-dilation2-valid": dict(kernel_size=3, dilation_rate=2),
    "3x2-dilation(2,3)-same": dict(kernel_size=(3, 2), dilation_rate=(2, 3), padding="same"),
    "1x1": dict(kernel_size=1),
    "channels_first-stride2-same": dict(
        kernel_size=3, strides=2, padding="same", data_format="channels_first"
    ),
}


@pytest.mark.parametrize("activation", [None, "relu", "gelu"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_conv2d_matches_keras_values_and_gradients(case, activation, rng):
    kwargs = dict(CASES[case])
    channels_first = kwargs.get("data_format") == "channels_first"
    input_shape = (2, 3, 11, 10) if channels_first else (2, 11, 10, 3)
    ours, theirs = twin_conv(input_shape, 4, activation=activation, **kwargs)
    if activation is not None:
        assert ours.activation is activations.get(activation)  # OUR function, by name
    x = rng.normal(size=input_shape).astype(np.float32)
    out_shape = theirs.compute_output_shape(input_shape)
    assert ours.compute_output_shape(input_shape) == out_shape
    upstream = rng.normal(size=out_shape).astype(np.float32)
    y, grads = outputs_and_gradients(ours, x, upstream)
    ref_y, ref_grads = outputs_and_gradients(theirs, x, upstream)
    assert y.shape == ref_y.shape == out_shape
    np.testing.assert_allclose(y, ref_y, atol=ATOL, rtol=RTOL)
    assert len(grads) == len(ref_grads) == 3  # input, kernel, bias
    for g, ref_g in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, ref_g, atol=ATOL, rtol=RTOL)


def numpy_conv2d(x, kernel, bias, strides, dilation):
    """The docstring's formula, looped: valid padding, channels last."""
    (sr, sc), (dr, dc) = strides, dilation
    kh, kw, _, filters = kernel.shape
    rows = (x.shape[1] - dr * (kh - 1) - 1) // sr + 1
    cols = (x.shape[2] - dc * (kw - 1) - 1) // sc + 1
    z = np.zeros((x.shape[0], rows, cols, filters))
    for i in range(rows):
        for j in range(cols):
            window = x[
                :,
                i * sr : i * sr + dr * (kh - 1) + 1 : dr,
                j * sc : j * sc + dc * (kw - 1) + 1 : dc,
                :,
            ]  # (n, kh, kw, c)
            z[:, i, j, :] = np.einsum("nuvc,uvck->nk", window, kernel) + bias
    return z


@pytest.mark.parametrize(
    "strides, dilation", [((1, 1), (1, 1)), ((2, 3), (1, 1)), ((1, 1), (2, 3))]
)
def test_conv2d_is_the_docstring_formula(strides, dilation, rng):
    layer = Conv2D(
        3, (3, 2), strides=strides, dilation_rate=dilation, bias_initializer="random_normal"
    )
    x = rng.normal(size=(2, 9, 8, 2))
    y = layer(x.astype("float32")).numpy()
    kernel, bias = (w.astype(np.float64) for w in layer.get_weights())
    np.testing.assert_allclose(
        y, numpy_conv2d(x, kernel, bias, strides, dilation), atol=1e-5, rtol=1e-5
    )


def test_weights_named_and_shaped_like_keras():
    ours, theirs = twin_conv((1, 8, 8, 3), 5, (3, 2))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["kernel", "bias"]
    assert [tuple(w.shape) for w in ours.weights] == [(3, 2, 3, 5), (5,)]
    no_bias = Conv2D(5, 3, use_bias=False)
    no_bias.build((None, 8, 8, 3))
    assert no_bias.bias is None and [w.name for w in no_bias.weights] == ["kernel"]


def test_unknown_sizes_and_output_shape():
    layer = Conv2D(6, 3, strides=2, padding="same")
    assert layer.compute_output_shape((None, None, 9, 2)) == (None, None, 5, 6)
    model = keras.Sequential([keras.Input((None, None, 1)), Conv2D(2, 3, activation="relu")])
    assert model(np.ones((1, 7, 5, 1), "float32")).shape == (1, 5, 3, 2)


def test_same_signature_defaults_and_initialisation_as_keras():
    def defaults(cls):
        return {
            k: p.default
            for k, p in inspect.signature(cls.__init__).parameters.items()
            if k not in ("self", "kwargs")
        }

    theirs = defaults(keras.layers.Conv2D)
    for name, default in defaults(Conv2D).items():
        assert theirs[name] == default, name
    a = Conv2D(
        4,
        3,
        kernel_initializer=keras.initializers.GlorotUniform(seed=3),
        bias_initializer=keras.initializers.RandomNormal(seed=4),
    )
    b = keras.layers.Conv2D(
        4,
        3,
        kernel_initializer=keras.initializers.GlorotUniform(seed=3),
        bias_initializer=keras.initializers.RandomNormal(seed=4),
    )
    a.build((None, 6, 6, 2))
    b.build((None, 6, 6, 2))
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_regularizers_and_constraints_behave_like_keras(rng):
    kwargs = dict(
        kernel_regularizer=keras.regularizers.L2(0.01),
        bias_regularizer=keras.regularizers.L1(0.02),
        activity_regularizer=keras.regularizers.L2(0.003),
        kernel_constraint=keras.constraints.MaxNorm(0.5, axis=[0, 1, 2]),
        bias_constraint=keras.constraints.NonNeg(),
    )
    x = rng.normal(size=(8, 6, 6, 2)).astype("float32")
    y = rng.normal(size=(8, 4, 4, 3)).astype("float32")
    models = []
    for layer_cls in (Conv2D, keras.layers.Conv2D):
        model = keras.Sequential(
            [keras.Input((6, 6, 2)), layer_cls(3, 3, activation="relu", **kwargs)]
        )
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    for model in models:
        model(x)  # regularization losses are collected on call
    assert len(models[0].losses) == len(models[1].losses) == 3
    np.testing.assert_allclose(sum(models[0].losses), sum(models[1].losses), rtol=RTOL)
    for model in models:
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    for wa, wb in zip(models[0].get_weights(), models[1].get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, atol=ATOL, rtol=RTOL)
    kernel, bias = models[0].get_weights()
    assert np.all(np.sqrt((kernel**2).sum(axis=(0, 1, 2))) <= 0.5 + 1e-6) and np.all(bias >= 0)


def test_config_and_keras_file_round_trip(tmp_path, rng):
    layer = Conv2D(
        4,
        (3, 2),
        strides=(2, 1),
        padding="same",
        activation="swish",
        kernel_regularizer=keras.regularizers.L2(1e-3),
        name="conv",
    )
    clone = Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.activation is activations.swish
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layer,
            Conv2D(3, 3, dilation_rate=2, activation="gelu", use_bias=False),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    x = rng.normal(size=(3, 12, 12, 1)).astype("float32")
    path = tmp_path / "conv.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert type(loaded.layers[0]) is Conv2D and loaded.layers[1].activation is activations.gelu
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("shape", [(28, 28), (4, 28, 28), (2, 4, 28, 28, 1)])
def test_wrong_input_rank_is_rejected(shape):
    with pytest.raises(ValueError, match=rf"Conv2D expects 4-D inputs.*got rank {len(shape)}"):
        Conv2D(2, 3)(np.ones(shape, "float32"))


def test_wrong_input_after_build_is_rejected():
    layer = Conv2D(2, 3)
    layer(np.ones((1, 6, 6, 3), "float32"))
    with pytest.raises(ValueError, match="incompatible"):
        layer(np.ones((1, 6, 6, 2), "float32"))  # 2 channels, the kernel expects 3
    with pytest.raises(ValueError):
        layer(np.ones((6, 6, 3), "float32"))


# Keras's own messages (keras.layers.Conv2D raises the same sentences), also for the
# cases Keras lets through: a float or bool filters, a kernel of (3,) or None.
@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(filters=0), r"Invalid value for argument `filters`.*Received filters=0\."),
        (dict(filters=2.5), r"Invalid value for argument `filters`"),
        (dict(filters=True), r"Invalid value for argument `filters`"),
        (dict(kernel_size=0), r"The `kernel_size` argument must be a tuple of 2"),
        (dict(kernel_size=(3,)), r"`kernel_size` argument must .* Received kernel_size=\(3,\)"),
        (dict(kernel_size=(3, 3, 3)), r"`kernel_size` argument must be"),
        (dict(kernel_size=None), r"`kernel_size` argument must be"),
        (dict(strides=(1, 0)), r"`strides` argument must be"),
        (dict(dilation_rate=-1), r"`dilation_rate` argument must be"),
        (dict(padding="causal"), r"The `padding` argument must be .* Received: 'causal'"),
        (dict(data_format="NHWC"), r"The `data_format` argument must be one of"),
        (dict(strides=2, dilation_rate=2), r"`strides > 1` not supported in conjunction with"),
        (dict(groups=0), r"The number of groups must be a positive integer. Received: groups=0"),
        (dict(filters=3, groups=2), r"number of filters must be evenly divisible .* groups=2"),
        (dict(activation="relux"), r"Unknown activation 'relux'"),
    ],
)
def test_invalid_arguments(kwargs, message):
    args = dict(filters=2, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match=message):
        Conv2D(**args)


def test_input_smaller_than_kernel_is_rejected():
    with pytest.raises(ValueError, match=r'smaller than the kernel.*padding="same"'):
        Conv2D(2, 5)(np.ones((1, 4, 8, 1), "float32"))
    assert Conv2D(2, 5, padding="same")(np.ones((1, 4, 8, 1), "float32")).shape == (1, 4, 8, 2)


def test_unknown_channels_is_rejected():
    with pytest.raises(ValueError, match="number of input channels"):
        Conv2D(2, 3).build((None, 8, 8, None))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(filters=0), "Invalid value for argument `filters`"),
        (dict(kernel_size=0), "The `kernel_size` argument must be a tuple of 2"),
        (dict(padding="causal"), "The `padding` argument must be"),
        (dict(data_format="NHWC"), "The `data_format` argument must be one of"),
        (dict(strides=2, dilation_rate=2), "`strides > 1` not supported in conjunction with"),
        (dict(groups=0), "The number of groups must be a positive integer"),
        (dict(filters=3, groups=2), "The number of filters must be evenly divisible"),
    ],
)
def test_invalid_argument_messages_are_keras_own(kwargs, message):
    args = dict(filters=2, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        keras.layers.Conv2D(**args)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Conv2D(**args)


# --- groups ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channels, filters, groups, kwargs",
    [
        (4, 6, 2, dict(kernel_size=3)),
        (6, 6, 3, dict(kernel_size=3, padding="same", strides=2)),
        (4, 4, 4, dict(kernel_size=(3, 2), dilation_rate=2)),  # depthwise: one filter a channel
        (6, 4, 2, dict(kernel_size=3, data_format="channels_first")),
    ],
)
def test_grouped_conv2d_matches_keras(channels, filters, groups, kwargs, rng):
    channels_first = kwargs.get("data_format") == "channels_first"
    input_shape = (2, channels, 9, 8) if channels_first else (2, 9, 8, channels)
    ours, theirs = twin_conv(input_shape, filters, groups=groups, activation="relu", **kwargs)
    kernel_shape = (*ours.kernel_size, channels // groups, filters)
    assert ours.kernel.shape == theirs.weights[0].shape == kernel_shape
    x = rng.normal(size=input_shape).astype(np.float32)
    out_shape = theirs.compute_output_shape(input_shape)
    assert ours.compute_output_shape(input_shape) == out_shape
    upstream = rng.normal(size=out_shape).astype(np.float32)
    y, grads = outputs_and_gradients(ours, x, upstream)
    ref_y, ref_grads = outputs_and_gradients(theirs, x, upstream)
    np.testing.assert_allclose(y, ref_y, atol=ATOL, rtol=RTOL)
    for g, ref_g in zip(grads, ref_grads, strict=True):  # input, kernel, bias
        np.testing.assert_allclose(g, ref_g, atol=ATOL, rtol=RTOL)
    assert Conv2D.from_config(ours.get_config()).groups == groups


def test_groups_are_separate_convolutions(rng):
    # groups=2 is two convolutions side by side: each half of the filters sees one half of
    # the channels, so it equals two groups=1 layers on the two halves, concatenated.
    layer = Conv2D(4, 3, groups=2, bias_initializer="random_normal")
    x = rng.normal(size=(1, 7, 7, 6)).astype(np.float32)
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    for half in range(2):
        part = Conv2D(2, 3)
        part.build((None, 7, 7, 3))
        part.set_weights([kernel[..., 2 * half : 2 * half + 2], bias[2 * half : 2 * half + 2]])
        expected = part(x[..., 3 * half : 3 * half + 3]).numpy()
        np.testing.assert_allclose(y[..., 2 * half : 2 * half + 2], expected, atol=ATOL, rtol=RTOL)


def test_input_channels_not_divisible_by_groups_is_rejected():
    message = r"The number of input channels must be evenly divisible by the number of groups"
    for cls in (keras.layers.Conv2D, Conv2D):
        with pytest.raises(ValueError, match=message):
            cls(4, 3, groups=2).build((None, 8, 8, 3))
