"""Lesson 02's figures: two losses behind a sigmoid, and a gradient-descent curve."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_losses(slopes):
    """Left: MSE and BCE of one example with target 1; right: their slopes at the logit.

    ``slopes(z)`` returns (dMSE/dz, dBCE/dz) on the grid ``z``.
    """
    p = np.linspace(0.001, 0.999, 500)
    z = np.linspace(-10, 10, 401).astype(np.float32)
    mse_slope, bce_slope = slopes(z)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(p, (1 - p) ** 2, label="MSE  (1 − p)²")
    left.plot(p, -np.log(p), label="BCE  −log p")
    left.set(xlabel="predicted probability p (target y = 1)", ylabel="loss", ylim=(0, 5))
    left.set_title("Loss of one example")
    left.legend()
    right.plot(z, mse_slope, label="MSE")
    right.plot(z, bce_slope, label="BCE")
    right.set(xlabel="logit z, p = σ(z) (target y = 1)", ylabel="∂L/∂z")
    right.set_title("Slope at the logit, for each loss")
    right.legend()
    fig.tight_layout()
    return fig


def plot_descent(curve):
    """Training MSE against the full-batch step."""
    fig, axis = plt.subplots(figsize=(7, 4))
    axis.plot(curve)
    axis.set(xlabel="step (full batch)", ylabel="training MSE")
    axis.set_title("Gradient descent with hand-written backpropagation")
    return fig
