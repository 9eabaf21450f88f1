"""Plausible wrong answers to lesson 05's exercises; each must be rejected by its checker."""

import numpy as np


def _conv2d(x, kernel, stride=1, padding="valid"):
    """A correct convolution (TensorFlow's padding), to build the wrong ones from."""
    k = kernel.shape[0]
    if padding == "same":
        pads = []
        for n in x.shape[1:3]:
            total = max((-(-n // stride) - 1) * stride + k - n, 0)
            pads.append((total // 2, total - total // 2))
        x = np.pad(x, [(0, 0), *pads, (0, 0)])
    rows = (x.shape[1] - k) // stride + 1
    cols = (x.shape[2] - k) // stride + 1
    out = np.zeros((x.shape[0], rows, cols, kernel.shape[-1]))
    for u in range(k):
        for v in range(k):
            window = x[:, u : u + stride * rows : stride, v : v + stride * cols : stride, :]
            out += np.einsum("bijc,cf->bijf", window, kernel[u, v])
    return out


def conv2d_flipped_kernel(x, kernel, stride=1, padding="valid"):
    return _conv2d(x, kernel[::-1, ::-1], stride, padding)  # the textbook flip


def conv2d_padding_before(x, kernel, stride=1, padding="valid"):
    if padding != "same":
        return _conv2d(x, kernel, stride, padding)
    k = kernel.shape[0]
    pads = []
    for n in x.shape[1:3]:
        total = max((-(-n // stride) - 1) * stride + k - n, 0)
        pads.append((total - total // 2, total // 2))  # the extra row at the START
    return _conv2d(np.pad(x, [(0, 0), *pads, (0, 0)]), kernel, stride, "valid")


def conv2d_channels_swapped(x, kernel, stride=1, padding="valid"):
    return _conv2d(x, np.swapaxes(kernel, 2, 3).reshape(kernel.shape), stride, padding)


def pool_from_zero(x, size=2, stride=2):
    rows = (x.shape[1] - size) // stride + 1
    cols = (x.shape[2] - size) // stride + 1
    out = np.zeros((x.shape[0], rows, cols, x.shape[3]))  # max(0, …): wrong for negatives
    for u in range(size):
        for v in range(size):
            out = np.maximum(
                out, x[:, u : u + stride * rows : stride, v : v + stride * cols : stride]
            )
    return out


def pool_average(x, size=2, stride=2):
    rows = (x.shape[1] - size) // stride + 1
    cols = (x.shape[2] - size) // stride + 1
    slices = [
        x[:, u : u + stride * rows : stride, v : v + stride * cols : stride]
        for u in range(size)
        for v in range(size)
    ]
    return np.mean(slices, axis=0)  # average pooling


def pool_ignores_stride(x, size=2, stride=2):
    n, h, w, c = x.shape
    h, w = h // size * size, w // size * size  # non-overlapping blocks whatever the stride
    blocks = x[:, :h, :w].reshape(n, h // size, size, w // size, size, c)
    return blocks.max(axis=(2, 4))


def confusion_transposed(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_pred, y_true), 1)  # rows are the predictions
    return matrix


def confusion_fancy_index(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    matrix[y_true, y_pred] += 1  # repeated pairs are counted once
    return matrix


def confusion_size_from_labels(y_true, y_pred, num_classes):
    size = int(max(np.max(y_true), np.max(y_pred))) + 1  # ignores num_classes
    matrix = np.zeros((size, size), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


WRONG = {
    "conv2d": [conv2d_flipped_kernel, conv2d_padding_before, conv2d_channels_swapped],
    "max_pool2d": [pool_from_zero, pool_average, pool_ignores_stride],
    "confusion_matrix": [confusion_transposed, confusion_fancy_index, confusion_size_from_labels],
}
