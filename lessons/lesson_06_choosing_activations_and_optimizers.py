# %% [markdown]
# # Lesson 06 — Choosing activations and optimizers
#
# The article ends with three questions: why do we need activation functions, which
# optimizers are commonly used, and how to choose an activation. The first has a crisp
# answer (lesson 01: without a non-linearity, a stack of layers is one linear map). The
# other two usually get folklore. This lesson answers them with experiments on real data,
# over several seeds, and prints only conclusions computed from its own numbers.
#
# The test bench is a deliberately deep multilayer perceptron on MNIST: 8 hidden layers of
# 128 units, `custom_layers.layers.Dense` throughout, trained on a subset of the training
# images for a fixed, small budget. Depth is where a poor activation or a poor
# initialization shows: the signal passes through every layer, forwards and backwards.
#
# **What you will learn**
#
# - Glorot and He initialization, and why: the spread of the activations layer by layer;
# - two sanity checks before any experiment: the loss at initialization (≈ ln 10 for ten
#   balanced classes) and overfitting one small batch;
# - vanishing gradients, made visible: each layer's gradient norm at the start of training;
# - dead ReLU units: what they are and how many there are before and after training;
# - how to compare activations and optimizers honestly: several seeds, a mean and a 95 %
#   t-interval each, and "ties" judged from the intervals.

# %%
import math

import keras
import numpy as np

from custom_layers import optimizers
from lessons import bench_plots, common, deep_mlp, mnist_models, seed_statistics
from lessons.deep_mlp import INITIALIZATION, build_deep_mlp, use_initialization

ACTIVATIONS = list(INITIALIZATION)


def extra(parser):
    parser.add_argument(
        "--seeds", type=common.int_at_least(2, 20), default=5, help="seeds per configuration"
    )


# %% tags=["parameters"]
args = common.setup("06", "Lesson 06: choosing activations and optimizers", epochs=2, extra=extra)
quick = args.quick
SEEDS = [(args.seed + k) % 2**32 for k in range(2 if quick else args.seeds)]
EPOCHS = 1 if quick else args.epochs
data = mnist_models.load_splits(
    train_limit=1000 if quick else 4000, test_limit=2000 if quick else None
)
data["x_val"], data["y_val"] = data["x_val"][:2000], data["y_val"][:2000]
TRAINED = ["sigmoid", "relu"] if quick else ACTIVATIONS  # --quick: two activations only
metrics = {"epochs": EPOCHS, "train_examples": len(data["y_train"]), "seed_count": len(SEEDS)}
metrics["seeds"] = ",".join(map(str, SEEDS))
print(f"{len(data['y_train'])} training images, {EPOCHS} epoch(s) per run, seeds {SEEDS}.")

# %% [markdown]
# ## 1. Initialization: Glorot and He
#
# A hidden unit computes `z = Σ_i w_i a_i + b`. With independent, zero-mean weights of
# variance `Var(w)`, `Var(z) = fan_in · Var(w) · E[a²]`. To keep the spread of the signal
# the same from layer to layer, `fan_in · Var(w) · E[a²]/Var(z_prev)` must be about 1.
# For tanh (≈ linear near 0) `E[a²] ≈ Var(z_prev)`, so `Var(w) = 1/fan_in`; **Glorot**
# (Keras's default) takes `Var(w) = 2/(fan_in + fan_out)`, the same for square layers and a
# compromise with the backward pass. ReLU zeroes half of its inputs, `E[a²] = Var(z_prev)/2`,
# so **He** doubles it: `Var(w) = 2/fan_in`. Uniform draws `U(−a, a)` have variance `a²/3`:
# `a = √(6/(fan_in+fan_out))` (Glorot) or `√(6/fan_in)` (He). We push 1 000 validation images
# through the bench at initialization and measure each hidden layer's output spread:

# %%
common.show_source(use_initialization)
probe = data["x_val"][:1000]
stds = {}
for name in ["sigmoid", "tanh", "relu"]:
    for rule in ["glorot", "he"]:
        keras.utils.set_random_seed(SEEDS[0])  # the same draw for every pair
        model = use_initialization(build_deep_mlp(data["mean"], data["std"], name), rule)
        stds[(name, rule)] = deep_mlp.activation_stds(model, probe)
        ratio = stds[(name, rule)][-1] / stds[(name, rule)][0]
        print(
            f"   {name:8s} {rule:7s} std layer 1 {stds[(name, rule)][0]:.3f}, "
            f"layer 8 {stds[(name, rule)][-1]:.3f} (× {ratio:.2f})"
        )
        metrics[f"init_std_ratio_{name}_{rule}"] = float(ratio)
