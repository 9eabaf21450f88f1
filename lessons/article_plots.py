"""Lesson 04's figure: the two ports' loss curves, and the network's outputs by true class."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_training(history, keras_history, outputs, y_test):
    """Left: train/test loss per epoch of both ports; right: histogram of test outputs."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax1.plot(epochs, history["loss"], "C0-", label="from scratch: train")
    ax1.plot(epochs, history["val_loss"], "C1-", label="from scratch: test")
    ax1.plot(epochs, keras_history["loss"], "k:", label="Keras built-ins: train")
    ax1.plot(epochs, keras_history["val_loss"], "k--", label="Keras built-ins: test")
    ax1.set(xlabel="epoch", ylabel="mean squared error", title="Loss of the two ports")
    ax1.legend()
    bins = np.linspace(outputs.min(), outputs.max(), 30)
    for label, color in ((0, "C3"), (1, "C2")):
        chosen = outputs[y_test[:, 0] == label]
        ax2.hist(chosen, bins=bins, alpha=0.6, color=color, label=f"true class {label}")
    ax2.axvline(0.5, color="k", linestyle="--", label="threshold 0.5")
    ax2.set(xlabel="network output", ylabel="test examples")
    ax2.set_title("Outputs by true class (right of the line: predicted 1)")
    ax2.legend()
    return fig
