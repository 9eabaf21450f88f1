"""Plausible wrong answers to lesson 06's exercises; the checkers must reject every one."""

import math

import numpy as np

T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228}  # fmt: skip


def _rule(rule):
    if rule not in ("glorot", "he"):
        raise ValueError(rule)


def init_he_uses_fan_out(rule, fan_in, fan_out):
    _rule(rule)
    variance = 2.0 / (fan_in + fan_out) if rule == "glorot" else 2.0 / fan_out
    return math.sqrt(3 * variance), math.sqrt(variance)


def init_limit_is_the_std(rule, fan_in, fan_out):
    _rule(rule)
    variance = 2.0 / (fan_in + fan_out) if rule == "glorot" else 2.0 / fan_in
    return math.sqrt(variance), math.sqrt(variance)  # forgot U(−a, a)'s a²/3


def init_glorot_without_the_two(rule, fan_in, fan_out):
    _rule(rule)
    variance = 1.0 / (fan_in + fan_out) if rule == "glorot" else 2.0 / fan_in
    return math.sqrt(3 * variance), math.sqrt(variance)


def dead_counts_zero_entries(outputs):
    return float(np.mean(np.asarray(outputs) == 0.0))  # zeros anywhere, not whole columns


def dead_treats_negative_as_dead(outputs):
    return float(np.mean(np.all(np.asarray(outputs) <= 0.0, axis=0)))


def dead_along_examples(outputs):
    return float(np.mean(np.all(np.asarray(outputs) == 0.0, axis=1)))  # rows, not units


def t_with_population_std(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), T_975[values.size - 1] * values.std() / math.sqrt(values.size)


def t_with_the_normal_quantile(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), 1.96 * values.std(ddof=1) / math.sqrt(values.size)


def t_with_n_degrees_of_freedom(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), T_975[values.size] * values.std(ddof=1) / math.sqrt(values.size)


WRONG = {
    "init_scale": [init_he_uses_fan_out, init_limit_is_the_std, init_glorot_without_the_two],
    "dead_fraction": [dead_counts_zero_entries, dead_treats_negative_as_dead, dead_along_examples],
    "t_interval": [t_with_population_std, t_with_the_normal_quantile, t_with_n_degrees_of_freedom],
}
