"""Plausible wrong answers to lesson 07's exercises; the checkers must reject every one."""

import numpy as np


def ngrams_misses_the_last(words, n):
    return [" ".join(words[i : i + n]) for i in range(len(words) - n)]  # off by one


def ngrams_up_to_n(words, n):
    return [" ".join(words[i : i + k]) for k in range(1, n + 1) for i in range(len(words) - k + 1)]


def ngrams_keeps_short_tails(words, n):
    return [" ".join(words[i : i + n]) for i in range(len(words))]  # "good" alone at the end


def ratios_without_normalizing(bags, labels, alpha=1.0):
    present, labels = (np.asarray(bags) > 0).astype(float), np.asarray(labels)
    return np.log((alpha + present[labels == 1].sum(0)) / (alpha + present[labels == 0].sum(0)))


def ratios_from_counts(bags, labels, alpha=1.0):
    counts, labels = np.asarray(bags, dtype=float), np.asarray(labels)  # not binarized
    p, q = alpha + counts[labels == 1].sum(0), alpha + counts[labels == 0].sum(0)
    return np.log((p / p.sum()) / (q / q.sum()))


def ratios_classes_swapped(bags, labels, alpha=1.0):
    present, labels = (np.asarray(bags) > 0).astype(float), np.asarray(labels)
    p, q = alpha + present[labels == 0].sum(0), alpha + present[labels == 1].sum(0)
    return np.log((p / p.sum()) / (q / q.sum()))


def _normalized(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def tf_idf_raw_counts(counts):
    counts = np.asarray(counts, dtype=float)
    idf = np.log(1 + counts.shape[0] / (1 + (counts > 0).sum(0)))
    return _normalized(counts * idf)  # c instead of 1 + log c


def tf_idf_df_counts_words(counts):
    counts = np.asarray(counts, dtype=float)
    idf = np.log(1 + counts.shape[0] / (1 + counts.sum(0)))  # total count, not documents
    x = np.where(counts > 0, (1 + np.log(np.where(counts > 0, counts, 1))) * idf, 0.0)
    return _normalized(x)


def tf_idf_not_normalized(counts):
    counts = np.asarray(counts, dtype=float)
    idf = np.log(1 + counts.shape[0] / (1 + (counts > 0).sum(0)))
    return np.where(counts > 0, (1 + np.log(np.where(counts > 0, counts, 1))) * idf, 0.0)


WRONG = {
    "ngrams": [ngrams_misses_the_last, ngrams_up_to_n, ngrams_keeps_short_tails],
    "log_count_ratios": [ratios_without_normalizing, ratios_from_counts, ratios_classes_swapped],
    "tf_idf": [tf_idf_raw_counts, tf_idf_df_counts_words, tf_idf_not_normalized],
}