common.show(bench_plots.plot_initialization(stds), "initialization.png")

# %% [markdown]
# From here on every activation gets the rule made for it (`deep_mlp.INITIALIZATION`): He for
# the ReLU family (ReLU, leaky ReLU, ELU, GELU, swish), Glorot for sigmoid and tanh. For a
# given seed both rules use the same random draw, only rescaled, so between activations only
# the activation and the scale its rule picks differ.
#
# ## 2. Two sanity checks
#
# **The loss at initialization.** With small random logits the softmax is close to uniform,
# `p_k ≈ 1/10`, so the cross-entropy `−log p_y` should start near `ln 10`. A start far above
# it means over-confident, badly scaled logits; far below, a leak of the labels.

# %%
keras.utils.set_random_seed(SEEDS[0])
model = use_initialization(build_deep_mlp(data["mean"], data["std"], "relu"), "he")
_, initial_loss = deep_mlp.evaluate(model, data["x_train"][:2000], data["y_train"][:2000])
print(
    f"Initial loss on 2 000 training images: {initial_loss:.3f}; ln 10 = {math.log(10):.3f} "
    f"({initial_loss - math.log(10):+.3f})."
)
metrics.update(initial_loss=initial_loss, initial_loss_minus_ln10=initial_loss - math.log(10))

# %% [markdown]
# **Overfit one small batch.** A model that cannot memorize 32 images has a bug (a wrong
# loss, a frozen layer, a learning rate far off). We train the ReLU bench on one batch of
# 32 training images, over and over, and count the steps until it gets all 32 right.

# %%
one_batch = mnist_models.make_dataset(data["x_train"][:32], data["y_train"][:32], 32)
history = deep_mlp.training.fit(
    model,
    one_batch,
    loss=deep_mlp.LOSS,
    optimizer=optimizers.Adam(1e-3),
    epochs=20 if quick else 60,
    metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    verbose=0,
)
perfect = [step for step, a in enumerate(history["accuracy"], 1) if a == 1.0]
print(
    f"Accuracy on the 32 images after {len(history['accuracy'])} steps: "
    f"{history['accuracy'][-1]:.0%} (loss {history['loss'][-1]:.4f}); "
    + (f"first 100 % at step {perfect[0]}." if perfect else "never 100 %.")
)
metrics.update(overfit_accuracy=history["accuracy"][-1], overfit_loss=history["loss"][-1])

# %% [markdown]
# ## 3. Vanishing gradients
#
# Backpropagation multiplies, layer by layer, by the weights and by the activation's
# derivative: `δ_l = (δ_{l+1} · W_{l+1}ᵀ) ⊙ f'(z_l)`. The sigmoid's derivative
# `σ'(z) = σ(z)(1 − σ(z))` is at most 1/4, so each sigmoid layer can shrink the backward
# signal; tanh's derivative is 1 at `z = 0`, ReLU's exactly 1 for every active unit. We
# measure the Frobenius norm `‖∂L/∂W_l‖` of every layer's kernel on one batch of 512 training
# images, before any training, each activation with its initialization.

# %%
norms = {}
for name in ACTIVATIONS:
    keras.utils.set_random_seed(SEEDS[0])
    model = use_initialization(
        build_deep_mlp(data["mean"], data["std"], name), INITIALIZATION[name]
    )
    norms[name] = deep_mlp.gradient_norms(model, data["x_train"][:512], data["y_train"][:512])
    first, last_hidden = norms[name][0], norms[name][-2]
    print(
        f"   {name:11s} ‖∂L/∂W1‖ {first:.2e}  ‖∂L/∂W8‖ {last_hidden:.2e}  "
        f"ratio {first / last_hidden:.1e}"
    )
    metrics[f"grad_norm_first_layer_{name}"] = float(first)
    metrics[f"grad_norm_last_hidden_layer_{name}"] = float(last_hidden)
    metrics[f"grad_norm_ratio_first_to_last_hidden_{name}"] = float(first / last_hidden)
common.show(bench_plots.plot_gradient_norms(norms), "gradient_norms.png")
smallest = min(ACTIVATIONS, key=lambda n: metrics[f"grad_norm_ratio_first_to_last_hidden_{n}"])
print(
    f"Smallest first-to-last ratio: {smallest}, "
    f"× {metrics[f'grad_norm_ratio_first_to_last_hidden_{smallest}'] ** (1 / 7):.2f} per layer."
)

