# %% [markdown]
# # Lesson 11 — Federated learning: averaging models, not data
#
# The article lists federated learning among the trends: training one model on data
# that stays on many devices (phones, hospitals, banks), because it is private, large,
# or both. The devices never send their examples; they send *model updates*, and a
# server combines them. This chapter simulates that on one machine with MNIST split
# among clients, and measures what it costs compared with pooling the data.
#
# **What you will learn**
#
# - federated averaging (FedAvg, McMahan et al., 2017): each round, every client
#   starts from the server's weights, trains a few local epochs with SGD on its own
#   data, and the server averages the results weighted by sample count,
#   `w ← Σ_k n_k w_k / Σ_k n_k`;
# - why the optimizer choice matters when optimizer state cannot travel (SGD vs Adam);
# - what **non-IID** data (each client holds only two digits) does to the average,
#   measured against the same data shuffled evenly among clients;
# - how both compare with ordinary centralized training on the same budget (the same
#   number of examples processed).
#
# What this simulation leaves out: there is no network, no privacy protection (a
# weight update can leak information about the data; real systems add secure
# aggregation and differential privacy), no stragglers or dropped clients, and every
# client takes part in every round. It shows the optimization problem, which is
# the part a neural-network course can measure.

# %%
import time

import numpy as np

from custom_layers import losses, optimizers
from datasets import mnist
from lessons import common, federated, federated_plots


# %% tags=["parameters"]
def extra(parser):
    whole = common.int_at_least
    parser.add_argument("--clients", type=whole(5), default=10, help="clients, a multiple of 5")
    parser.add_argument("--rounds", type=whole(1), default=None, help="rounds (10; --quick 3)")
    parser.add_argument("--local-epochs", type=whole(1), default=1, help="local epochs E (1)")
    parser.add_argument("--batch-size", type=whole(1), default=50, help="local batch size B (50)")
    learning_rate = common.float_in(0, 10, low_open=True)
    parser.add_argument("--learning-rate", type=learning_rate, default=0.1, help="SGD η (0.1)")


args = common.setup("11", "Lesson 11: federated learning", extra=extra)
if args.clients % 5:  # two shards per client must cut the 10 digits into whole shards
    raise SystemExit(
        f"lesson-11: error: argument --clients: must be a multiple of 5, got {args.clients}"
    )
rounds = args.rounds or (3 if args.quick else 10)
rng = np.random.default_rng(args.seed)
metrics = {}

# %% [markdown]
# ## 1. The data, and how it is split among clients
#
# The 60 000 MNIST training images are the union of the clients' data (`--quick`: a
# random tenth of them); the 10 000 test images stay with the server, to measure the
# global model after every round. Images stay uint8 in memory and become `x / 255` in
# [0, 1] one batch at a time.

# %%
(train_images, train_labels), (test_images, test_labels) = mnist.load_data()
train_images, test_images = train_images[..., None], test_images[..., None]  # (n, 28, 28, 1)
if args.quick:
    keep = np.sort(rng.choice(len(train_images), 6000, replace=False))
    train_images, train_labels = train_images[keep], train_labels[keep]
print(f"{len(train_labels)} training images over {args.clients} clients.")

# %% [markdown]
# Two ways to split the training set among `K` clients:
#
# - **IID** (independent and identically distributed): shuffle, deal out `K` equal
#   parts. Every client sees every digit in about the same proportions — the
#   friendly, unrealistic case.
# - **non-IID**, as in McMahan et al.: sort by label, cut each digit into
#   `2K / 10` shards, and give every client two shards at random. A client then holds
#   one or two digits only — like a phone whose owner writes some digits far more
#   often than others. (The shards are cut within a digit, so no client holds more
#   than two labels; the shards, and so the clients, differ in size.)

