"""Reference solutions to lesson 07's exercises (try them yourself first: `make exercise-07`)."""

import numpy as np


def ngrams(words, n):
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def log_count_ratios(bags, labels, alpha=1.0):
    present = (np.asarray(bags) > 0).astype(float)  # binarized: once per review
    labels = np.asarray(labels)
    p = alpha + present[labels == 1].sum(axis=0)
    q = alpha + present[labels == 0].sum(axis=0)
    return np.log((p / p.sum()) / (q / q.sum()))


def tf_idf(counts):
    counts = np.asarray(counts, dtype=float)
    documents = counts.shape[0]
    df = (counts > 0).sum(axis=0)
    idf = np.log(1 + documents / (1 + df))
    safe = np.where(counts > 0, counts, 1.0)  # log(1) = 0 is never used where c = 0
    x = np.where(counts > 0, (1 + np.log(safe)) * idf, 0.0)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)
