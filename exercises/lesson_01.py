"""Lesson 01 exercises: a layer of neurons, a stable softplus and two derivatives.

Fill in each function (NumPy is enough), then grade your answers with ``make exercise-01``
(or ``python -m grading 01``). The solutions are in ``solutions/lesson_01.py``.
"""

import numpy as np  # noqa: F401 (you will need it)


def dense_forward(x, weights, bias):
    """A layer of sigmoid neurons on a batch: ``a = σ(x·W + b)``, ``σ(z) = 1 / (1 + e^−z)``.

    ``x`` has shape ``(n, inputs)``, ``weights`` ``(inputs, units)``, ``bias`` ``(units,)``;
    return an array of shape ``(n, units)``.
    """
    raise NotImplementedError


def softplus(z):
    """``softplus(z) = log(1 + e^z)``, elementwise, finite and accurate for any float64 ``z``.

    ``e^z`` overflows for ``z > 709``: use ``max(z, 0) + log1p(e^−|z|)``, which is equal and
    only ever exponentiates a number ≤ 0.
    """
    raise NotImplementedError


def softplus_derivative(z):
    """``softplus'(z) = e^z / (1 + e^z) = σ(z)``, elementwise, finite for any ``z`` (±1e4 too).

    Never form ``e^z`` for a large positive ``z`` (``inf / inf = nan``).
    """
    raise NotImplementedError


def leaky_relu_derivative(z, negative_slope=0.2):
    """Leaky ReLU ``f(z) = z if z > 0 else negative_slope·z``; return ``f'(z)`` elementwise.

    ``1`` where ``z > 0``, ``negative_slope`` where ``z < 0``; at ``z = 0`` (no slope there)
    use ``negative_slope``, as ``tf.nn.leaky_relu``'s gradient and the library do.
    """
    raise NotImplementedError
