# %% [markdown]
# # Lesson 16 — Appendix: the article's FAQ, answered by experiment
#
# The article this course follows ends with three questions — *why do we need activation
# functions?*, *which optimizers are common?*, *how do I choose an activation?* — and a list
# of tools. This appendix answers the questions in the article's order, each with an
# experiment run right here on small two-feature problems whose decision boundaries can be
# drawn, and with pointers to the chapters where the same question was measured on real data.
# It ends with the tools: what each is for, and the article's PyTorch program beside its Keras
# port.
#
# **What you will learn**
#
# - that a stack of linear layers *is* one linear layer (the product of its weight matrices),
#   and what that costs on XOR and two moons — and what one non-linear hidden layer buys;
# - what the common optimizers do on the same small problem, from the same initial weights;
# - what an activation changes in a deeper network, and where the course measured it on MNIST;
# - where PyTorch, TensorFlow, Keras, fast.ai and Coursera's course fit, and how this course
#   relates to them.

# %%
import importlib.util

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers
from custom_layers.layers import Dense
from datasets import planar
from lessons import common, decision_plots, recorded

# %% tags=["parameters"]
args = common.setup("16", "Lesson 16: the article's FAQ, answered by experiment", epochs=300)
epochs = 40 if args.quick else args.epochs  # full-batch steps for every small model
rng = np.random.default_rng(args.seed)
metrics = {}

# %% [markdown]
# ## 1. Why do we need activation functions?
#
# A layer without an activation computes $x W + b$. Two such layers compute
# $(x W_1 + b_1) W_2 + b_2 = x\,(W_1 W_2) + (b_1 W_2 + b_2)$: again one linear map. However
# many layers we stack, the network equals a single layer with weight $W = W_1 W_2 \cdots W_L$
# and a matching bias. We check it on a 2 → 8 → 8 → 1 stack of the course's `Dense` layers.


# %%
def linear_stack(widths=(8, 8)):
    """Dense layers with no activation: 2 → 8 → 8 → 1 (a logit)."""
    layers = [keras.Input((2,))] + [Dense(w) for w in widths] + [Dense(1)]
    return keras.Sequential(layers, name="linear_stack")


stack = linear_stack()
weight, bias = np.eye(2, dtype=np.float64), np.zeros(2)
for layer in stack.layers:
    kernel, layer_bias = (v.numpy().astype(np.float64) for v in layer.weights)
    weight, bias = weight @ kernel, bias @ kernel + layer_bias  # fold one more layer in
probe = rng.normal(size=(1000, 2)).astype(np.float32)
collapse_diff = float(np.max(np.abs(stack(probe).numpy() - (probe @ weight + bias))))
print(
    f"W = W1·W2·W3 has shape {weight.shape}; max |stack(x) − (x·W + b)| over 1000 points: "
    f"{collapse_diff:.1e}"
)
metrics["linear_collapse_max_abs_diff"] = collapse_diff

# %% [markdown]
# So the stack can only draw a straight line between the classes. Two problems where no
# straight line works: **XOR** (four noisy clusters, the label is whether exactly one
# coordinate is positive) and **two moons**. We train the linear stack and a network with
# *one* hidden layer of 32 ReLU units on each, from 400 training points, and score both on
# 1000 fresh test points. Same optimizer (the course's Adam, learning rate 0.02), same number
# of full-batch steps.

# %%
LOSS = losses.BinaryCrossentropy(from_logits=True)


def hidden_layer_net(activation="relu", width=32):
    return keras.Sequential([keras.Input((2,)), Dense(width, activation=activation), Dense(1)])


def train(model, x, y, optimizer, steps=epochs):
    """Full-batch gradient steps (the GradientTape loop of lesson 04); the loss at every step."""
    x, y = tf.constant(x), tf.constant(y[:, None])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = LOSS(y, model(x, training=True))
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return loss

    return [float(step()) for _ in range(steps)]


def accuracy(model, x, y):
    return float(np.mean((model(x).numpy()[:, 0] > 0) == (y > 0.5)))


def probability(model):
    return lambda points: tf.sigmoid(model(points)).numpy()


