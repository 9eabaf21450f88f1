"""Lesson 05 exercises: a 2-D convolution, max-pooling and a confusion matrix, in NumPy.

Fill in each function, then grade your answers with ``make exercise-05`` (or
``python -m grading 05``); they are compared with TensorFlow's ``tf.nn.conv2d`` and
``tf.nn.max_pool2d`` on several shapes. The solutions are in ``solutions/lesson_05.py``.
"""

import numpy as np  # noqa: F401 (you will need it)


def conv2d(x, kernel, stride=1, padding="valid"):
    """The convolution of a ``Conv2D`` layer (no bias), as Keras and TensorFlow compute it.

    ``x`` has shape ``(n, H, W, C)``, ``kernel`` ``(k, k, C, F)``; return ``(n, H', W', F)``:
    ``z[b, i, j, f] = Σ_{u, v, c} xp[b, i·s + u, j·s + v, c] · kernel[u, v, c, f]`` (no kernel
    flip), where ``xp`` is ``x`` padded with zeros. ``'valid'``: no padding,
    ``H' = ⌊(H − k)/s⌋ + 1``. ``'same'``: ``H' = ⌈H/s⌉``, padding ``P = max((H' − 1)·s + k − H, 0)``
    rows in total, ``⌊P/2⌋`` at the top and the rest at the bottom (the same for columns).
    """
    raise NotImplementedError


def max_pool2d(x, size=2, stride=2):
    """Max-pooling with ``'valid'`` windows: the largest value of each ``size×size`` window.

    ``x`` has shape ``(n, H, W, C)``; return ``(n, ⌊(H − size)/stride⌋ + 1, …, C)``, each
    channel pooled on its own.
    """
    raise NotImplementedError


def confusion_matrix(y_true, y_pred, num_classes):
    """``C[i, j]`` = the number of examples of true class ``i`` predicted as class ``j``.

    ``y_true`` and ``y_pred`` are integer arrays of the same length; return an integer
    array of shape ``(num_classes, num_classes)`` (a class nobody predicted has zeros).
    """
    raise NotImplementedError
