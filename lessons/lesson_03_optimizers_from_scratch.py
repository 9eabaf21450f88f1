# %% [markdown]
# # Lesson 03 — Optimizers from scratch
#
# Lesson 02 computed the gradient `g = ∂L/∂w`. An **optimizer** turns that gradient into
# a step. Plain gradient descent steps straight downhill; momentum remembers where it
# was going; RMSprop gives every weight its own step size; Adam does both. The article
# this course follows writes Adam *without* its bias correction: we write the full
# version, keep the article's as an option, and measure what the correction changes.
#
# The optimizers live in `custom_layers/optimizers/` (one module per optimizer): each one is a
# `keras.optimizers.Optimizer` subclass with `__init__`, `build` (one slot variable per
# weight and moment), `update_step` (the rule below, for one weight) and `get_config`.
# Here we watch them walk on two small 2-D surfaces, where a trajectory can be drawn.
#
# **What you will learn**
#
# - the update rules of SGD, momentum, Nesterov momentum, RMSprop and Adam — written
#   exactly as the code computes them;
# - how they behave on an ill-conditioned valley and on the Rosenbrock banana:
#   trajectories on contour plots, loss against step;
# - that the from-scratch optimizers follow the Keras built-ins step for step (the
#   largest weight difference is printed);
# - what Adam's bias correction does, measured: the size of the first steps and the
#   number of steps to reach a tolerance.

# %% [markdown]
# ## 1. The update rules
#
# For a weight `w` with gradient `g` at step `t = 1, 2, …`, learning rate `η`, all
# operations elementwise (each slot variable starts at 0):
#
# | optimizer | update |
# |---|---|
# | SGD | `w ← w − η g` |
# | momentum `μ` | `v ← μ v − η g`, then `w ← w + v` |
# | Nesterov | `v ← μ v − η g`, then `w ← w + μ v − η g` (a look one velocity step ahead) |
# | RMSprop `ρ` | `s ← ρ s + (1 − ρ) g²`, then `w ← w − η g / √(s + ε)` |
# | Adam `β₁, β₂` | `m ← β₁ m + (1 − β₁) g`, `v ← β₂ v + (1 − β₂) g²`, `w ← w − α m / (√v + ε)` |
#
# with `α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)` for Adam with **bias correction** (the default) and
# `α = η` without it (the article's form, `Adam(bias_correction=False)`). The corrected
# form is the paper's `w ← w − η m̂ / (√v̂ + ε′)` with `m̂ = m / (1 − β₁ᵗ)`,
# `v̂ = v / (1 − β₂ᵗ)` and `ε′ = ε / √(1 − β₂ᵗ)`: folding both corrections into the one
# number `α` saves two full-size divisions per step, and it is what
# `keras.optimizers.Adam` computes, so ours matches it bit for bit.
#
# Why the correction? `m` and `v` start at 0, so early on they are too small: after one
# step `m = (1 − β₁) g` and `v = (1 − β₂) g²`. Dividing by `1 − β₁ᵗ` and `1 − β₂ᵗ`
# undoes exactly that. Without it `v` is the more shrunken one (`β₂ = 0.999` is closer to
# 1 than `β₁ = 0.9`), so `m / √v` is too *large*: the first step is
# `η (1 − β₁) / √(1 − β₂) ≈ 3.2 η` instead of `η`.

# %%
import keras
import numpy as np
import tensorflow as tf

from custom_layers import optimizers
from lessons import common, optimizer_plots


def extra(parser):
    parser.add_argument(
        "--scale",
        type=common.float_in(0.0, 100.0, low_open=True),
        default=1.0,
        help="multiply every learning rate by this (default 1)",
    )


# %% tags=["parameters"]
args = common.setup("03", "Lesson 03: optimizers from scratch", extra=extra)
tolerance = 1e-4
metrics = {}

# %% [markdown]
# Here is the code that runs those rules: each optimizer's `update_step`, called by
# Keras once per weight and step with that weight's gradient. First SGD (plain, momentum
# and Nesterov in one method), then RMSprop and Adam:

# %%
common.show_source(optimizers.SGD.update_step)
common.show_source(optimizers.RMSprop.update_step)
common.show_source(optimizers.Adam.update_step)

