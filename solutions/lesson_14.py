"""Reference solutions to lesson 14's exercises."""

import numpy as np


def ry(theta):
    c, s = np.cos(theta / 2), np.sin(theta / 2)  # the half angle: exp(−iθY/2)
    return np.array([[c, -s], [s, c]])


def expectation_z(state, qubit):
    state = np.asarray(state)
    n = int(np.log2(state.size))
    probabilities = np.abs(state.reshape([2] * n)) ** 2  # one axis per qubit, qubit 0 first
    p = probabilities.sum(axis=tuple(a for a in range(n) if a != qubit))  # (p₀, p₁) of qubit q
    return float(p[0] - p[1])


def parameter_shift_gradient(f, theta):
    theta = np.asarray(theta, np.float64)
    gradient = np.zeros_like(theta)
    for k in range(theta.size):
        shift = np.zeros_like(theta)
        shift[k] = np.pi / 2
        gradient[k] = (f(theta + shift) - f(theta - shift)) / 2
    return gradient
