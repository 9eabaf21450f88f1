"""Plausible wrong answers to lesson 01's exercises; each must be rejected by its checker."""

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def dense_no_bias(x, weights, bias):
    return _sigmoid(x @ weights)  # forgot b


def dense_transposed(x, weights, bias):
    return _sigmoid((weights.T @ x.T).T[:, ::-1] + bias)  # columns in the wrong order


def dense_tanh(x, weights, bias):
    return np.tanh(x @ weights + bias)  # the wrong activation


def softplus_naive(z):
    return np.log(1.0 + np.exp(z))  # overflows to inf for z > 709


def softplus_relu(z):
    return np.maximum(z, 0.0)  # drops the log1p term: wrong near 0


def softplus_log_not_log1p(z):
    return np.maximum(z, 0.0) + np.log(1.0 + np.exp(-np.abs(z))) * (np.abs(z) < 30)  # cut off


def softplus_derivative_naive(z):
    return np.exp(z) / (1.0 + np.exp(z))  # inf / inf = nan for large z


def softplus_derivative_sigmoid_slope(z):
    s = _sigmoid(z)
    return s * (1.0 - s)  # σ'(z): the sigmoid's derivative, not softplus'


def leaky_wrong_at_zero(z, negative_slope=0.2):
    return np.where(np.asarray(z) >= 0, 1.0, negative_slope)  # 1 at z = 0


def leaky_relu_slope(z, negative_slope=0.2):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)  # ReLU's derivative


def leaky_fixed_slope(z, negative_slope=0.2):
    return np.where(np.asarray(z) > 0, 1.0, 0.2)  # ignores the argument


WRONG = {
    "dense_forward": [dense_no_bias, dense_transposed, dense_tanh],
    "softplus": [softplus_naive, softplus_relu, softplus_log_not_log1p],
    "softplus_derivative": [softplus_derivative_naive, softplus_derivative_sigmoid_slope],
    "leaky_relu_derivative": [leaky_wrong_at_zero, leaky_relu_slope, leaky_fixed_slope],
}
