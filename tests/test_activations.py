"""custom_layers.activations vs keras.activations / tf.nn: values, gradients, derivatives.

Tolerances (float32): 1e-6 absolute + 1e-5 relative, on a dense grid over [−50, 50]
that includes z = 0 exactly (where ReLU-like functions have a kink and the chosen
one-sided slope must match TensorFlow's).
"""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import activations as A

ATOL, RTOL = 1e-6, 1e-5
GRID = np.linspace(-50.0, 50.0, 20001).astype(np.float32)  # step 0.005, contains 0.0

# name -> (ours, reference); parameterised variants use non-default arguments on purpose.
PAIRS = {
    "sigmoid": (A.sigmoid, keras.activations.sigmoid),
    "tanh": (A.tanh, keras.activations.tanh),
    "relu": (A.relu, keras.activations.relu),
    "leaky_relu": (A.leaky_relu, keras.activations.leaky_relu),
    "leaky_relu_0.05": (
        lambda z: A.leaky_relu(z, negative_slope=0.05),
        lambda z: keras.activations.leaky_relu(z, negative_slope=0.05),
    ),
    "elu": (A.elu, keras.activations.elu),
    "elu_alpha_0.5": (lambda z: A.elu(z, alpha=0.5), lambda z: keras.activations.elu(z, alpha=0.5)),
    "gelu": (A.gelu, keras.activations.gelu),
    "gelu_tanh": (
        lambda z: A.gelu(z, approximate=True),
        lambda z: keras.activations.gelu(z, approximate=True),
    ),
    "swish": (A.swish, keras.activations.silu),
    "silu": (A.silu, tf.nn.silu),
    "softplus": (A.softplus, keras.activations.softplus),
}
DERIVATIVE_OF = {
    "sigmoid": A.sigmoid_derivative,
    "tanh": A.tanh_derivative,
    "relu": A.relu_derivative,
    "leaky_relu": A.leaky_relu_derivative,
    "leaky_relu_0.05": lambda z: A.leaky_relu_derivative(z, negative_slope=0.05),
    "elu": A.elu_derivative,
    "elu_alpha_0.5": lambda z: A.elu_derivative(z, alpha=0.5),
    "gelu": A.gelu_derivative,
    "gelu_tanh": lambda z: A.gelu_derivative(z, approximate=True),
    "swish": A.swish_derivative,
    "silu": A.silu_derivative,
    "softplus": A.softplus_derivative,
}
KINKED = {"relu", "leaky_relu", "leaky_relu_0.05", "elu_alpha_0.5"}  # not differentiable at 0


