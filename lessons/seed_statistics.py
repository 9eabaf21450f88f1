"""Honest comparisons over seeds: a mean, a 95 % t-interval, and verdicts judged from them.

For ``n`` results ``x_1 … x_n`` of one configuration (one per seed), the 95 % confidence
interval for its expected result is::

    x̄ ± t_{0.975, n−1} · s / √n,      s² = Σ (x_i − x̄)² / (n − 1)

where ``t_{0.975, n−1}`` is the 97.5 % quantile of Student's t distribution with ``n − 1``
degrees of freedom (12.71 for n = 2, 2.78 for n = 5): with few seeds it is much wider than
the normal 1.96. Two configurations whose intervals overlap are called a *tie*.
"""

from __future__ import annotations

import math

import numpy as np


def t_density(x, df):
    """Student's t density ``Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + x²/ν)^(−(ν+1)/2)``."""
    log_scale = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return np.exp(log_scale) * (1 + np.asarray(x, dtype=np.float64) ** 2 / df) ** (-(df + 1) / 2)


def t_cdf(x, df, intervals=4000):
    """P(T ≤ x) for x ≥ 0: ½ plus the density integrated from 0 to x (Simpson's rule)."""
    grid = np.linspace(0.0, x, intervals + 1)
    weights = np.ones(intervals + 1)
    weights[1:-1:2], weights[2:-1:2] = 4, 2
    return 0.5 + float(np.sum(weights * t_density(grid, df)) * x / (3 * intervals))


def t_quantile(probability, df):
    """The ``x`` with ``P(T ≤ x) = probability`` (≥ ½), found by bisection on :func:`t_cdf`."""
    low, high = 0.0, 1.0
    while t_cdf(high, df) < probability:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if t_cdf(middle, df) < probability else (low, middle)
    return (low + high) / 2


def t_interval(values, confidence=0.95):
    """``(mean, half_width)``: the mean of ``values`` and its t-interval's half width."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float(values.mean()), float("nan")
    t = t_quantile(0.5 + confidence / 2, values.size - 1)
    return float(values.mean()), float(t * values.std(ddof=1) / math.sqrt(values.size))


def verdicts(results):
    """``{name: (mean, half_width, verdict)}`` for ``{name: [one result per seed]}``.

    The verdict compares each interval with the best mean's: "best", "tied with the best"
    (the intervals overlap) or "behind the best" (its interval lies entirely below).
    """
    intervals = {name: t_interval(values) for name, values in results.items()}
    best = max(intervals, key=lambda name: intervals[name][0])
    best_low = intervals[best][0] - intervals[best][1]
    out = {}
    for name, (mean, half) in intervals.items():
        if name == best:
            verdict = "best"
        elif mean + half >= best_low:
            verdict = "tied with the best"
        else:
            verdict = "behind the best"
        out[name] = (mean, half, verdict)
    return out


def print_verdicts(table, label):
    """One line per configuration: mean ± half width (in points) and the verdict."""
    for name, (mean, half, verdict) in table.items():
        print(f"   {name:<24} {100 * mean:6.2f} % ± {100 * half:5.2f}  {verdict}")
    tied = [name for name, (_, _, v) in table.items() if v != "behind the best"]
    print(f"   → {label}: {', '.join(tied)} cannot be told apart by these seeds (95 % intervals).")
