"""Checkers for lesson 07: n-grams against hand-listed ones and a counting property; log-count
ratios and TF-IDF against element-by-element Python formulas on small named inputs."""

import math

import numpy as np

from grading import check, close, exercise


@exercise("ngrams", hint="Slide a window of n words: positions 0 … len(words) − n, inclusive.")
def check_ngrams(ngrams):
    cases = {
        "bigrams of three words": (["not", "very", "good"], 2, ["not very", "very good"]),
        "unigrams": (["a", "b"], 1, ["a", "b"]),
        "trigram of exactly three words": (["waste", "of", "time"], 3, ["waste of time"]),
        "too few words": (["great"], 2, []),
        "no words": ([], 1, []),
        "a repeated word": (["so", "so", "so"], 2, ["so so", "so so"]),
    }
    for name, (words, n, expected) in cases.items():
        got = list(ngrams(list(words), n))
        yield check(name, got == expected, repr(expected), repr(got))
    words = "the film was not good but the cast was good".split()
    got = list(ngrams(words, 3))
    yield check("ten words have eight trigrams", len(got) == 8, "8 trigrams", f"{len(got)}")


def _ratios(bags, labels, alpha):
    """r_j, one feature at a time, with plain Python sums."""
    reviews, features = len(bags), len(bags[0])
    p = [alpha + sum(bags[i][j] > 0 for i in range(reviews) if labels[i] == 1)
         for j in range(features)]  # fmt: skip
    q = [alpha + sum(bags[i][j] > 0 for i in range(reviews) if labels[i] == 0)
         for j in range(features)]  # fmt: skip
    return [math.log(p[j] / sum(p)) - math.log(q[j] / sum(q)) for j in range(features)]


@exercise(
    "log_count_ratios",
    hint="Binarize first; add α to every count of both classes; normalize p and q by their sums.",
)
def check_log_count_ratios(log_count_ratios):
    rng = np.random.default_rng(7)
    cases = {
        "two reviews, three words": ([[1, 0, 1], [0, 1, 1]], [1, 0], 1.0),
        "counts above 1 are binarized": ([[3, 0, 1], [0, 2, 1], [5, 5, 0]], [1, 0, 1], 1.0),
        "a word seen in one class only, α = 0.5": ([[1, 0], [1, 0], [0, 1]], [1, 1, 0], 0.5),
        "unbalanced classes": ([[1, 1], [1, 0], [0, 1], [1, 1]], [1, 0, 0, 0], 1.0),
        "20 reviews × 6 words": (rng.integers(0, 3, (20, 6)).tolist(), [0, 1] * 10, 1.0),
    }
    for name, (bags, labels, alpha) in cases.items():
        got = log_count_ratios(np.asarray(bags), np.asarray(labels), alpha)
        yield close(name, got, _ratios(bags, labels, alpha), rtol=1e-6, atol=1e-9)


def _tf_idf(counts):
    documents, terms = len(counts), len(counts[0])
    df = [sum(counts[d][j] > 0 for d in range(documents)) for j in range(terms)]
    rows = []
    for d in range(documents):
        row = [
            (1 + math.log(counts[d][j])) * math.log(1 + documents / (1 + df[j]))
            if counts[d][j] > 0
            else 0.0
            for j in range(terms)
        ]
        norm = math.sqrt(sum(v * v for v in row))
        rows.append([v / norm if norm > 0 else 0.0 for v in row])
    return rows


@exercise("tf_idf", hint="(1 + log c)·idf only where c > 0; df counts documents, not words.")
def check_tf_idf(tf_idf):
    rng = np.random.default_rng(77)
    cases = {
        "two documents": [[1, 0, 2], [0, 3, 1]],
        "a term in every document": [[1, 1], [4, 1], [2, 1]],
        "an empty document stays zeros": [[0, 0, 0], [1, 2, 0]],
        "one document": [[2, 1, 1, 7]],
        "8 documents × 5 terms": rng.integers(0, 4, (8, 5)).tolist(),
    }
    for name, counts in cases.items():
        got = tf_idf(np.asarray(counts, dtype=float))
        yield close(name, got, _tf_idf(counts), rtol=1e-6, atol=1e-9)
