"""Lesson 11 exercises: federated averaging. Grade them with ``make exercise-11``.

Replace each ``raise NotImplementedError`` with your code (NumPy is enough), then run
``make exercise-11``: it checks every function on small named cases and says what is
right. The solutions are in ``solutions/lesson_11.py``; try first.
"""

import numpy as np  # noqa: F401 (for your answers)


def federated_average(client_weights, sample_counts):
    """The server's FedAvg step: the sample-weighted average of the clients' weights.

    ``client_weights`` is a list with one entry per client; each entry is a list of NumPy
    arrays (one per layer weight, the same shapes on every client). ``sample_counts[k]``
    is ``n_k``, how many examples client k trained on. Return one list of arrays:

        w = Σ_k n_k w_k / Σ_k n_k        (for every weight array separately)

    each in the dtype of the clients' arrays (float32 stays float32).
    """
    raise NotImplementedError


def pooled_mean_std(reports):
    """The mean and standard deviation of all the clients' values, from their reports only.

    ``reports`` is a list of ``(mean_k, mean_square_k, count_k)``: client k's mean
    ``μ_k = (1/n_k) Σ x``, mean square ``s_k = (1/n_k) Σ x²`` and count ``n_k``. Return
    ``(mean, std)`` (two floats) of the pooled values:

        mean = Σ_k n_k μ_k / Σ_k n_k,     std = √(Σ_k n_k s_k / Σ_k n_k − mean²)
    """
    raise NotImplementedError


def partition_dirichlet(labels, n_clients, alpha, seed):
    """A non-IID split of ``labels`` among ``n_clients`` by Dirichlet shares.

    For each class c: shuffle that class's example indices, draw the clients' shares
    ``p ~ Dirichlet(α, …, α)`` (``n_clients`` numbers ≥ 0 that sum to 1) and cut the
    shuffled indices at ``cumsum(p) · n_c`` (rounded to whole examples), so client k gets
    about ``p_k · n_c`` of them. Use ``rng = np.random.default_rng(seed)`` for every draw.
    Return a list of ``n_clients`` integer index arrays: every index 0 … len(labels)−1 in
    exactly one of them. Small ``alpha`` (0.05): each client holds mostly one or two
    labels; large ``alpha`` (1000): every client holds each label in about the global
    proportion.
    """
    raise NotImplementedError
