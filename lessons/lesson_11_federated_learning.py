# %% [markdown]
# # Lesson 11 — Federated learning: averaging models, not data
#
# The article lists federated learning among the trends: training one model on data
# that stays on many devices (phones, hospitals, banks), because it is private, large,
# or both. The devices never send their examples; they send *model updates*, and a
# server combines them. This lesson simulates that on one machine with MNIST split
# among clients, and measures what it costs compared with pooling the data.
#
# **What you will learn**
#
# - federated averaging (FedAvg, McMahan et al., 2017): each round, every client
#   starts from the server's weights, trains a few local epochs with SGD on its own
#   data, and the server averages the results weighted by sample count,
#   `w ← Σ_k n_k w_k / Σ_k n_k`;
# - why the optimizer choice matters when optimizer state cannot travel (SGD vs Adam);
# - what **non-IID** data does: when each client holds only two digits, the local
#   models pull in different directions ("client drift") and the average learns
#   slower than with the same data shuffled evenly among clients;
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

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers
from datasets import mnist
from lessons import common, mnist_models

# %% [markdown]
# ## 1. The data, and how it is split among clients
#
# The 60 000 MNIST training images are the union of the clients' data; the 10 000
# test images stay with the server, to measure the global model after every round.
# Images stay uint8 in memory and become `x / 255` in [0, 1] one batch at a time.
#
# Two ways to split the training set among `K` clients:
#
# - **IID** (independent and identically distributed): shuffle, deal out `K` equal
#   parts. Every client sees every digit in about the same proportions — the
#   friendly, unrealistic case.
# - **non-IID**, as in McMahan et al.: sort by label, cut each digit into
#   `2K / 10` shards, and give every client two shards at random. A client then holds
#   one or two digits only — like a phone whose owner writes some digits far more
#   often than others. (We cut shards within a digit, so no client holds more than
#   two labels; the shards, and so the clients, differ in size.)


# %%
def partition_iid(n_examples, n_clients, rng):
    """Shuffle the indices 0..n-1 and deal them out in ``n_clients`` near-equal parts."""
    return np.array_split(rng.permutation(n_examples), n_clients)


def partition_non_iid(labels, n_clients, rng, shards_per_client=2, n_classes=10):
    """Sort by label, cut each class into shards, give every client ``shards_per_client``.

    Each class is cut into ``n_clients * shards_per_client / n_classes`` shards, so a
    shard never mixes two labels and a client holds at most ``shards_per_client`` labels.
    Returns one index array per client; together they cover every example exactly once.
    """
    n_shards = n_clients * shards_per_client
    if n_shards % n_classes:
        raise ValueError(
            f"n_clients * shards_per_client ({n_shards}) must be a multiple of {n_classes}"
        )
    shards = []
    for label in range(n_classes):
        indices = np.flatnonzero(labels == label)
        shards += np.array_split(rng.permutation(indices), n_shards // n_classes)
    order = rng.permutation(n_shards)
    return [
        np.concatenate(
            [shards[s] for s in order[k * shards_per_client : (k + 1) * shards_per_client]]
        )
        for k in range(n_clients)
    ]


def label_counts(labels, partition, n_classes=10):
    """A [clients, classes] table: how many examples of each digit each client holds."""
    return np.stack([np.bincount(labels[part], minlength=n_classes) for part in partition])


def client_dataset(images, labels, indices, batch_size, seed):
    """A client's local data as batches of (x / 255, label), reshuffled every local epoch."""
    data = tf.data.Dataset.from_tensor_slices((images[indices], labels[indices]))
    data = data.shuffle(len(indices), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))


# %% [markdown]
# ## 2. The model
#
# Lesson 05's MLP (`mnist_models.build_mlp`, built from the course's `Dense`) at the
# size of McMahan et al.'s "2NN": `784 → 200 (ReLU) → 200 (ReLU) → 10` logits, about
# 199 000 weights, without dropout. One Keras model object does the work of every
# client in turn: a client "receives" the global model when we copy the global
# weights into it.
#
# The model's first layer normalizes the pixels, `(x − mean) / std`, with the
# training set's statistics — which, in a federated system, nobody holds. Section 4
# shows how the server gets them anyway.


