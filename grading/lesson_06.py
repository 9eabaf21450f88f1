"""Checkers for lesson 06: initialization scales from the published rules, dead units on
small named batches, and t-intervals against a printed table of Student's t quantiles."""

import math

import numpy as np

from grading import check, close, exercise


@exercise(
    "init_scale",
    hint="Glorot: Var = 2/(fan_in+fan_out); He: Var = 2/fan_in; U(−a, a) has variance a²/3.",
)
def check_init_scale(init_scale):
    # Glorot & Bengio (2010), eq. 16: U(±√6/√(n_in+n_out)); He et al. (2015): std √(2/n_in).
    for rule, fan_in, fan_out in [
        ("glorot", 784, 128),
        ("he", 784, 128),
        ("glorot", 128, 128),
        ("he", 128, 10),
        ("he", 10, 128),
        ("glorot", 1, 1),
    ]:
        if rule == "glorot":
            limit = math.sqrt(6.0) / math.sqrt(fan_in + fan_out)
        else:
            limit = math.sqrt(6.0 / fan_in)
        yield close(
            f"{rule}, fan_in {fan_in}, fan_out {fan_out}",
            np.asarray(init_scale(rule, fan_in, fan_out), dtype=float),
            [limit, limit / math.sqrt(3.0)],
            rtol=1e-6,
        )
    try:
        init_scale("lecun", 10, 10)
        raised = False
    except ValueError:
        raised = True
    yield check("an unknown rule raises ValueError", raised, "ValueError", "no error")


@exercise("dead_fraction", hint="A unit is a column; it is dead if the whole column is exactly 0.")
def check_dead_fraction(dead_fraction):
    cases = {
        "none dead": ([[1.0, 2.0], [0.0, 3.0]], 0.0),
        "all dead": ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], 1.0),
        "one of four, zeros elsewhere too": ([[0, 1, 0, 2], [0, 0, 3, 0], [0, 4, 0, 0]], 0.25),
        "negative outputs are alive (leaky ReLU)": ([[-0.01, 0.0], [-0.02, 0.0]], 0.5),
        "a single example": ([[0.0, 5.0, 0.0]], 2 / 3),
    }
    for name, (outputs, expected) in cases.items():
        yield close(name, dead_fraction(np.asarray(outputs, dtype=float)), expected)
    rng = np.random.default_rng(6)
    outputs = np.maximum(rng.normal(size=(50, 40)) + rng.normal(size=40) * 3 - 4, 0)
    expected = sum(all(outputs[i, j] == 0 for i in range(50)) for j in range(40)) / 40
    yield close("50 examples × 40 ReLU units", dead_fraction(outputs), expected)


# Student's t, 97.5 % quantiles (any printed table; e.g. NIST/SEMATECH e-Handbook, 1.3.6.7.2).
_T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 9: 2.262}


@exercise(
    "t_interval", hint="s divides by n − 1; the quantile is t_{0.975, n−1}; the width has s/√n."
)
def check_t_interval(t_interval):
    cases = {
        "two seeds": [0.90, 0.94],
        "five seeds": [0.91, 0.93, 0.92, 0.95, 0.90],
        "ten seeds": [0.5, 0.7, 0.6, 0.65, 0.55, 0.62, 0.58, 0.71, 0.49, 0.6],
        "three equal results": [0.8, 0.8, 0.8],
        "four seeds": [10.0, 12.0, 11.0, 15.0],
    }
    for name, values in cases.items():
        n = len(values)
        mean = sum(values) / n
        s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
        half = _T_TABLE[n - 1] * s / math.sqrt(n)
        yield close(name, np.asarray(t_interval(values), dtype=float), [mean, half], rtol=1e-4)
