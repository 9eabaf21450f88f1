"""Lesson 11's federated averaging: clients' splits, the client update, the server's average.

The chapter shows these functions' source where it teaches them; the tests import them here.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from datasets import mnist
from lessons import mnist_models


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
    order = rng.permutation(n_shards)  # deal the shards out at random, two per client
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


def build_model(mean, std):
    """McMahan et al.'s "2NN" from lesson 05's MLP: 784 → 200 → 200 → 10, no dropout."""
    return mnist_models.build_mlp(mean, std, hidden=(200, 200), dropout=0.0)


def make_train_step(model, optimizer, loss_fn):
    """One compiled GradientTape step, reused by every client and by the centralized run."""
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
    model.set_weights(global_weights)  # the client "receives" the global model
    for _ in range(local_epochs):
        for x, y in dataset:
            train_step(x, y)
    return model.get_weights()


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


def federated_pixel_stats(images, partition):
    """The pixel mean and std of ``images / 255`` from per-client statistics only."""
    reports, counts = [], []
    for indices in partition:
        mean, std = mnist.pixel_stats(images[indices])  # computed on the client
        reports.append([np.array(mean), np.array(std**2 + mean**2)])  # its mean and mean square
        counts.append(len(indices) * images[0].size)  # pixels the client summarized
    mean, mean_square = federated_average(reports, counts)
    return float(mean), float(np.sqrt(mean_square - mean**2))


def evaluate_accuracy(model, images, labels, batch_size=2000):
    """The fraction of ``images`` (uint8) whose arg-max logit is the label."""
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
    """``rounds`` of FedAvg with every client in every round; test accuracy and agreement."""
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


def run_centralized(
    model, train_step, initial_weights, dataset, *, rounds, local_epochs, test_images, test_labels
):
    """The same model, steps and budget on the pooled data; test accuracy every E epochs."""
    model.set_weights(initial_weights)
    history = {"accuracy": []}
    for _ in range(rounds):
        for _ in range(local_epochs):
            for x, y in dataset:
                train_step(x, y)
        history["accuracy"].append(evaluate_accuracy(model, test_images, test_labels))
    return history