# %%
common.show_source(federated.partition_non_iid)
partitions = {
    "iid": federated.partition_iid(len(train_labels), args.clients, rng),
    "non_iid": federated.partition_non_iid(train_labels, args.clients, rng),
}
counts = {name: federated.label_counts(train_labels, part) for name, part in partitions.items()}
labels_held = (counts["non_iid"] > 0).sum(axis=1)
sizes = [len(p) for p in partitions["non_iid"]]
print(
    f"non-IID: each client holds {labels_held.min()}–{labels_held.max()} digits and "
    f"{min(sizes)}–{max(sizes)} images; IID: each client holds "
    f"{(counts['iid'] > 0).sum(axis=1).min()} or more digits."
)
for k, row in enumerate(counts["non_iid"]):
    print(f"  client {k:>2}: " + ", ".join(f"{digit}×{n}" for digit, n in enumerate(row) if n))
metrics.update(clients=args.clients, train_examples=len(train_labels))
metrics["max_labels_per_client_noniid"] = int(labels_held.max())

# %% [markdown]
# The two splits as tables of examples per client and digit: the IID table is flat,
# the non-IID one has one or two dark cells per row.

# %%
common.show(federated_plots.plot_partitions(counts["iid"], counts["non_iid"]), "partitions.png")

# %% [markdown]
# ## 2. The server: a weighted average
#
# After a round the server holds `K` weight lists (one array per layer weight) and
# their sample counts `n_k`. The new global model is their average weighted by how
# much data each client trained on, for every weight array separately:
#
# `w = Σ_k n_k w_k / Σ_k n_k`.
#
# With equal `n_k` this is the plain mean. Weighting by `n_k` makes one FedAvg round
# with one local step of full-batch gradient descent equal to one step of
# centralized gradient descent on the pooled data: the pooled gradient is the
# `n_k`-weighted mean of the clients' gradients.

# %%
common.show_source(federated.federated_average)

# %% [markdown]
# The same average serves for statistics. The model's first layer normalizes the
# pixels, `(x − mean) / std`, with the training set's statistics — which, in a
# federated system, nobody holds. Each client reports its pixel mean `μ_k`, its mean
# square `s_k` and how many pixels it summarized `n_k`; the server computes
# `mean = Σ n_k μ_k / Σ n_k` and `std = √(Σ n_k s_k / Σ n_k − mean²)`, the pooled
# statistics without pooling the data. Both are printed:

# %%
mean, std = federated.federated_pixel_stats(train_images, partitions["non_iid"])
pooled_mean, pooled_std = mnist.pixel_stats(train_images)
print(
    f"From the clients' reports: mean {mean:.6f}, std {std:.6f}; "
    f"from the pooled data: {pooled_mean:.6f}, {pooled_std:.6f}."
)
metrics["pixel_stats_max_abs_diff"] = max(abs(mean - pooled_mean), abs(std - pooled_std))

# %% [markdown]
# ## 3. The model and the client
#
# Lesson 05's MLP (`mnist_models.build_mlp`, built from the course's `Dense`) at the
# size of McMahan et al.'s "2NN": `784 → 200 (ReLU) → 200 (ReLU) → 10` logits, without
# dropout. One Keras model object does the work of every client in turn: a client
# "receives" the global model when we copy the global weights into it, then trains
# `E` local epochs of the `GradientTape` step of lesson 04, compiled once with
# `tf.function` and reused by every client in every round.
#
# **Why SGD and not Adam?** Adam keeps a state per weight (the moments `m`, `v` and
# the step count `t`). In federated learning that state has nowhere good to live:
# re-creating Adam on each client every round throws the moments away and restarts
# the bias correction, so every round begins like a fresh Adam, whose first step
# moves each weight by about `η` whatever the size of its gradient
# (`m̂/√v̂ = g/|g|`); keeping a per-client Adam across rounds means moments measured on
# weights the server has since replaced. Plain SGD, `w ← w − η g`, has no state, so
# nothing is lost between rounds, and averaging the clients' weights is exactly
# averaging their SGD updates — FedAvg as published. (Adaptive methods are used on
# the *server* instead, treating the averaged update as a gradient: "FedAdam", Reddi
# et al., 2021.) The course's SGD without momentum keeps no per-weight state at all:

