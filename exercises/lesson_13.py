"""Lesson 13 exercises: integrated gradients by hand, and Spearman's rank correlation.

Replace each ``raise NotImplementedError`` with your code (NumPy only), then run
``make exercise-13``. The solutions are in ``solutions/lesson_13.py``: try first.
"""

import numpy as np  # noqa: F401 (you will need it)


def integrated_gradients(grad_f, x, baseline, steps: int) -> np.ndarray:
    """Integrated gradients of ``F`` at ``x`` from ``baseline``, by the midpoint Riemann sum.

    ``IG_i = (x_i − x'_i) · (1/m) Σ_{k=0}^{m−1} ∂F/∂x_i (x' + α_k (x − x'))`` with
    ``α_k = (k + ½) / m`` and ``m = steps``. ``grad_f(point)`` returns ``∂F/∂x`` at one point
    (an array shaped like ``x``). Return an array shaped like ``x``; its sum should be close to
    ``F(x) − F(x')`` (completeness).
    """
    raise NotImplementedError


def spearman(a, b) -> float:
    """Spearman's rank correlation of two arrays of the same size (flattened).

    Replace each array by its ranks (0 for the smallest value, 1 for the next …; values that are
    equal share the mean of the ranks they occupy: ``[5, 7, 7, 9]`` has ranks
    ``[0, 1.5, 1.5, 3]``), then return the Pearson correlation of the two rank arrays:
    ``Σ (r − r̄)(s − s̄) / √(Σ (r − r̄)² · Σ (s − s̄)²)``.
    """
    raise NotImplementedError