# %%
def build_model(mean, std):
    return mnist_models.build_mlp(mean, std, hidden=(200, 200), dropout=0.0)


# %% [markdown]
# ## 3. The client: a few local epochs of SGD
#
# `ClientUpdate` in the paper is the training loop of lesson 04, started from the
# server's weights: for each local epoch, for each batch, `w ← w − η ∇ℓ(w; batch)`.
# The step below is the `tf.GradientTape` step, compiled once with `tf.function` and
# reused for every client and every round (the model's variables are the same
# objects; only their values change).
#
# **Why SGD and not Adam?** Adam keeps a state per weight (the moments `m`, `v` and
# the step count `t`). In federated learning that state has nowhere good to live:
# re-creating Adam on each client every round throws the moments away and restarts
# the bias correction, so every round begins like a fresh Adam, whose first step
# moves each weight by about `η` whatever the size of its gradient
# (`m̂/√v̂ = g/|g|`); keeping a per-client Adam across rounds means moments measured on
# weights the server has since replaced, and a client may not be picked again for a
# long time. Plain SGD has no state, so nothing is lost between rounds, and averaging
# the clients' weights is exactly averaging their SGD updates — FedAvg as published.
# (Adaptive methods are used on the *server* instead, treating the averaged update as
# a gradient: "FedAdam", Reddi et al., 2021.) Our `optimizers.SGD` runs without
# momentum here, so it keeps no per-weight state at all.


# %%
def make_train_step(model, optimizer, loss_fn):
    # The clients' last batches have different sizes: declaring the batch axis as None
    # gives one graph for every batch size (instead of one trace per size).
    signature = [
        tf.TensorSpec([None, *mnist_models.IMAGE_SHAPE], tf.float32),
        tf.TensorSpec([None], tf.uint8),
    ]

    @tf.function(input_signature=signature)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return loss

    return train_step


def client_update(model, train_step, global_weights, dataset, local_epochs):
    """Start from the server's weights, train ``local_epochs`` on local data, return the weights."""
    model.set_weights(global_weights)
    for _ in range(local_epochs):
        for x, y in dataset:
            train_step(x, y)
    return model.get_weights()


# %% [markdown]
# ## 4. The server: a weighted average
#
# After a round the server holds `K` weight lists (one array per layer weight) and
# their sample counts `n_k`. The new global model is their average weighted by how
# much data each client trained on:
#
# ```
# w = Σ_k n_k w_k / Σ_k n_k        (for every weight array separately)
# ```
#
# With equal `n_k` this is the plain mean. Weighting by `n_k` makes one FedAvg round
# with one local step of full-batch gradient descent equal to one step of
# centralized gradient descent on the pooled data: the pooled gradient is the
# `n_k`-weighted mean of the clients' gradients.


# %%
def federated_average(client_weights, sample_counts):
    """Σ_k n_k w_k / Σ_k n_k for each weight array; ``client_weights`` is a list of weight lists."""
    counts = np.asarray(sample_counts, dtype=np.float64)
    if len(client_weights) != len(counts) or counts.sum() <= 0:
        raise ValueError("one positive sample count per client is needed")
    fractions = counts / counts.sum()
    averaged = []
    for arrays in zip(*client_weights, strict=True):  # the same weight array from every client
        total = sum(
            f * np.asarray(a, dtype=np.float64) for f, a in zip(fractions, arrays, strict=True)
        )
        averaged.append(total.astype(np.asarray(arrays[0]).dtype))
    return averaged


def update_agreement(client_weights, global_weights, sample_counts):
    """How much of the clients' movement survives averaging: ‖Σ_k f_k Δ_k‖ / Σ_k f_k ‖Δ_k‖.

    ``Δ_k = w_k − w`` is client k's update (all weight arrays flattened together) and
    ``f_k = n_k / Σ n`` its weight. 1 when every client moved the same way; near 0
    when their updates cancel out.
    """
    counts = np.asarray(sample_counts, dtype=np.float64)
    fractions = counts / counts.sum()
    updates = [
        np.concatenate([(w - g).ravel() for w, g in zip(weights, global_weights, strict=True)])
        for weights in client_weights
    ]
    averaged = sum(f * u for f, u in zip(fractions, updates, strict=True))
    mean_length = sum(f * np.linalg.norm(u) for f, u in zip(fractions, updates, strict=True))
    return float(np.linalg.norm(averaged) / mean_length)


