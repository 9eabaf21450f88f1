"""Checkers for lesson 11's exercises: FedAvg's weighted average, pooled statistics, a
Dirichlet non-IID split. References: NumPy's ``np.average`` and ``np.mean``/``np.std`` on the
pooled data, and the split's properties (complete, disjoint, heterogeneous as α says)."""

from __future__ import annotations

import numpy as np

from grading import check, close, exercise


def _weights(rng, shapes, dtype=np.float32):
    return [rng.normal(size=shape).astype(dtype) for shape in shapes]


@exercise(
    "federated_average",
    hint="Weight each client by n_k / Σ n (not 1/K), and average each weight array separately.",
)
def check_federated_average(federated_average):
    rng = np.random.default_rng(0)
    cases = {
        "two clients, n = 1 and 3": ([[np.array([1.0, 2.0])], [np.array([5.0, 6.0])]], [1, 3]),
        "equal counts: the plain mean": ([_weights(rng, [(3,)]) for _ in range(4)], [7] * 4),
        "one client: its own weights": ([_weights(rng, [(2, 2), (2,)])], [5]),
        "three clients, a kernel and a bias": (
            [_weights(rng, [(4, 3), (3,)]) for _ in range(3)],
            [10, 250, 40],
        ),
        "a client with no examples counts for nothing": (
            [_weights(rng, [(2,)]), _weights(rng, [(2,)]), [np.full(2, 1e6, np.float32)]],
            [3, 1, 0],
        ),
    }
    for name, (client_weights, counts) in cases.items():
        got = federated_average(client_weights, counts)
        expected = [
            np.average(np.stack(arrays).astype(np.float64), axis=0, weights=counts)
            for arrays in zip(*client_weights, strict=True)
        ]
        yield check(
            f"{name}: one array per weight",
            len(got) == len(expected),
            f"{len(expected)} arrays",
            f"{len(got)}",
        )
        for index, (g, e) in enumerate(zip(got, expected, strict=False)):
            yield close(f"{name}: array {index}", g, e, rtol=1e-6, atol=1e-6)
    got = federated_average(cases["three clients, a kernel and a bias"][0], [10, 250, 40])
    dtypes = [np.asarray(array).dtype for array in got]
    yield check("float32 weights stay float32", dtypes == [np.float32] * 2, "float32", f"{dtypes}")


def _report(values):
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float((values**2).mean()), len(values)


@exercise(
    "pooled_mean_std",
    hint="Weight by the counts n_k, and take the std from the pooled mean square: "
    "√(E[x²] − mean²), clipped at 0 (rounding can make it slightly negative).",
)
def check_pooled_mean_std(pooled_mean_std):
    rng = np.random.default_rng(1)
    cases = {
        "two clients of different sizes and means": [rng.normal(0, 1, 5), rng.normal(3, 2, 45)],
        "one client": [rng.uniform(0, 1, 20)],
        "a client with a single value": [np.array([10.0]), rng.normal(0, 1, 9)],
        "four clients, pixel-like values in [0, 1]": [
            rng.uniform(0, 1, n) for n in (3, 30, 8, 100)
        ],
        "every value equal: std 0": [np.full(4, 0.3), np.full(7, 0.3)],
    }
    for name, clients in cases.items():
        pooled = np.concatenate(clients)
        mean, std = pooled_mean_std([_report(values) for values in clients])
        yield close(f"{name}: mean", mean, pooled.mean(), atol=1e-9)
        yield close(f"{name}: std", std, pooled.std(), rtol=1e-6, atol=1e-7)


def _label_shares(labels, partition, n_classes):
    counts = np.stack([np.bincount(labels[part], minlength=n_classes) for part in partition])
    sizes = counts.sum(axis=1)
    return counts[sizes > 0] / sizes[sizes > 0, None], sizes


def _complete(partition, n):
    joined = np.concatenate([np.asarray(part).ravel() for part in partition])
    return len(joined) == n and np.array_equal(np.sort(joined), np.arange(n))


@exercise(
    "partition_dirichlet",
    hint="Draw new shares p ~ Dirichlet(α·1) for every class, and cut the class's shuffled "
    "indices with np.split at round(cumsum(p)[:-1] · n_c) so no example is lost or repeated.",
)
def check_partition_dirichlet(partition_dirichlet):
    balanced = np.random.default_rng(2).permutation(np.repeat(np.arange(10), 200)).astype(np.uint8)
    uneven = np.array([0] * 50 + [1] * 7 + [2] * 1 + [3] * 30)  # a class with one example
    for name, labels, clients, alpha in [
        ("10 balanced classes, 10 clients, α = 0.5", balanced, 10, 0.5),
        ("uneven classes (one of 1 example), 6 clients, α = 0.3", uneven, 6, 0.3),
        ("more clients than examples of a class, α = 1", uneven, 12, 1.0),
    ]:
        partition = partition_dirichlet(labels, clients, alpha, 0)
        yield check(
            f"{name}: one index array per client",
            len(partition) == clients,
            f"{clients} arrays",
            f"{len(partition)}",
        )
        yield check(
            f"{name}: every example in exactly one client",
            _complete(partition, len(labels)),
            "the indices 0 … n−1, each once",
            "missing or repeated indices",
        )
    global_share = np.full(10, 0.1)
    concentrated = []
    for seed in range(3):
        shares, sizes = _label_shares(balanced, partition_dirichlet(balanced, 10, 0.05, seed), 10)
        concentrated.append(float(np.average(shares.max(axis=1), weights=sizes[sizes > 0])))
    mean_largest = float(np.mean(concentrated))  # IID: about 0.12; one label per client: 1
    yield check(
        "α = 0.05: a client's largest label is much of its data (mean of 3 seeds)",
        mean_largest > 0.35,
        "a size-weighted mean largest share > 0.35",
        f"{mean_largest:.3f}",
    )
    shares, _ = _label_shares(balanced, partition_dirichlet(balanced, 10, 1000.0, 0), 10)
    spread = float(np.abs(shares - global_share).max())
    yield check(
        "α = 1000: every client holds each label in about the global share",
        spread < 0.03,
        "each share within 0.03 of 0.1",
        f"{spread:.3f} off",
    )
    first, again = (partition_dirichlet(balanced, 10, 0.5, 7) for _ in range(2))
    other = partition_dirichlet(balanced, 10, 0.5, 8)
    same = all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    yield check("the same seed gives the same split", same, "identical splits", "different ones")
    differs = not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    yield check("another seed gives another split", differs, "different splits", "the same one")