# %% [markdown]
# ## 4. Training with a fixed budget, over seeds
#
# Every activation trains with Adam (η = 0.001), batches of 128, for the same number of
# epochs, through the course's loop (`training.Trainer`), once per seed (each seed: another
# initialization and another batch order). `deep_mlp.Bench` keeps one compiled train step per
# activation and optimizer and, for each run, resets the weights and the optimizer's state:
# compiling costs more than training this small model. A single run's test accuracy is one draw; we
# report the mean over the seeds and its 95 % t-interval, `x̄ ± t_{0.975,n−1}·s/√n`:

# %%
common.show_source(seed_statistics.t_interval)
bench = deep_mlp.Bench(data, epochs=EPOCHS)  # one compiled step per pair, reused over seeds
runs = {name: [] for name in TRAINED}
for seed in SEEDS:
    for name in TRAINED:
        runs[name].append(bench.run(name, "adam", optimizers.Adam, 1e-3, seed))
activation_table = seed_statistics.verdicts({n: [r["test"] for r in runs[n]] for n in TRAINED})
seed_statistics.print_verdicts(activation_table, "activations")
for name, (mean, half, _) in activation_table.items():
    metrics.update({f"activation_accuracy_{name}": mean, f"activation_interval_{name}": half})
metrics["best_activation"] = max(activation_table, key=lambda n: activation_table[n][0])
metrics["activations_tied_with_best"] = ",".join(
    n for n, v in activation_table.items() if v[2] != "behind the best"
)
common.show(
    bench_plots.plot_activations({n: runs[n][0]["curve"] for n in TRAINED}, activation_table),
    "activations.png",
)

# %% [markdown]
# ## 5. Dead ReLU units
#
# A ReLU unit outputs `max(0, z)`. If `z = w·x + b` is negative for every input, it outputs
# 0 and its gradient is 0 for every input too: nothing can move its weights any more. We call
# a hidden unit **dead** when it outputs exactly 0 for each of 1 000 validation images.
# (Leaky ReLU, ELU, GELU and swish are not exactly 0 for `z < 0`, so their units cannot die
# in this all-or-nothing way.) First seed, before and after the Adam run above:

# %%
dead_init, dead_trained = runs["relu"][0]["dead_init"], runs["relu"][0]["dead"]
print(
    f"Dead ReLU units: {np.mean(dead_init):.1%} at initialization, "
    f"{np.mean(dead_trained):.1%} after training."
)
metrics.update(
    dead_relu_fraction_init=float(np.mean(dead_init)),
    dead_relu_fraction=float(np.mean(dead_trained)),
)

# %% [markdown]
# ## 6. Optimizers
#
# The ReLU bench (He initialization) trained with each optimizer (lesson 03 has the rules):
# SGD `w ← w − η g`; momentum `v ← 0.9 v − η g, w ← w + v`; RMSprop; Adam; and Adam without
# bias correction (the article's form, whose first steps are about `(1 − β₁)/√(1 − β₂)` ≈ 3.2
# times larger than `η`). Each optimizer gets three learning rates around its usual value;
# on the first seed the one with the best **validation** accuracy is chosen, and then every
# seed trains at that η. (Adam at η = 0.001 is the ReLU run of section 4, reused.)

# %%
OPTIMIZERS = {
    "sgd": (lambda lr: optimizers.SGD(lr), [0.03, 0.1, 0.3]),
    "momentum": (lambda lr: optimizers.SGD(lr, momentum=0.9), [0.003, 0.01, 0.03]),
    "rmsprop": (lambda lr: optimizers.RMSprop(lr), [3e-4, 1e-3, 3e-3]),
    "adam": (optimizers.Adam, [3e-4, 1e-3, 3e-3]),
    "adam_no_bias_correction": (
        lambda lr: optimizers.Adam(lr, bias_correction=False),
        [3e-4, 1e-3, 3e-3],
    ),
}
if quick:  # --quick: two optimizers at their middle η
    OPTIMIZERS = {k: (v[0], v[1][1:2]) for k, v in OPTIMIZERS.items() if k.startswith("adam")}


def relu_run(name, learning_rate, seed):
    if name == "adam" and learning_rate == 1e-3:
        return runs["relu"][SEEDS.index(seed)]  # the same run as in section 4
    return bench.run("relu", name, OPTIMIZERS[name][0], learning_rate, seed)


