# %% [markdown]
# # Lesson 03 — Optimizers from scratch
#
# Lesson 02 computed the gradient `g = ∂L/∂w`. An **optimizer** turns that gradient into
# a step. Plain gradient descent steps straight downhill; momentum remembers where it
# was going; RMSprop gives every weight its own step size; Adam does both. The article
# this course follows writes Adam *without* its bias correction: we write the full
# version, keep the article's as an option, and measure what the correction changes.
#
# The optimizers live in `custom_layers/optimizers.py`: each one is a
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
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers import optimizers
from lessons import common

# %% [markdown]
# ## 2. Two test surfaces
#
# - An **ill-conditioned quadratic** `f(x, y) = ½ (x² + 50 y²)`: a long, narrow valley.
#   Its curvature is 50 times larger across (`y`) than along (`x`), so a step size small
#   enough not to bounce across the valley crawls along it.
# - The **Rosenbrock** function `f(x, y) = (1 − x)² + 100 (y − x²)²`: a curved
#   banana-shaped valley whose floor leads slowly to the minimum at `(1, 1)`.
#
# Both minima are 0. Each optimizer gets the learning rate that works well for it on
# each surface (a short sweep found them; too large and plain SGD diverges on the
# banana). `build_optimizer` makes each one from our library or from Keras.


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
# ## 5. Plots
#
# The contour lines are on a log scale (the banana's walls are steep); each trajectory
# starts at the black square and the minimum is the star.

# %%
COLORS = dict(
    zip(
        OPTIMIZERS,
        ["tab:gray", "tab:blue", "tab:cyan", "tab:green", "tab:red", "tab:orange"],
        strict=True,
    )
)


def plot_trajectories(runs):
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, (surface, paths) in zip(axes, runs.items(), strict=True):
        spec = SURFACES[surface]
        (x0, x1), (y0, y1) = spec["view"]
        x, y = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        z = spec["f"](np.stack([x, y]))
        ax.contour(x, y, np.log10(z + 1e-3), levels=25, cmap="Greys", linewidths=0.6)
        for name, (path, _) in paths.items():
            ax.plot(
                path[:, 0],
                path[:, 1],
                ".-",
                color=COLORS[name],
                markersize=2,
                linewidth=1,
                label=name,
            )
        ax.plot(*spec["start"], "ks")
        ax.plot(*spec["minimum"], "k*", markersize=12)
        ax.set(
            xlim=(x0, x1),
            ylim=(y0, y1),
            xlabel="x",
            ylabel="y",
            title=f"{surface}: {spec['steps']} steps",
        )
    axes[0].legend(fontsize=8)
    return fig


def plot_losses(runs):
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    for ax, (surface, paths) in zip(axes, runs.items(), strict=True):
        for name, (_, losses) in paths.items():
            ax.semilogy(np.maximum(losses, 1e-30), color=COLORS[name], label=name)
        ax.set(xlabel="step", ylabel="loss (log scale)", title=surface)
    axes[0].legend(fontsize=8)
    return fig


def plot_first_steps(step_sizes, factor):
    fig, ax = plt.subplots(figsize=(6.5, 4))
    t = np.arange(1, len(factor) + 1)
    for name, sizes in step_sizes.items():
        ax.loglog(t[: len(sizes)], sizes, color=COLORS[name], label=f"|step|, {name}")
    ax.loglog(t, factor, "k--", label="(1 − β₁ᵗ) / √(1 − β₂ᵗ)")
    ax.set(
        xlabel="step t",
        ylabel="step length / η",
        title="Adam's first steps on the quadratic, with and without correction",
    )
    ax.legend(fontsize=8)
    return fig


# %% [markdown]
# ## 6. What to look for
#
# - **SGD** on the valley: the step that is safe across the steep `y` direction
#   (`η < 2/50`) is tiny along the flat `x` direction, so it zigzags across and crawls
#   along. On the banana its first steps overshoot wildly (the gradient there is in the
#   hundreds), then it creeps along the floor.
# - **Momentum** keeps a running velocity: it accelerates along the valley, and it also
#   overshoots and swings. **Nesterov** evaluates the correction one velocity step
#   ahead, which damps the swings.
# - **RMSprop** divides each coordinate's step by that coordinate's recent gradient size,
#   so the flat `x` direction moves as fast as the steep `y` one (about `η` per step
#   while the gradient keeps its sign): no zigzag, a smooth path along the floor. Near
#   the minimum it keeps bouncing at about that step size (nothing shrinks `η`), which
#   is why its loss levels off.
# - **Adam** does the same per-coordinate scaling on a *momentum* `m`; as the gradient
#   changes sign near the minimum, `m` averages out and the steps shrink, so it settles.
# - **Adam without bias correction** is not simply "worse": its early steps are several
#   times longer, as if `η` were larger, which can even get it to a tolerance sooner.
#   The report below therefore also runs the corrected Adam with `η` scaled by the
#   first-step factor. What the correction buys is that `η` means what it says from the
#   first step on, instead of a step size that drifts by a factor of several over the
#   first thousand steps (the dashed curve in `adam_first_steps.png`; its peak is printed).
#
# ## 7. Run the lesson
#
# `main` runs every optimizer on both surfaces twice — our class and the Keras
# built-in — and prints the largest difference between the two trajectories; the
# no-correction Adam, which Keras does not have, is checked against the NumPy version
# above. Then it measures the bias correction: how long the first steps are, compared
# with the factor `(1 − β₁ᵗ) / √(1 − β₂ᵗ)` by which the uncorrected step is larger when
# the gradient is steady, and how many steps each needs to bring the loss under 1e-4.