# %% [markdown]
# ## 2. Two test surfaces
#
# - An **ill-conditioned quadratic** `f(x, y) = ½ (x² + 50 y²)`: a long, narrow valley.
#   Its curvature is 50 times larger across (`y`) than along (`x`), so a step size small
#   enough not to bounce across the valley crawls along it.
# - The **Rosenbrock** function `f(x, y) = (1 − x)² + 100 (y − x²)²`: a curved
#   banana-shaped valley whose floor leads slowly to the minimum at `(1, 1)`.
#
# Both minima are 0. The learning rates below are fixed choices, set by hand once per
# optimizer and surface (no search runs here; try others with the `--scale` option, which
# multiplies them all). `build_optimizer` makes each one from our library or from Keras.


# %%
def quadratic(w):
    return 0.5 * (w[0] ** 2 + 50.0 * w[1] ** 2)


def rosenbrock(w):
    return (1.0 - w[0]) ** 2 + 100.0 * (w[1] - w[0] ** 2) ** 2


SURFACES = {
    "quadratic": dict(
        f=quadratic,
        start=(-4.0, 1.0),
        minimum=(0.0, 0.0),
        steps=300,
        view=((-4.5, 1.0), (-1.2, 1.2)),
        learning_rates={
            "SGD": 0.035,
            "momentum": 0.01,
            "Nesterov": 0.01,
            "RMSprop": 0.03,
            "Adam": 0.05,
            "Adam, no correction": 0.05,
        },
    ),
    "rosenbrock": dict(
        f=rosenbrock,
        start=(-1.5, 2.0),
        minimum=(1.0, 1.0),
        steps=2000,
        view=((-2.0, 2.0), (-0.5, 3.0)),
        learning_rates={
            "SGD": 0.002,
            "momentum": 0.001,
            "Nesterov": 0.001,
            "RMSprop": 0.003,
            "Adam": 0.05,
            "Adam, no correction": 0.05,
        },
    ),
}

# name -> (class name, extra arguments); "Adam, no correction" only exists in our library.
OPTIMIZERS = {
    "SGD": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "Nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "RMSprop": ("RMSprop", {}),
    "Adam": ("Adam", {}),
    "Adam, no correction": ("Adam", {"bias_correction": False}),
}


def build_optimizer(name, learning_rate, library=optimizers):
    """The optimizer ``name`` from our library (default) or from ``keras.optimizers``."""
    class_name, extra = OPTIMIZERS[name]
    return getattr(library, class_name)(learning_rate=learning_rate, **extra)


# %% [markdown]
# ## 3. Walking downhill
#
# The point `w = (x, y)` is a Keras variable; each step computes the loss under a
# `GradientTape`, takes the gradient and hands it to `optimizer.apply` — the same call
# a training loop makes for a million weights. We record every point and every loss.


# %%
def descend(optimizer, f, start, steps):
    """Run ``steps`` optimizer steps on ``f`` from ``start``; return the path and the losses."""
    w = keras.Variable(np.array(start, dtype="float32"), name="w")
    optimizer.build([w])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = f(w)
        optimizer.apply([tape.gradient(loss, w)], [w])
        return loss

    path, losses = [w.numpy()], []
    for _ in range(steps):
        losses.append(float(step()))
        path.append(w.numpy())
    losses.append(float(f(w)))
    return np.array(path), np.array(losses)


def steps_to(losses, tolerance):
    """The first step at which the loss is below ``tolerance`` (None if never)."""
    below = np.flatnonzero(losses < tolerance)
    return int(below[0]) if below.size else None


# %% [markdown]
# ## 4. The article's Adam, in NumPy
#
# To check `Adam(bias_correction=False)` against something independent, here is the
# article's formula in eight lines of NumPy (float32, like TensorFlow), with the
# gradients of the two surfaces written out by hand.


# %%
def gradient(name, w):
    x, y = w
    if name == "quadratic":
        return np.array([x, 50.0 * y], dtype="float32")
    return np.array(
        [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)], dtype="float32"
    )


def numpy_adam_without_correction(
    name, start, steps, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7
):
    w = np.array(start, dtype="float32")
    m, v = np.zeros_like(w), np.zeros_like(w)
    path = [w.copy()]
    for _ in range(steps):
        g = gradient(name, w)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        w = w - learning_rate * m / (np.sqrt(v) + epsilon)
        path.append(w.copy())
    return np.array(path, dtype="float32")