problems = {
    "xor": (planar.make_xor(400, 0.35, rng), planar.make_xor(1000, 0.35, rng)),
    "moons": (planar.make_moons(400, 0.15, rng), planar.make_moons(1000, 0.15, rng)),
}
panels = []
for name, ((x_train, y_train), (x_test, y_test)) in problems.items():
    for label, model in (("no activation", linear_stack()), ("one ReLU layer", hidden_layer_net())):
        train(model, x_train, y_train, optimizers.Adam(0.02))
        score = accuracy(model, x_test, y_test)
        key = "linear" if label == "no activation" else "hidden"
        metrics[f"{name}_accuracy_{key}"] = score
        title = f"{name}, {label}: test accuracy {score:.1%}"
        panels.append((title, probability(model), x_test, y_test))
    print(
        f"{name:5s}: linear stack {metrics[f'{name}_accuracy_linear']:.1%}, "
        f"one hidden ReLU layer {metrics[f'{name}_accuracy_hidden']:.1%} "
        f"(gain {100 * (score - metrics[f'{name}_accuracy_linear']):+.1f} points)"
    )
fig = decision_plots.decision_panels(panels)
common.show(fig, "decision_boundaries.png")

# %% [markdown]
# In each panel the black curve is where the model's probability crosses ½. Without an
# activation it is a straight line whatever the depth; one hidden ReLU layer bends it. That is
# the whole answer to the first question: the activation is what makes depth worth having.
#
# ## 2. Which optimizers are common?
#
# The four the course builds from scratch (lesson 03): plain **SGD**
# ($w \leftarrow w - \eta g$), **SGD with momentum** (a running sum of gradients), **RMSprop**
# (each weight's step divided by a running root-mean-square of its gradients) and **Adam**
# (both, with bias correction). Here they train the same hidden-layer network on two moons
# from the same initial weights, each with a learning rate typical for it.

# %%
x_train, y_train = problems["moons"][0]
x_test, y_test = problems["moons"][1]
initial = hidden_layer_net()
initial_weights = initial.get_weights()
choices = {
    "SGD (η = 0.5)": lambda: optimizers.SGD(0.5),
    "momentum (η = 0.1, β = 0.9)": lambda: optimizers.SGD(0.1, momentum=0.9),
    "RMSprop (η = 0.01)": lambda: optimizers.RMSprop(0.01),
    "Adam (η = 0.05)": lambda: optimizers.Adam(0.05),
}
curves = {}
for label, make in choices.items():
    model = hidden_layer_net()
    model.set_weights(initial_weights)  # same start for every optimizer
    curves[label] = train(model, x_train, y_train, make())
    score = accuracy(model, x_test, y_test)
    short = label.split(" (")[0].lower()
    metrics[f"optimizer_final_loss_{short}"] = curves[label][-1]
    metrics[f"optimizer_accuracy_{short}"] = score
    print(
        f"{label:28s} loss {curves[label][0]:.3f} → {curves[label][-1]:.3f}, "
        f"test accuracy {score:.1%}"
    )
fastest = min(curves, key=lambda k: curves[k][-1])
print(f"lowest training loss after {epochs} steps: {fastest}")

fig, ax = plt.subplots(figsize=(6.5, 3.5))
for label, curve in curves.items():
    ax.plot(curve, label=label)
ax.set(xlabel="full-batch step", ylabel="training loss", yscale="log", title="Two moons")
ax.legend(fontsize=8)
common.show(fig, "optimizers.png")

# %% [markdown]
# One small problem settles little: a learning rate that suits one optimizer may not suit
# another, and real data is noisier. The chapters measured more carefully: lesson 03 on test
# surfaces (and what Adam's bias correction does to its first steps), lesson 06 on MNIST with
# each optimizer's learning rate chosen on validation data. Their recorded figures:

# %%
lesson_06, source_06 = recorded.metrics("06")
for name, value in recorded.matching(lesson_06, r"optimizer_accuracy_(\w+)").items():
    print(f"  lesson 06, {name}: test accuracy {value:.1%}")
lesson_03, source_03 = recorded.metrics("03")
if "first_step_ratio_no_correction" in lesson_03:
    print(
        f"  lesson 03: without bias correction Adam's first step is "
        f"{lesson_03['first_step_ratio_no_correction']:.2f}× longer"
    )
print(f"(from {source_06}; {source_03})")

