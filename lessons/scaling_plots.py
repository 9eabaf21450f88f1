"""Lesson 10's figure: each run's throughput, and each weight tensor's distance from one device."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_runs(runs, reference, tolerance):
    """Left: examples/s per run. Right: max |w − w_one device| per weight tensor (log scale)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    names = list(runs)
    speeds = [runs[n]["examples_per_second"] for n in names]
    left.bar(names, speeds, color=["tab:blue", "tab:orange", "tab:green"][: len(names)])
    for i, speed in enumerate(speeds):
        left.text(i, speed, f"{speed:,.0f}", ha="center", va="bottom")
    left.set_ylabel("training examples / s")
    left.set_title("Throughput on this machine")
    tensors = np.arange(len(reference))
    for offset, name in ((-0.2, "mirrored"), (0.2, "multi-worker")):
        if name in runs:
            diffs = [
                max(float(np.abs(w - r).max()), 1e-10)
                for w, r in zip(runs[name]["weights"], reference, strict=True)
            ]
            right.bar(tensors + offset, diffs, width=0.4, label=name)
    right.axhline(tolerance, color="k", linestyle="--", label="tolerance")
    right.set_yscale("log")
    right.set_xticks(
        tensors,
        [f"{'bias' if w.ndim == 1 else 'kernel'} {i // 2 + 1}" for i, w in enumerate(reference)],
        rotation=30,
    )
    right.set_ylabel("max |w − w_one device|  (0 drawn at 1e-10)")
    right.set_title("Distance from the one-device weights")
    right.legend()
    return fig
