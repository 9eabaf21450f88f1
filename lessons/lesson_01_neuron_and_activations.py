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
# is what lets a network bend. This lesson computes one neuron by hand and with the
# course's `Dense` layer, then meets the activation functions in use today — sigmoid,
# tanh, ReLU, leaky ReLU, ELU, GELU, swish, softplus and softmax — together with their
# derivatives, because training (lesson 02) runs on derivatives.
#
# **What you will learn**
#
# - what `f(W·x + b)` computes, number by number, and that `custom_layers.layers.Dense`
#   computes exactly that;
# - the shape of each activation and of its derivative, and how to check a hand-written
#   derivative against TensorFlow's automatic differentiation (`tf.GradientTape`);
# - **saturation**: why sigmoid and tanh stop passing gradient for large `|z|` while
#   ReLU does not;
# - why a formula that is right on paper can still return `inf` or `nan` in float32,
#   and how the library's versions avoid it.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers import activations
from custom_layers.layers import Dense
from lessons import common

# %% [markdown]
# ## 1. One neuron, by hand
#
# Take an input with three features `x = (x₁, x₂, x₃)`, three weights `w` and a bias
# `b`. The neuron first forms the weighted sum
#
# `z = w₁x₁ + w₂x₂ + w₃x₃ + b = W·x + b`
#
# and then applies the activation, here the sigmoid `σ(z) = 1 / (1 + e^−z)`, which
# squashes any number into (0, 1). We do it with plain NumPy first, so that nothing
# is hidden.


# %%
def neuron_by_hand(x, weights, bias):
    """z = W·x + b, then a = σ(z), in NumPy (float32, like the layer)."""
    z = np.dot(weights, x) + bias
    a = 1.0 / (1.0 + np.exp(-z))
    return z, a


# %% [markdown]
# The same neuron as a layer: `Dense(1)` holds a `kernel` of shape `(3, 1)` (the
# weights as a column) and a `bias` of shape `(1,)`, and expects a *batch* of inputs,
# shape `(batch, 3)`, so we add a batch axis of size one. `Dense(units)` is simply
# `units` such neurons side by side, all reading the same input.


# %%
def neuron_with_dense(x, weights, bias):
    """The same computation through custom_layers.layers.Dense(1, activation="sigmoid")."""
    layer = Dense(1, activation="sigmoid")
    layer.build((None, len(x)))
    layer.set_weights([weights.reshape(-1, 1), np.array([bias], dtype=np.float32)])
    return float(layer(x[None, :])[0, 0])


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
#
# A hand-written derivative is easy to get wrong, so we check each one against
# `tf.GradientTape`, which differentiates the activation's own code automatically.

# %%
PLOTTED = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish", "softplus"]


def softmax_pair(z):
    """First entry of softmax((z, 0)) and its derivative ∂s₀/∂z (a Jacobian entry)."""
    pairs = tf.stack([z, tf.zeros_like(z)], axis=-1)
    probability = activations.softmax(pairs)[:, 0]
    slope = activations.softmax_jacobian(pairs)[:, 0, 0]
    return probability, slope


def values_and_derivatives(z):
    """Each activation's values and hand-written derivative on the grid z."""
    table = {}
    for name in PLOTTED:
        table[name] = (activations.ACTIVATIONS[name](z), activations.DERIVATIVES[name](z))
    table["softmax"] = softmax_pair(z)
    return {name: (np.asarray(v), np.asarray(d)) for name, (v, d) in table.items()}


def tape_derivative(name, z):
    """The derivative as tf.GradientTape computes it from the activation's code."""
    with tf.GradientTape() as tape:
        tape.watch(z)
        if name == "softmax":
            values = softmax_pair(z)[0]
        else:
            values = activations.ACTIVATIONS[name](z)
    # Each output depends on its own input only, so the gradient of the sum is f'(z).
    return np.asarray(tape.gradient(values, z))


