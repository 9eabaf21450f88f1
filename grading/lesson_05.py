"""Checkers for lesson 05's exercises, against TensorFlow's own ops (``tf.nn.conv2d``,
``tf.nn.max_pool2d``) and an explicit count (the confusion matrix)."""

import numpy as np

from grading import close, exercise


@exercise("conv2d", hint="no kernel flip; 'same' pads ⌊P/2⌋ before and the rest after.")
def check_conv2d(conv2d):
    import tensorflow as tf

    rng = np.random.default_rng(8)
    for name, (shape, k, filters, stride, padding) in {
        "one 6×6 image, 3×3, valid": ((1, 6, 6, 1), 3, 1, 1, "valid"),
        "3 channels → 2 filters, valid": ((2, 7, 5, 3), 3, 2, 1, "valid"),
        "same padding, stride 1": ((2, 6, 6, 2), 3, 4, 1, "same"),
        "stride 2, valid": ((1, 9, 8, 2), 3, 3, 2, "valid"),
        "stride 2, same (uneven padding)": ((2, 8, 7, 1), 3, 2, 2, "same"),
        "4×4 kernel, same (even k)": ((1, 7, 7, 2), 4, 2, 1, "same"),
        "1×1 kernel": ((1, 4, 4, 3), 1, 2, 1, "valid"),
    }.items():
        x = rng.normal(size=shape)
        kernel = rng.normal(size=(k, k, shape[-1], filters))
        expected = tf.nn.conv2d(x, kernel, strides=stride, padding=padding.upper()).numpy()
        yield close(name, conv2d(x, kernel, stride, padding), expected, rtol=1e-6, atol=1e-9)


@exercise("max_pool2d", hint="the max over each window; start from the values, not from 0.")
def check_max_pool2d(max_pool2d):
    import tensorflow as tf

    rng = np.random.default_rng(9)
    for name, (shape, size, stride) in {
        "2×2, stride 2": ((2, 6, 6, 3), 2, 2),
        "odd side (the last row is dropped)": ((1, 7, 5, 1), 2, 2),
        "3×3, stride 2": ((1, 9, 9, 2), 3, 2),
        "overlapping 2×2, stride 1": ((1, 4, 5, 2), 2, 1),
    }.items():
        x = rng.normal(size=shape).astype(np.float32)  # max-pooling is exact in any dtype
        expected = tf.nn.max_pool2d(x, size, stride, "VALID").numpy()
        yield close(name, max_pool2d(x, size, stride), expected, rtol=0, atol=0)
    negative = -rng.uniform(1, 2, size=(1, 4, 4, 1)).astype(np.float32)
    expected = tf.nn.max_pool2d(negative, 2, 2, "VALID").numpy()
    yield close("all values negative", max_pool2d(negative, 2, 2), expected, rtol=0, atol=0)


@exercise("confusion_matrix", hint="C[true, predicted] += 1 for each example (np.add.at).")
def check_confusion_matrix(confusion_matrix):
    rng = np.random.default_rng(10)
    for name, (y_true, y_pred, classes) in {
        "a hand example": ([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 0], 3),
        "repeated (true, predicted) pairs": ([1, 1, 1, 0], [2, 2, 2, 0], 3),
        "a class never seen or predicted": ([0, 1, 0], [1, 1, 0], 4),
        "one example": ([3], [3], 5),
        "500 random labels, 10 classes": (rng.integers(0, 10, 500), rng.integers(0, 10, 500), 10),
    }.items():
        expected = np.zeros((classes, classes))
        for true, predicted in zip(y_true, y_pred, strict=True):
            expected[true, predicted] += 1
        got = confusion_matrix(np.asarray(y_true), np.asarray(y_pred), classes)
        yield close(name, got, expected, rtol=0, atol=0)
