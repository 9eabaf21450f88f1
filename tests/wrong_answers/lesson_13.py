"""Plausible wrong answers to lesson 13's exercises; the checkers must reject every one."""

import numpy as np


def ig_left_sum(grad_f, x, baseline, steps):
    x, baseline = np.asarray(x, float), np.asarray(baseline, float)
    alphas = np.arange(steps) / steps  # the left end of each interval: not exact for linear g
    return (x - baseline) * sum(grad_f(baseline + a * (x - baseline)) for a in alphas) / steps


def ig_without_difference(grad_f, x, baseline, steps):
    x, baseline = np.asarray(x, float), np.asarray(baseline, float)
    alphas = (np.arange(steps) + 0.5) / steps
    return sum(grad_f(baseline + a * (x - baseline)) for a in alphas) / steps  # no (x − x')


def ig_gradient_times_input(grad_f, x, baseline, steps):
    x, baseline = np.asarray(x, float), np.asarray(baseline, float)
    return (x - baseline) * grad_f(x)  # the gradient at x only, not along the path


def spearman_pearson_of_values(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])  # no ranks at all


def spearman_ties_not_averaged(a, b):
    r = np.argsort(np.argsort(np.ravel(a), kind="stable"), kind="stable").astype(float)
    s = np.argsort(np.argsort(np.ravel(b), kind="stable"), kind="stable").astype(float)
    return float(np.corrcoef(r, s)[0, 1])  # equal values get different ranks


def spearman_textbook_formula_with_ties(a, b):
    r = np.argsort(np.argsort(np.ravel(a), kind="stable"), kind="stable")
    s = np.argsort(np.argsort(np.ravel(b), kind="stable"), kind="stable")
    n = r.size
    return float(1 - 6 * np.sum((r - s) ** 2) / (n * (n**2 - 1)))  # only exact without ties


WRONG = {
    "integrated_gradients": [ig_left_sum, ig_without_difference, ig_gradient_times_input],
    "spearman": [
        spearman_pearson_of_values,
        spearman_ties_not_averaged,
        spearman_textbook_formula_with_ties,
    ],
}