def plot_activations(z, table):
    fig, axes = plt.subplots(3, 3, figsize=(12, 10), sharex=True)
    for axis, (name, (values, slope)) in zip(axes.flat, table.items(), strict=True):
        axis.plot(z, values, label="f(z)", linewidth=2)
        axis.plot(z, slope, label="f'(z)", linestyle="--")
        axis.axhline(0, color="grey", linewidth=0.5)
        axis.axvline(0, color="grey", linewidth=0.5)
        title = "softmax((z, 0))[0]" if name == "softmax" else name
        axis.set_title(title)
        axis.set_ylim(-1.5, 3.0)
        axis.legend(loc="upper left", fontsize=8)
    for axis in axes[-1]:
        axis.set_xlabel("z")
    fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
    fig.tight_layout()
    return fig


# %% [markdown]
# ## 3. Saturation
#
# During training every weight's gradient is a product of such derivatives, one per
# layer (lesson 02). Look at the sigmoid's: at most `σ'(0) = 0.25`, and for large
# `|z|` almost zero — `σ'(10) = σ(10)(1 − σ(10)) ≈ 4.5e-5`. A neuron whose `z` sits
# there is **saturated**: whatever the error, it barely changes its weights. tanh
# saturates the same way (its maximum slope is 1, at 0), while ReLU's slope is exactly
# 1 for every positive `z`. That one fact is most of why deep networks moved to ReLU
# and its smooth cousins (GELU, swish). (At exactly `z = 0` ReLU has no slope;
# TensorFlow, and the library, use 0 there.)
#
# We tabulate the slopes in float64, the exact-arithmetic view. In float32, which is
# what training uses, it is even worse: `tanh(10)` rounds to exactly 1, so
# `1 − tanh²(10)` comes out as 0 instead of about 8e-9.

# %%
SATURATION_POINTS = (0.0, 2.0, 5.0, 10.0)


def saturation_table(dtype=tf.float64):
    """f'(z) of sigmoid, tanh and ReLU at z = 0, 2, 5, 10, from GradientTape."""
    z = tf.constant(SATURATION_POINTS, dtype=dtype)
    return {name: tape_derivative(name, z) for name in ("sigmoid", "tanh", "relu")}


def plot_saturation():
    z = tf.constant(np.linspace(0.05, 12.0, 240), dtype=tf.float64)
    fig, axis = plt.subplots(figsize=(7, 4))
    for name in ("sigmoid", "tanh", "relu"):
        axis.semilogy(z, activations.DERIVATIVES[name](z), label=name)
    axis.set_xlabel("z")
    axis.set_ylabel("f'(z) (log scale)")
    axis.set_title("Saturation: the slope of sigmoid and tanh vanishes; ReLU's stays 1")
    axis.legend()
    return fig


# %% [markdown]
# ## 4. Right on paper, wrong in float32
#
# `1 / (1 + e^−z)` is the sigmoid, but at `z = −1e4` the computer must first form
# `e^10000`, which is `inf` in float32 (the largest float32 is about 3.4e38). The value
# still comes out as 0, yet its gradient is `inf/inf = nan`, and one `nan` poisons a
# whole training run. `log(1 + e^z)` (softplus) overflows the same way at `z = 1e4`.
# The library uses forms that only ever exponentiate `−|z|`:
#
# - `σ(z) = 1/(1 + e^−z)` for `z ≥ 0`, `e^z/(1 + e^z)` for `z < 0`;
# - `softplus(z) = max(z, 0) + log(1 + e^−|z|)`.
#
# (A `where` that picks the good branch is not enough on its own: autodiff still
# differentiates the discarded branch, and `0 · inf = nan`. So both branches must be
# finite, as they are above.)


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


def extremes():
    """Values and gradients at z = ±1e4: the naive formulas versus the library's."""
    rows = {}
    for label, function, value in (
        ("naive sigmoid", naive_sigmoid, -1e4),
        ("library sigmoid", activations.sigmoid, -1e4),
        ("naive softplus", naive_softplus, 1e4),
        ("library softplus", activations.softplus, 1e4),
    ):
        rows[label] = (value, *value_and_gradient(function, value))
    return rows


# %% [markdown]
# ## 5. Run the lesson
#
# `main()` does all of the above in order, prints the figures, and writes
# `activations.png`, `saturation.png` and `metrics.json` to `outputs/lesson-01/`.


