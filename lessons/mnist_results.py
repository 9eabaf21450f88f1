"""Reading a classifier's results (lesson 05): probabilities, confusion matrix, mistakes."""

from __future__ import annotations

import numpy as np


def predict_probabilities(model, images):
    """Softmax probabilities, shape (n, 10), computed from the model's logits."""
    logits = model.predict(images, batch_size=1000, verbose=0)
    logits = logits - logits.max(axis=1, keepdims=True)  # stable softmax
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def confusion_matrix(y_true, y_pred, num_classes=10):
    """C[i, j] = number of examples of class i predicted as class j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)  # add.at counts repeated (i, j) pairs each time
    return matrix


def most_confused_pairs(matrix, k=3):
    """The k largest off-diagonal entries as (true, predicted, count)."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None)[::-1][:k]
    rows, cols = np.unravel_index(order, off.shape)
    return [(int(i), int(j), int(off[i, j])) for i, j in zip(rows, cols, strict=True)]


def most_confident_mistakes(probabilities, y_true, k=16):
    """Indices of the k wrong predictions with the highest predicted probability."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:k]]