# %% [markdown]
# The same average serves for statistics. The model's normalization needs the pixel
# mean and standard deviation of the whole training set: each client reports its
# pixel mean `μ_k`, its mean square `s_k` and how many pixels it summarized `n_k`;
# the server computes `mean = Σ n_k μ_k / Σ n_k` and
# `std = √(Σ n_k s_k / Σ n_k − mean²)`. That is exact: the pooled statistics, without
# pooling the data (the report prints both).


# %%
def federated_pixel_stats(images, partition):
    """The pixel mean and std of ``images / 255`` from per-client statistics only."""
    reports, counts = [], []
    for indices in partition:
        mean, std = mnist.pixel_stats(images[indices])  # computed on the client
        reports.append([np.array(mean), np.array(std**2 + mean**2)])
        counts.append(len(indices) * images[0].size)  # pixels the client summarized
    mean, mean_square = federated_average(reports, counts)
    return float(mean), float(np.sqrt(mean_square - mean**2))


# %% [markdown]
# ## 5. Federated averaging, round by round
#
# Every client takes part in every round (the paper's `C = 1`). After each round we
# measure the global model on the 10 000 test images, and how much the clients
# **agree**: with updates `Δ_k = w_k − w` and weights `f_k = n_k / Σ n`, the ratio
# `‖Σ_k f_k Δ_k‖ / Σ_k f_k ‖Δ_k‖` is the fraction of the clients' movement that
# survives averaging (1: all moved the same way). With non-IID data each client
# walks toward a model of its own two digits ("client drift"); the updates point in
# different directions, partly cancel, and the global model moves less per round.
# Even IID clients agree less as training goes on: near a minimum, what a local
# epoch adds is mostly the noise of SGD, which averaging cancels.


# %%
def evaluate_accuracy(model, images, labels, batch_size=2000):
    correct = 0
    for start in range(0, len(images), batch_size):
        x = tf.constant(images[start : start + batch_size], tf.float32) / 255.0
        predictions = np.argmax(model(x, training=False).numpy(), axis=-1)
        correct += int(np.sum(predictions == labels[start : start + batch_size]))
    return correct / len(images)


def run_fedavg(
    model,
    train_step,
    initial_weights,
    client_datasets,
    sample_counts,
    *,
    rounds,
    local_epochs,
    test_images,
    test_labels,
):
    global_weights = initial_weights
    history = {"accuracy": [], "agreement": []}
    for _ in range(rounds):
        client_weights = [
            client_update(model, train_step, global_weights, dataset, local_epochs)
            for dataset in client_datasets
        ]
        history["agreement"].append(update_agreement(client_weights, global_weights, sample_counts))
        global_weights = federated_average(client_weights, sample_counts)
        model.set_weights(global_weights)
        history["accuracy"].append(evaluate_accuracy(model, test_images, test_labels))
    return global_weights, history


# %% [markdown]
# ## 6. The baseline: centralized training on the same budget
#
# Pool all the data and train the same model from the same initial weights with the
# same SGD, batch size and learning rate. One FedAvg round processes every training
# example `E` times (each client runs `E` local epochs on its share), so `R` rounds
# cost as much computation as `R · E` centralized epochs; we measure the centralized
# model after every `E` epochs to put the curves on the same axis. The difference:
# centralized SGD takes its steps one after the other, while the clients' steps run
# side by side and only their average survives.


# %%
def run_centralized(
    model, train_step, initial_weights, dataset, *, rounds, local_epochs, test_images, test_labels
):
    model.set_weights(initial_weights)
    history = {"accuracy": []}
    for _ in range(rounds):
        for _ in range(local_epochs):
            for x, y in dataset:
                train_step(x, y)
        history["accuracy"].append(evaluate_accuracy(model, test_images, test_labels))
    return history


# %% [markdown]
# ## 7. Plots


