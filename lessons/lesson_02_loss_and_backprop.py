# %% [markdown]
# # Lesson 02 — Loss functions and backpropagation
#
# Lesson 01 built the neuron `a = f(W·x + b)`. A network learns by changing `W` and `b`
# so that its predictions get better, and "better" needs a number: the **loss**. To
# lower it we need, for every weight, how the loss changes when that weight moves —
# the gradient `∂L/∂W`. **Backpropagation** computes all of them in one backward sweep
# with the chain rule.
#
# This lesson writes that sweep out by hand, in NumPy, for the network of the article
# this course follows — `10 inputs → 5 ReLU units → 1 output`, trained with mean
# squared error on the course's toy data — and checks it twice: against TensorFlow's
# automatic differentiation (`tf.GradientTape`) and against finite differences.
#
# **What you will learn**
#
# - mean squared error and cross-entropy: the formulas, the same numbers as
#   `keras.losses`, and why cross-entropy is computed from *logits*;
# - why, behind a sigmoid, cross-entropy keeps learning where MSE stalls;
# - backpropagation layer by layer: `δ2 = ∂L/∂z2`, `∂L/∂W2 = a1ᵀ·δ2`,
#   `δ1 = (δ2·W2ᵀ) ⊙ relu'(z1)`, `∂L/∂W1 = xᵀ·δ1` — and what the article's shorthand
#   "`∇L·w`" leaves out;
# - how to trust a gradient: compare with `GradientTape` and with a finite-difference
#   check in float64;
# - plain gradient descent `W ← W − η·∂L/∂W` with those hand-made gradients.

# %%
import keras
import numpy as np
import tensorflow as tf

from custom_layers import activations, losses
from custom_layers.layers import Dense
from datasets import toy
from lessons import backprop_plots, common

# %% tags=["parameters"]
args = common.setup("02", "Lesson 02: loss functions and backpropagation", epochs=300)
steps = min(args.epochs, 60) if args.quick else args.epochs
rng = np.random.default_rng(args.seed)
metrics = {}

# %% [markdown]
# ## 1. Loss functions
#
# For `n` targets `y` and predictions `ŷ`:
#
# - **mean squared error** (regression, and the article's choice):
#   `MSE = 1/n Σ (y_i − ŷ_i)²`;
# - **binary cross-entropy** (one probability `p` of class 1 per example):
#   `BCE = −1/n Σ [y_i·log p_i + (1 − y_i)·log(1 − p_i)]`;
# - **sparse categorical cross-entropy** (probabilities `p_i` over classes, integer
#   label `y_i`): `CE = −1/n Σ log p_i[y_i]`, the log-probability given to the right class.
#
# Cross-entropy punishes a confident wrong answer without bound (`−log p → ∞` as
# `p → 0`). Keras clips `p` to `[ε, 1 − ε]` with `ε = 1e-7` before taking the log, and
# so does the library. Each loss three ways on a small batch — the formula in NumPy,
# `custom_layers.losses`, and `keras.losses`:

# %%
y = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]], dtype=np.float32)
p = np.array([[0.9], [0.2], [0.6], [0.45], [0.01]], dtype=np.float32)
labels = np.array([0, 2, 1], dtype=np.int32)
class_probabilities = np.array(
    [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.25, 0.5]], dtype=np.float32
)
epsilon = keras.config.epsilon()
p_clipped = np.clip(p, epsilon, 1 - epsilon)
loss_rows = {  # metric key: (NumPy formula, ours, Keras)
    "mean": (
        np.mean((y - p) ** 2),
        losses.MeanSquaredError()(y, p),
        keras.losses.MeanSquaredError()(y, p),
    ),
    "binary": (
        -np.mean(y * np.log(p_clipped) + (1 - y) * np.log(1 - p_clipped)),
        losses.BinaryCrossentropy()(y, p),
        keras.losses.BinaryCrossentropy()(y, p),
    ),
    "sparse_ce": (
        -np.mean(np.log(class_probabilities[np.arange(3), labels])),
        losses.SparseCategoricalCrossentropy()(labels, class_probabilities),
        keras.losses.SparseCategoricalCrossentropy()(labels, class_probabilities),
    ),
}
shown_as = {"mean": "MSE", "binary": "BCE", "sparse_ce": "sparse CE"}
print(f"{'loss':10s} {'NumPy':>10s} {'ours':>10s} {'keras':>10s}")
worst = 0.0
for key, values in loss_rows.items():
    by_hand, ours, theirs = (float(v) for v in values)
    print(f"{shown_as[key]:10s} {by_hand:10.7f} {ours:10.7f} {theirs:10.7f}")
    metrics[f"loss_{key}_custom"], metrics[f"loss_{key}_keras"] = ours, theirs
    worst = max(worst, abs(ours - theirs), abs(by_hand - theirs))
print(f"largest |difference| between the three: {worst:.1e}")
metrics["loss_max_abs_diff_vs_keras"] = worst

# %% [markdown]
# ### From logits
#
# A classifier's last layer usually outputs a raw score `z` (a **logit**) and
# `p = σ(z)`. Computing `σ(z)` and then `log p` fails in float32 for large `|z|`:
# `σ(−1e4)` is exactly 0 and `log 0 = −∞`. Written in `z` directly, the same loss is
#
# `BCE(z, y) = softplus(z) − y·z = max(z, 0) − y·z + log(1 + e^−|z|)`,
#
# which only exponentiates `−|z|` and is finite for every `z`. (For many classes the
# same trick is the log-sum-exp: `−log softmax(z)_y = log Σ_j e^z_j − z_y`, computed after
# subtracting `max z`.) That is what `from_logits=True` selects. At extreme logits:

# %%
z = np.array([[-1e4], [-20.0], [0.0], [20.0], [1e4]], dtype=np.float32)
y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]], dtype=np.float32)
with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
    p = 1.0 / (1.0 + np.exp(-z))
    naive = -(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.0  # + 0.0 turns −0 into 0
ours = np.asarray(losses.binary_crossentropy(y, z, from_logits=True))
theirs = np.asarray(keras.losses.binary_crossentropy(y, z, from_logits=True))
print(f"{'z':>8s} {'y':>3s} {'naive float32':>14s} {'from_logits':>12s} {'keras':>12s}")
for row in zip(z[:, 0], y[:, 0], naive[:, 0], ours, theirs, strict=True):
    print("{:>8g} {:>3g} {:>14g} {:>12g} {:>12g}".format(*row))
metrics["bce_logits_all_finite"] = bool(np.all(np.isfinite(ours)))
metrics["bce_logits_naive_nonfinite_count"] = int(np.sum(~np.isfinite(naive)))
metrics["bce_logits_max_abs_diff_vs_keras"] = float(np.max(np.abs(ours - theirs)))

# %% [markdown]
# ### Which loss behind a sigmoid?
#
# The article trains its network with MSE. For a probability output `p = σ(z)` and
# target `y = 1`, the chain rule gives the slope with respect to the logit:
#
# - MSE: `∂(1 − p)²/∂z = −2(1 − p)·σ'(z) = −2(1 − p)·p(1 − p)`;
# - BCE: `∂(−log p)/∂z = −σ'(z)/p = −p(1 − p)/p = p − 1`.
#
# When the network is confidently wrong (`z ≪ 0`, so `p ≈ 0`), MSE's slope carries the
# factor `p`, while cross-entropy's `σ'` cancels. Measured with `GradientTape`:


# %%
def loss_slopes(z_values):
    """dL/dz for target 1 through p = σ(z): MSE vs binary cross-entropy, via GradientTape."""
    z = tf.constant(z_values, dtype=tf.float32)
    ones = tf.ones_like(z)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        p = activations.sigmoid(z)
        mse = tf.reduce_sum(tf.square(ones - p))  # the sum, so each slope is per example
        bce = tf.reduce_sum(losses.binary_crossentropy(ones[:, None], z[:, None], from_logits=True))
    return np.asarray(tape.gradient(mse, z)), np.asarray(tape.gradient(bce, z))


mse_slope, bce_slope = loss_slopes(np.array([-10.0, 0.0], dtype=np.float32))
print(
    f"dL/dz at z = −10 (target 1): MSE {mse_slope[0]:.2e}, BCE {bce_slope[0]:.4f}; "
    f"at z = 0: MSE {mse_slope[1]:.3f}, BCE {bce_slope[1]:.3f}"
)
print(f"at z = −10, BCE's slope is {abs(bce_slope[0] / mse_slope[0]):.0f} times MSE's")
metrics.update(
    mse_slope_at_logit_minus10=float(mse_slope[0]),
    bce_slope_at_logit_minus10=float(bce_slope[0]),
)
common.show(backprop_plots.plot_losses(loss_slopes), "losses.png")

# %% [markdown]
# ## 2. Backpropagation by hand
#
# The article's network, for a batch `x` of shape `(n, 10)`:
#
# ```
# z1 = x·W1 + b1        (n, 5)     W1: (10, 5), b1: (5,)
# a1 = relu(z1)         (n, 5)
# z2 = a1·W2 + b2       (n, 1)     W2: (5, 1),  b2: (1,)
# ŷ  = z2               (n, 1)     (no activation on the output, as in the article)
# L  = 1/n Σ (ŷ − y)²
# ```
#
# Backpropagation walks this list from the bottom up. At each step it holds `δ`, the
# gradient of `L` with respect to a layer's pre-activation `z`, and uses the chain rule:
#
# ```
# ∂L/∂ŷ  = 2(ŷ − y)/n                       (n, 1)
# δ2     = ∂L/∂z2 = ∂L/∂ŷ · ∂ŷ/∂z2 = ∂L/∂ŷ    (the output is linear: ∂ŷ/∂z2 = 1)
# ∂L/∂W2 = a1ᵀ·δ2                           (5, 1)   each weight: its input times the error
# ∂L/∂b2 = Σ_rows δ2                        (1,)
# δ1     = (δ2·W2ᵀ) ⊙ relu'(z1)             (n, 5)   the error sent back through W2, gated by relu'
# ∂L/∂W1 = xᵀ·δ1                            (10, 5)
# ∂L/∂b1 = Σ_rows δ1                        (5,)
# ```
#
# (`⊙` is the element-wise product; `relu'(z) = 1` where `z > 0`, else 0.)
#
# **About the article's "`∇L·w`".** The article summarises backpropagation as
# multiplying the gradient by the weights. That product is real, but it is the
# *message sent backwards* — `δ2·W2ᵀ`, how the error reaches the previous layer's
# outputs — not the gradient of the weights. A weight's gradient is the *input* it
# multiplies times the error at its output, `a1ᵀ·δ2`; and the message must still pass
# through the activation's derivative (`⊙ relu'(z1)`) before it becomes `δ1`. The
# shapes tell the story: `∂L/∂W2` must have `W2`'s shape `(5, 1)`, which `a1ᵀ·δ2` has.


# %%
def init_parameters(rng, dtype=np.float32):
    """Glorot-uniform weights and zero biases, as keras.layers.Dense starts."""

    def glorot(fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=(fan_in, fan_out))

    parameters = {"W1": glorot(10, 5), "b1": np.zeros(5), "W2": glorot(5, 1), "b2": np.zeros(1)}
    return {name: value.astype(dtype) for name, value in parameters.items()}


def forward(parameters, x):
    """The forward pass; returns the prediction and what the backward pass needs."""
    z1 = x @ parameters["W1"] + parameters["b1"]
    a1 = np.maximum(z1, 0)
    z2 = a1 @ parameters["W2"] + parameters["b2"]
    return z2, {"x": x, "z1": z1, "a1": a1, "y_hat": z2}


def mse(y_hat, y):
    return np.mean((y_hat - y) ** 2)


def backward(parameters, cache, y):
    """Gradients of the MSE with respect to every parameter, by the chain rule."""
    n = y.shape[0]
    dloss_dyhat = 2.0 * (cache["y_hat"] - y) / n
    delta2 = dloss_dyhat  # ∂ŷ/∂z2 = 1
    grad_W2 = cache["a1"].T @ delta2
    grad_b2 = delta2.sum(axis=0)
    delta1 = (delta2 @ parameters["W2"].T) * (cache["z1"] > 0)
    grad_W1 = cache["x"].T @ delta1
    grad_b1 = delta1.sum(axis=0)
    return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}


