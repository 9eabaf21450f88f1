"""Activation functions, written out, each with its derivative.

A neuron computes ``a = f(z)`` with ``z = W·x + b``; ``f`` is what makes a network
non-linear. Every function here:

* matches ``keras.activations`` / ``tf.nn`` (values and gradients, float32: 1e-6 abs / 1e-5 rel),
* stays finite at the extremes (``|z| = 1e4`` and beyond), value and gradient: an
  ``e^z`` that could overflow either has its argument capped where the function has
  already saturated, or overflows only where the result is still exact
  (``1/(1 + inf) = 0``) and no gradient flows back through the ``inf``,
* is registered as ``"custom_layers>name"``, so models that use it save and load.

Sigmoid, tanh, swish and softplus write their gradient by hand with
``keras.ops.custom_gradient`` (``tf.custom_gradient`` on TensorFlow, ``jax.custom_gradient``
on JAX: everything here runs on both backends), from the value already computed
(``σ' = σ(1 − σ)``, ``tanh' = 1 − tanh²``): that is the math of lesson 01, and it is also
what keeps them fast. Each ``ops`` call is one pass over the tensor, so the formulas are
kept to few ops; a Keras built-in such as ``tf.nn.sigmoid`` is one fused kernel forward
and one backward, so on a lone large tensor ours stay slower (``make bench`` measures by
how much, also under ``jit_compile=True``, where XLA fuses each chain into one loop);
inside a layer the matrix product dominates and the difference all but vanishes. tanh has
two forms of its value: the op-by-op one (few passes) and, where XLA compiles, the
rational fit XLA's own tanh uses (few flops).

Use one in any Keras layer by object, ``keras.layers.Dense(4, activation=gelu)``; the
course's own layers also take the plain name, ``custom_layers.layers.Dense(4,
activation="gelu")``, through :func:`get`. (Keras 3.15's ``keras.activations.get``
only looks plain strings up among its built-ins; a registered name resolves through
``keras.activations.deserialize("custom_layers>gelu")``, and saved models find it by
that name.)

The derivatives (``sigmoid_derivative`` ..., also in :data:`DERIVATIVES`) are the
formulas a learner would write by hand; the tests check them against autodiff and
finite differences.
"""

import math

import keras
import ml_dtypes
from keras import ops

_register = keras.saving.register_keras_serializable(package="custom_layers")

_SQRT_HALF = 1.0 / math.sqrt(2.0)  # 1/√2, for Φ(z) = ½·erfc(−z/√2)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)  # 1/√(2π), for φ(z)
_GELU_C = math.sqrt(2.0 / math.pi)  # √(2/π) in the tanh approximation
_GELU_A = 0.044715


def _exp_limit(dtype):
    """A little under the largest ``z`` with ``e^z`` finite in ``dtype`` (87.7 in float32)."""
    return math.log(float(ml_dtypes.finfo(keras.backend.standardize_dtype(dtype)).max)) - 1.0


def _on_placeholder(fn, x):
    """On a functional-API placeholder (a ``KerasTensor``) ``ops.custom_gradient`` cannot
    run yet, so record ``fn`` as an ``Activation`` layer: the model calls it on real
    tensors, with its hand-written gradient (as ``keras.activations.relu`` does)."""
    return keras.layers.Activation(fn)(x)


# --- sigmoid and tanh: the gradient is written by hand with ops.custom_gradient --------


def _logistic(z):
    # σ(z) = 1/(1 + e^−z). For z < −88 (float32) e^−z overflows to inf and 1/inf = 0,
    # which is σ(z) to float precision: no nan, and no gradient flows through the inf.
    return 1.0 / (1.0 + ops.exp(-z))


@ops.custom_gradient
def _sigmoid(z):
    s = _logistic(z)

    def grad(upstream):
        return upstream * s * (1.0 - s)  # σ'(z) = σ(z)·(1 − σ(z))

    return s, grad


@_register
def sigmoid(x):
    """Logistic sigmoid ``σ(z) = 1 / (1 + e^−z)``; gradient ``σ(1 − σ)`` (hand-written)."""
    if isinstance(x, keras.KerasTensor):
        return _on_placeholder(sigmoid, x)
    return _sigmoid(ops.convert_to_tensor(x))


