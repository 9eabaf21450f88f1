"""Plausible wrong answers to lesson 11's exercises; each must be rejected by its checker."""

import numpy as np


def average_unweighted(client_weights, sample_counts):
    """The plain mean over clients: ignores how much data each client trained on."""
    return [np.mean(np.stack(arrays), axis=0) for arrays in zip(*client_weights, strict=True)]


def average_not_normalized(client_weights, sample_counts):
    """Σ_k n_k w_k, forgetting to divide by Σ_k n_k."""
    counts = np.asarray(sample_counts, dtype=np.float64)
    return [
        np.tensordot(counts, np.stack(arrays), axes=1)
        for arrays in zip(*client_weights, strict=True)
    ]


def average_float64(client_weights, sample_counts):
    """Right numbers, but returned as float64 (a float32 model would silently change dtype)."""
    counts = np.asarray(sample_counts, dtype=np.float64)
    return [
        np.average(np.stack(arrays).astype(np.float64), axis=0, weights=counts)
        for arrays in zip(*client_weights, strict=True)
    ]


def stats_unweighted(reports):
    """Averages the clients' means and mean squares without their counts."""
    means, mean_squares, _ = (np.asarray(c, np.float64) for c in zip(*reports, strict=True))
    mean = means.mean()
    return float(mean), float(np.sqrt(max(mean_squares.mean() - mean**2, 0.0)))


def stats_average_of_stds(reports):
    """Count-weighted mean of the clients' own stds: misses the spread between the clients."""
    means, mean_squares, counts = (np.asarray(c, np.float64) for c in zip(*reports, strict=True))
    stds = np.sqrt(np.maximum(mean_squares - means**2, 0.0))
    return float(counts @ means / counts.sum()), float(counts @ stds / counts.sum())


def stats_not_clipped(reports):
    """Right formula, but √ of a slightly negative rounding error gives NaN for equal values."""
    means, mean_squares, counts = (np.asarray(c, np.float64) for c in zip(*reports, strict=True))
    mean = counts @ means / counts.sum()
    with np.errstate(invalid="ignore"):
        return float(mean), float(np.sqrt(counts @ mean_squares / counts.sum() - mean**2))


def split_ignores_alpha(labels, n_clients, alpha, seed):
    """An IID split: shuffles and deals out, whatever α says."""
    rng = np.random.default_rng(seed)
    return np.array_split(rng.permutation(len(labels)), n_clients)


def split_same_shares_for_every_class(labels, n_clients, alpha, seed):
    """One Dirichlet draw for all classes: clients differ in size, not in their labels."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    shares = rng.dirichlet(np.full(n_clients, alpha))
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == label))
        cuts = np.round(np.cumsum(shares)[:-1] * len(indices)).astype(int)
        for part, piece in zip(parts, np.split(indices, cuts), strict=True):
            part.append(piece)
    return [np.concatenate(part) for part in parts]


def split_floors_the_counts(labels, n_clients, alpha, seed):
    """Gives client k the next floor(p_k · n_c) examples: the rounding remainders are lost."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == label))
        counts = np.floor(rng.dirichlet(np.full(n_clients, alpha)) * len(indices)).astype(int)
        start = 0
        for part, count in zip(parts, counts, strict=True):
            part.append(indices[start : start + count])
            start += count
    return [np.concatenate(part) for part in parts]


def split_draws_with_replacement(labels, n_clients, alpha, seed):
    """Samples each client's examples with replacement: some repeat, others are never used."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        indices = np.flatnonzero(labels == label)
        shares = rng.dirichlet(np.full(n_clients, alpha))
        owners = rng.choice(n_clients, size=len(indices), p=shares)
        for k in range(n_clients):
            parts[k].append(rng.choice(indices, size=int((owners == k).sum()), replace=True))
    return [np.concatenate(part) for part in parts]


WRONG = {
    "federated_average": [average_unweighted, average_not_normalized, average_float64],
    "pooled_mean_std": [stats_unweighted, stats_average_of_stds, stats_not_clipped],
    "partition_dirichlet": [
        split_ignores_alpha,
        split_same_shares_for_every_class,
        split_floors_the_counts,
        split_draws_with_replacement,
    ],
}
