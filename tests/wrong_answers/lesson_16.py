"""Plausible wrong answers to lesson 16's exercises; the checkers must reject every one."""

from functools import reduce

import numpy as np


def collapse_sums_the_biases(kernels, biases):
    return reduce(np.matmul, kernels), sum(np.asarray(b) for b in biases)  # ignores later kernels


def collapse_forgets_the_last_bias(kernels, biases):
    weight, bias = np.eye(kernels[0].shape[0]), np.zeros(kernels[0].shape[0])
    for kernel, layer_bias in zip(kernels, biases, strict=True):
        weight, bias = weight @ kernel, bias @ kernel + layer_bias
    return weight, bias - biases[-1]


def xor_as_or():
    return np.eye(2), np.zeros(2), np.array([[1.0], [1.0]]), np.array([0.0])  # 0, 1, 1, 2


def xor_wrong_threshold():
    w1 = np.ones((2, 2))
    return w1, np.array([0.0, -0.5]), np.array([[1.0], [-2.0]]), np.array([0.0])  # 0, 0, 0, -1


WRONG = {
    "collapse": [collapse_sums_the_biases, collapse_forgets_the_last_bias],
    "xor_network": [xor_as_or, xor_wrong_threshold],
}