def _tanh_by_expm1(z):
    # tanh(z) = (e^2z − 1)/(e^2z + 1) = m/(m + 2) with m = e^2z − 1 = expm1(2z), taken at
    # |z| with the sign put back (tanh is odd, and the result is as accurate for z < 0
    # as for z > 0). expm1 keeps full precision near 0 (tanh z ≈ z), where e^2z − 1
    # would cancel; 2|z| is capped where e^2z would overflow (inf/inf = nan), far past
    # where tanh is ±1 to float precision.
    m = ops.expm1(ops.minimum(2.0 * ops.abs(z), _exp_limit(z.dtype)))
    return ops.sign(z) * (m / (m + 2.0))


# tanh(z) ≈ z·p(z²)/q(z²): an odd rational (minimax) fit of tanh on [−7.9, 7.9], with the
# coefficients Eigen and XLA use for float32 tanh (error: a few float32 ulps). Highest
# power first.
_TANH_P = (
    -2.76076847742355e-16,
    2.00018790482477e-13,
    -8.60467152213735e-11,
    5.12229709037114e-08,
    1.48572235717979e-05,
    6.37261928875436e-04,
    4.89352455891786e-03,
)
_TANH_Q = (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03)
_TANH_CLAMP = 7.90531110763549805  # the fit gives exactly ±1 there; tanh(7.9) = 1 − 2.7e-7


def _polynomial(coefficients, x):
    """``c₀·xⁿ + c₁·xⁿ⁻¹ + … + cₙ`` by Horner's rule: one multiply and one add per term."""
    total = coefficients[0]
    for c in coefficients[1:]:
        total = total * x + c
    return total


def _tanh_rational(z):
    # Only multiplies and adds and one division: XLA compiles it to a loop as cheap as
    # its own tanh (no exp). Precise near 0 too: z·p(0)/q(0) has no cancellation, and for
    # |z| < 0.0004, where tanh z = z to float32 precision, z itself is returned (as XLA).
    # Computed in float32: the fit is float32's, and float16/bfloat16 would underflow it.
    x = ops.cast(z, "float32")
    clamped = ops.clip(x, -_TANH_CLAMP, _TANH_CLAMP)
    square = clamped * clamped
    t = clamped * _polynomial(_TANH_P, square) / _polynomial(_TANH_Q, square)
    return ops.cast(ops.where(ops.abs(x) < 0.0004, x, t), z.dtype)


def _compiled_by_xla():
    """Is the code being traced for XLA? Under JAX it always is (``jax.jit``); under
    TensorFlow inside ``tf.function(jit_compile=True)`` (``model.compile(jit_compile=True)``
    included), which TensorFlow marks with an XLA context on the graph being built."""
    if keras.backend.backend() == "jax":
        return True
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    try:
        from tensorflow.python.ops import control_flow_util  # no public API says this
    except ImportError:  # a TensorFlow without it: the op-by-op form, correct anyway
        return False
    return control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph())


@ops.custom_gradient
def _tanh(z):
    # Two forms of one function, for the two ways TensorFlow runs it. Op by op (eager, or
    # tf.function without XLA) each op is one pass over the tensor: the expm1 form has 8.
    # XLA fuses all ops into one loop, where what counts is the arithmetic per element:
    # there the expm1 form takes ~1.8× the built-in's time (make bench), the rational fit
    # the same as the built-in's. float64 keeps the expm1 form, the fit is float32's.
    if _compiled_by_xla() and keras.backend.standardize_dtype(z.dtype) != "float64":
        t = _tanh_rational(z)
    else:
        t = _tanh_by_expm1(z)

    def grad(upstream):
        return upstream * (1.0 - t * t)  # tanh'(z) = 1 − tanh²(z)

    return t, grad


@_register
def tanh(x):
    """Hyperbolic tangent ``(e^z − e^−z)/(e^z + e^−z)``; gradient ``1 − tanh²`` (hand-written)."""
    if isinstance(x, keras.KerasTensor):
        return _on_placeholder(tanh, x)
    return _tanh(ops.convert_to_tensor(x))


# --- the ReLU family -------------------------------------------------------------------


@_register
def relu(x):
    """Rectified linear unit ``max(0, z)`` (gradient 0 at z = 0, like ``tf.nn.relu``)."""
    # The gradient of maximum(a, b) goes to a where a ≥ b: with the 0 first, the tie at
    # z = 0 sends it to the constant, so z gets slope 0 there, as tf.nn.relu gives.
    return ops.maximum(0.0, x)