# %%
def plot_partitions(iid_counts, non_iid_counts):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, counts, title in ((axes[0], iid_counts, "IID"), (axes[1], non_iid_counts, "non-IID")):
        image = ax.imshow(counts, cmap="Blues", aspect="auto", vmin=0)
        ax.set_xticks(range(counts.shape[1]))
        ax.set_yticks(range(counts.shape[0]))
        ax.set_xlabel("digit")
        ax.set_title(f"{title}: examples of each digit per client")
        fig.colorbar(image, ax=ax)
    axes[0].set_ylabel("client")
    return fig


def plot_accuracy(histories, local_epochs):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    rounds = np.arange(1, len(histories["centralized"]["accuracy"]) + 1)
    left.plot(
        rounds,
        histories["centralized"]["accuracy"],
        "k--o",
        ms=3,
        label=f"centralized ({local_epochs} epoch(s) per point)",
    )
    left.plot(rounds, histories["iid"]["accuracy"], "-o", ms=3, label="FedAvg, IID clients")
    left.plot(rounds, histories["non_iid"]["accuracy"], "-o", ms=3, label="FedAvg, non-IID clients")
    left.set_xlabel("round (centralized: after as many examples)")
    left.set_ylabel("test accuracy (10 000 images)")
    left.set_title("Same budget, three ways to spend it")
    left.legend()
    right.plot(rounds, histories["iid"]["agreement"], "-o", ms=3, label="IID")
    right.plot(rounds, histories["non_iid"]["agreement"], "-o", ms=3, label="non-IID")
    right.set_ylim(0, 1.05)
    right.set_xlabel("round")
    right.set_ylabel("‖Σ f_k Δ_k‖ / Σ f_k ‖Δ_k‖")
    right.set_title("How much of the clients' updates survives averaging")
    right.legend()
    return fig


# %% [markdown]
# ## 8. Putting it together


