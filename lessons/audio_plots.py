"""Lesson 08's figures: digits as waveforms and spectrograms, training curves, confusions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from datasets.spoken_digits import DIGITS, SAMPLE_RATE


def _spectrogram(ax, features, seconds, title):
    ax.imshow(
        features.T,
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=(0, seconds, 0, features.shape[1]),
    )
    ax.set(title=title, xlabel="seconds")


def digits(waves, front_end, title):
    """One column per digit: the waveform above, its normalized log-mel spectrogram below."""
    features = front_end(waves).numpy()
    fig, axes = plt.subplots(
        2, 10, figsize=(22, 5.5), gridspec_kw={"height_ratios": [1, 2]}, layout="constrained"
    )
    t = np.arange(waves.shape[1]) / SAMPLE_RATE
    for d in range(10):
        axes[0, d].plot(t, waves[d], lw=0.5)
        axes[0, d].set(title=DIGITS[d], ylim=(-0.6, 0.6), xticks=[])
        _spectrogram(axes[1, d], features[d], t[-1], "")
        if d:
            axes[0, d].set_yticks([])
            axes[1, d].set_yticks([])
    axes[0, 0].set_ylabel("amplitude")
    axes[1, 0].set_ylabel("mel band")
    fig.suptitle(title)
    return fig


def side_by_side(clips: dict, front_end, hz_per_bin: float, per_row: int = 5):
    """Linear-frequency spectrograms (top) and log-mels (below each) of a few clips of one word,
    ``per_row`` clips to a row."""
    if per_row < 1:
        raise ValueError(f"per_row must be at least 1, not {per_row}")
    columns = min(len(clips), per_row)
    rows = -(-len(clips) // per_row)  # rows of clips: len / per_row, rounded up
    # each row of clips is two rows of panels: the spectrograms, and their log-mels below
    width = 4.2 if columns <= 4 else 3.3  # five columns still fit a page
    fig, axes = plt.subplots(
        2 * rows,
        columns,
        figsize=(width * columns, 6.5 * rows),
        layout="constrained",
        squeeze=False,
    )

    def panels(k):  # clip k's spectrogram and log-mel axes, and its column
        row, column = divmod(k, per_row)
        return axes[2 * row, column], axes[2 * row + 1, column], column

    for k, (title, wave) in enumerate(clips.items()):
        top, bottom, column = panels(k)
        power = front_end.spectrogram(wave[np.newaxis]).numpy()[0]
        top.imshow(
            10 * np.log10(power.T + 1e-10),
            origin="lower",
            aspect="auto",
            cmap="magma",
            vmin=-80 + 10 * np.log10(power.max()),
            extent=(0, len(wave) / SAMPLE_RATE, 0, power.shape[1] * hz_per_bin / 1000),
        )
        top.set(title=title, ylabel="kHz" if column == 0 else None)
        _spectrogram(bottom, front_end(wave[np.newaxis]).numpy()[0], 1.0, "log-mel")
    for k in range(len(clips), rows * columns):  # the last row's empty places
        for ax in panels(k)[:2]:
            ax.axis("off")
    return fig


def training(history):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key, title in ((left, "loss", "Loss"), (right, "accuracy", "Accuracy")):
        ax.plot(epochs, history[key], "o-", label="training (augmented)")
        ax.plot(epochs, history[f"val_{key}"], "o-", label="validation voices")
        ax.set(xlabel="epoch", title=title)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def confusion(matrix, title):
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap="Blues")
    for i, j in zip(*np.nonzero(matrix), strict=True):
        dark = matrix[i, j] > matrix.max() / 2
        ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=8, c="w" if dark else "k")
    ax.set(xticks=range(10), yticks=range(10), xticklabels=DIGITS, yticklabels=DIGITS)
    ax.set(xlabel="predicted", ylabel="spoken", title=title)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    return fig


def per_voice(by_variant, by_accent):
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [2.2, 1]})
    for ax, values, color, title in (
        (left, by_variant, "tab:blue", f"Test voice variants (each in {len(by_accent)} accents)"),
        (right, by_accent, "tab:green", "By accent (test variants only)"),
    ):
        ax.bar(list(values), list(values.values()), color=color)
        ax.set(ylabel="accuracy", title=title, ylim=(min(0.5, min(values.values()) - 0.05), 1.0))
        plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
        ax.grid(axis="y", alpha=0.3)
    return fig
