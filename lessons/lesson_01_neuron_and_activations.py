# %% [markdown]
# # Lesson 01 — The neuron and its activation functions
#
# A neural network is built from one small unit repeated many times: the **neuron**. It
# takes a few numbers `x`, weighs each one, adds a bias and passes the sum through an
# **activation function** `f`:
#
# `a = f(W·x + b)`
#
# Without `f` a stack of neurons would be one big linear function, however deep; `f`
# is what lets a network bend. This chapter computes one neuron by hand and with the
# course's `Dense` layer, then meets the activation functions in use today — sigmoid,
# tanh, ReLU, leaky ReLU, ELU, GELU, swish, softplus and softmax — together with their
# derivatives, because training (lesson 02) runs on derivatives.
#
# **What you will learn**
#
# - what `f(W·x + b)` computes, number by number, and that `custom_layers.layers.Dense`
#   computes exactly that;
# - the shape of each activation and of its derivative, and three independent ways to get
#   a derivative: the formula, finite differences, and `tf.GradientTape`;
# - **saturation**: why sigmoid and tanh stop passing gradient for large `|z|` while
#   ReLU does not;
# - why a formula that is right on paper can still return `inf` or `nan` in float32,
#   and how the library's versions avoid it.

# %%
import keras
import numpy as np
import tensorflow as tf

from custom_layers import activations
from custom_layers.layers import Dense
from lessons import activation_checks, common

# %% tags=["parameters"]
args = common.setup("01", "Lesson 01: the neuron and activation functions")
rng = np.random.default_rng(args.seed)
metrics = {}

# %% [markdown]
# ## 1. One neuron, by hand
#
# Take an input with three features `x = (x₁, x₂, x₃)`, three weights `w` and a bias
# `b`. The neuron first forms the weighted sum
#
# `z = w₁x₁ + w₂x₂ + w₃x₃ + b = W·x + b`
#
# and then applies the activation, here the sigmoid `σ(z) = 1 / (1 + e^−z)`, which
# squashes any number into (0, 1). Plain NumPy first, so that nothing is hidden:

# %%
x = rng.normal(size=3).astype(np.float32)
weights = rng.normal(size=3).astype(np.float32)
bias = np.float32(rng.normal())
z = np.dot(weights, x) + bias
a_numpy = 1.0 / (1.0 + np.exp(-z))
print(f"x = {np.round(x, 4)}, W = {np.round(weights, 4)}, b = {bias:.4f}")
print(f"z = W·x + b = {z:.6f},  a = σ(z) = {a_numpy:.7f}")

# %% [markdown]
# The same neuron as a layer: `Dense(1)` holds a `kernel` of shape `(3, 1)` (the
# weights as a column) and a `bias` of shape `(1,)`, and expects a *batch* of inputs,
# shape `(batch, 3)`, so we add a batch axis of size one. `Dense(units)` is simply
# `units` such neurons side by side, all reading the same input.

# %%
layer = Dense(1, activation="sigmoid")
layer.build((None, 3))
layer.set_weights([weights.reshape(-1, 1), np.array([bias], dtype=np.float32)])
a_dense = float(layer(x[None, :])[0, 0])
print(f"a from Dense = {a_dense:.7f}   |by hand − Dense| = {abs(a_numpy - a_dense):.1e}")
metrics.update(
    neuron_z=float(z),
    neuron_output_numpy=float(a_numpy),
    neuron_output_dense=a_dense,
    neuron_abs_diff_numpy_vs_dense=float(abs(a_numpy - a_dense)),
)
outputs = {
    name: float(activations.ACTIVATIONS[name](np.float32([z]))[0])
    for name in activation_checks.PLOTTED
}
print(
    "the same z through each activation: " + ", ".join(f"{k} {v:.4f}" for k, v in outputs.items())
)

# %% [markdown]
# ## 2. The activation functions and their derivatives
#
# | name | `f(z)` | `f'(z)` |
# |---|---|---|
# | sigmoid | `1 / (1 + e^−z)` | `σ(z)(1 − σ(z))` |
# | tanh | `(e^z − e^−z) / (e^z + e^−z)` | `1 − tanh²(z)` |
# | ReLU | `max(0, z)` | `1` if `z > 0`, else `0` |
# | leaky ReLU | `z` if `z > 0`, else `0.2·z` | `1` or `0.2` |
# | ELU | `z` if `z > 0`, else `e^z − 1` | `1` or `e^z` |
# | GELU | `z·Φ(z)` (Φ: normal CDF) | `Φ(z) + z·φ(z)` |
# | swish / SiLU | `z·σ(z)` | `σ(z) + z·σ(z)(1 − σ(z))` |
# | softplus | `log(1 + e^z)` | `σ(z)` |
# | softmax | `e^z_i / Σ_j e^z_j` | `s_i(δ_ij − s_j)` (a matrix) |
#
# The derivatives are written out in `custom_layers.activations` (`sigmoid_derivative`,
# …, all in `DERIVATIVES`). Softmax acts on a whole vector, so its derivative is a
# Jacobian matrix; with two entries `(z, 0)` its first output is exactly `σ(z)` —
# softmax is the many-class sigmoid — which is what we plot for it.

