"""Lesson 11 (federated averaging): the weighted average, the client splits (lessons/federated.py),
and the chapter run top to bottom with --quick."""

import numpy as np
import pytest

from custom_layers import losses, optimizers
from datasets import mnist
from lessons import federated as lesson
from lessons import mnist_models
from tests._netguard import real_data
from tests.lesson_run import run_lesson

# MNIST's training label counts (digits 0-9): the partition tests use labels like these.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def mnist_like_labels(seed=0):
    labels = np.repeat(np.arange(10, dtype=np.uint8), MNIST_TRAIN_COUNTS)
    return np.random.default_rng(seed).permutation(labels)


def test_federated_average_hand_checked():
    # Client A (n=1): [1, 2], [[0]];  client B (n=3): [5, 6], [[4]].
    # (1·1 + 3·5)/4 = 4, (1·2 + 3·6)/4 = 5, (1·0 + 3·4)/4 = 3.
    client_a = [np.array([1.0, 2.0], np.float32), np.array([[0.0]], np.float32)]
    client_b = [np.array([5.0, 6.0], np.float32), np.array([[4.0]], np.float32)]
    averaged = lesson.federated_average([client_a, client_b], [1, 3])
    np.testing.assert_array_equal(averaged[0], [4.0, 5.0])
    np.testing.assert_array_equal(averaged[1], [[3.0]])
    assert [a.dtype for a in averaged] == [np.float32, np.float32]
    assert [a.shape for a in averaged] == [(2,), (1, 1)]
    # the order of the clients does not matter; equal counts give the plain mean
    reordered = lesson.federated_average([client_b, client_a], [3, 1])
    np.testing.assert_array_equal(reordered[0], averaged[0])
    np.testing.assert_array_equal(
        lesson.federated_average([client_a, client_b], [7, 7])[0], [3.0, 4.0]
    )


def test_federated_average_rejects_bad_counts():
    weights = [[np.zeros(2)], [np.ones(2)]]
    with pytest.raises(ValueError):
        lesson.federated_average(weights, [1])
    with pytest.raises(ValueError):
        lesson.federated_average(weights, [0, 0])


def _covers_every_example_once(partition, n_examples):
    everything = np.sort(np.concatenate(partition))
    np.testing.assert_array_equal(everything, np.arange(n_examples))


@pytest.mark.parametrize("n_clients", [10, 20])
def test_non_iid_partition_is_non_iid_and_complete(n_clients):
    labels = mnist_like_labels()
    partition = lesson.partition_non_iid(labels, n_clients, np.random.default_rng(3))
    assert len(partition) == n_clients
    _covers_every_example_once(partition, len(labels))
    counts = lesson.label_counts(labels, partition)
    assert counts.sum() == len(labels)
    np.testing.assert_array_equal(counts.sum(axis=0), MNIST_TRAIN_COUNTS)
    held = (counts > 0).sum(axis=1)
    assert held.max() <= 2 and held.min() >= 1


def test_non_iid_partition_needs_whole_shards_per_class():
    with pytest.raises(ValueError):
        lesson.partition_non_iid(mnist_like_labels(), 7, np.random.default_rng(0))


def test_iid_partition_is_balanced_and_complete():
    labels = mnist_like_labels()
    partition = lesson.partition_iid(len(labels), 10, np.random.default_rng(3))
    _covers_every_example_once(partition, len(labels))
    sizes = [len(p) for p in partition]
    assert max(sizes) - min(sizes) <= 1
    counts = lesson.label_counts(labels, partition)
    assert (counts > 0).all()  # every client holds every digit
    # each client's share of each digit is close to the global share (6000 draws per client)
    shares = counts / counts.sum(axis=1, keepdims=True)
    global_share = np.array(MNIST_TRAIN_COUNTS) / sum(MNIST_TRAIN_COUNTS)
    assert np.abs(shares - global_share).max() < 0.02


def test_update_agreement_extremes():
    start = [np.zeros(3), np.zeros((2, 2))]
    same = [np.ones(3), np.ones((2, 2))]
    assert lesson.update_agreement([same, same], start, [1, 5]) == pytest.approx(1.0)
    opposite = [-np.ones(3), -np.ones((2, 2))]
    assert lesson.update_agreement([same, opposite], start, [2, 2]) == pytest.approx(0.0)
    # two orthogonal unit updates with equal weight: ‖(a + b)/2‖ / 1 = 1/√2
    e1 = [np.array([1.0, 0, 0]), np.zeros((2, 2))]
    e2 = [np.array([0, 1.0, 0]), np.zeros((2, 2))]
    assert lesson.update_agreement([e1, e2], start, [1, 1]) == pytest.approx(2**-0.5)