# %%
common.show_source(optimizers.SGD.update_step)
common.show_source(federated.client_update)
model = federated.build_model(mean, std)
optimizer = optimizers.SGD(learning_rate=args.learning_rate)
loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
train_step = federated.make_train_step(model, optimizer, loss_fn)
initial_weights = model.get_weights()  # every run starts from these
train_step.get_concrete_function()  # trace the step now, so no run's time includes it
budget = rounds * args.local_epochs * len(train_labels)
print(
    f"{model.count_params():,} weights. Budget for each run: {rounds} rounds × "
    f"{args.local_epochs} local epoch(s) = {budget:,} examples processed "
    f"(batch {args.batch_size}, SGD η = {args.learning_rate})."
)
metrics.update(rounds=rounds, local_epochs=args.local_epochs, batch_size=args.batch_size)
metrics["learning_rate"] = args.learning_rate

# %% [markdown]
# ## 4. Federated averaging, round by round
#
# Every client takes part in every round (the paper's `C = 1`). After each round we
# measure the global model on the 10 000 test images, and how much the clients
# **agree**: with updates `Δ_k = w_k − w` and weights `f_k = n_k / Σ n`, the ratio
# `‖Σ_k f_k Δ_k‖ / Σ_k f_k ‖Δ_k‖` is the fraction of the clients' movement that
# survives averaging (1: all moved the same way; near 0: their updates cancel). A
# non-IID client walks toward a model of its own two digits ("client drift"), so we
# expect its updates to point away from the others'; the run measures by how much.

# %%
schedule = dict(
    rounds=rounds, local_epochs=args.local_epochs, test_images=test_images, test_labels=test_labels
)
histories, seconds = {}, {}
for name in ("non_iid", "iid"):
    datasets = [
        federated.client_dataset(train_images, train_labels, part, args.batch_size, args.seed + k)
        for k, part in enumerate(partitions[name])
    ]
    started = time.perf_counter()
    sample_counts = [len(p) for p in partitions[name]]
    _, histories[name] = federated.run_fedavg(
        model, train_step, initial_weights, datasets, sample_counts, **schedule
    )
    seconds[name] = time.perf_counter() - started

# %% [markdown]
# ## 5. The baseline: centralized training on the same budget
#
# Pool all the data and train the same model from the same initial weights with the
# same SGD, batch size and learning rate. One FedAvg round processes every training
# example `E` times, so `R` rounds cost as much computation as `R · E` centralized
# epochs; we measure the centralized model after every `E` epochs to put the curves
# on the same axis. The difference: centralized SGD takes its steps one after the
# other, while the clients' steps run side by side and only their average survives.

# %%
everything = federated.client_dataset(
    train_images, train_labels, np.arange(len(train_labels)), args.batch_size, args.seed
)
started = time.perf_counter()
histories["centralized"] = federated.run_centralized(
    model, train_step, initial_weights, everything, **schedule
)
seconds["centralized"] = time.perf_counter() - started

names = {"non_iid": "non-IID", "iid": "IID", "centralized": "central"}
print("Test accuracy after each round (centralized: after the same number of examples):")
print("  round  " + "".join(f"{r:>7d}" for r in range(1, rounds + 1)))
for name, label in names.items():
    row = "".join(f"{a:7.4f}" for a in histories[name]["accuracy"])
    print(f"  {label:<7}" + row + f"   ({seconds[name]:.1f} s)")
print("Agreement of the client updates, ‖Σ f_k Δ_k‖ / Σ f_k ‖Δ_k‖ (1 = all alike):")
for name in ("non_iid", "iid"):
    print(f"  {names[name]:<7}" + "".join(f"{d:7.4f}" for d in histories[name]["agreement"]))

# %% [markdown]
# Accuracy (left) and agreement (right), round by round:

# %%
common.show(federated_plots.plot_accuracy(histories, args.local_epochs), "accuracy_vs_rounds.png")

# %% [markdown]
# What the run found, in numbers: the final accuracies and their gaps to centralized
# training, and how the agreement of the two kinds of clients compares and changes
# from the first round to the last.

