"""Lesson 02 exercises: cross-entropy from logits, and backpropagation by hand.

Fill in each function (NumPy only), then grade your answers with ``make exercise-02``
(or ``python -m grading 02``). The solutions are in ``solutions/lesson_02.py``.
"""

import numpy as np  # noqa: F401 (you will need it)


def bce_from_logits(y, z):
    """Mean binary cross-entropy of targets ``y`` (0 or 1) and logits ``z`` (same shape).

    ``BCE = 1/n Σ [max(z, 0) − y·z + log1p(e^−|z|)]``, which equals
    ``−1/n Σ [y·log σ(z) + (1 − y)·log(1 − σ(z))]`` but is finite for any ``z`` (±1e4 too).
    Return a float.
    """
    raise NotImplementedError


def tanh_net_gradients(parameters, x, y):
    """Gradients of ``L = 1/n Σ (ŷ − y)²`` for the net ``x → tanh(x·W1 + b1) → ·W2 + b2 = ŷ``.

    ``parameters`` is ``{"W1": (d, h), "b1": (h,), "W2": (h, 1), "b2": (1,)}``, ``x`` is
    ``(n, d)`` and ``y`` ``(n, 1)``. Return ``{"W1": …, "b1": …, "W2": …, "b2": …}`` with
    each gradient the shape of its parameter. The chain rule, as in the chapter, but with
    ``tanh'(z) = 1 − tanh²(z)`` in place of ``relu'``:
    ``δ2 = 2(ŷ − y)/n``, ``∂L/∂W2 = a1ᵀ·δ2``, ``δ1 = (δ2·W2ᵀ) ⊙ (1 − a1²)``, ``∂L/∂W1 = xᵀ·δ1``,
    and each bias gradient is its ``δ`` summed over the rows.
    """
    raise NotImplementedError


def softmax_ce_gradient(z, labels):
    """``∂CE/∂z`` for ``CE = −1/n Σ_i log softmax(z_i)[labels_i]``.

    ``z`` has shape ``(n, k)`` (logits), ``labels`` ``(n,)`` (integers in ``[0, k)``); the
    answer is ``(softmax(z) − onehot(labels)) / n``, shape ``(n, k)``. Subtract each row's
    maximum before exponentiating, so that logits like 1e4 stay finite.
    """
    raise NotImplementedError
