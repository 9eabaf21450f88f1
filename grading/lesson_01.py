"""Checkers for lesson 01's exercises: a layer of neurons, softplus and two derivatives.

References are independent of the solutions: ``np.logaddexp`` (softplus), central finite
differences of ``np.logaddexp`` and a limit argument (its derivative), explicit loops over
units (the layer), and the defining cases of leaky ReLU.
"""

import numpy as np

from grading import check, close, exercise


def _quiet(function, *args, **kwargs):
    """Call the learner's function with NumPy's overflow warnings silenced (we check values)."""
    with np.errstate(all="ignore"):
        return function(*args, **kwargs)


@exercise("dense_forward", hint="a = σ(x @ W + b): x is (n, inputs), W (inputs, units).")
def check_dense_forward(dense_forward):
    rng = np.random.default_rng(1)
    for name, (n, inputs, units) in {
        "one example, one unit": (1, 3, 1),
        "batch of 5, 3 → 4 units": (5, 3, 4),
        "batch of 2, 6 → 2 units": (2, 6, 2),
    }.items():
        x = rng.normal(size=(n, inputs))
        weights = rng.normal(size=(inputs, units))
        bias = rng.normal(size=units)
        # Reference: each unit j by its own loop, z = Σ_i x_i W_ij + b_j, then 1/(1 + e^−z).
        expected = np.empty((n, units))
        for row in range(n):
            for j in range(units):
                z = sum(x[row, i] * weights[i, j] for i in range(inputs)) + bias[j]
                expected[row, j] = 1.0 / (1.0 + np.exp(-z))
        yield close(name, _quiet(dense_forward, x, weights, bias), expected, rtol=1e-6, atol=1e-9)
    zero = _quiet(dense_forward, np.zeros((2, 3)), np.ones((3, 2)), np.zeros(2))
    yield close("z = 0 gives σ(0) = 0.5", zero, np.full((2, 2), 0.5))


@exercise("softplus", hint="log(1 + e^z) overflows for z > 709: max(z, 0) + log1p(e^−|z|).")
def check_softplus(softplus):
    for name, z in {
        "moderate z": np.array([-3.0, -0.5, 0.0, 0.5, 3.0]),
        "z = 0 gives log 2": np.array([0.0]),
        "large positive z (±1e4)": np.array([-1e4, 800.0, 1e4]),
        "tiny softplus for very negative z": np.array([-40.0, -100.0]),
    }.items():
        yield close(name, _quiet(softplus, z), np.logaddexp(0.0, z), rtol=1e-9, atol=1e-300)


@exercise("softplus_derivative", hint="softplus'(z) = σ(z); compute it from e^−|z| only.")
def check_softplus_derivative(softplus_derivative):
    z = np.linspace(-6.0, 6.0, 25)
    h = 1e-6
    finite_difference = (np.logaddexp(0.0, z + h) - np.logaddexp(0.0, z - h)) / (2 * h)
    yield close(
        "vs finite differences on [−6, 6]", _quiet(softplus_derivative, z), finite_difference
    )
    yield close("z = 0 gives 0.5", _quiet(softplus_derivative, np.array([0.0])), [0.5])
    # softplus'(z) → 1 as z → +∞ and → e^z as z → −∞ (e^−1e4 underflows to 0).
    extremes = np.array([-1e4, -745.0, 1e4, 800.0])
    yield close(
        "z = ±1e4 and beyond e^z's range", _quiet(softplus_derivative, extremes), [0, 0, 1, 1]
    )
    yield close(
        "very negative z: σ(z) ≈ e^z",
        _quiet(softplus_derivative, np.array([-50.0])),
        [np.exp(-50.0)],
        rtol=1e-9,
        atol=0.0,
    )


@exercise("leaky_relu_derivative", hint="1 where z > 0, else negative_slope (also at z = 0).")
def check_leaky_relu_derivative(leaky_relu_derivative):
    z = np.array([-1e4, -2.0, -1e-8, 1e-8, 3.0, 1e4])
    h = 1e-9

    def leaky(v):
        return np.where(v > 0, v, 0.2 * v)

    yield close(
        "away from 0 (finite differences of f)",
        _quiet(leaky_relu_derivative, z),
        (leaky(z + h * np.abs(z)) - leaky(z - h * np.abs(z))) / (2 * h * np.abs(z)),
        rtol=1e-6,
    )
    yield close(
        "z = 0 uses the negative slope", _quiet(leaky_relu_derivative, np.array([0.0])), [0.2]
    )
    yield close(
        "negative_slope = 0.01",
        _quiet(leaky_relu_derivative, np.array([-1.0, 0.0, 1.0]), 0.01),
        [0.01, 0.01, 1.0],
    )
    got = np.asarray(_quiet(leaky_relu_derivative, np.zeros((2, 3))))
    yield check(
        "keeps the input's shape", got.shape == (2, 3), "shape (2, 3)", f"shape {got.shape}"
    )
