"""Small two-dimensional classification problems, generated from a seed (nothing to download).

Two features are easy to plot, so a model's decision boundary can be drawn over the plane:
``make_moons`` (two interleaved half circles) and ``make_xor`` (four noisy clusters whose
label is the XOR of the quadrant's signs). Neither can be separated by a straight line.
"""

from __future__ import annotations

import numpy as np


def make_moons(n_samples: int, noise: float, rng: np.random.Generator):
    """Two half circles (upper: class 0, lower and shifted: class 1) plus Gaussian noise."""
    labels = rng.integers(0, 2, n_samples)
    angle = rng.uniform(0.0, np.pi, n_samples)
    x = np.where(labels == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(labels == 0, np.sin(angle), 0.5 - np.sin(angle))
    features = np.stack([x, y], axis=1) + rng.normal(0.0, noise, (n_samples, 2))
    return features.astype(np.float32), labels.astype(np.float32)


def make_xor(n_samples: int, noise: float, rng: np.random.Generator):
    """Clusters around (±1, ±1); label 1 where exactly one coordinate is positive."""
    corners = rng.choice([-1.0, 1.0], size=(n_samples, 2))
    features = corners + rng.normal(0.0, noise, (n_samples, 2))
    labels = (corners[:, 0] * corners[:, 1] < 0).astype(np.float32)
    return features.astype(np.float32), labels
