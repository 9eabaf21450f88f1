# %% [markdown]
# # Lesson 15 — Appendix: a scalar autograd engine from scratch
#
# Lesson 02 wrote backpropagation by hand for one network: four lines of chain rule, each
# derived on paper for that network's layers. `tf.GradientTape` does the same for *any*
# computation on tensors. Between the two sits a small idea worth seeing whole: if every
# number remembers which numbers it was made from, and how, the chain rule can be applied
# mechanically to any expression. This appendix builds that machine for single numbers
# (scalars) in about a hundred lines, then checks it against the tape.
#
# **What you will learn**
#
# - an expression as a graph: each value knows its inputs and its local derivative;
# - why the backward pass visits values in reverse *topological* order, and why gradients
#   are *accumulated* (`+=`) rather than assigned;
# - that this engine, lesson 02's hand-written backprop and `tf.GradientTape` compute the
#   same gradients: checked on an expression and on a small tanh network;
# - gradient descent driven by the engine, step for step equal to the same descent driven
#   by the tape.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from lessons import common
from lessons.scalar_autograd import Value, neuron

# %% tags=["parameters"]
args = common.setup(
    "15", "Lesson 15: a scalar autograd engine from scratch", epochs=300
)  # epochs: gradient-descent steps on the tiny network
steps = 30 if args.quick else args.epochs
metrics = {}

# %% [markdown]
# ## 1. A value that remembers where it came from
#
# `Value` wraps one float. Each operation returns a new `Value` that records its inputs and a
# small `backward` function: given $\partial L/\partial\,\text{out}$, it adds each input's
# share, the **local derivative** times the incoming gradient. For $\text{out} = a\,b$ that is
# $\partial L/\partial a \mathrel{+}= \partial L/\partial\,\text{out}\cdot b$; for
# $\text{out} = \tanh a$ it is $(1-\tanh^2 a)\,\partial L/\partial\,\text{out}$. Here is the
# whole class, as it runs:

# %%
common.show_source(Value)

# %% [markdown]
# Subtraction, division and negation are built from `+`, `*` and `**`, so they need no
# backward function of their own: the graph records them as those simpler steps.
#
# ## 2. One expression, two ways
#
# Take $L = \tanh(a\,b + c)\cdot e^{d} - a/c$ at $a=0.5,\ b=-1.5,\ c=2,\ d=0.3$. The engine
# builds the graph while computing $L$; `backward()` then fills every `grad`. The tape
# computes the same expression on float64 tensors. Note that $a$ and $c$ are each used twice:
# their gradients are sums of two paths.

# %%
point = {"a": 0.5, "b": -1.5, "c": 2.0, "d": 0.3}
leaves = {name: Value(x, name=name) for name, x in point.items()}
a, b, c, d = leaves.values()
loss = (a * b + c).tanh() * d.exp() - a / c
loss.backward()

tensors = {name: tf.Variable(x, dtype=tf.float64) for name, x in point.items()}
with tf.GradientTape() as tape:
    ta, tb, tc, td = tensors.values()
    tape_loss = tf.tanh(ta * tb + tc) * tf.exp(td) - ta / tc
tape_grads = tape.gradient(tape_loss, list(tensors.values()))

print(f"L: engine {loss.data:.12f}   tape {tape_loss.numpy():.12f}")
expression_diff = abs(loss.data - float(tape_loss))
for (name, leaf), grad in zip(leaves.items(), tape_grads, strict=True):
    print(f"  ∂L/∂{name}: engine {leaf.grad:+.12f}   tape {grad.numpy():+.12f}")
    expression_diff = max(expression_diff, abs(leaf.grad - float(grad)))
print(f"largest |engine − tape| over the value and the four gradients: {expression_diff:.1e}")
metrics["expression_max_abs_diff"] = expression_diff

# %% [markdown]
# ## 3. Why the order matters
#
# A value may push its gradient back only once that gradient is complete, that is, after
# every value computed *from* it has pushed its share. Listing each value after its inputs
# (a **topological order**, built by a depth-first search) and walking that list backwards
# guarantees it. Here is the order for the expression above, and what happens with
# assignment instead of `+=`: the last path to arrive overwrites the others.

# %%
order = loss.topological_order()
print(" → ".join(v.name or v.op or f"{v.data:g}" for v in order))
print(f"{len(order)} values; the loss comes last, the leaves first")

# a reaches L along two paths: through tanh(a·b + c)·e^d, and through −a/c.
through_tanh = (
    (1 - np.tanh(point["a"] * point["b"] + point["c"]) ** 2) * point["b"] * np.exp(point["d"])
)
through_division = -1 / point["c"]
print(
    f"∂L/∂a along the tanh path {through_tanh:+.6f}, along the division {through_division:+.6f}, "
    f"sum {through_tanh + through_division:+.6f}; the engine's ∂L/∂a {leaves['a'].grad:+.6f}"
)
print("with '=' instead of '+=', whichever path arrived last would be all that is left")

# %% [markdown]
# ## 4. A tiny network, checked parameter by parameter
#
# Lesson 02's network had named layers and a backward pass written for them. With the engine
# a network is just an expression: a 2-4-1 network of tanh units, $\hat y = \tanh(W_2^\top
# \tanh(W_1^\top x + b_1) + b_2)$, on the four XOR points with targets ±1, and the mean
# squared error. The same initial weights go into a Keras-free TensorFlow version, and every
# one of the 17 parameters' gradients is compared.

# %%
rng = np.random.default_rng(args.seed)
x_xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_xor = np.array([-1.0, 1.0, 1.0, -1.0])
init = {
    "w1": rng.normal(0, 1, (2, 4)),
    "b1": np.zeros(4),
    "w2": rng.normal(0, 1, (4, 1)),
    "b2": np.zeros(1),
}


def engine_parameters(arrays):
    """The network's parameters as nested lists of Values (one Value per number)."""
    return {k: [[Value(x) for x in row] for row in np.atleast_2d(v)] for k, v in arrays.items()}


def engine_loss(params):
    """Mean squared error of the 2-4-1 tanh network, built from Values."""
    w1, b1, w2, b2 = params["w1"], params["b1"][0], params["w2"], params["b2"][0][0]
    total = Value(0.0)
    for x, y in zip(x_xor, y_xor, strict=True):
        hidden = [neuron(list(x), [w1[i][j] for i in range(2)], b1[j]) for j in range(4)]
        output = neuron(hidden, [w2[j][0] for j in range(4)], b2)
        total = total + (output - y) ** 2
    return total / len(x_xor)


def tape_loss_and_grads(variables):
    with tf.GradientTape() as tape:
        hidden = tf.tanh(x_xor @ variables["w1"] + variables["b1"])
        output = tf.tanh(hidden @ variables["w2"] + variables["b2"])[:, 0]
        value = tf.reduce_mean((output - y_xor) ** 2)
    return value, dict(zip(variables, tape.gradient(value, list(variables.values())), strict=True))


def engine_grads(params):
    return {
        k: np.array([[v.grad for v in row] for row in rows]).reshape(init[k].shape)
        for k, rows in params.items()
    }


params = engine_parameters(init)
net_loss = engine_loss(params)
net_loss.backward()
variables = {k: tf.Variable(v, dtype=tf.float64) for k, v in init.items()}
reference_loss, reference_grads = tape_loss_and_grads(variables)
mine = engine_grads(params)
network_diff = max(float(np.max(np.abs(mine[k] - reference_grads[k].numpy()))) for k in mine)
print(f"loss: engine {net_loss.data:.12f}   tape {float(reference_loss):.12f}")
print(f"graph size: {len(net_loss.topological_order())} values for 17 parameters and 4 examples")
print(f"largest |engine − tape| over all 17 parameter gradients: {network_diff:.1e}")
metrics["network_grad_max_abs_diff"] = network_diff
metrics["engine_vs_tape_max_abs_diff"] = max(network_diff, expression_diff)

# %% [markdown]
# ## 5. Learning with the engine
#
# Gradient descent needs nothing more: $w \leftarrow w - \eta\,\partial L/\partial w$ for every
# parameter, then rebuild the graph for the next step. The same steps driven by the tape run
# alongside, so after every step we can compare the two losses.

