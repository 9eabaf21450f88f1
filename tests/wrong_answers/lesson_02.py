"""Plausible wrong answers to lesson 02's exercises; each must be rejected by its checker."""

import numpy as np


def bce_naive(y, z):
    p = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
    return float(-np.mean(y * np.log(p) + (1 - np.asarray(y)) * np.log(1 - p)))  # log 0 = −inf


def bce_sum(y, z):
    y, z = np.asarray(y, dtype=np.float64), np.asarray(z, dtype=np.float64)
    return float(np.sum(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))))  # not mean


def bce_sign(y, z):
    y, z = np.asarray(y, dtype=np.float64), np.asarray(z, dtype=np.float64)
    return float(np.mean(np.maximum(z, 0.0) + y * z + np.log1p(np.exp(-np.abs(z)))))  # +y·z


def _tanh_net(derivative, mean=True):
    def gradients(parameters, x, y):
        z1 = x @ parameters["W1"] + parameters["b1"]
        a1 = np.tanh(z1)
        y_hat = a1 @ parameters["W2"] + parameters["b2"]
        delta2 = 2.0 * (y_hat - y) / (len(y) if mean else 1)
        delta1 = (delta2 @ parameters["W2"].T) * derivative(z1, a1)
        return {"W1": x.T @ delta1, "b1": delta1.sum(0), "W2": a1.T @ delta2, "b2": delta2.sum(0)}

    return gradients


tanh_with_relu_derivative = _tanh_net(lambda z1, a1: z1 > 0)  # relu' left in
tanh_derivative_of_z = _tanh_net(lambda z1, a1: 1.0 - z1**2)  # 1 − z² instead of 1 − tanh²(z)
tanh_sum_not_mean = _tanh_net(lambda z1, a1: 1.0 - a1**2, mean=False)  # forgot the 1/n


def softmax_ce_no_mean(z, labels):
    exp = np.exp(z - z.max(axis=1, keepdims=True))
    p = exp / exp.sum(axis=1, keepdims=True)
    p[np.arange(len(z)), labels] -= 1.0
    return p  # forgot the 1/n


def softmax_ce_unstable(z, labels):
    exp = np.exp(z)  # e^1e4 = inf: inf/inf = nan
    p = exp / exp.sum(axis=1, keepdims=True)
    p[np.arange(len(z)), labels] -= 1.0
    return p / len(z)


def softmax_ce_sign(z, labels):
    exp = np.exp(z - z.max(axis=1, keepdims=True))
    p = exp / exp.sum(axis=1, keepdims=True)
    onehot = np.eye(z.shape[1])[labels]
    return (onehot - p) / len(z)  # the ascent direction


WRONG = {
    "bce_from_logits": [bce_naive, bce_sum, bce_sign],
    "tanh_net_gradients": [tanh_with_relu_derivative, tanh_derivative_of_z, tanh_sum_not_mean],
    "softmax_ce_gradient": [softmax_ce_no_mean, softmax_ce_unstable, softmax_ce_sign],
}
