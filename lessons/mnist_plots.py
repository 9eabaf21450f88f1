"""Lesson 05's figures: feature maps, training curves, confusion matrices, mistakes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm


def plot_feature_maps(image, maps, titles):
    """The image and each feature map side by side (diverging colours: sign matters)."""
    fig, axes = plt.subplots(1, 1 + len(maps), figsize=(3.2 * (1 + len(maps)), 3.4))
    axes[0].imshow(image, cmap="gray_r")
    axes[0].set_title(f"input {image.shape[0]}×{image.shape[1]}")
    for ax, feature_map, title in zip(axes[1:], maps, titles, strict=True):
        limit = float(np.abs(feature_map).max()) or 1.0
        ax.imshow(feature_map, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"{title} {feature_map.shape[0]}×{feature_map.shape[1]}", fontsize=9)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_curves(histories):
    """Loss and accuracy per epoch, training vs validation, for each model."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (name, history), color in zip(histories.items(), ["tab:blue", "tab:red"], strict=False):
        epochs = np.arange(1, len(history["loss"]) + 1)
        for key, style, label in [("", "--", "train"), ("val_", "-", "validation")]:
            axes[0].plot(epochs, history[key + "loss"], style, color=color, label=f"{name} {label}")
            accuracy = 100 * np.array(history[key + "accuracy"])
            axes[1].plot(epochs, accuracy, style, color=color, label=f"{name} {label}")
    axes[0].set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log", title="Loss")
    axes[1].set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    # Zoom on the interesting range: everything but the first epoch's training accuracy.
    low = min(100 * min(h["val_accuracy"] + h["accuracy"][1:]) for h in histories.values())
    axes[1].set_ylim(max(low - 0.5, 80), 100)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_confusion(matrices):
    """One confusion matrix per model (log colour scale: the off-diagonal is tiny)."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(5.5 * len(matrices), 5))
    for ax, (name, matrix) in zip(np.atleast_1d(axes), matrices.items(), strict=True):
        ax.imshow(matrix + 0.5, cmap="Blues", norm=LogNorm())
        for i in range(10):
            for j in range(10):
                if matrix[i, j]:
                    color = "white" if i == j else "black"
                    ax.text(
                        j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=color
                    )
        errors = matrix.sum() - np.trace(matrix)
        ax.set(
            xticks=range(10),
            yticks=range(10),
            xlabel="predicted",
            ylabel="true digit",
            title=f"{name}: {errors} errors of {matrix.sum()}",
        )
    fig.tight_layout()
    return fig


def plot_mistakes(images, y_true, probabilities, indices, title):
    """A grid of test images with 'true → predicted (probability)'."""
    cols = 8
    rows = max(1, int(np.ceil(len(indices) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.9 * rows))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, i in zip(np.ravel(axes), indices, strict=False):
        predicted = int(probabilities[i].argmax())
        ax.imshow(images[i, :, :, 0], cmap="gray_r")
        ax.set_title(f"{y_true[i]} → {predicted} ({probabilities[i, predicted]:.2f})", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