# %%
points = 400 if args.quick else 2000  # an even count: the grid skips the kink at z = 0
z_grid = tf.constant(np.linspace(-6.0, 6.0, points), dtype=tf.float32)
names = [*activation_checks.PLOTTED, "softmax"]
table = {
    name: (
        np.asarray(activation_checks.function(name)(z_grid)),
        activation_checks.hand_derivative(name, z_grid),
    )
    for name in names
}
common.show(activation_checks.plot_activations(np.asarray(z_grid), table), "activations.png")

# %% [markdown]
# ### Is each derivative right?
#
# A hand-written derivative is easy to get wrong, so we test each one against two
# references that share nothing with it:
#
# 1. **finite differences** in float64, `(f(z + h) − f(z − h)) / 2h` with `h = 1e-5`:
#    only values of `f`, no calculus; the error is about `h²·f'''/6`, far below 1e-6;
# 2. `tf.GradientTape` on the **Keras built-in** of the same name (`keras.activations.…`),
#    compared with `GradientTape` on ours (float32).
#
# Why not simply the tape on our own function? For some activations the library writes
# the gradient itself with `keras.ops.custom_gradient` (`tf.custom_gradient` on TensorFlow),
# from the value already computed (`σ' = σ(1 − σ)`, `tanh' = 1 − tanh²`: fewer operations,
# so faster). For those the tape
# does not differentiate the code; it *returns the hand-written formula*, and comparing it
# with the formula would compare a thing with itself. The list below is read from the
# library's source:

# %%
hand_written = activation_checks.hand_written_gradients()
print("activations with a hand-written (custom_gradient) gradient: " + ", ".join(hand_written))
print(f"{'activation':11s} {'gradient by':>13s} {'formula vs FD':>14s} {'tape vs Keras':>14s}")
worst_fd = worst_keras = 0.0
for name in names:
    formula = activation_checks.hand_derivative(name, tf.cast(z_grid, tf.float64))
    fd_error = float(np.max(np.abs(formula - activation_checks.finite_difference(name, z_grid))))
    ours = activation_checks.tape_derivative(name, z_grid)
    theirs = activation_checks.tape_derivative(name, z_grid, library="keras")
    keras_error = float(np.max(np.abs(ours - theirs)))
    worst_fd, worst_keras = max(worst_fd, fd_error), max(worst_keras, keras_error)
    by = "hand" if name in hand_written else "autodiff"
    print(f"{name:11s} {by:>13s} {fd_error:14.1e} {keras_error:14.1e}")
    metrics[f"derivative_vs_fd_max_abs_{name}"] = fd_error
    metrics[f"tape_vs_keras_max_abs_{name}"] = keras_error
metrics.update(
    derivative_vs_fd_max_abs=worst_fd,
    tape_vs_keras_max_abs=worst_keras,
    hand_written_gradient_count=len(hand_written),
)
print(f"largest: formula vs finite differences {worst_fd:.1e}, ours vs Keras {worst_keras:.1e}")

# %% [markdown]
# ## 3. Saturation
#
# During training every weight's gradient is a product of such derivatives, one per
# layer (lesson 02). Look at the sigmoid's: at most `σ'(0) = 0.25`, and for large
# `|z|` almost zero. A neuron whose `z` sits there is **saturated**: whatever the error,
# it barely changes its weights. tanh saturates the same way (its maximum slope is 1, at
# 0), while ReLU's slope is exactly 1 for every positive `z`. (At exactly `z = 0` ReLU has
# no slope; TensorFlow, and the library, use 0 there.) The slopes from `GradientTape`, in
# float64:

# %%
SATURATION_POINTS = (0.0, 2.0, 5.0, 10.0)


def saturation_slopes(dtype):
    z = tf.constant(SATURATION_POINTS, dtype=dtype)
    return {
        name: activation_checks.tape_derivative(name, z) for name in ("sigmoid", "tanh", "relu")
    }


slopes = saturation_slopes(tf.float64)
print("z         " + "".join(f"{p:>12g}" for p in SATURATION_POINTS))
for name, row in slopes.items():
    print(f"{name:9s} " + "".join(f"{value:12.3e}" for value in row))
    for point, value in zip(SATURATION_POINTS, row, strict=True):
        metrics[f"grad_{name}_at_{point:g}"] = float(value)
ratio = float(slopes["sigmoid"][-1] / slopes["sigmoid"][0])
relu_ratio = float(slopes["relu"][-1] / slopes["relu"][1])
print(f"σ'(10) / σ'(0) = {ratio:.1e};  relu'(10) / relu'(2) = {relu_ratio:g}")
metrics["sigmoid_grad_ratio_10_vs_0"] = ratio
common.show(activation_checks.plot_saturation(), "saturation.png")

# %% [markdown]
# In float32, which is what training uses, it is worse still: `tanh(10)` rounds to 1, so
# `1 − tanh²(10)` can come out as exactly 0:

# %%
tanh_float32 = float(saturation_slopes(tf.float32)["tanh"][-1])
tanh_10 = float(activations.tanh(tf.constant(10.0)))
print(f"float32: tanh(10) = {tanh_10:.9f}, tanh'(10) = {tanh_float32:g}")
metrics["grad_tanh_at_10_float32"] = tanh_float32

# %% [markdown]
# ## 4. Right on paper, wrong in float32
#
# `1 / (1 + e^−z)` is the sigmoid, but at `z = −1e4` TensorFlow's autodiff of that
# formula must go through `e^10000`, which is `inf` in float32 (the largest float32 is
# about 3.4e38), and `log(1 + e^z)` (softplus) overflows the same way at `z = 1e4`. We
# differentiate the naive formulas and the library's functions at those points:


# %%
def naive_sigmoid(z):
    return 1.0 / (1.0 + tf.exp(-z))


def naive_softplus(z):
    return tf.math.log(1.0 + tf.exp(z))


def value_and_gradient(function, value):
    z = tf.constant([value], dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = function(z)
    return float(y[0]), float(tape.gradient(y, z)[0])


for label, function, point in (
    ("naive sigmoid", naive_sigmoid, -1e4),
    ("library sigmoid", activations.sigmoid, -1e4),
    ("naive softplus", naive_softplus, 1e4),
    ("library softplus", activations.softplus, 1e4),
):
    y, slope = value_and_gradient(function, point)
    print(f"{label:17s} z = {point:+.0e}: f = {y:<10g} f' = {slope:g}")
    metrics[f"{label.replace(' ', '_')}_finite"] = bool(np.isfinite(y) and np.isfinite(slope))

# %% [markdown]
# Here is what the library actually runs. Read each function's comments: where an `e^z`
# could overflow, its argument is either capped where the function has already saturated,
# or the overflow happens only where the result is still exact (`1/(1 + inf) = 0`) and the
# hand-written gradient never passes through the `inf` (a `where` that picks the good
# branch is not enough: autodiff still differentiates the discarded branch, and
# `0 · inf = nan`).

# %%
for shown in (activations.sigmoid, activations.softplus):
    common.show_source(shown)
    for helper in activation_checks.private_helpers(shown):
        common.show_source(helper)

# %% [markdown]
# ## 5. Softmax turns scores into probabilities
#
# `softmax(z)_i = e^z_i / Σ_j e^z_j`: positive numbers that sum to 1, the largest score
# getting the largest share. Ours against Keras's on three scores:

# %%
scores = tf.constant([[2.0, 1.0, 0.1]])
ours = np.asarray(activations.softmax(scores))[0]
theirs = np.asarray(keras.activations.softmax(scores))[0]
softmax_difference = float(np.max(np.abs(ours - theirs)))
print(
    f"softmax([2, 1, 0.1]) = {np.round(ours, 4)} (sum {ours.sum():.6f}); "
    f"keras: {np.round(theirs, 4)}, max |difference| {softmax_difference:.1e}"
)
metrics.update({f"softmax_example_p{i}": float(p) for i, p in enumerate(ours)})
metrics["softmax_example_abs_diff_vs_keras"] = softmax_difference

# %% [markdown]
# ## Summary
#
# - A neuron is `a = f(W·x + b)`; `Dense(units)` is `units` of them reading one input.
# - Each activation's derivative was checked against finite differences and against the
#   Keras built-in's gradient; where the library writes the gradient by hand, the tape
#   returns that formula, so only an outside reference can test it.
# - Sigmoid and tanh saturate: their slope vanishes for large `|z|`; ReLU's does not.
# - Formulas must be written so that no intermediate overflows, values *and* gradients.

# %%
print(
    f"This run: |by hand − Dense| = {metrics['neuron_abs_diff_numpy_vs_dense']:.1e}; "
    f"derivatives vs finite differences ≤ {worst_fd:.1e}, vs Keras ≤ {worst_keras:.1e}; "
    f"σ'(10)/σ'(0) = {ratio:.1e}."
)
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are in `exercises/lesson_01.py`; grade them with
# `make exercise-01` (solutions: [solutions/lesson_01.py](../solutions/lesson_01.py)).
#
# 1. **A layer of neurons** (`dense_forward`): `σ(x·W + b)` for a batch `x` of shape
#    `(n, inputs)`, weights `(inputs, units)`, bias `(units,)`.
# 2. **Stable softplus** (`softplus`): `log(1 + e^z)` that is finite and accurate for
#    `z = ±1e4`, using `max(z, 0) + log1p(e^−|z|)`.
# 3. **Its derivative** (`softplus_derivative`): `σ(z)`, finite everywhere, without ever
#    forming `e^z` for a large positive `z`.
# 4. **Leaky ReLU's derivative** (`leaky_relu_derivative`): `1` for `z > 0`, else the
#    negative slope (the library's and TensorFlow's convention at `z = 0`).
# 5. *Experiment.* Predict, then measure with this chapter's `value_and_gradient`: what do
#    the naive sigmoid's value and gradient become at `z = −50`, `−100` and `−1000` in
#    float32? At which `z` does the gradient stop being a number, and why there?
