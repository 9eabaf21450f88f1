"""Lesson 11 reference solutions (``python -m grading 11 --answers solutions/lesson_11.py``)."""

import numpy as np


def federated_average(client_weights, sample_counts):
    """w = Σ_k n_k w_k / Σ_k n_k for every weight array."""
    fractions = np.asarray(sample_counts, dtype=np.float64)
    fractions = fractions / fractions.sum()  # f_k = n_k / Σ n: weights that sum to 1
    averaged = []
    for arrays in zip(*client_weights, strict=True):  # the same weight array from every client
        stacked = np.stack([np.asarray(a, dtype=np.float64) for a in arrays])
        total = np.tensordot(fractions, stacked, axes=1)  # Σ_k f_k w_k, in float64
        averaged.append(total.astype(np.asarray(arrays[0]).dtype))
    return averaged


def pooled_mean_std(reports):
    """Pooled mean and std from (mean, mean square, count) per client."""
    means, mean_squares, counts = (
        np.asarray(column, np.float64) for column in zip(*reports, strict=True)
    )
    total = counts.sum()
    mean = float(counts @ means / total)
    variance = float(counts @ mean_squares / total) - mean**2  # E[x²] − E[x]²
    return mean, float(np.sqrt(max(variance, 0.0)))  # max(): rounding can give −1e-17


def partition_dirichlet(labels, n_clients, alpha, seed):
    """Per class: Dirichlet shares, then cut the shuffled examples at the cumulative shares."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == label))
        shares = rng.dirichlet(np.full(n_clients, alpha))
        cuts = np.round(np.cumsum(shares)[:-1] * len(indices)).astype(int)  # n_clients − 1 cuts
        for part, piece in zip(parts, np.split(indices, cuts), strict=True):
            part.append(piece)
    return [np.concatenate(part).astype(np.int64) for part in parts]