# %% [markdown]
# ## 5. Ours against the built-ins
#
# Every optimizer on both surfaces twice — our class and the Keras built-in — and the
# largest difference between the two trajectories; the no-correction Adam, which Keras
# does not have, is checked against the NumPy version above.

# %%
print(
    f"{'surface':11s} {'optimizer':20s} {'η':>7s} {'final loss':>11s} "
    f"{'steps to <1e-4':>15s} {'max |ours − reference|':>23s}"
)
runs, reached_by = {}, {}
worst = 0.0
for surface, spec in SURFACES.items():
    steps = min(spec["steps"], 150) if args.quick else spec["steps"]
    runs[surface], reached_by[surface] = {}, {}
    for name, rate in spec["learning_rates"].items():
        rate = rate * args.scale
        path, losses = descend(build_optimizer(name, rate), spec["f"], spec["start"], steps)
        if name == "Adam, no correction":
            reference = numpy_adam_without_correction(surface, spec["start"], steps, rate)
            against = "NumPy"
        else:
            keras_optimizer = build_optimizer(name, rate, keras.optimizers)
            reference, _ = descend(keras_optimizer, spec["f"], spec["start"], steps)
            against = "Keras"
        difference = float(np.max(np.abs(path - reference)))
        worst = max(worst, difference) if against == "Keras" else worst
        reached = steps_to(losses, tolerance)
        runs[surface][name] = (path, losses)
        reached_by[surface][name] = reached
        print(
            f"{surface:11s} {name:20s} {rate:>7.3g} {losses[-1]:>11.3e} "
            f"{str(reached if reached is not None else '—'):>15s} "
            f"{difference:>16.1e} ({against})"
        )
        key = f"{surface}_{name.replace(', ', '_').replace(' ', '_').lower()}"
        metrics[f"{key}_final_loss"] = float(losses[-1])
        metrics[f"{key}_steps_to_1e-4"] = reached
        metrics[f"{key}_max_diff_vs_{against.lower()}"] = difference
print(f"largest |ours − Keras built-in| over all trajectories: {worst:.1e}")
metrics["max_abs_diff_vs_keras"] = worst

# %% [markdown]
# ## 6. The trajectories
#
# The contour lines are on a log scale (the banana's walls are steep); each trajectory
# starts at the black square and the minimum is the star. What to look for, and why:
#
# - **SGD** on the valley: a step that is safe across the steep `y` direction
#   (`η < 2/50`) is tiny along the flat `x` direction, so it zigzags across and crawls
#   along.
# - **Momentum** keeps a running velocity: it can accelerate along the valley, and it can
#   overshoot and swing. **Nesterov** applies the correction one velocity step ahead.
# - **RMSprop** divides each coordinate's step by that coordinate's recent gradient size,
#   so the flat and the steep directions move at similar speeds (about `η` per step while
#   the gradient keeps its sign); nothing shrinks that step near the minimum.
# - **Adam** does the same per-coordinate scaling on a *momentum* `m`; as the gradient
#   changes sign near the minimum, `m` averages out and the steps shrink.

# %%
common.show(optimizer_plots.plot_trajectories(runs, SURFACES), "trajectories.png")
common.show(optimizer_plots.plot_losses(runs), "losses.png")
for surface, reached in reached_by.items():
    done = sorted((steps, name) for name, steps in reached.items() if steps is not None)
    never = [name for name, steps in reached.items() if steps is None]
    order = "; ".join(f"{name} ({steps})" for steps, name in done) or "none"
    print(f"{surface}: reached loss < {tolerance:g} first → last: {order}"
          + (f". Not within the run: {'; '.join(never)}" if never else ""))  # fmt: skip

# %% [markdown]
# ## 7. What Adam's bias correction changes
#
# With a steady gradient the uncorrected step is larger than the corrected one by the
# factor `(1 − β₁ᵗ) / √(1 − β₂ᵗ)` (the two corrections divided). Its values, and the
# measured first step lengths on the quadratic (Adam moves each coordinate by about `η`,
# so we take the largest coordinate's move, divided by `η`):

