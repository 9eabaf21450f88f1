"""Drawing helpers for two-feature classifiers: a model's decision regions over the plane."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def grid(features: np.ndarray, steps: int = 150, margin: float = 0.5):
    """A ``steps × steps`` grid of points covering ``features`` (plus a margin)."""
    low, high = features.min(axis=0) - margin, features.max(axis=0) + margin
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], steps), np.linspace(low[1], high[1], steps))
    return xs, ys, np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def decision_panels(panels, columns: int = 2):
    """One panel per ``(title, predict, features, labels)``: P(class 1) as colour, points on top."""
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.6 * rows), squeeze=False)
    for ax, (title, predict, features, labels) in zip(axes.ravel(), panels, strict=False):
        xs, ys, points = grid(features)
        probability = np.asarray(predict(points)).reshape(xs.shape)
        ax.contourf(xs, ys, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(xs, ys, probability, levels=[0.5], colors="k", linewidths=1)
        ax.scatter(
            features[:, 0],
            features[:, 1],
            c=labels,
            cmap="RdBu_r",
            s=8,
            edgecolors="k",
            linewidths=0.2,
        )
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig
