"""Reference solutions for ``exercises/lesson_03.py`` (graded by ``make exercise-03``)."""

import numpy as np


def nesterov_update(w, g, velocity, learning_rate=0.01, momentum=0.9):
    """``v ← μv − ηg``; ``w ← w + μv − ηg`` with the new ``v``."""
    velocity = momentum * velocity - learning_rate * g
    return w + momentum * velocity - learning_rate * g, velocity


def adam_update(w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """The paper's form, with ``m̂`` and ``v̂``."""
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    m_hat = m / (1 - beta_1**t)  # m and v start at 0: undo their shrinkage toward 0
    v_hat = v / (1 - beta_2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def amsgrad_update(
    w, g, m, v, v_max, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7
):
    """Adam, dividing by the largest ``v`` seen so far (Keras's folded-α form)."""
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    v_max = np.maximum(v_max, v)
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return w - alpha * m / (np.sqrt(v_max) + epsilon), m, v, v_max
