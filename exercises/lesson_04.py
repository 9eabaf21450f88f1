"""Lesson 04 exercises: accuracy at a threshold, one GradientTape training step, a baseline.

Fill in each function, then grade your answers with ``make exercise-04`` (or
``python -m grading 04``). The solutions are in ``solutions/lesson_04.py``.
"""

import numpy as np  # noqa: F401 (you will need it)
import tensorflow as tf  # noqa: F401 (you will need it)


def accuracy_at_threshold(outputs, targets, threshold=0.5):
    """The fraction of examples classified right when ``output > threshold`` means class 1.

    ``outputs`` and ``targets`` (0 or 1) have the same number of examples, each of shape
    ``(n,)`` or ``(n, 1)`` (not necessarily the same one). An output exactly at the
    threshold counts as class 0. Return a float in [0, 1].
    """
    raise NotImplementedError


def train_step(model, optimizer, x, y):
    """One training step of ``model`` on the batch ``(x, y)`` with the mean squared error.

    Under a ``tf.GradientTape``: ``predictions = model(x, training=True)`` and
    ``loss = mean((predictions − y)²)`` over every entry; then the gradients of the loss
    with respect to ``model.trainable_variables`` and ``optimizer.apply(gradients,
    variables)``. Return the loss (before the update) as a float.
    """
    raise NotImplementedError


def majority_baseline(y_train, y_test):
    """Test accuracy of always predicting the most common label of the *training* set.

    Labels are 0 or 1; on a tie predict 1. Return a float in [0, 1].
    """
    raise NotImplementedError
