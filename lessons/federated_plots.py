"""Lesson 11's figures: who holds which digits, and accuracy and agreement round by round."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_partitions(iid_counts, non_iid_counts):
    """Two heat maps of the [client, digit] example counts: IID and non-IID."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, counts, title in ((axes[0], iid_counts, "IID"), (axes[1], non_iid_counts, "non-IID")):
        image = ax.imshow(counts, cmap="Blues", aspect="auto", vmin=0)
        ax.set_xticks(range(counts.shape[1]))
        ax.set_yticks(range(counts.shape[0]))
        ax.set_xlabel("digit")
        ax.set_title(f"{title}: examples of each digit per client")
        fig.colorbar(image, ax=ax)
    axes[0].set_ylabel("client")
    return fig


def plot_accuracy(histories, local_epochs):
    """Test accuracy of the three runs per round (left) and the clients' agreement (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    rounds = np.arange(1, len(histories["centralized"]["accuracy"]) + 1)
    left.plot(
        rounds,
        histories["centralized"]["accuracy"],
        "k--o",
        ms=3,
        label=f"centralized ({local_epochs} epoch(s) per point)",
    )
    left.plot(rounds, histories["iid"]["accuracy"], "-o", ms=3, label="FedAvg, IID clients")
    left.plot(rounds, histories["non_iid"]["accuracy"], "-o", ms=3, label="FedAvg, non-IID clients")
    left.set_xlabel("round (centralized: after as many examples)")
    left.set_ylabel("test accuracy (10 000 images)")
    left.set_title("Same budget, three ways to spend it")
    left.legend()
    right.plot(rounds, histories["iid"]["agreement"], "-o", ms=3, label="IID")
    right.plot(rounds, histories["non_iid"]["agreement"], "-o", ms=3, label="non-IID")
    right.set_ylim(0, 1.05)
    right.set_xlabel("round")
    right.set_ylabel("‖Σ f_k Δ_k‖ / Σ f_k ‖Δ_k‖")
    right.set_title("How much of the clients' updates survives averaging")
    right.legend()
    return fig
