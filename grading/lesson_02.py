"""Checkers for lesson 02's exercises: cross-entropy from logits and two backward passes.

References: the cross-entropy's defining formula in float64 where it is finite and its
limits where it is not; central finite differences of NumPy losses for every gradient.
"""

import numpy as np

from grading import close, exercise


def _quiet(function, *args):
    with np.errstate(all="ignore"):
        return function(*args)


@exercise("bce_from_logits", hint="mean of max(z, 0) − y·z + log1p(e^−|z|).")
def check_bce_from_logits(bce_from_logits):
    z = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    p = 1.0 / (1.0 + np.exp(-z))
    by_definition = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    yield close("moderate logits (the definition)", _quiet(bce_from_logits, y, z), by_definition)
    yield close("one example, z = 0: log 2", _quiet(bce_from_logits, [1.0], [0.0]), np.log(2))
    # At z = ±1e4 the loss of a wrong answer is |z| and of a right one e^−1e4 ≈ 0.
    extremes = np.array([-1e4, 1e4, 1e4, -1e4])
    targets = np.array([1.0, 0.0, 1.0, 0.0])
    yield close("extreme logits ±1e4", _quiet(bce_from_logits, targets, extremes), 5000.0)
    yield close(
        "a 2-D batch (n, 1)", _quiet(bce_from_logits, y[:, None], z[:, None]), by_definition
    )


def _tanh_loss(parameters, x, y):
    a1 = np.tanh(x @ parameters["W1"] + parameters["b1"])
    return np.mean((a1 @ parameters["W2"] + parameters["b2"] - y) ** 2)


def _numeric_gradients(loss, parameters, h=1e-6):
    """Central differences of ``loss()`` for every entry of every parameter (float64)."""
    gradients = {}
    for name, value in parameters.items():
        gradient = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + h
            plus = loss()
            value[index] = original - h
            minus = loss()
            value[index] = original
            gradient[index] = (plus - minus) / (2 * h)
        gradients[name] = gradient
    return gradients


@exercise(
    "tanh_net_gradients", hint="δ1 = (δ2·W2ᵀ) ⊙ (1 − a1²) with a1 = tanh(z1); δ2 = 2(ŷ − y)/n."
)
def check_tanh_net_gradients(tanh_net_gradients):
    rng = np.random.default_rng(2)
    for name, (n, d, h) in {
        "the article's 10 → 5 → 1, 8 examples": (8, 10, 5),
        "one example, 3 → 4 → 1": (1, 3, 4),
        "saturated hidden units (large weights)": (6, 4, 3),
    }.items():
        scale = 4.0 if name.startswith("saturated") else 0.5
        parameters = {
            "W1": rng.normal(scale=scale, size=(d, h)),
            "b1": rng.normal(size=h),
            "W2": rng.normal(size=(h, 1)),
            "b2": rng.normal(size=1),
        }
        x, y = rng.normal(size=(n, d)), rng.normal(size=(n, 1))
        expected = _numeric_gradients(
            lambda p=parameters, x=x, y=y: _tanh_loss(p, x, y), parameters
        )
        got = tanh_net_gradients({k: v.copy() for k, v in parameters.items()}, x, y)
        for key in ("W1", "b1", "W2", "b2"):
            yield close(f"{name}: ∂L/∂{key}", got[key], expected[key], rtol=1e-5, atol=1e-7)


def _softmax_ce(z, labels):
    shifted = z - z.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_probabilities[np.arange(len(z)), labels])


@exercise("softmax_ce_gradient", hint="(softmax(z) − onehot(labels)) / n, max subtracted first.")
def check_softmax_ce_gradient(softmax_ce_gradient):
    rng = np.random.default_rng(3)
    for name, (z, labels) in {
        "4 examples, 3 classes": (rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])),
        "one example, 5 classes": (rng.normal(size=(1, 5)), np.array([4])),
        "repeated labels": (rng.normal(size=(3, 2)), np.array([1, 1, 1])),
    }.items():
        z = z.copy()
        expected = _numeric_gradients(lambda z=z, labels=labels: _softmax_ce(z, labels), {"z": z})
        yield close(name, _quiet(softmax_ce_gradient, z.copy(), labels), expected["z"], atol=1e-7)
    # Logits of 1e4: the softmax is one-hot on the largest, so the gradient is exact.
    z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]])
    expected = (np.array([[1.0, 0, 0], [0, 1.0, 0]]) - np.array([[1.0, 0, 0], [0, 0, 1.0]])) / 2
    yield close("extreme logits 1e4", _quiet(softmax_ce_gradient, z, np.array([0, 2])), expected)
