"""Plausible wrong answers to lesson 14's exercises; the checkers must reject every one."""

import numpy as np


def ry_full_angle(theta):
    c, s = np.cos(theta), np.sin(theta)  # forgets the half angle
    return np.array([[c, -s], [s, c]])


def ry_transposed(theta):
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, s], [-s, c]])  # rotates the other way


def ry_is_rx(theta):
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])  # the X rotation


def z_rightmost_bit(state, qubit):
    state = np.asarray(state)
    bits = (np.arange(state.size) >> qubit) & 1  # qubit 0 taken as the rightmost bit
    return float(np.sum(np.abs(state) ** 2 * (1 - 2 * bits)))


def z_squares_without_abs(state, qubit):
    state = np.asarray(state)
    n = int(np.log2(state.size))
    bits = (np.arange(state.size) >> (n - 1 - qubit)) & 1
    return float(np.real(np.sum(state**2 * (1 - 2 * bits))))  # ψ², not |ψ|²


def z_probability_of_zero(state, qubit):
    state = np.asarray(state)
    n = int(np.log2(state.size))
    bits = (np.arange(state.size) >> (n - 1 - qubit)) & 1
    return float(np.sum(np.abs(state[bits == 0]) ** 2))  # p₀, not p₀ − p₁


def _shift_rule(f, theta, shift, scale):
    theta = np.asarray(theta, float)
    gradient = np.zeros_like(theta)
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = shift
        gradient[k] = (f(theta + e) - f(theta - e)) * scale
    return gradient


def shift_without_half(f, theta):
    return _shift_rule(f, theta, np.pi / 2, 1.0)  # the difference, not half of it


def shift_by_quarter_pi(f, theta):
    return _shift_rule(f, theta, np.pi / 4, 0.5)  # not the exact rule's shift


def shift_one_sided(f, theta):
    theta = np.asarray(theta, float)
    return np.array([(f(theta + np.pi / 2 * e) - f(theta)) for e in np.eye(theta.size)])


def shift_all_angles_at_once(f, theta):
    theta = np.asarray(theta, float)
    value = (f(theta + np.pi / 2) - f(theta - np.pi / 2)) / 2  # every angle shifted together
    return np.full_like(theta, value)


WRONG = {
    "ry": [ry_full_angle, ry_transposed, ry_is_rx],
    "expectation_z": [z_rightmost_bit, z_squares_without_abs, z_probability_of_zero],
    "parameter_shift_gradient": [
        shift_without_half,
        shift_by_quarter_pi,
        shift_one_sided,
        shift_all_angles_at_once,
    ],
}
