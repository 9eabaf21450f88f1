"""Lesson 07's printing and drawing: model summaries, top words, training curves, examples."""

from __future__ import annotations

import keras
import matplotlib.pyplot as plt
import numpy as np

from lessons import imdb_models


def describe_embedding_model(classifier):
    """One line per layer: name, kind, output shape, number of weights."""
    lines = []
    for layer in classifier.layers[1:]:
        shape = str(tuple(layer.output.shape))
        kind = type(layer).__name__
        lines.append(f"    {layer.name:<14} {kind:<30} {shape:<16} {layer.count_params():>7,}")
    return "\n".join(lines)


def ranked(scores, names, top):
    """The ``top`` highest and lowest scores with their names: (positive, negative) lists."""
    order = np.argsort(scores)
    positive = [(names(i), float(scores[i])) for i in order[::-1][:top]]
    negative = [(names(i), float(scores[i])) for i in order[:top]]
    return positive, negative


def word_scores(classifier, vocabulary, top=12):
    """The embedding model's logit for a one-word review, for every word of the vocabulary.

    The mean of one word vector is that vector, so every row of the table goes through the
    head at once (``imdb_models.logit_from_vectors``). Ids 0 and 1 (padding, unknown) are left out.
    """
    table = classifier.get_layer("embedding").embeddings
    scores = imdb_models.logit_from_vectors(classifier, table[:, None, :]).numpy()[2:, 0]
    return ranked(scores, lambda i: str(vocabulary[i + 2]), top)


def nbsvm_scores(model, bags, top=12):
    """NBSVM's weight ``w_j · r_j`` of each n-gram: what its presence adds to the logit."""
    ratios = model.get_layer("log_count_ratio").ratios.numpy()
    weights = model.get_layer("logistic").kernel.numpy()[:, 0]
    return ranked(weights * ratios, bags.text, top)


def print_word_lists(word_lists):
    for name, (positive, negative) in word_lists.items():
        print(f"{name}, pushing hardest towards")
        print("    positive: " + ", ".join(f"{w} ({s:+.1f})" for w, s in positive))
        print("    negative: " + ", ".join(f"{w} ({s:+.1f})" for w, s in negative))


def plot_curves(histories):
    """Training and validation loss and accuracy per epoch, one colour per run."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (name, history), colour in zip(histories.items(), ["C0", "C1", "C2"], strict=False):
        epochs = np.arange(1, len(history["loss"]) + 1)
        for ax, key in zip(axes, ["loss", "accuracy"], strict=True):
            ax.plot(epochs, history[key], "-o", color=colour, label=f"{name} (train)")
            ax.plot(epochs, history["val_" + key], "--s", color=colour, label=f"{name} (val.)")
    for ax, title in zip(axes, ["binary cross-entropy", "accuracy"], strict=True):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[1].legend(fontsize=7)
    fig.suptitle("IMDB: the embedding model's training curves")
    return fig


def plot_word_scores(word_lists):
    """Bar charts of the words / n-grams pushing hardest to each side, per model."""
    fig, axes = plt.subplots(1, len(word_lists), figsize=(6 * len(word_lists), 5))
    for ax, (name, (positive, negative)) in zip(
        np.atleast_1d(axes), word_lists.items(), strict=True
    ):
        words = [w for w, _ in negative[::-1]] + [w for w, _ in positive[::-1]]
        scores = [s for _, s in negative[::-1]] + [s for _, s in positive[::-1]]
        ax.barh(range(len(words)), scores, color=["C3" if s < 0 else "C2" for s in scores])
        ax.set_yticks(range(len(words)), words, fontsize=8)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_xlabel("what its presence adds to the logit")
        ax.set_title(name)
    fig.tight_layout()
    return fig


def example_reviews(texts, labels, probabilities, other_probabilities):
    """The most confident test review of each kind (right or wrong, positive or negative),
    and the one the model is least sure about."""
    predicted = probabilities > 0.5
    positive = labels == 1
    confidence = np.abs(probabilities - 0.5)
    kinds = [
        ("right, a positive review", predicted & positive),
        ("right, a negative review", ~predicted & ~positive),
        ("WRONG, a negative review called positive", predicted & ~positive),
        ("WRONG, a positive review called negative", ~predicted & positive),
    ]
    chosen = [
        (kind, np.flatnonzero(mask)[np.argmax(confidence[mask])])
        for kind, mask in kinds
        if mask.any()
    ]
    chosen.append(("the least sure", int(np.argmin(confidence))))
    lines = []
    for kind, i in chosen:
        text = " ".join(texts[i].decode().split())
        lines.append(
            f"  {kind}: label {'pos' if labels[i] else 'neg'}, p(positive) = "
            f"{probabilities[i]:.3f} (embedding model: {other_probabilities[i]:.3f})\n"
            f'    "{text[:200]}{"..." if len(text) > 200 else ""}"'
        )
    return "\n".join(lines)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def save_text_model(path, vectorizer, classifier, sample):
    """Save ``vectorizer → classifier → σ`` as one raw-text ``.keras`` model; reload it
    (``safe_mode=True``) and return the largest change in its predictions on ``sample``."""
    text_model = imdb_models.build_text_model(vectorizer, classifier, name=path.stem)
    text_model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    before = text_model.predict(sample, verbose=0)
    return float(np.abs(reloaded.predict(sample, verbose=0) - before).max())
