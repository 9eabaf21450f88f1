"""Checkers for lesson 13: integrated gradients against integrals done by hand and completeness;
Spearman's ρ against the textbook formula and ranks counted one by one."""

import numpy as np

from grading import close, exercise


@exercise(
    "integrated_gradients",
    hint="Average grad_f at the m midpoints α = (k + ½)/m of the path x' + α(x − x'), "
    "then multiply by (x − x').",
)
def check_integrated_gradients(integrated_gradients):
    rng = np.random.default_rng(13)
    c = rng.uniform(0.5, 2.0, 5)
    x, x0 = rng.normal(size=5), rng.normal(size=5)
    # F = Σ c x²: the gradient 2 c x is linear along the path, so the midpoint sum is exact
    for steps in (1, 3):
        yield close(
            f"F = Σ c·x², m = {steps}: IG = c (x² − x'²) exactly",
            integrated_gradients(lambda p: 2 * c * p, x, x0, steps),
            c * (x**2 - x0**2),
            atol=1e-9,
        )
    # F = Σ sin x: IG_i = sin x_i − sin x'_i, the midpoint rule's error falls like 1/m²
    ig = integrated_gradients(np.cos, x, x0, 200)
    yield close("F = Σ sin x, m = 200: IG = sin x − sin x'", ig, np.sin(x) - np.sin(x0), atol=1e-4)
    # F = x₀x₁: IG₀ = d₀ (x'₁ + d₁/2), IG₁ = d₁ (x'₀ + d₀/2), d = x − x'
    p, q = np.array([2.0, -3.0]), np.array([0.5, 1.0])
    d = p - q
    ig = integrated_gradients(lambda v: np.array([v[1], v[0]]), p, q, 4)
    yield close("F = x₀·x₁ by hand", ig, [d[0] * (q[1] + d[1] / 2), d[1] * (q[0] + d[0] / 2)])
    yield close("F = x₀·x₁: completeness Σ IG = F(x) − F(x')", np.sum(ig), p[0] * p[1] - 0.5)
    image, dark = rng.uniform(0, 1, (3, 4)), np.zeros((3, 4))
    ig = integrated_gradients(lambda v: 3 * v**2, image, dark, 50)  # F = Σ v³
    yield close("a 3×4 input, F = Σ v³: IG = v³ (shape kept)", ig, image**3, rtol=1e-3, atol=1e-4)
    yield close(
        "x equal to the baseline: every attribution is 0",
        integrated_gradients(lambda v: 2 * c * v, x, x, 8),
        np.zeros(5),
    )


def _ranks_one_by_one(values):
    """rank_i = #(values below v_i) + (#(values equal to v_i) − 1) / 2."""
    values = np.ravel(values)
    return np.array([np.sum(values < v) + (np.sum(values == v) - 1) / 2 for v in values])


@exercise(
    "spearman",
    hint="Rank both arrays (ties get the mean of their ranks), then take the Pearson "
    "correlation of the ranks, not of the values.",
)
def check_spearman(spearman):
    rng = np.random.default_rng(131)
    a, b = rng.normal(size=30), rng.normal(size=30)
    d = np.argsort(np.argsort(a)) - np.argsort(np.argsort(b))
    yield close(
        "30 values without ties: 1 − 6 Σd² / (n(n² − 1))",
        spearman(a, b),
        1 - 6 * np.sum(d**2) / (30 * (30**2 - 1)),
    )
    yield close("an increasing transform: ρ(a, eᵃ) = 1", spearman(a, np.exp(3 * a)), 1.0)
    yield close("a decreasing transform: ρ(a, −a³) = −1", spearman(a, -(a**3)), -1.0)
    for name, u, v in [
        ("ties: small integers", rng.integers(0, 4, 40), rng.integers(0, 4, 40)),
        ("ties: [5, 7, 7, 9] vs [1, 2, 3, 4]", np.array([5, 7, 7, 9]), np.arange(4)),
        (
            "maps (2-D arrays, many zeros)",
            np.maximum(rng.normal(size=(6, 6)), 0),
            rng.normal(size=(6, 6)),
        ),
    ]:
        expected = np.corrcoef(_ranks_one_by_one(u), _ranks_one_by_one(v))[0, 1]
        yield close(name, spearman(u, v), expected)
    yield close("two values", spearman([1.0, 2.0], [3.0, -1.0]), -1.0)