def value_and_grad(fn, z):
    z = tf.convert_to_tensor(z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = fn(z)
    return y.numpy(), tape.gradient(y, z).numpy()


def central_difference(fn, z, h=1e-6):
    """(f(z + h) − f(z − h)) / 2h in float64."""
    z = np.asarray(z, dtype=np.float64)
    return (np.asarray(fn(tf.constant(z + h))) - np.asarray(fn(tf.constant(z - h)))) / (2 * h)


@pytest.mark.parametrize("name", PAIRS)
def test_values_and_gradients_match_keras(name):
    ours, reference = PAIRS[name]
    value, grad = value_and_grad(ours, GRID)
    ref_value, ref_grad = value_and_grad(reference, GRID)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, ref_value, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(grad, ref_grad, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("name", PAIRS)
def test_derivative_function_matches_autodiff(name):
    ours, _ = PAIRS[name]
    _, grad = value_and_grad(ours, GRID)
    np.testing.assert_allclose(np.asarray(DERIVATIVE_OF[name](GRID)), grad, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("name", PAIRS)
def test_derivative_and_tape_match_finite_differences_float64(name):
    ours, _ = PAIRS[name]
    z = np.linspace(-20.0, 20.0, 4001)
    if name in KINKED:
        z = z[np.abs(z) > 1e-3]  # a central difference straddling the kink is meaningless
    numeric = central_difference(ours, z)
    _, tape_grad = value_and_grad(ours, tf.constant(z, dtype=tf.float64))
    derivative = np.asarray(DERIVATIVE_OF[name](tf.constant(z, dtype=tf.float64)))
    assert derivative.dtype == np.float64
    np.testing.assert_allclose(derivative, numeric, atol=1e-8, rtol=1e-6)
    np.testing.assert_allclose(tape_grad, numeric, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("name", PAIRS)
def test_extremes_are_finite(name, rng):
    ours, _ = PAIRS[name]
    extremes = np.array([-1e4, 1e4, -1e30, 1e30, -3e38, 3e38, 0.0], dtype=np.float32)
    big_batch = np.concatenate([extremes, (rng.standard_normal(200_000) * 3e3).astype(np.float32)])
    value, grad = value_and_grad(ours, big_batch)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    derivative = np.asarray(DERIVATIVE_OF[name](big_batch))
    assert np.all(np.isfinite(derivative))
    # where Keras is finite too, we agree with it at the extremes as well
    ref_value, ref_grad = value_and_grad(PAIRS[name][1], extremes[:2])
    np.testing.assert_allclose(value[:2], ref_value, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(grad[:2], ref_grad, atol=ATOL, rtol=RTOL)


# Per dtype: (tolerance against Keras in that dtype, a large finite input short of the maximum).
# (float64 at 1e-7: tf.nn.leaky_relu keeps its slope as a float32 attribute, 0.2000000030.)
DTYPES = {"float16": (1e-2, 6e4), "bfloat16": (2e-2, 1e38), "float64": (1e-7, 1e300)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", PAIRS)
def test_other_float_dtypes_finite_and_matching_keras(name, dtype):
    # The caps on exp's argument follow the dtype (log of its largest value), so nothing
    # overflows in float16 either, where e^z is inf from z ≈ 11.1 on.
    ours, reference = PAIRS[name]
    tolerance, big = DTYPES[dtype]
    largest = float(tf.as_dtype(dtype).max)
    z = np.array([-largest, -big, -30, -3, -0.5, 0, 0.5, 3, 30, big, largest])
    z = tf.constant(z, dtype=dtype)
    value, grad = value_and_grad(ours, z)
    ref_value, ref_grad = value_and_grad(reference, z)
    assert value.dtype == ref_value.dtype
    value, grad, ref_value, ref_grad = (np.float64(a) for a in (value, grad, ref_value, ref_grad))
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    finite = np.isfinite(ref_value) & np.isfinite(ref_grad)
    np.testing.assert_allclose(value[finite], ref_value[finite], atol=tolerance, rtol=tolerance)
    np.testing.assert_allclose(grad[finite], ref_grad[finite], atol=tolerance, rtol=tolerance)


def test_saturation_figures():
    z = np.float64([0.0, 10.0])
    exact = np.exp(-z) / (1 + np.exp(-z)) ** 2  # σ'(10) ≈ 4.54e-5, the lesson's figure
    np.testing.assert_allclose(A.sigmoid_derivative(z), exact, rtol=1e-9)
    assert 4.53e-5 < float(A.sigmoid_derivative(np.float32([10.0]))[0]) < 4.55e-5
    np.testing.assert_allclose(
        A.tanh_derivative(np.float64([0.0, 10.0])), [1.0, 8.2446e-09], rtol=1e-4
    )
    np.testing.assert_array_equal(A.relu_derivative(np.float32([-1.0, 0.0, 10.0])), [0, 0, 1])


def test_small_inputs_keep_relative_precision():
    # tanh(z) ≈ z and sigmoid(z) − ½ ≈ z/4 near 0: no cancellation in our stable forms
    z = np.float32([1e-8, 1e-6, -1e-4])
    np.testing.assert_allclose(A.tanh(z), np.tanh(z.astype(np.float64)), rtol=1e-6)
    np.testing.assert_allclose(
        A.softplus(np.float32([-30.0])), [np.log1p(np.exp(-30.0))], rtol=1e-6
    )


def test_sigmoid_and_tanh_use_hand_written_gradients():
    # tf.custom_gradient records one op per call whose gradient is our grad function;
    # with a float64 input the custom gradient must agree with σ(1 − σ) to the last bits.
    z = tf.constant(np.linspace(-30, 30, 601))
    _, grad = value_and_grad(A.sigmoid, z)
    s = 1 / (1 + np.exp(-z.numpy()))
    np.testing.assert_allclose(grad, s * (1 - s), rtol=1e-12, atol=1e-300)
    _, grad = value_and_grad(A.tanh, z)
    np.testing.assert_allclose(grad, 1 - np.tanh(z.numpy()) ** 2, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_along_axis(fn, axis, rng):
    logits = tf.constant(rng.normal(scale=10.0, size=(4, 5, 6)).astype(np.float32))
    upstream = tf.constant(rng.normal(size=(4, 5, 6)).astype(np.float32))
    ours = getattr(A, fn)
    reference = getattr(keras.activations, fn)

    def weighted(f):
        return lambda z: tf.reduce_sum(f(z, axis=axis) * upstream)

    np.testing.assert_allclose(
        ours(logits, axis=axis), reference(logits, axis=axis), atol=ATOL, rtol=RTOL
    )
    _, grad = value_and_grad(weighted(ours), logits)
    _, ref_grad = value_and_grad(weighted(reference), logits)
    np.testing.assert_allclose(grad, ref_grad, atol=ATOL, rtol=RTOL)


def test_softmax_extremes_are_finite():
    logits = tf.constant([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [1e30, -1e30, 0.0]])
    for fn in (A.softmax, A.log_softmax):
        value, grad = value_and_grad(lambda z, fn=fn: fn(z) * tf.constant([1.0, 2.0, 3.0]), logits)
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad)), fn.__name__
    np.testing.assert_allclose(A.softmax(logits)[1], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(A.log_softmax(logits)[0], [-2e4, -1e4, 0.0])


def test_softmax_jacobians_match_autodiff(rng):
    z = tf.constant(rng.normal(size=(3, 4)))
    for fn, jacobian in ((A.softmax, A.softmax_jacobian), (A.log_softmax, A.log_softmax_jacobian)):
        with tf.GradientTape() as tape:
            tape.watch(z)
            y = fn(z)
        expected = tape.batch_jacobian(y, z).numpy()
        np.testing.assert_allclose(jacobian(z), expected, atol=1e-12)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (A.leaky_relu, keras.activations.leaky_relu),
        (A.elu, keras.activations.elu),
        (A.gelu, keras.activations.gelu),
        (A.softmax, keras.activations.softmax),
        (A.log_softmax, keras.activations.log_softmax),
    ],
)
def test_defaults_match_keras(ours, theirs):
    def defaults(fn):
        return {
            k: p.default
            for k, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty
        }

    assert defaults(ours) == defaults(theirs)


# --- resolution by name and registration -----------------------------------------------


@pytest.mark.parametrize("name", list(A.ACTIVATIONS) + ["softmax", "log_softmax"])
def test_registered_and_resolvable_by_name(name):
    fn = A.get(name)
    assert fn is getattr(A, name)
    assert A.get(f"custom_layers>{name}") is fn
    registered = keras.saving.get_registered_name(fn)
    assert registered.startswith("custom_layers>")
    # the documented Keras routes: serialize/deserialize and get() on the config dict
    assert keras.activations.deserialize(registered) is fn
    assert keras.activations.get(keras.activations.serialize(fn)) is fn


def test_get_falls_back_to_keras_builtins_and_rejects_unknown_names():
    assert A.get(None) is keras.activations.linear
    assert A.get("linear") is keras.activations.linear
    assert A.get("selu") is keras.activations.selu
    assert A.get(tf.nn.relu) is tf.nn.relu
    with pytest.raises(ValueError, match=r"Unknown activation 'not_an_activation'"):
        A.get("not_an_activation")
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get(42)


def test_usable_in_plain_keras_layers(rng):
    x = rng.normal(size=(5, 3)).astype(np.float32)
    for activation in (A.gelu, keras.activations.deserialize("custom_layers>gelu")):
        layer = keras.layers.Dense(4, activation=activation)
        reference = keras.layers.Dense(4, activation="gelu")
        layer.build((None, 3))
        reference.build((None, 3))
        reference.set_weights(layer.get_weights())
        np.testing.assert_allclose(layer(x), reference(x), atol=ATOL, rtol=RTOL)
    activation_layer = keras.layers.Activation(A.swish)
    np.testing.assert_allclose(activation_layer(x), tf.nn.silu(x), atol=ATOL, rtol=RTOL)


def test_keras_get_does_not_resolve_registered_strings():
    # Keras 3.15's keras.activations.get looks a string up among its built-ins only
    # (ALL_OBJECTS_DICT), not in the registry nor in custom_object_scope: no supported way
    # makes keras.layers.Dense(activation="custom_layers>gelu") work. The README's
    # alternatives are tested in test_keras_layers_take_ours_by_object_or_config.
    for name in ("custom_layers>gelu", "gelu_custom"):
        with keras.saving.custom_object_scope({name: A.gelu}):
            with pytest.raises(ValueError, match="Could not interpret activation"):
                keras.activations.get(name)
            with pytest.raises(ValueError, match="Could not interpret activation"):
                keras.layers.Dense(4, activation=name)
    assert keras.activations.get("gelu") is keras.activations.gelu  # Keras's, not ours


def test_keras_layers_take_ours_by_object_or_config(rng):
    # What works in Keras's own layers: the function, the registered name through
    # keras.activations.deserialize, or the serialized config (a dict, which
    # keras.activations.get resolves through the registry).
    x = rng.normal(size=(5, 3)).astype(np.float32)
    for activation in (
        A.gelu,
        keras.activations.deserialize("custom_layers>gelu"),
        keras.activations.serialize(A.gelu),
        {"class_name": "function", "config": "custom_layers>gelu"},
    ):
        layer = keras.layers.Dense(4, activation=activation)
        assert layer.activation is A.gelu
        layer.build((None, 3))
        kernel, bias = layer.get_weights()
        np.testing.assert_allclose(layer(x), A.gelu(x @ kernel + bias), atol=ATOL, rtol=RTOL)


# --- tanh under XLA: the rational form ------------------------------------------------


def xla_value_and_grad(fn, z):
    @tf.function(jit_compile=True)
    def run(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            y = fn(z)
        return y, tape.gradient(y, z)

    y, grad = run(tf.convert_to_tensor(z))
    return y.numpy(), grad.numpy()


def op_types(fn, z, jit_compile):
    graph = tf.function(fn, jit_compile=jit_compile).get_concrete_function(z).graph
    return {op.type for op in graph.get_operations()}


def test_tanh_uses_the_rational_form_under_xla_and_expm1_op_by_op():
    z = tf.constant(GRID[:10])
    assert "Expm1" in op_types(A.tanh, z, jit_compile=False)
    assert "Expm1" not in op_types(A.tanh, z, jit_compile=True)  # the fit: no exp at all
    assert "Expm1" in op_types(A.tanh, tf.cast(z, tf.float64), jit_compile=True)


@pytest.mark.parametrize("name", PAIRS)
def test_values_and_gradients_match_keras_under_xla(name):
    ours, reference = PAIRS[name]
    value, grad = xla_value_and_grad(ours, GRID)
    ref_value, ref_grad = xla_value_and_grad(reference, GRID)
    np.testing.assert_allclose(value, ref_value, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(grad, ref_grad, atol=ATOL, rtol=RTOL)


def test_tanh_under_xla_is_precise_bounded_and_finite():
    z = np.concatenate([np.linspace(-12, 12, 96001), [1e-8, 1e-6, -1e-4, 3e-4, 5e-4, 0.1]])
    value, grad = xla_value_and_grad(A.tanh, z.astype(np.float32))
    exact = np.tanh(z.astype(np.float32).astype(np.float64))
    # a few float32 ulps everywhere, relative too (near 0: tanh z ≈ z, no cancellation)
    np.testing.assert_allclose(value, exact, rtol=5e-7, atol=0)
    assert np.max(np.abs(value)) <= 1.0 and np.min(grad) >= 0.0  # 1 − t² never negative
    for dtype, (tolerance, big) in {"float32": (ATOL, 1e4), **DTYPES}.items():
        largest = float(tf.as_dtype(dtype).max)
        z = tf.constant([-largest, -big, -30, -3, -1e-3, 0, 1e-3, 3, 30, big, largest], dtype)
        value, grad = xla_value_and_grad(A.tanh, z)
        ref_value, ref_grad = xla_value_and_grad(keras.activations.tanh, z)
        assert value.dtype == ref_value.dtype
        value, grad = np.float64(value), np.float64(grad)
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad)), dtype
        np.testing.assert_allclose(value, np.float64(ref_value), atol=tolerance, rtol=tolerance)
        np.testing.assert_allclose(grad, np.float64(ref_grad), atol=tolerance, rtol=tolerance)


def test_callable_on_functional_api_placeholders(rng):
    inputs = keras.Input((6,))
    names = sorted(A.ACTIVATIONS) + ["softmax", "log_softmax"]
    model = keras.Model(inputs, [A.get(name)(inputs) for name in names])
    x = rng.normal(size=(4, 6)).astype("float32")
    for name, y in zip(names, model(x), strict=True):
        np.testing.assert_allclose(y, A.get(name)(x), atol=ATOL, rtol=RTOL, err_msg=name)
