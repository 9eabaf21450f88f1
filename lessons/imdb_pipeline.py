"""Lesson 07's data plumbing: IMDB reviews as ``tf.data`` pipelines, word ids, training, logits.

The training split is sorted by label, so the validation reviews are every 5th training review
(20 %, both classes balanced). The test split is only read at the end of the chapter.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

import datasets.imdb
from custom_layers import losses, training

VALIDATION_EVERY = 5  # every 5th training review is held out for validation


def load_reviews(train_limit=None, test_limit=None):
    """``(train, validation, test)``: unbatched ``tf.data`` pipelines of ``(text, label)``."""
    reviews = datasets.imdb.as_dataset("train", batch_size=None, shuffle=False, limit=train_limit)
    numbered = reviews.enumerate()  # (i, (text, label))

    def is_validation(i, review):
        return i % VALIDATION_EVERY == 0

    def is_training(i, review):
        return i % VALIDATION_EVERY != 0

    def without_number(i, review):
        return review

    validation = numbered.filter(is_validation).map(without_number)
    train = numbered.filter(is_training).map(without_number)
    test = datasets.imdb.as_dataset("test", batch_size=None, shuffle=False, limit=test_limit)
    return train, validation, test


def texts_only(reviews, batch_size=1024):
    """Batches of review strings, without labels: what ``adapt`` wants."""
    return reviews.batch(batch_size).map(lambda text, label: text)


def texts_and_labels(reviews):
    """A pipeline of ``(text, label)`` → (NumPy array of bytes, NumPy array of labels)."""
    texts, labels = zip(*[(t.numpy(), y.numpy()) for t, y in reviews.batch(8192)], strict=True)
    return np.concatenate(texts), np.concatenate(labels)


def vectorized(reviews, vectorizer):
    """``(text, label)`` pairs → ``(vectorizer(text), label)`` pairs, computed once and cached."""
    return (
        reviews.batch(512)  # vectorize 512 reviews per call, in parallel with the rest
        .map(lambda text, label: (vectorizer(text), label), num_parallel_calls=tf.data.AUTOTUNE)
        .unbatch()
        .cache()
    )


def batches(pairs, batch_size, shuffle_seed=None):
    """Batches of a vectorized pipeline; reshuffled every epoch when given a seed."""
    if shuffle_seed is not None:
        pairs = pairs.shuffle(25_000, seed=shuffle_seed, reshuffle_each_iteration=True)
    return pairs.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def count(reviews):
    """How many elements a (filtered) pipeline holds, counted inside TensorFlow."""
    return int(reviews.reduce(0, lambda n, review: n + 1))


def train(model, train_data, validation_data, optimizer, epochs):
    """Train for ``epochs`` with the course's loop, one line per epoch; return the history."""
    trainer = training.Trainer(
        model,
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer=optimizer,
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")],  # logit > 0
    )
    history = {}
    for epoch in range(1, epochs + 1):
        logs = trainer.fit(train_data, epochs=1, validation_data=validation_data, verbose=0)
        for name, values in logs.items():
            history.setdefault(name, []).extend(values)
        print(
            f"    epoch {epoch}: loss {logs['loss'][0]:.4f}, accuracy {logs['accuracy'][0]:.4f}"
            f" | validation loss {logs['val_loss'][0]:.4f}, accuracy {logs['val_accuracy'][0]:.4f}"
        )
    return history


def logits_and_labels(classifier, data):
    """The classifier's logit for every review of ``data``, and the labels, as NumPy arrays."""
    logits, labels = [], []
    predict = tf.function(lambda x: classifier(x, training=False))
    for x, y in data:
        logits.append(predict(x).numpy()[:, 0])
        labels.append(y.numpy())
    return np.concatenate(logits), np.concatenate(labels)


def accuracy(logits, labels):
    """The fraction of reviews whose logit has the label's sign (logit > 0: positive)."""
    return float(np.mean((logits > 0) == (labels == 1)))
