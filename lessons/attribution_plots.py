"""Drawing attributions (lesson 13): heat maps over digits, deletion curves, words in colour."""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm


def digit_attributions(images, titles, rows, row_names, signed):
    """A grid: the images on top, then one row per attribution map.

    ``signed[r]``: row ``r`` is drawn on a diverging scale centred on 0 (red raised the
    logit, blue lowered it), else in grey (a magnitude); each map scaled to its own max |value|.
    """
    columns = len(images)
    size = (1.55 * columns, 1.7 * (1 + len(rows)))
    fig, axes = plt.subplots(1 + len(rows), columns, figsize=size, squeeze=False)
    for j in range(columns):
        axes[0, j].imshow(images[j][:, :, 0], cmap="gray_r")
        axes[0, j].set_title(titles[j], fontsize=8)
        for r, maps in enumerate(rows, start=1):
            values = maps[j][:, :, 0]
            if signed[r - 1]:
                limit = max(np.abs(values).max(), 1e-12)
                axes[r, j].imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
            else:
                axes[r, j].imshow(values, cmap="gray_r")
        for r in range(1 + len(rows)):
            axes[r, j].set_xticks([])
            axes[r, j].set_yticks([])
    for r, name in enumerate(["input", *row_names]):
        axes[r, 0].set_ylabel(name, fontsize=8)
    fig.tight_layout()
    return fig


def deletion(curves_by_baseline, fractions):
    """One row per deletion baseline: the explained logit and the share of unchanged predictions."""
    rows = len(curves_by_baseline)
    fig, axes = plt.subplots(rows, 2, figsize=(10, 3.2 * rows), squeeze=False)
    for (baseline, curves), (left, right) in zip(curves_by_baseline.items(), axes, strict=True):
        for name, curve in curves.items():
            left.plot(100 * fractions, curve["logit"], "-o", ms=3, label=name)
            right.plot(100 * fractions, 100 * curve["kept"], "-o", ms=3, label=name)
        left.set(ylabel="mean logit of the predicted digit", title=f"deleted to {baseline}")
        right.set(ylabel="prediction unchanged (%)", title=f"deleted to {baseline}")
        for ax in (left, right):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("ink pixels deleted (%)")
    fig.tight_layout()
    return fig


def wrap_words(words, width):
    """Greedy line breaking: ``[(line, column)]`` for each word, at most ``width`` characters."""
    places, line, column = [], 0, 0
    for word in words:
        if column and column + len(word) > width:
            line, column = line + 1, 0
        places.append((line, column))
        column += len(word) + 1
    return places


def reviews(reviews, width=110):
    """Each review's words on a background coloured by attribution (green: towards positive)."""
    layouts = [wrap_words(r["words"], width) for r in reviews]
    heights = [layout[-1][0] + 1 + 2 for layout in layouts]  # lines + title + gap
    total, fig_width = sum(heights), 13.0
    fig = plt.figure(figsize=(fig_width, 0.22 * total + 0.3))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_xlim(0, width)
    ax.set_ylim(total, 0)
    ax.axis("off")
    # A monospace character is 0.6 em wide: the font size that fits `width` of them.
    font_size = 0.98 * fig_width * 72 / (width * 0.602) * 0.97
    cmap, row = plt.get_cmap("RdYlGn"), 0
    for review, layout, height in zip(reviews, layouts, heights, strict=True):
        text = dict(fontsize=font_size, family="monospace", va="center")
        ax.text(0, row + 0.5, review["title"], weight="bold", **text)
        limit = max(np.abs(review["scores"]).max(), 1e-12)
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
        for word, score, (line, column) in zip(
            review["words"], review["scores"], layout, strict=True
        ):
            box = dict(facecolor=cmap(norm(score)), edgecolor="none", pad=0.6)
            ax.text(column, row + 1.5 + line, word, bbox=box, **text)
        row += height
    return fig


def reviews_html(reviews):
    """The same, as a small HTML page (one <span> per word, background by attribution)."""
    cmap = plt.get_cmap("RdYlGn")
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Lesson 13: word attributions</title>",
        "<body style='font-family: sans-serif; max-width: 60em'>",
        "<h1>Integrated gradients per word (green: towards positive, red: towards negative)</h1>",
    ]
    for review in reviews:
        limit = max(np.abs(review["scores"]).max(), 1e-12)
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
        parts.append(f"<h3>{html.escape(review['title'])}</h3><p style='line-height: 1.8'>")
        for word, score in zip(review["words"], review["scores"], strict=True):
            r, g, b, _ = (int(255 * c) for c in cmap(norm(score)))
            parts.append(
                f"<span title='{score:+.4f}' style='background: rgb({r},{g},{b}); "
                f"padding: 1px 2px'>{html.escape(word)}</span> "
            )
        parts.append("</p>")
    parts.append("</body>")
    return "\n".join(parts)