# %% [markdown]
# A practical rule that these runs support: start with Adam at its usual learning rate; try
# SGD with momentum when you can afford to tune its learning rate (and a schedule).
#
# ## 3. How do I choose an activation?
#
# An activation's derivative multiplies the backward signal at every layer. Sigmoid's is at
# most ¼, so in a deep network the first layers' gradients shrink; ReLU's is exactly 1 where
# a unit is active. We measure both effects on a 6-hidden-layer network (16 units each) on
# two moons: the ratio of the first layer's gradient norm to the last hidden layer's at
# initialization, and the test accuracy after the same budget, once with plain SGD and once
# with Adam. ReLU-family layers start from
# He initialization, sigmoid and tanh from Glorot (what each was designed for, lesson 06).


# %%
def deep_net(activation, depth=6, width=16):
    init = "he_uniform" if activation in ("relu", "gelu") else "glorot_uniform"
    layers = [keras.Input((2,))]
    layers += [Dense(width, activation=activation, kernel_initializer=init) for _ in range(depth)]
    return keras.Sequential(layers + [Dense(1)])


results = {}
for activation in ("sigmoid", "tanh", "relu", "gelu"):
    scores = {}
    for optimizer_name, make in (
        ("SGD", lambda: optimizers.SGD(0.5)),
        ("Adam", lambda: optimizers.Adam(0.01)),
    ):
        keras.utils.set_random_seed(args.seed)  # the same initial weights for both optimizers
        model = deep_net(activation)
        if optimizer_name == "SGD":
            with tf.GradientTape() as tape:
                loss = LOSS(y_train[:, None], model(x_train))
            kernels = [layer.kernel for layer in model.layers[:-1]]
            norms = [float(tf.norm(g)) for g in tape.gradient(loss, kernels)]
        train(model, x_train, y_train, make())
        scores[optimizer_name] = accuracy(model, x_test, y_test)
    results[activation] = (norms[0] / norms[-1], scores["SGD"], scores["Adam"])
    metrics[f"activation_grad_ratio_{activation}"] = results[activation][0]
    metrics[f"activation_accuracy_sgd_{activation}"] = scores["SGD"]
    metrics[f"activation_accuracy_adam_{activation}"] = scores["Adam"]
    print(
        f"{activation:8s} first/last hidden gradient norm {results[activation][0]:8.2e}; "
        f"test accuracy with SGD {scores['SGD']:.1%}, with Adam {scores['Adam']:.1%}"
    )
smallest = min(results, key=lambda k: results[k][0])
for column, optimizer_name in ((1, "SGD"), (2, "Adam")):
    best = max(results, key=lambda k: results[k][column])
    print(
        f"with {optimizer_name}: best {best} ({results[best][column]:.1%}), "
        f"{smallest} {results[smallest][column]:.1%}"
    )
print(f"most shrunken first-layer gradient: {smallest}")
sigmoid_gap = {
    name: max(r[c] for r in results.values()) - results["sigmoid"][c]
    for c, name in ((1, "SGD"), (2, "Adam"))
}
if sigmoid_gap["Adam"] < sigmoid_gap["SGD"]:
    print(
        f"sigmoid trails the best by {100 * sigmoid_gap['SGD']:.1f} points with SGD but "
        f"{100 * sigmoid_gap['Adam']:.1f} with Adam: Adam divides each step by the gradient's "
        "own size, which hides much of a vanishing gradient"
    )

# %% [markdown]
# The same question on MNIST, with an 8-layer network and several seeds, is lesson 06's; the
# derivatives themselves (and sigmoid's saturation) are plotted in lesson 01:

# %%
for name, value in recorded.matching(lesson_06, r"activation_accuracy_(\w+)").items():
    print(f"  lesson 06, {name}: test accuracy {value:.1%}")
print(f"(from {source_06})")