# %%
beta_1, beta_2 = 0.9, 0.999
t = np.arange(1, 1001)
factor = (1 - beta_1**t) / np.sqrt(1 - beta_2**t)
print(
    "uncorrected / corrected step, steady gradient: "
    + ", ".join(f"{factor[i - 1]:.2f} at t={i}" for i in (1, 10, 100, 1000))
)
print(f"largest: {factor.max():.2f} at t={int(t[factor.argmax()])}")
eta = SURFACES["quadratic"]["learning_rates"]["Adam"] * args.scale
step_sizes = {
    name: np.abs(np.diff(runs["quadratic"][name][0], axis=0)).max(axis=1) / eta
    for name in ("Adam", "Adam, no correction")
}
for name, sizes in step_sizes.items():
    print(
        f"quadratic, {name:20s} first 5 step lengths / η: "
        + " ".join(f"{s:.2f}" for s in sizes[:5])
    )
ratio = step_sizes["Adam, no correction"][0] / step_sizes["Adam"][0]
print(f"first step, uncorrected / corrected: {ratio:.2f} (steady-gradient theory: {factor[0]:.2f})")
metrics.update(
    first_step_ratio_no_correction=float(ratio),
    first_step_ratio_theory=float(factor[0]),
    max_uncorrected_factor=float(factor.max()),
)
common.show(
    optimizer_plots.plot_first_steps(step_sizes, factor[: len(step_sizes["Adam"])]),
    "adam_first_steps.png",
)

# %% [markdown]
# Longer early steps act like a larger `η`. To separate "larger steps" from "no
# correction", we also run the corrected Adam with `η` multiplied by the first-step
# factor, and count the steps each needs to bring the loss under the tolerance:

# %%
for surface, spec in SURFACES.items():
    eta = spec["learning_rates"]["Adam"] * args.scale
    steps = len(runs[surface]["Adam"][1]) - 1
    _, boosted = descend(optimizers.Adam(eta * factor[0]), spec["f"], spec["start"], steps)
    reached = {
        "corrected": reached_by[surface]["Adam"],
        "uncorrected": reached_by[surface]["Adam, no correction"],
        "corrected_3x": steps_to(boosted, tolerance),
    }
    shown = {name: "never" if n is None else n for name, n in reached.items()}
    print(
        f"{surface:11s} steps to loss < {tolerance:g}: corrected (η={eta:g}) {shown['corrected']}, "
        f"uncorrected (η={eta:g}) {shown['uncorrected']}, corrected with η={eta * factor[0]:.3g}: "
        f"{shown['corrected_3x']}"
    )
    for name, value in reached.items():
        metrics[f"{surface}_adam_{name}_steps_to_1e-4"] = value

# %% [markdown]
# ## Summary
#
# - SGD, momentum, Nesterov, RMSprop and Adam are a few lines each in `update_step`; ours
#   follow the Keras built-ins step for step.
# - Per-coordinate scaling (RMSprop, Adam) removes the zigzag of an ill-conditioned valley.
# - Without bias correction, Adam's early steps are longer than `η` by a factor that
#   depends on `t`: the correction makes `η` mean what it says from the first step on.

# %%
print(
    f"This run: largest |ours − Keras| {worst:.1e}; the uncorrected first step was "
    f"{ratio:.2f}× the corrected one; the factor peaks at {factor.max():.2f}."
)
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are in `exercises/lesson_03.py`; grade them with
# `make exercise-03` (solutions: [solutions/lesson_03.py](../solutions/lesson_03.py)).
#
# 1. **Nesterov momentum** (`nesterov_update`): one step of the table's Nesterov rule in
#    NumPy, returning the new weight and velocity; checked against `keras.optimizers.SGD`.
# 2. **Adam** (`adam_update`): one step with bias correction (step `t` counts from 1);
#    checked against `keras.optimizers.Adam` over many steps.
# 3. **AMSGrad** (`amsgrad_update`): Adam that divides by the running *maximum* of `v`
#    (`v̂ ← max(v̂, v)`), so the step never grows because `v` shrank; checked against
#    `keras.optimizers.Adam(amsgrad=True)` on gradients that first grow and then shrink.
# 4. *Experiment.* Run `make lesson-03 ARGS="--scale 2"` and `--scale 0.5`. Predict first:
#    which optimizers diverge on the banana when every `η` doubles, and why those?
