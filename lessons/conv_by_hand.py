"""A 2-D convolution written out with loops (lesson 05), and the output-size formula.

Deep learning's "convolution" is a cross-correlation (the kernel is not flipped), as in
``keras.layers.Conv2D`` and ``custom_layers.layers.Conv2D``::

    z[i, j, f] = Σ_{u, v, c} x[i·s + u, j·s + v, c] · kernel[u, v, c, f]
"""

from __future__ import annotations

import numpy as np

SOBEL_X = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float32)  # responds to ∂/∂x


def conv2d_loops(image, kernel, stride=1):
    """'valid' convolution of one image ``(H, W, C)`` with ``kernel (k, k, C, F)``, by loops.

    Each output pixel is one dense neuron on a ``k×k×C`` window: multiply, sum.
    """
    k = kernel.shape[0]
    rows = (image.shape[0] - k) // stride + 1
    cols = (image.shape[1] - k) // stride + 1
    out = np.zeros((rows, cols, kernel.shape[-1]), dtype=np.float64)
    for i in range(rows):
        for j in range(cols):
            window = image[i * stride : i * stride + k, j * stride : j * stride + k, :]
            for f in range(kernel.shape[-1]):
                out[i, j, f] = np.sum(window * kernel[..., f])
    return out


def output_size(n, k, stride, padding):
    """⌊(n + P − k)/s⌋ + 1, with P the total padding: 0 for 'valid'; for 'same' the P that
    makes the output ⌈n/s⌉ (TensorFlow's rule: P = max((⌈n/s⌉ − 1)·s + k − n, 0))."""
    total = 0 if padding == "valid" else max((-(-n // stride) - 1) * stride + k - n, 0)
    return (n + total - k) // stride + 1, total