# %%
final = {name: histories[name]["accuracy"][-1] for name in names}
agreement = {name: np.array(histories[name]["agreement"]) for name in ("non_iid", "iid")}
print(
    f"After {rounds} rounds: FedAvg non-IID {final['non_iid']:.4f}, FedAvg IID "
    f"{final['iid']:.4f}, centralized {final['centralized']:.4f} (gap to centralized: "
    f"{final['centralized'] - final['non_iid']:+.4f} non-IID, "
    f"{final['centralized'] - final['iid']:+.4f} IID)."
)
lower = "lower" if agreement["non_iid"].mean() < agreement["iid"].mean() else "not lower"
print(
    f"Mean agreement: non-IID {agreement['non_iid'].mean():.3f}, IID "
    f"{agreement['iid'].mean():.3f} — {lower} for the non-IID clients."
)
for name in ("non_iid", "iid"):
    first, last = agreement[name][0], agreement[name][-1]
    trend = "fell" if last < first else "did not fall"
    print(f"{names[name]} agreement {trend}: {first:.3f} in round 1, {last:.3f} in round {rounds}.")
metrics.update(
    fedavg_noniid_accuracy=round(final["non_iid"], 4),
    fedavg_iid_accuracy=round(final["iid"], 4),
    centralized_accuracy=round(final["centralized"], 4),
    fedavg_noniid_mean_agreement=round(float(agreement["non_iid"].mean()), 4),
    fedavg_iid_mean_agreement=round(float(agreement["iid"].mean()), 4),
    fedavg_iid_first_agreement=round(float(agreement["iid"][0]), 4),
    fedavg_iid_last_agreement=round(float(agreement["iid"][-1]), 4),
    fedavg_noniid_seconds=round(seconds["non_iid"], 2),
    fedavg_iid_seconds=round(seconds["iid"], 2),
    centralized_seconds=round(seconds["centralized"], 2),
)

# %% [markdown]
# Why might even IID clients agree less as training goes on? Near a minimum the
# gradient of the whole data set is small, and what a local epoch adds is mostly the
# noise of SGD, which points a different way on every client — and averaging cancels
# noise. Whether that happened in this run is the line above.
#
# ## Summary
#
# - FedAvg: clients train locally from the server's weights; the server averages the
#   weights by sample count, `w = Σ_k n_k w_k / Σ_k n_k`. The data never moves; the
#   same average even gives the pooled pixel statistics exactly.
# - Stateless SGD on the clients makes averaging weights the same as averaging
#   updates; Adam's moments have nowhere to live between rounds.
# - Non-IID clients drift toward their own digits; the agreement ratio
#   `‖Σ f_k Δ_k‖ / Σ f_k ‖Δ_k‖` measures how much of their movement survives the
#   average, and the run compares it, and the accuracy, with IID clients and with
#   centralized training on the same budget.

# %%
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# The implementation exercises are in `exercises/lesson_11.py`; grade them with
# `make exercise-11` (solutions: [solutions/lesson_11.py](../solutions/lesson_11.py)).
#
# 1. **The server's average** (implementation, `federated_average`): given the
#    clients' weight lists and their sample counts, return
#    `w = Σ_k n_k w_k / Σ_k n_k` for every weight array, in the arrays' dtype.
# 2. **Statistics without the data** (implementation, `pooled_mean_std`): from each
#    client's report `(mean μ_k, mean square s_k, count n_k)`, compute the pooled mean
#    and standard deviation, `√(Σ n_k s_k / Σ n_k − mean²)`.
# 3. **A Dirichlet non-IID split** (implementation, `partition_dirichlet`): for each
#    class, draw the clients' shares `p ~ Dirichlet(α, …, α)` and cut that class's
#    shuffled examples at the cumulative shares. Every example must go to exactly
#    one client; small `α` gives clients dominated by few labels, large `α` an
#    almost IID split.
# 4. **More local work** (experiment): predict, then measure with
#    `make lesson-11 ARGS="--local-epochs 5"`, how the non-IID accuracy and the
#    agreement change when each client trains 5 epochs per round (the budget grows
#    too: compare with the centralized curve, which gets the same 5 epochs per point).
# 5. **Adam on the clients** (question): a client re-creates `Adam(η)` every round
#    and takes one step. How far does each weight move, whatever its gradient? What
#    does that do to the weighted average of section 2?
