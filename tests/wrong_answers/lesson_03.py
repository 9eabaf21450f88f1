"""Plausible wrong answers to lesson 03's exercises; each must be rejected by its checker."""

import numpy as np


def nesterov_plain_momentum(w, g, velocity, learning_rate=0.01, momentum=0.9):
    velocity = momentum * velocity - learning_rate * g
    return w + velocity, velocity  # classical momentum: no look-ahead


def nesterov_old_velocity(w, g, velocity, learning_rate=0.01, momentum=0.9):
    new_velocity = momentum * velocity - learning_rate * g
    return w + momentum * velocity - learning_rate * g, new_velocity  # the OLD v in the step


def adam_no_bias_correction(
    w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7
):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    return w - learning_rate * m / (np.sqrt(v) + epsilon), m, v  # the article's form


def adam_t_from_zero(w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    t = t + 1  # off by one: the correction of the next step
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def adam_g_not_squared(w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * np.abs(g)  # |g| where g² belongs
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def amsgrad_max_of_m(
    w, g, m, v, v_max, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7
):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    v_max = np.maximum(v_max, np.abs(m))  # the max on the wrong quantity
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return w - alpha * m / (np.sqrt(v) + epsilon), m, v, v_max


def amsgrad_max_of_g_squared(
    w, g, m, v, v_max, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7
):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    v_max = np.maximum(v_max, g**2)  # max of the raw g², not of the average v
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return w - alpha * m / (np.sqrt(v_max) + epsilon), m, v, v_max


def amsgrad_plain_adam(
    w, g, m, v, v_max, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7
):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return w - alpha * m / (np.sqrt(v) + epsilon), m, v, np.maximum(v_max, v)  # max unused


WRONG = {
    "nesterov_update": [nesterov_plain_momentum, nesterov_old_velocity],
    "adam_update": [adam_no_bias_correction, adam_t_from_zero, adam_g_not_squared],
    "amsgrad_update": [amsgrad_max_of_m, amsgrad_max_of_g_squared, amsgrad_plain_adam],
}
