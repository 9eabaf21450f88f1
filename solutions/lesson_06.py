"""Reference solutions to lesson 06's exercises (try them yourself first: `make exercise-06`)."""

import math

import numpy as np

T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228}  # fmt: skip


def init_scale(rule, fan_in, fan_out):
    if rule == "glorot":
        variance = 2.0 / (fan_in + fan_out)
    elif rule == "he":
        variance = 2.0 / fan_in  # ReLU zeroes half its inputs: twice the variance
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return math.sqrt(3.0 * variance), math.sqrt(variance)  # U(−a, a) has variance a²/3


def dead_fraction(outputs):
    outputs = np.asarray(outputs)
    dead = np.all(outputs == 0.0, axis=0)  # a column that is 0 for every example
    return float(np.mean(dead))


def t_interval(values):
    values = np.asarray(values, dtype=float)
    n = values.size
    s = values.std(ddof=1)  # divide by n − 1
    return float(values.mean()), T_975[n - 1] * s / math.sqrt(n)