# %%
def main(argv=None):
    args = common.parse_args(argv, "Lesson 03: optimizers from scratch")
    out = common.start("03", args)
    tolerance = 1e-4
    metrics = {}
    runs = {}

    print("1. Each optimizer on each surface: ours vs the Keras built-in")
    print(
        f"   {'surface':11s} {'optimizer':20s} {'η':>6s} {'final loss':>11s} "
        f"{'steps to <1e-4':>15s} {'max |ours − reference|':>23s}"
    )
    worst = 0.0
    for surface, spec in SURFACES.items():
        steps = min(spec["steps"], 150) if args.quick else spec["steps"]
        runs[surface] = {}
        for name, learning_rate in spec["learning_rates"].items():
            path, losses = descend(
                build_optimizer(name, learning_rate), spec["f"], spec["start"], steps
            )
            if name == "Adam, no correction":
                reference = numpy_adam_without_correction(
                    surface, spec["start"], steps, learning_rate
                )
                against = "NumPy"
            else:
                reference, _ = descend(
                    build_optimizer(name, learning_rate, keras.optimizers),
                    spec["f"],
                    spec["start"],
                    steps,
                )
                against = "Keras"
            difference = float(np.max(np.abs(path - reference)))
            worst = max(worst, difference) if against == "Keras" else worst
            reached = steps_to(losses, tolerance)
            runs[surface][name] = (path, losses)
            print(
                f"   {surface:11s} {name:20s} {learning_rate:>6g} {losses[-1]:>11.3e} "
                f"{str(reached if reached is not None else '—'):>15s} "
                f"{difference:>16.1e} ({against})"
            )
            key = f"{surface}_{name.replace(', ', '_').replace(' ', '_').lower()}"
            metrics[f"{key}_final_loss"] = float(losses[-1])
            metrics[f"{key}_steps_to_1e-4"] = reached
            metrics[f"{key}_max_diff_vs_{against.lower()}"] = difference
    print(f"   largest |ours − Keras built-in| over all trajectories: {worst:.1e}")
    metrics["max_abs_diff_vs_keras"] = worst

    print("\n2. What Adam's bias correction changes")
    beta_1, beta_2 = 0.9, 0.999
    t = np.arange(1, 1001)
    factor = (1 - beta_1**t) / np.sqrt(1 - beta_2**t)
    print(
        "   steady gradient: uncorrected step / corrected step = (1 − β₁ᵗ) / √(1 − β₂ᵗ) = "
        + ", ".join(f"{factor[i - 1]:.2f} at t={i}" for i in (1, 10, 100, 1000))
    )
    print(f"   largest: {factor.max():.2f} at t={int(t[factor.argmax()])}")
    step_sizes = {}
    eta = SURFACES["quadratic"]["learning_rates"]["Adam"]
    for name in ("Adam", "Adam, no correction"):
        path = runs["quadratic"][name][0]
        # Adam moves each coordinate by about η: measure the largest coordinate's move.
        step_sizes[name] = np.abs(np.diff(path, axis=0)).max(axis=1) / eta
    first = {name: sizes[:5] for name, sizes in step_sizes.items()}
    for name, sizes in first.items():
        print(
            f"   quadratic, {name:20s} first 5 step lengths / η: "
            + " ".join(f"{s:.2f}" for s in sizes)
        )
    ratio = first["Adam, no correction"][0] / first["Adam"][0]
    print(
        f"   first step, uncorrected / corrected: {ratio:.2f} "
        f"(theory for a steady gradient: {factor[0]:.2f})"
    )
    metrics.update(
        first_step_ratio_no_correction=float(ratio),
        first_step_ratio_theory=float(factor[0]),
        max_uncorrected_factor=float(factor.max()),
    )
    for surface, spec in SURFACES.items():
        with_correction = runs[surface]["Adam"][1]
        without = runs[surface]["Adam, no correction"][1]
        # The uncorrected steps are ~3-6x longer: give the corrected Adam a 3.16x larger η.
        eta = spec["learning_rates"]["Adam"]
        _, boosted = descend(
            optimizers.Adam(eta * factor[0]), spec["f"], spec["start"], len(with_correction) - 1
        )
        reached = {
            name: steps_to(losses, tolerance)
            for name, losses in (
                ("corrected", with_correction),
                ("uncorrected", without),
                ("corrected_3x", boosted),
            )
        }
        shown = {name: "never" if steps is None else steps for name, steps in reached.items()}
        print(
            f"   {surface:11s} steps to loss < {tolerance:g}: corrected (η={eta:g}) "
            f"{shown['corrected']}, uncorrected (η={eta:g}) {shown['uncorrected']}, "
            f"corrected with η={eta * factor[0]:.3g}: {shown['corrected_3x']}"
        )
        for name, value in reached.items():
            metrics[f"{surface}_adam_{name}_steps_to_1e-4"] = value

    common.save_figure(plot_trajectories(runs), out, "trajectories.png")
    common.save_figure(plot_losses(runs), out, "losses.png")
    common.save_figure(
        plot_first_steps(step_sizes, factor[: len(step_sizes["Adam"])]), out, "adam_first_steps.png"
    )
    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