def test_federated_pixel_stats_equal_the_pooled_ones():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (50, 28, 28, 1)).astype(np.uint8)
    partition = [np.arange(0, 7), np.arange(7, 30), np.arange(30, 50)]  # unequal clients
    mean, std = lesson.federated_pixel_stats(images, partition)
    pooled = images.astype(np.float64) / 255.0
    assert mean == pytest.approx(pooled.mean(), abs=1e-12)
    assert std == pytest.approx(pooled.std(), abs=1e-12)


def test_one_full_batch_step_per_client_averages_to_one_centralized_step():
    """FedSGD: weighting by n_k makes the average of one-step clients a pooled GD step."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (30, 28, 28, 1)).astype(np.uint8)
    labels = rng.integers(0, 10, 30).astype(np.uint8)
    clients = [np.arange(0, 8), np.arange(8, 30)]  # unequal sizes: 8 and 22

    model = mnist_models.build_mlp(0.5, 0.3, hidden=(5,), dropout=0.0)
    step = lesson.make_train_step(
        model,
        optimizers.SGD(learning_rate=0.5),
        losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    start = model.get_weights()
    client_weights = [
        lesson.client_update(
            model, step, start, lesson.client_dataset(images, labels, idx, len(idx), 0), 1
        )
        for idx in clients
    ]
    averaged = lesson.federated_average(client_weights, [len(idx) for idx in clients])

    everything = lesson.client_dataset(images, labels, np.arange(30), 30, 0)
    pooled = lesson.client_update(model, step, start, everything, 1)
    assert max(np.abs(p - s).max() for p, s in zip(pooled, start, strict=True)) > 1e-3
    for a, p in zip(averaged, pooled, strict=True):
        np.testing.assert_allclose(a, p, atol=1e-6, rtol=1e-5)
    # the unweighted mean is a different point
    plain = lesson.federated_average(client_weights, [1, 1])
    assert max(np.abs(q - p).max() for q, p in zip(plain, pooled, strict=True)) > 1e-4


def test_lesson_runs_in_quick_mode(tmp_path):
    real_data(mnist)  # prepares the cache (offline sources only) if a bare machine lacks it
    saved, stdout, _ = run_lesson(11, "--quick", out=tmp_path)
    for name in ("fedavg_noniid_accuracy", "fedavg_iid_accuracy", "centralized_accuracy"):
        assert 0.2 < saved[name] <= 1.0
    assert saved["fedavg_noniid_accuracy"] < saved["fedavg_iid_accuracy"]
    assert saved["fedavg_noniid_accuracy"] < saved["centralized_accuracy"]
    assert saved["fedavg_noniid_mean_agreement"] < saved["fedavg_iid_mean_agreement"]
    assert saved["max_labels_per_client_noniid"] <= 2
    assert saved["pixel_stats_max_abs_diff"] < 1e-9  # the clients' reports give the pooled stats
    assert saved["clients"] == 10 and saved["rounds"] == 3 and saved["train_examples"] == 6000
    assert saved["seconds"] > 0 and saved["quick"] is True
    for name in ("partitions.png", "accuracy_vs_rounds.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    # the verdicts in the text are the run's own numbers
    first, last = saved["fedavg_iid_first_agreement"], saved["fedavg_iid_last_agreement"]
    trend = "fell" if last < first else "did not fall"
    assert f"IID agreement {trend}: {first:.3f} in round 1, {last:.3f} in round 3." in stdout
    assert "— lower for the non-IID clients." in stdout
    assert f"FedAvg non-IID {saved['fedavg_noniid_accuracy']:.4f}" in stdout
    assert "def federated_average(" in stdout  # the chapter shows the code that runs


def test_clients_must_be_a_multiple_of_five(tmp_path):
    _, _, stderr = run_lesson(11, "--quick", "--clients", "12", out=tmp_path, check=False)
    assert "--clients: must be a multiple of 5, got 12" in stderr
    assert "Traceback" not in stderr