# %%
def main(argv=None):
    def extra(parser):
        parser.add_argument(
            "--clients", type=int, default=10, help="number of clients (default 10)"
        )
        parser.add_argument(
            "--rounds", type=int, default=None, help="rounds (default 10; --quick 3)"
        )
        parser.add_argument(
            "--local-epochs", type=int, default=1, help="local epochs E (default 1)"
        )
        parser.add_argument(
            "--batch-size", type=int, default=50, help="local batch size B (default 50)"
        )
        parser.add_argument("--learning-rate", type=float, default=0.1, help="SGD η (default 0.1)")

    args = common.parse_args(argv, "Lesson 11: federated learning", extra=extra)
    out = common.start("11", args)
    rounds = args.rounds or (3 if args.quick else 10)
    rng = np.random.default_rng(args.seed)

    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    train_images, test_images = train_images[..., None], test_images[..., None]  # (n, 28, 28, 1)
    if args.quick:  # a random tenth of the training set; the test set stays whole
        keep = np.sort(rng.choice(len(train_images), 6000, replace=False))
        train_images, train_labels = train_images[keep], train_labels[keep]

    partitions = {
        "iid": partition_iid(len(train_labels), args.clients, rng),
        "non_iid": partition_non_iid(train_labels, args.clients, rng),
    }
    counts = {name: label_counts(train_labels, part) for name, part in partitions.items()}
    labels_held = (counts["non_iid"] > 0).sum(axis=1)
    sizes = [len(p) for p in partitions["non_iid"]]
    print(f"{len(train_labels)} training images over {args.clients} clients.")
    print(
        f"non-IID: each client holds {labels_held.min()}–{labels_held.max()} digits and "
        f"{min(sizes)}–{max(sizes)} images; IID: each client holds "
        f"{(counts['iid'] > 0).sum(axis=1).min()} or more digits."
    )
    for k, row in enumerate(counts["non_iid"]):
        held = ", ".join(f"{digit}×{n}" for digit, n in enumerate(row) if n)
        print(f"  client {k:>2}: {held}")

    mean, std = federated_pixel_stats(train_images, partitions["non_iid"])
    pooled_mean, pooled_std = mnist.pixel_stats(train_images)
    print(
        f"\nPixel statistics from the clients' reports: mean {mean:.6f}, std {std:.6f} "
        f"(pooled data: {pooled_mean:.6f}, {pooled_std:.6f})."
    )
    model = build_model(mean, std)
    optimizer = optimizers.SGD(learning_rate=args.learning_rate)
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    train_step = make_train_step(model, optimizer, loss_fn)
    initial_weights = model.get_weights()  # every run starts from these
    train_step.get_concrete_function()  # trace the step now, so no run's time includes it
    budget = rounds * args.local_epochs * len(train_labels)
    print(
        f"\nBudget for each run: {rounds} rounds × {args.local_epochs} local epoch(s) = "
        f"{budget:,} examples processed (batch {args.batch_size}, SGD η = {args.learning_rate})."
    )

    histories, seconds = {}, {}
    for name in ("non_iid", "iid"):
        datasets = [
            client_dataset(train_images, train_labels, part, args.batch_size, args.seed + k)
            for k, part in enumerate(partitions[name])
        ]
        started = time.perf_counter()
        _, histories[name] = run_fedavg(
            model,
            train_step,
            initial_weights,
            datasets,
            [len(p) for p in partitions[name]],
            rounds=rounds,
            local_epochs=args.local_epochs,
            test_images=test_images,
            test_labels=test_labels,
        )
        seconds[name] = time.perf_counter() - started
    started = time.perf_counter()
    everything = client_dataset(
        train_images, train_labels, np.arange(len(train_labels)), args.batch_size, args.seed
    )
    histories["centralized"] = run_centralized(
        model,
        train_step,
        initial_weights,
        everything,
        rounds=rounds,
        local_epochs=args.local_epochs,
        test_images=test_images,
        test_labels=test_labels,
    )
    seconds["centralized"] = time.perf_counter() - started

    print("\nTest accuracy after each round (centralized: after the same number of examples):")
    print("  round  " + "".join(f"{r:>7d}" for r in range(1, rounds + 1)))
    names = {"non_iid": "non-IID", "iid": "IID", "centralized": "central"}
    for name, label in names.items():
        row = "".join(f"{a:7.4f}" for a in histories[name]["accuracy"])
        print(f"  {label:<7}" + row + f"   ({seconds[name]:.1f} s)")
    print("Agreement of the client updates, ‖Σ f_k Δ_k‖ / Σ f_k ‖Δ_k‖ (1 = all alike):")
    for name in ("non_iid", "iid"):
        row = "".join(f"{d:7.4f}" for d in histories[name]["agreement"])
        print(f"  {names[name]:<7}" + row)

    final = {name: histories[name]["accuracy"][-1] for name in names}
    print(
        f"\nAfter {rounds} rounds: FedAvg non-IID {final['non_iid']:.4f}, FedAvg IID "
        f"{final['iid']:.4f}, centralized {final['centralized']:.4f} "
        f"(gap to centralized: {final['centralized'] - final['non_iid']:.4f} non-IID, "
        f"{final['centralized'] - final['iid']:.4f} IID)."
    )

    common.save_figure(plot_partitions(counts["iid"], counts["non_iid"]), out, "partitions.png")
    common.save_figure(plot_accuracy(histories, args.local_epochs), out, "accuracy_vs_rounds.png")
    return common.finish(
        args,
        {
            "fedavg_noniid_accuracy": round(final["non_iid"], 4),
            "fedavg_iid_accuracy": round(final["iid"], 4),
            "centralized_accuracy": round(final["centralized"], 4),
            "fedavg_noniid_mean_agreement": round(np.mean(histories["non_iid"]["agreement"]), 4),
            "fedavg_iid_mean_agreement": round(np.mean(histories["iid"]["agreement"]), 4),
            "clients": args.clients,
            "rounds": rounds,
            "local_epochs": args.local_epochs,
            "batch_size": args.batch_size,
            "learning_rate": args.learning_rate,
            "train_examples": len(train_labels),
            "max_labels_per_client_noniid": int(labels_held.max()),
            "fedavg_noniid_seconds": round(seconds["non_iid"], 2),
            "fedavg_iid_seconds": round(seconds["iid"], 2),
            "centralized_seconds": round(seconds["centralized"], 2),
        },
    )


if __name__ == "__main__":
    main()
