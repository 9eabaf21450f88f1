"""Lesson 06's figures: spreads through depth, gradient norms, accuracy intervals, optimizers,
dead units. Each function returns a matplotlib figure for ``common.show``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_initialization(stds):
    """``stds[(activation, rule)]``: the spread of each hidden layer's outputs; one panel per
    activation, one line per initialization rule."""
    names = sorted({name for name, _ in stds}, key=[n for n, _ in stds].index)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.6), sharey=True)
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        for rule in ("glorot", "he"):
            values = stds[(name, rule)]
            ax.plot(np.arange(1, len(values) + 1), values, "o-", label=rule)
        ax.set(yscale="log", title=name, xlabel="hidden layer")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    np.atleast_1d(axes)[0].set_ylabel("std of the layer's outputs")
    fig.suptitle("Spread of the activations through depth at initialization")
    fig.tight_layout()
    return fig


def plot_gradient_norms(norms):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, values in norms.items():
        ax.plot(np.arange(1, len(values) + 1), values, "o-", label=name)
    ax.set(
        yscale="log",
        xlabel="layer (1 = next to the input, last = output layer)",
        ylabel="‖∂L/∂W‖ at initialization",
        title="Gradient norm per layer before training",
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_intervals(ax, table, title):
    """Bars of the means with their 95 % t-intervals (``table`` from ``verdicts``)."""
    names = list(table)
    means = np.array([100 * table[n][0] for n in names])
    halves = np.nan_to_num(np.array([100 * table[n][1] for n in names]))
    x = np.arange(len(names))
    ax.bar(x, means, color="tab:blue", alpha=0.7)
    ax.errorbar(x, means, yerr=halves, fmt="none", color="black", capsize=4)
    ax.set(xticks=x, ylabel="test accuracy (%)", title=title)
    ax.set_xticklabels(names, rotation=20, fontsize=8)
    ax.set_ylim(max(0, float(np.min(means - halves)) - 5), 100)
    ax.grid(alpha=0.3, axis="y")


def plot_activations(curves, table):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for name, curve in curves.items():
        axes[0].plot(range(len(curve)), curve, "o-", label=name)
    axes[0].set(yscale="log", xlabel="epoch", ylabel="training loss (first seed)")
    axes[0].set_title("Training loss by activation")
    axes[0].grid(alpha=0.3)
    axes[0].legend(fontsize=8, ncol=2)
    plot_intervals(axes[1], table, "Test accuracy, mean and 95 % t-interval over seeds")
    fig.tight_layout()
    return fig


def plot_optimizers(grid, curves, table):
    """``grid[name]``: [(η, validation accuracy)] of the first seed; ``curves[name]``: the
    chosen η's loss curve (first seed); ``table``: the intervals over seeds."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    for name, curve in curves.items():
        axes[0].plot(range(len(curve)), curve, "o-", label=name)
    axes[0].set(yscale="log", xlabel="epoch", ylabel="training loss (first seed)")
    axes[0].set_title("Each optimizer at its chosen η")
    for name, runs in grid.items():
        axes[1].plot([r for r, _ in runs], [100 * v for _, v in runs], "o-", label=name)
    axes[1].set(xscale="log", xlabel="learning rate η", ylabel="validation accuracy (%)")
    axes[1].set_title("Sensitivity to η (first seed)")
    for ax in axes[:2]:
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    plot_intervals(axes[2], table, "Test accuracy over seeds (95 % t-interval)")
    fig.tight_layout()
    return fig


def plot_dead_units(dead_init, dead_trained, worst_name, worst_dead):
    fig, ax = plt.subplots(figsize=(7, 4))
    layers = np.arange(1, len(dead_init) + 1)
    width = 0.27
    ax.bar(layers - width, 100 * dead_init, width, label="at initialization")
    ax.bar(layers, 100 * dead_trained, width, label="after training (Adam, η=0.001)")
    ax.bar(layers + width, 100 * worst_dead, width, label=f"after training ({worst_name})")
    ax.set(
        xlabel="hidden layer",
        ylabel="dead units (%)",
        title="ReLU units that output 0 for all 1 000 validation images",
    )
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