@_register
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: ``z`` for z > 0, ``negative_slope·z`` otherwise (Keras 3 default 0.2)."""
    z = ops.convert_to_tensor(x)
    return ops.where(z > 0, z, negative_slope * z)


@_register
def elu(x, alpha=1.0):
    """Exponential linear unit: ``z`` for z > 0, ``α·(e^z − 1)`` otherwise."""
    z = ops.convert_to_tensor(x)
    # expm1 only ever sees min(z, 0): e^z of a large z would overflow in the unused
    # branch of where, and its (discarded) gradient 0·inf would still be nan.
    return ops.where(z > 0, z, alpha * ops.expm1(ops.minimum(z, 0.0)))


# --- smooth ones -----------------------------------------------------------------------


@_register
def gelu(x, approximate=False):
    """Gaussian error linear unit ``z·Φ(z)`` (Φ: standard normal CDF).

    Exact: ``½·z·erfc(−z/√2)``. ``approximate=True``: ``½·z·(1 + tanh(√(2/π)(z + 0.044715 z³)))``.
    The default ``approximate=False`` matches ``keras.activations.gelu``.
    """
    z = ops.convert_to_tensor(x)
    if approximate:
        # Clipping the inside of tanh changes no value (tanh(±100) is ±1 already) but
        # keeps z³ from overflowing, which would make the gradient 0·inf = nan.
        inner = ops.clip(z, -100.0, 100.0)
        return 0.5 * z * (1.0 + ops.tanh(_GELU_C * (inner + _GELU_A * ops.power(inner, 3))))
    # erfc keeps the far left tail accurate, where 1 + erf(·) would cancel to 0.
    return 0.5 * z * ops.erfc(-z * _SQRT_HALF)


@ops.custom_gradient
def _swish(z):
    s = _logistic(z)
    y = z * s

    def grad(upstream):
        return upstream * (s + y * (1.0 - s))  # (z·σ)' = σ + z·σ·(1 − σ) = σ + y·(1 − σ)

    return y, grad


@_register
def swish(x):
    """Swish / SiLU ``z·σ(z)``; gradient ``σ + z·σ·(1 − σ)`` (hand-written)."""
    if isinstance(x, keras.KerasTensor):
        return _on_placeholder(swish, x)
    return _swish(ops.convert_to_tensor(x))


silu = swish  # the same function under its other name


@ops.custom_gradient
def _softplus(z):
    # log(1 + e^z) = log1p(e^z), with z capped inside the exponential so that e^z stays
    # finite; above the cap (87.7 in float32) log1p(e^z) = z to float precision, and the
    # max picks z. Below it the max changes nothing: log(1 + e^z) > z.
    e = ops.exp(ops.minimum(z, _exp_limit(z.dtype)))
    y = ops.maximum(z, ops.log1p(e))

    def grad(upstream):
        return upstream * (e / (1.0 + e))  # softplus'(z) = e^z/(1 + e^z) = σ(z)

    return y, grad


@_register
def softplus(x):
    """Softplus ``log(1 + e^z)``; gradient ``σ(z) = e^z/(1 + e^z)`` (hand-written)."""
    if isinstance(x, keras.KerasTensor):
        return _on_placeholder(softplus, x)
    return _softplus(ops.convert_to_tensor(x))


# --- along an axis ---------------------------------------------------------------------


@_register
def softmax(x, axis=-1):
    """``softmax(z)_i = e^(z_i − m) / Σ_j e^(z_j − m)`` along ``axis``, ``m = max(z)``.

    Subtracting the maximum changes nothing mathematically and keeps ``exp`` ≤ 1.
    """
    z = ops.convert_to_tensor(x)
    shift = ops.stop_gradient(ops.max(z, axis=axis, keepdims=True))
    e = ops.exp(z - shift)
    return e / ops.sum(e, axis=axis, keepdims=True)


@_register
def log_softmax(x, axis=-1):
    """``log softmax(z)_i = (z_i − m) − log Σ_j e^(z_j − m)`` along ``axis`` (log-sum-exp)."""
    z = ops.convert_to_tensor(x)
    shifted = z - ops.stop_gradient(ops.max(z, axis=axis, keepdims=True))
    return shifted - ops.log(ops.sum(ops.exp(shifted), axis=axis, keepdims=True))


# --- derivatives, as a learner would write them ----------------------------------------


def sigmoid_derivative(x):
    """``σ'(z) = σ(z)·(1 − σ(z))``."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_derivative(x):
    """``tanh'(z) = 1 − tanh²(z)``."""
    t = tanh(x)
    return 1.0 - t * t


def relu_derivative(x):
    """``relu'(z) = 1 if z > 0 else 0``."""
    z = ops.convert_to_tensor(x)
    return ops.cast(z > 0, z.dtype)


def leaky_relu_derivative(x, negative_slope=0.2):
    """``1 if z > 0 else negative_slope``."""
    z = ops.convert_to_tensor(x)
    return ops.where(z > 0, ops.ones_like(z), negative_slope * ops.ones_like(z))


def elu_derivative(x, alpha=1.0):
    """``1 if z > 0 else α·e^z``."""
    z = ops.convert_to_tensor(x)
    return ops.where(z > 0, ops.ones_like(z), alpha * ops.exp(ops.minimum(z, 0.0)))


def gelu_derivative(x, approximate=False):
    """Exact: ``Φ(z) + z·φ(z)``. Tanh form, with ``u = √(2/π)(z + 0.044715 z³)``:
    ``½(1 + tanh u) + ½·z·(1 − tanh² u)·√(2/π)(1 + 3·0.044715 z²)``."""
    z = ops.convert_to_tensor(x)
    if approximate:
        inner = ops.clip(z, -100.0, 100.0)  # as in gelu(): no overflow of z³
        t = ops.tanh(_GELU_C * (inner + _GELU_A * ops.power(inner, 3)))
        du_dz = _GELU_C * (1.0 + 3.0 * _GELU_A * inner * inner)
        return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du_dz
    cdf = 0.5 * ops.erfc(-z * _SQRT_HALF)
    pdf = _INV_SQRT_2PI * ops.exp(-0.5 * z * z)
    return cdf + z * pdf


def swish_derivative(x):
    """``(z·σ(z))' = σ(z) + z·σ(z)·(1 − σ(z))``."""
    z = ops.convert_to_tensor(x)
    s = sigmoid(z)
    return s + z * s * (1.0 - s)


silu_derivative = swish_derivative


def softplus_derivative(x):
    """``softplus'(z) = σ(z)``."""
    return sigmoid(x)


def softmax_jacobian(x):
    """Jacobian of softmax over the last axis: ``∂s_i/∂z_j = s_i·(δ_ij − s_j)``.

    Shape ``(..., n, n)`` for ``x`` of shape ``(..., n)``.
    """
    s = softmax(x, axis=-1)
    n = ops.shape(s)[-1]
    eye = ops.eye(n, dtype=s.dtype)
    return s[..., :, None] * (eye - s[..., None, :])


def log_softmax_jacobian(x):
    """Jacobian of log-softmax over the last axis: ``∂/∂z_j log s_i = δ_ij − s_j``."""
    s = softmax(x, axis=-1)
    n = ops.shape(s)[-1]
    eye = ops.eye(n, dtype=s.dtype)
    return eye - s[..., None, :]


#: The element-wise activations by name, and their derivatives.
ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "gelu": gelu,
    "swish": swish,
    "silu": silu,
    "softplus": softplus,
}
DERIVATIVES = {
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
    "gelu": gelu_derivative,
    "swish": swish_derivative,
    "silu": silu_derivative,
    "softplus": softplus_derivative,
}
_BY_NAME = {**ACTIVATIONS, "softmax": softmax, "log_softmax": log_softmax}


def get(identifier):
    """Resolve an ``activation=`` argument: ours first by name, then Keras's built-ins.

    Accepts ``None`` (linear), a name (``"gelu"`` or ``"custom_layers>gelu"``: ours;
    other names such as ``"linear"`` or ``"selu"``: Keras's), a serialized config dict,
    or any callable. Raises ``ValueError`` for an unknown name.
    """
    if identifier is None:
        return keras.activations.linear
    if isinstance(identifier, str):
        name = identifier.removeprefix("custom_layers>")
        if name in _BY_NAME:
            return _BY_NAME[name]
        try:
            return keras.activations.get(identifier)
        except ValueError:
            raise ValueError(
                f"Unknown activation {identifier!r}. custom_layers defines "
                f"{sorted(_BY_NAME)}; Keras built-in names (e.g. 'linear', 'selu') also work."
            ) from None
    if isinstance(identifier, dict):
        # A saved config: a function's ({"class_name": "function", ...}) or a layer's, e.g.
        # keras.layers.LeakyReLU(0.1) used as an activation. keras.activations.get rebuilds
        # both; keras.activations.deserialize would look the layer's class name up among
        # the activation functions and return the bare string "LeakyReLU".
        return keras.activations.get(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret activation {identifier!r}: expected None, a name, a config "
        "dict or a callable."
    )
