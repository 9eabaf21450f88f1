"""Lesson 03's figures: optimizer trajectories on contour plots, losses, Adam's first steps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

COLORS = ["tab:gray", "tab:blue", "tab:cyan", "tab:green", "tab:red", "tab:orange"]


def _color(names, name):
    return COLORS[list(names).index(name) % len(COLORS)]


def plot_trajectories(runs, surfaces):
    """One contour plot per surface (log-scaled levels), every optimizer's path on it."""
    fig, axes = plt.subplots(1, len(runs), figsize=(13, 5))
    for ax, (surface, paths) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        spec = surfaces[surface]
        (x0, x1), (y0, y1) = spec["view"]
        x, y = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        z = spec["f"](np.stack([x, y]))
        ax.contour(x, y, np.log10(z + 1e-3), levels=25, cmap="Greys", linewidths=0.6)
        for name, (path, _) in paths.items():
            ax.plot(
                path[:, 0],
                path[:, 1],
                ".-",
                color=_color(paths, name),
                markersize=2,
                linewidth=1,
                label=name,
            )
        ax.plot(*spec["start"], "ks")
        ax.plot(*spec["minimum"], "k*", markersize=12)
        steps = len(next(iter(paths.values()))[0]) - 1
        ax.set(
            xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", title=f"{surface}: {steps} steps"
        )
    np.atleast_1d(axes)[0].legend(fontsize=8)
    return fig


def plot_losses(runs):
    """Loss against step (log scale), one panel per surface."""
    fig, axes = plt.subplots(1, len(runs), figsize=(13, 4))
    for ax, (surface, paths) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        for name, (_, losses) in paths.items():
            ax.semilogy(np.maximum(losses, 1e-30), color=_color(paths, name), label=name)
        ax.set(xlabel="step", ylabel="loss (log scale)", title=surface)
    np.atleast_1d(axes)[0].legend(fontsize=8)
    return fig


def plot_first_steps(step_sizes, factor):
    """Adam's step lengths / η with and without bias correction, and the theory's factor."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    t = np.arange(1, len(factor) + 1)
    for color, (name, sizes) in zip(("tab:red", "tab:orange"), step_sizes.items(), strict=False):
        ax.loglog(t[: len(sizes)], sizes, color=color, label=f"|step|, {name}")
    ax.loglog(t, factor, "k--", label="(1 − β₁ᵗ) / √(1 − β₂ᵗ)")
    ax.set(
        xlabel="step t",
        ylabel="step length / η",
        title="Adam's first steps on the quadratic, with and without correction",
    )
    ax.legend(fontsize=8)
    return fig