# %% [markdown]
# The rule of thumb these measurements support: ReLU (or a smooth cousin such as GELU or
# swish) in hidden layers, with He initialization; sigmoid only where a probability is the
# output (and then computed inside the loss, from logits); softmax for several classes.
#
# ## 4. The tools
#
# - **PyTorch** — a Python library of tensors with automatic differentiation and neural-network
#   building blocks, "define by run": the model is ordinary Python code. Dominant in research;
#   the article's code example is written in it.
# - **TensorFlow** — Google's library of tensors, automatic differentiation (`GradientTape`),
#   compilation (`tf.function`, XLA) and deployment (TFLite/LiteRT, serving, `tf.distribute`).
#   This course's engine: lessons 02, 04, 10 and 12 use it directly.
# - **Keras** — the high-level API (layers, losses, optimizers, `fit`) on TensorFlow, JAX or
#   PyTorch. The course's `custom_layers` subclass its base classes, so they drop into any
#   Keras model.
# - **fast.ai** — a library and course on top of PyTorch, "top-down": train a strong model
#   first, open the box later. This course goes the other way, from one neuron up.
# - **Coursera's deep-learning courses** (Andrew Ng's specialization) — lectures with exercises
#   that build networks from NumPy; this course shares the from-scratch spirit, and adds real
#   data loaders, a tested library and locally graded exercises.
#
# The article's program and its Keras port, side by side (lesson 04 runs the port, with the
# course's own layers, loss and Adam, and checks it against `model.fit`):
#
# ```python
# # PyTorch (the article)                  # Keras port (this course's pieces)
# model = nn.Sequential(                    model = keras.Sequential([keras.Input((10,)),
#     nn.Linear(10, 5), nn.ReLU(),              Dense(5, activation="relu"),
#     nn.Linear(5, 1))                          Dense(1)])
# criterion = nn.MSELoss()                  loss = losses.MeanSquaredError()
# optimizer = optim.Adam(                   optimizer = optimizers.Adam(0.01)
#     model.parameters(), lr=0.01)
# for epoch in range(100):                  training.fit(model, data, loss=loss,
#     optimizer.zero_grad()                              optimizer=optimizer, epochs=100)
#     loss = criterion(model(X), y)
#     loss.backward()
#     optimizer.step()
# acc = ((model(X_test) > 0.5).float()      acc = np.mean((model.predict(x_test) > 0.5)
#        == y_test).float().mean()                        == y_test)
# ```
#
# If PyTorch is installed on your machine, the next cell runs both from the same initial
# weights on the same data and compares them; the course never needs it.

# %%
if importlib.util.find_spec("torch") is None:
    print(
        "PyTorch is not installed here: the side-by-side run is skipped "
        "(pip install torch to try it)"
    )
    metrics["torch_compared"] = False
else:
    from lessons import torch_port

    comparison = torch_port.compare(args.seed, steps=epochs)
    print(
        f"after {epochs} full-batch Adam steps: loss PyTorch {comparison['torch_loss']:.6f}, "
        f"Keras {comparison['keras_loss']:.6f}; max |difference| along the way "
        f"{comparison['max_loss_diff']:.1e}"
    )
    metrics.update(torch_compared=True, torch_max_loss_diff=comparison["max_loss_diff"])

# %% [markdown]
# ## Summary
#
# - A stack of layers without activations equals one linear layer (checked to float32
#   rounding above), so it cannot separate XOR or two moons; one non-linear hidden layer can.
# - The common optimizers are SGD, momentum, RMSprop and Adam; the comparison above and the
#   chapters' recorded ones show how much the learning rate and the problem matter.
# - In hidden layers, ReLU-family activations keep the backward signal alive in depth where
#   sigmoid shrinks it (the gradient ratios above); sigmoid and softmax belong at the output.

# %%
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# 1. **(graded)** `collapse(kernels, biases)`: the single layer `(W, b)` equal to a stack of
#    linear layers, $W = W_1 W_2 \cdots W_L$, $b = (\dots(b_1 W_2 + b_2) W_3 + \dots) + b_L$.
#    `make exercise-16`
# 2. **(graded)** `xor_network()`: choose by hand the weights of a 2-2-1 network with a ReLU
#    hidden layer that outputs 1 on (0, 1) and (1, 0) and 0 on (0, 0) and (1, 1).
#    `make exercise-16`
# 3. Rerun §1 with a hidden layer of 2 units, then 4. Predict first: how few units can solve
#    XOR? Two moons?
# 4. In §3, give the sigmoid network He initialization too. Does its gradient ratio change?
#
# Solutions: [solutions/lesson_16.py](../solutions/lesson_16.py).