grid, chosen, optimizer_runs, first_runs = {}, {}, {}, []
for name, (_, rates) in OPTIMIZERS.items():
    first_seed = {rate: relu_run(name, rate, SEEDS[0]) for rate in rates}
    first_runs += [(f"{name}, η={rate:g}", run) for rate, run in first_seed.items()]
    grid[name] = [(rate, run["val"]) for rate, run in first_seed.items()]
    chosen[name] = max(rates, key=lambda rate: first_seed[rate]["val"])  # validation, never test
    optimizer_runs[name] = [first_seed[chosen[name]]] + [
        relu_run(name, chosen[name], s) for s in SEEDS[1:]
    ]
    print(
        f"   {name:24s} validation: "
        + "  ".join(
            f"η={r:g} {100 * v:.2f}%" + (" (diverged)" if first_seed[r]["diverged"] else "")
            for r, v in grid[name]
        )
        + f"  → η={chosen[name]:g}"
    )
diverged = [
    f"{n} seed {s}"
    for n in OPTIMIZERS
    for s, r in zip(SEEDS, optimizer_runs[n], strict=True)
    if r["diverged"]
]
print(f"   runs at the chosen η that diverged: {', '.join(diverged) or 'none'}")
optimizer_table = seed_statistics.verdicts(
    {n: [r["test"] for r in optimizer_runs[n]] for n in OPTIMIZERS}
)
seed_statistics.print_verdicts(optimizer_table, "optimizers")
for name, (mean, half, _) in optimizer_table.items():
    metrics.update(
        {
            f"optimizer_accuracy_{name}": mean,
            f"optimizer_interval_{name}": half,
            f"optimizer_best_learning_rate_{name}": chosen[name],
        }
    )
metrics["best_optimizer"] = max(optimizer_table, key=lambda n: optimizer_table[n][0])
metrics["optimizers_tied_with_best"] = ",".join(
    n for n, v in optimizer_table.items() if v[2] != "behind the best"
)
curves = {f"{n} (η={chosen[n]:g})": optimizer_runs[n][0]["curve"] for n in OPTIMIZERS}
common.show(bench_plots.plot_optimizers(grid, curves, optimizer_table), "optimizers.png")

# %% [markdown]
# Which run killed the most ReLU units? Over every optimizer run of the first seed:

# %%
worst_name, worst_run = max(first_runs, key=lambda item: np.mean(item[1]["dead"]))
print(
    f"Most dead units: {worst_name}, {np.mean(worst_run['dead']):.1%} dead, "
    f"test accuracy {worst_run['test']:.2%}."
)
metrics["dead_relu_fraction_max_over_optimizer_runs"] = float(np.mean(worst_run["dead"]))
common.show(
    bench_plots.plot_dead_units(dead_init, dead_trained, worst_name, worst_run["dead"]),
    "dead_relu.png",
)

# %% [markdown]
# ## Summary
#
# - Initialization sets the spread of the signal through depth: He (`Var(w) = 2/fan_in`)
#   for the ReLU family, Glorot for sigmoid and tanh.
# - Before an experiment: check the initial loss against `ln 10`, and that the model can
#   overfit one small batch.
# - A comparison is only as good as its noise estimate: several seeds, a t-interval each,
#   and a verdict that says "tie" when the intervals overlap. This run's verdicts:

# %%
for label, table in [("activation", activation_table), ("optimizer", optimizer_table)]:
    best = max(table, key=lambda n: table[n][0])
    behind = [n for n, v in table.items() if v[2] == "behind the best"]
    tied = [n for n, v in table.items() if v[2] == "tied with the best"]
    print(
        f"Best {label} by mean: {best} ({100 * table[best][0]:.2f} %); tied with it: "
        f"{', '.join(tied) or 'none'}; behind it: {', '.join(behind) or 'none'}."
    )

# %%
common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are graded by `make exercise-06` (your code goes in
# `exercises/lesson_06.py`); the solutions: [solutions/lesson_06.py](../solutions/lesson_06.py).
#
# 1. **Initialization scales** (`init_std`): the standard deviation of Glorot-uniform,
#    Glorot-normal, He-uniform and He-normal weights for a given `fan_in`, `fan_out`.
# 2. **Dead units** (`dead_fraction`): the fraction of a layer's units whose output is 0 for
#    every example of a batch.
# 3. **A 95 % t-interval** (`t_interval`): the mean and half width `t·s/√n` of a list of
#    results, with the t quantile from a table.
# 4. *Experiment*: run the ReLU family with Glorot instead of He (edit `INITIALIZATION` in
#    `lessons/deep_mlp.py`). Predict the spread at layer 8 from section 1, then measure the
#    accuracy intervals with `make lesson-06`: is the difference outside the intervals?
# 5. *Question*: with 2 seeds the t quantile is 12.7, with 5 it is 2.78. How many seeds would
#    you need to tell apart two activations 0.3 points apart, if one seed's spread is 0.5?