(x_train, y_train), (x_test, y_test) = toy.load_data(seed=0)
parameters = init_parameters(rng)
y_hat, cache = forward(parameters, x_train)
manual = backward(parameters, cache, y_train)
print(f"x {x_train.shape}, y {y_train.shape}; loss at the start {mse(y_hat, y_train):.7f}")
metrics["initial_loss"] = float(mse(y_hat, y_train))

# %% [markdown]
# ### Check 1: against `tf.GradientTape`
#
# The same network from `custom_layers` (two `Dense` layers, the same weights), the
# library's `MeanSquaredError`, and TensorFlow's automatic differentiation. Both run
# in float32, so they may differ by rounding only.

# %%
model = keras.Sequential(
    [keras.Input((10,)), Dense(5, activation="relu"), Dense(1)], name="article_net"
)
parameter_names = ("W1", "b1", "W2", "b2")  # the order of model.trainable_variables
model.set_weights([parameters[name] for name in parameter_names])
with tf.GradientTape() as tape:
    tape_loss = losses.MeanSquaredError()(y_train, model(x_train))
tape_grads = dict(
    zip(parameter_names, tape.gradient(tape_loss, model.trainable_variables), strict=True)
)
for name, grad in manual.items():
    print(
        f"∂L/∂{name:2s} shape {str(grad.shape):8s} |largest| {np.max(np.abs(grad)):.5f}   "
        f"max |manual − tape| {np.max(np.abs(grad - tape_grads[name])):.1e}"
    )
difference = max(float(np.max(np.abs(manual[k] - tape_grads[k]))) for k in manual)
print(f"loss with GradientTape {float(tape_loss):.7f}; max |manual − tape| {difference:.2e}")
metrics["max_abs_grad_diff_tape_vs_manual"] = difference