# %%
learning_rate = 0.2
engine_curve, tape_curve = [], []
current = init
for _ in range(steps):
    params = engine_parameters(current)
    step_loss = engine_loss(params)
    step_loss.backward()
    grads = engine_grads(params)
    current = {
        k: np.array([[v.data for v in row] for row in params[k]]).reshape(init[k].shape)
        - learning_rate * grads[k]
        for k in params
    }
    engine_curve.append(step_loss.data)
    value, tape_grads_now = tape_loss_and_grads(variables)
    for k, variable in variables.items():
        variable.assign_sub(learning_rate * tape_grads_now[k])
    tape_curve.append(float(value))

curve_diff = float(np.max(np.abs(np.array(engine_curve) - np.array(tape_curve))))
final_params = engine_parameters(current)
predictions = []
for x in x_xor:
    hidden = [
        neuron(list(x), [final_params["w1"][i][j] for i in range(2)], final_params["b1"][0][j])
        for j in range(4)
    ]
    predictions.append(
        neuron(hidden, [final_params["w2"][j][0] for j in range(4)], final_params["b2"][0][0]).data
    )
correct = int(np.sum(np.sign(predictions) == y_xor))
print(
    f"{steps} steps: loss {engine_curve[0]:.4f} → {engine_curve[-1]:.4f} (engine), "
    f"{tape_curve[-1]:.4f} (tape); largest |difference| along the way {curve_diff:.1e}"
)
print(
    f"XOR points classified correctly by sign: {correct} of 4 "
    f"(outputs {', '.join(f'{p:+.2f}' for p in predictions)})"
)
metrics.update(
    descent_curve_max_abs_diff=curve_diff,
    final_loss=engine_curve[-1],
    xor_correct=correct,
    steps=steps,
)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(engine_curve, label="engine (Value)", linewidth=3, alpha=0.6)
ax.plot(tape_curve, "--", label="tf.GradientTape")
ax.set(xlabel="gradient-descent step", ylabel="mean squared error", title="Same steps, same losses")
ax.legend()
common.show(fig, "descent.png")

# %% [markdown]
# ## 6. What the tape adds
#
# The engine makes one Python object per number, so the network above needed a graph of
# hundreds of values for 17 parameters; MNIST's CNN would need billions. The tape records
# *tensor* operations instead (one node for a whole matrix product, with its local derivative
# written once as another matrix product, as in lesson 02) and runs them in compiled kernels.
# The bookkeeping — record the inputs, walk back in topological order, accumulate — is the same.


# %%
def seconds_per_gradient(compute, repeats=20):
    started = time.perf_counter()
    for _ in range(repeats):
        compute()
    return (time.perf_counter() - started) / repeats


def engine_gradient():
    engine_loss(engine_parameters(init)).backward()


engine_seconds = seconds_per_gradient(engine_gradient)
tape_seconds = seconds_per_gradient(lambda: tape_loss_and_grads(variables))
print(
    f"one gradient of the §4 loss: engine {1e3 * engine_seconds:.2f} ms for a graph of "
    f"{len(net_loss.topological_order())} Python objects; tape {1e3 * tape_seconds:.2f} ms "
    f"(eager, mostly fixed overhead per op)"
)
metrics.update(engine_ms_per_gradient=1e3 * engine_seconds, tape_ms_per_gradient=1e3 * tape_seconds)

# %% [markdown]
# ## Summary
#
# - An expression graph whose nodes know their inputs and local derivatives is enough to
#   differentiate any expression: walk it backwards in topological order, accumulating.
# - On an expression and on a 2-4-1 network, the engine's gradients equal `tf.GradientTape`'s
#   (the differences printed above are float64 rounding), and gradient descent driven by
#   either follows the same path.
# - Lesson 02's hand-written backprop is this procedure carried out by hand for one network;
#   the tape is this procedure on tensors.

# %%
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# 1. **(graded)** `sigmoid(value)`: add the logistic function as a new operation on `Value`,
#    with its backward pass ($\sigma' = \sigma(1-\sigma)$, accumulated). `make exercise-15`
# 2. **(graded)** `topological_order(graph, root)`: order the nodes of a small graph given as a
#    dictionary so that every node comes after all of its inputs. `make exercise-15`
# 3. Change `+=` to `=` in `Value.__mul__`'s backward and rerun §2: predict which gradients
#    change, then check.
# 4. Time one engine step against one tape step for the network of §4, then for a 2-64-1
#    network. How does each grow with the number of parameters?
#
# Solutions: [solutions/lesson_15.py](../solutions/lesson_15.py).
