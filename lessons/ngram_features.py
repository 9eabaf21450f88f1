"""Binarized bags of word n-grams for lesson 07's NBSVM, in NumPy (no n-gram strings).

A review becomes its word ids ``w_1 … w_T`` (ids from a training vocabulary; 0 for a word never
seen in training). Its n-grams are encoded as one integer each, in base ``B = vocabulary + 1``::

    unigram  w_i                                  in [1, B)
    bigram   w_i·B + w_{i+1}                      in [B, B²)
    trigram  (w_i·B + w_{i+1})·B + w_{i+2}        in [B², B³)

(``w_i ≥ 1`` keeps the three ranges apart). Every step is a whole-array NumPy operation over all
the reviews at once, so 25 000 reviews take seconds, where ``TextVectorization(ngrams=3)`` with
a vocabulary of a million n-grams takes minutes and gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from lessons import imdb_models


def tokenize(texts, batch_size=5000):
    """Review strings → lists of words, split as ``TextVectorization`` does (lower case, no
    punctuation: ``imdb_models.standardize``)."""
    words = []
    for start in range(0, len(texts), batch_size):
        clean = imdb_models.standardize(tf.constant(list(texts[start : start + batch_size])))
        words += [text.decode().split() for text in clean.numpy()]
    return words


@dataclass
class Tokens:
    """All reviews' word ids in one flat array; ``review[k]`` says which review token k is in."""

    ids: np.ndarray  # int64, (tokens,)
    review: np.ndarray  # int64, (tokens,)
    reviews: int
    base: int  # B = vocabulary size + 1


def word_vocabulary(tokenized):
    """{word: id} over the training reviews, ids 1, 2, … in order of first appearance."""
    vocabulary = {}
    for words in tokenized:
        for word in words:
            if word not in vocabulary:
                vocabulary[word] = len(vocabulary) + 1
    return vocabulary


def to_tokens(tokenized, vocabulary):
    """Lists of words → :class:`Tokens` (a word outside ``vocabulary`` gets id 0)."""
    lengths = np.array([len(words) for words in tokenized], dtype=np.int64)
    ids = np.fromiter(
        (vocabulary.get(word, 0) for words in tokenized for word in words),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    review = np.repeat(np.arange(len(tokenized), dtype=np.int64), lengths)
    return Tokens(ids, review, len(tokenized), len(vocabulary) + 1)


def ngram_keys(tokens: Tokens, n: int):
    """``(review, key)`` of every n-gram occurrence; keys of n-grams with an unseen word are -1."""
    count = tokens.ids.size - n + 1
    if count <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = tokens.ids[:count].copy()
    known = keys > 0
    for k in range(1, n):
        keys = keys * tokens.base + tokens.ids[k : k + count]
        known &= tokens.ids[k : k + count] > 0
    inside = tokens.review[:count] == tokens.review[n - 1 : n - 1 + count]  # not across reviews
    return tokens.review[:count][inside], np.where(known, keys, -1)[inside]


def distinct(values):
    """The sorted distinct values of an integer array (a sort and a comparison of neighbours;
    much faster here than ``np.unique``)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def fit_vocabulary(tokens: Tokens, max_n=3, min_reviews=2):
    """The sorted keys of the n-grams (n ≤ ``max_n``) found in ≥ ``min_reviews`` reviews."""
    kept = []
    for n in range(1, max_n + 1):
        review, keys = ngram_keys(tokens, n)
        candidates = distinct(keys[keys >= 0])
        index = np.searchsorted(candidates, keys[keys >= 0])
        pairs = distinct(review[keys >= 0] * candidates.size + index)  # (review, n-gram) once
        reviews_with = np.bincount(pairs % candidates.size, minlength=candidates.size)
        kept.append(candidates[reviews_with >= min_reviews])
    return np.concatenate(kept)  # sorted: the ranges of n = 1, 2, 3 follow each other


def binary_bags(tokens: Tokens, vocabulary_keys, max_n=3):
    """Which vocabulary n-grams each review contains: ``(rows, columns)``, sorted, each pair once.

    ``x̂_ij = 1`` when review ``i`` contains n-gram ``j`` at least once (NBSVM's binarized
    features), stored as the coordinates of its ones.
    """
    rows, columns = [], []
    for n in range(1, max_n + 1):
        review, keys = ngram_keys(tokens, n)
        position = np.searchsorted(vocabulary_keys, keys)
        position = np.minimum(position, vocabulary_keys.size - 1)
        found = vocabulary_keys[position] == keys
        rows.append(review[found])
        columns.append(position[found])
    pairs = distinct(np.concatenate(rows) * vocabulary_keys.size + np.concatenate(columns))
    return pairs // vocabulary_keys.size, pairs % vocabulary_keys.size


def ngram_order(keys, base):
    """1, 2 or 3 for each key: how many words the n-gram has."""
    return 1 + (keys >= base) + (keys >= base**2)


def key_to_text(key, id_to_word, base):
    """A key back to its words, e.g. ``"not worth it"``."""
    words = []
    while key > 0:
        key, word = divmod(int(key), base)
        words.append(id_to_word[word])
    return " ".join(reversed(words))


class NgramBags:
    """A fitted n-gram vocabulary: reviews (lists of words) → binary bags ``(rows, columns)``.

    ``fit`` keeps the n-grams (n ≤ ``max_n``) found in ≥ ``min_reviews`` training reviews.
    The columns are sorted by key, so the unigrams come first, then the bigrams, then the
    trigrams: the first ``size(n)`` columns are the vocabulary of n-grams up to ``n``.
    """

    def __init__(self, tokenized, max_n=3, min_reviews=2):
        self.max_n = max_n
        self.words = word_vocabulary(tokenized)
        tokens = to_tokens(tokenized, self.words)
        self.base = tokens.base
        self.keys = fit_vocabulary(tokens, max_n, min_reviews)
        self.train_bags = binary_bags(tokens, self.keys, max_n)

    def transform(self, tokenized):
        return binary_bags(to_tokens(tokenized, self.words), self.keys, self.max_n)

    def size(self, n):
        """How many columns hold n-grams of up to ``n`` words."""
        return int(np.sum(ngram_order(self.keys, self.base) <= n))

    def text(self, column):
        """The words of column ``column``, e.g. ``"waste of time"``."""
        if not hasattr(self, "_id_to_word"):
            self._id_to_word = {i: word for word, i in self.words.items()}
        return key_to_text(self.keys[column], self._id_to_word, self.base)


def first_columns(bags, columns):
    """Only the ones in the first ``columns`` columns (e.g. unigrams and bigrams only)."""
    rows, cols = bags
    keep = cols < columns
    return rows[keep], cols[keep]