# %% [markdown]
# ### Check 2: finite differences
#
# Independent of any autodiff: nudge one parameter by `±h` and watch the loss,
#
# `∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h`,
#
# whose error shrinks like `h²`. In float32 the subtraction would lose most digits, so
# this check runs in float64 (`h = 1e-6`) over all 61 parameters and reports the
# largest relative error `|analytic − numeric| / max(|analytic|, |numeric|)`.


# %%
def finite_difference_check(parameters, x, y, h=1e-6):
    """Max relative error between backward() and central differences, in float64."""
    parameters = {name: value.astype(np.float64) for name, value in parameters.items()}
    x, y = x.astype(np.float64), y.astype(np.float64)
    analytic = backward(parameters, forward(parameters, x)[1], y)
    worst = 0.0
    for name, value in parameters.items():
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + h
            loss_plus = mse(forward(parameters, x)[0], y)
            value[index] = original - h
            loss_minus = mse(forward(parameters, x)[0], y)
            value[index] = original
            numeric = (loss_plus - loss_minus) / (2 * h)
            exact = analytic[name][index]
            scale = max(abs(exact), abs(numeric), 1e-12)
            worst = max(worst, abs(exact - numeric) / scale)
    return worst


relative = finite_difference_check(parameters, x_train, y_train)
print(f"max relative error vs central finite differences (float64): {relative:.2e}")
metrics["max_rel_error_finite_difference"] = relative

# %% [markdown]
# ## 3. Gradient descent with the hand-made gradients
#
# With gradients in hand, the simplest optimizer is plain gradient descent: every
# parameter takes a small step against its gradient, `θ ← θ − η·∂L/∂θ`, with learning
# rate `η = 0.1`. One step per pass over the whole training set (full batch). Lesson 03
# builds better optimizers; here it is enough to watch the loss. Accuracy counts the
# examples on the right side of the 0.5 threshold.

# %%
trained = {name: value.copy() for name, value in parameters.items()}
curve = []
for _ in range(steps):
    y_hat, cache = forward(trained, x_train)
    curve.append(float(mse(y_hat, y_train)))
    grads = backward(trained, cache, y_train)
    for name in trained:
        trained[name] -= 0.1 * grads[name]
curve.append(float(mse(forward(trained, x_train)[0], y_train)))


def accuracy(parameters, x, y):
    return float(np.mean((forward(parameters, x)[0] > 0.5) == (y > 0.5)))


train_accuracy, test_accuracy = (
    accuracy(trained, x_train, y_train),
    accuracy(trained, x_test, y_test),
)
print(
    f"{steps} steps: training MSE {curve[0]:.4f} → {curve[-1]:.4f}; accuracy at 0.5: "
    f"train {train_accuracy:.3f}, test {test_accuracy:.3f}"
)
metrics.update(
    gd_steps=steps,
    gd_loss_start=curve[0],
    gd_loss_end=curve[-1],
    gd_train_accuracy=train_accuracy,
    gd_test_accuracy=test_accuracy,
)
common.show(backprop_plots.plot_descent(curve), "gradient_descent.png")

# %% [markdown]
# ## Summary
#
# - MSE and cross-entropy, three ways, give the same numbers; cross-entropy from logits
#   stays finite where the naive formula does not.
# - Behind a sigmoid, MSE's slope at the logit carries `σ'`; cross-entropy's does not.
# - Backpropagation is the chain rule applied from the output back: a weight's gradient
#   is its input times the error at its output; the error travels back through `Wᵀ` and
#   the activation's derivative.
# - A hand-written gradient is trusted only after two checks: autodiff and finite
#   differences.

# %%
print(
    f"This run: manual vs GradientTape {difference:.1e}, vs finite differences {relative:.1e} "
    f"(relative); {steps} steps of gradient descent took the training MSE from "
    f"{curve[0]:.3f} to {curve[-1]:.3f}."
)
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are in `exercises/lesson_02.py`; grade them with
# `make exercise-02` (solutions: [solutions/lesson_02.py](../solutions/lesson_02.py)).
#
# 1. **Binary cross-entropy from logits** (`bce_from_logits`): the mean of
#    `max(z, 0) − y·z + log1p(e^−|z|)`, finite for `z = ±1e4`.
# 2. **Backprop with a tanh hidden layer** (`tanh_net_gradients`): the network of section
#    2 with `tanh` instead of ReLU (`tanh'(z) = 1 − tanh²(z)`); return all four gradients.
# 3. **Softmax cross-entropy's gradient** (`softmax_ce_gradient`): for logits `z` (n, k)
#    and integer labels, `∂CE/∂z = (softmax(z) − onehot(y)) / n`.
# 4. *Experiment.* Change the learning rate of section 3 to 0.5, then 1.0. Predict first:
#    does the loss still go down? Measure, and explain with the curvature of the loss.