# %%
def main(argv=None):
    args = common.parse_args(argv, "Lesson 01: the neuron and activation functions")
    out = common.start("01", args)
    rng = np.random.default_rng(args.seed)
    metrics = {}

    print("1. One neuron: a = sigmoid(W·x + b)")
    x = rng.normal(size=3).astype(np.float32)
    weights = rng.normal(size=3).astype(np.float32)
    bias = np.float32(rng.normal())
    z, a_numpy = neuron_by_hand(x, weights, bias)
    a_dense = neuron_with_dense(x, weights, bias)
    print(f"   x = {np.round(x, 4)}, W = {np.round(weights, 4)}, b = {bias:.4f}")
    print(f"   z = W·x + b = {z:.6f}")
    print(
        f"   a by hand (NumPy) = {a_numpy:.7f}   a from Dense = {a_dense:.7f}   "
        f"|difference| = {abs(a_numpy - a_dense):.1e}"
    )
    metrics.update(
        neuron_z=float(z),
        neuron_output_numpy=float(a_numpy),
        neuron_output_dense=a_dense,
        neuron_abs_diff_numpy_vs_dense=float(abs(a_numpy - a_dense)),
    )
    outputs = {name: float(activations.ACTIVATIONS[name](np.float32([z]))[0]) for name in PLOTTED}
    print(
        "   the same z through each activation: "
        + ", ".join(f"{name} {value:.4f}" for name, value in outputs.items())
    )

    print("\n2. Activations and derivatives (hand-written f' vs GradientTape, max |difference|)")
    points = 401 if args.quick else 2001
    z_grid = tf.constant(np.linspace(-6.0, 6.0, points), dtype=tf.float32)
    table = values_and_derivatives(z_grid)
    worst = 0.0
    for name, (_, slope) in table.items():
        difference = float(np.max(np.abs(slope - tape_derivative(name, z_grid))))
        worst = max(worst, difference)
        metrics[f"derivative_vs_tape_max_abs_{name}"] = difference
        print(f"   {name:11s} {difference:.1e}")
    metrics["derivative_vs_tape_max_abs"] = worst
    common.save_figure(plot_activations(np.asarray(z_grid), table), out, "activations.png")

    print("\n3. Saturation: f'(z) from GradientTape (float64)")
    slopes = saturation_table()
    print("   z         " + "".join(f"{p:>12g}" for p in SATURATION_POINTS))
    for name, row in slopes.items():
        print(f"   {name:9s} " + "".join(f"{value:12.3e}" for value in row))
        for point, value in zip(SATURATION_POINTS, row, strict=True):
            metrics[f"grad_{name}_at_{point:g}"] = float(value)
    ratio = float(slopes["sigmoid"][-1] / slopes["sigmoid"][0])
    print(f"   sigmoid's slope at z = 10 is {ratio:.1e} of its slope at 0; ReLU's is unchanged.")
    metrics["sigmoid_grad_ratio_10_vs_0"] = ratio
    tanh_float32 = float(saturation_table(tf.float32)["tanh"][-1])
    print(f"   in float32, tanh'(10) = {tanh_float32:g} (tanh(10) rounds to exactly 1).")
    metrics["grad_tanh_at_10_float32"] = tanh_float32
    common.save_figure(plot_saturation(), out, "saturation.png")

    print("\n4. At the extremes (float32): value and gradient")
    for label, (value, y, slope) in extremes().items():
        print(f"   {label:17s} z = {value:+.0e}: f = {y:<10g} f' = {slope:g}")
        key = label.replace(" ", "_")
        metrics[f"{key}_finite"] = bool(np.isfinite(y) and np.isfinite(slope))

    print("\n5. Softmax turns scores into probabilities")
    scores = tf.constant([[2.0, 1.0, 0.1]])
    ours = np.asarray(activations.softmax(scores))[0]
    theirs = np.asarray(keras.activations.softmax(scores))[0]
    print(
        f"   softmax([2, 1, 0.1]) = {np.round(ours, 4)} (sum {ours.sum():.6f}); "
        f"keras: {np.round(theirs, 4)}, max |difference| {np.max(np.abs(ours - theirs)):.1e}"
    )
    metrics.update({f"softmax_example_p{i}": float(p) for i, p in enumerate(ours)})
    metrics["softmax_example_abs_diff_vs_keras"] = float(np.max(np.abs(ours - theirs)))

    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
