"""The trained models later lessons reuse: lesson 05's MNIST CNN and lesson 07's IMDB model.

Lessons 12 (the edge) and 13 (interpretability) load what lessons 05 and 07 saved in
``outputs/``; run on their own (or with ``--quick``) they first train smaller ones here, with
the same builders, and say so in the ``how`` string they return.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers, training
from lessons import common, imdb_models, mnist_models

LESSON_07_MODEL = common.REPO_ROOT / "outputs" / "lesson-07" / "embedding_model.keras"


def load_or_train_cnn(data, out, *, quick, epochs, seed):
    """``(model, path of its .keras file, how we got it)``: lesson 05's CNN, or one trained here.

    A CNN trained here is saved to ``out/cnn.keras`` and loaded back with ``safe_mode=True``;
    ``how`` reports how far the reloaded copy's logits are from the original's.
    """
    if not quick and mnist_models.LESSON_05_CNN.exists():
        path = mnist_models.LESSON_05_CNN
        model = keras.saving.load_model(path, safe_mode=True)
        return model, path, f"loaded lesson 05's trained CNN from {path}"
    model = mnist_models.train_cnn(data, quick=quick, epochs=epochs, seed=seed)
    path = out / "cnn.keras"
    reloaded, difference = mnist_models.save_and_reload(model, path, data["x_test"][:256])
    reason = "--quick" if quick else f"{mnist_models.LESSON_05_CNN} not found"
    trained = f"{epochs} epoch{'s' if epochs != 1 else ''} on {len(data['y_train'])} images"
    how = (
        f"trained here ({trained}; {reason}); saved to {path.name} and reloaded with "
        f"safe_mode=True: predictions differ by {difference:.1e}"
    )
    return reloaded, path, how


def train_imdb_model(
    train_texts, train_labels, *, words, steps, epochs, learning_rate, batch_size, seed
):
    """Lesson 07's embedding model, trained here: ``(vectorizer, classifier)``."""
    vectorizer = imdb_models.build_word_vectorizer(words, steps)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(1024))
    classifier = imdb_models.build_embedding_classifier(vectorizer.vocabulary_size(), steps)
    ids = vectorizer(tf.constant(train_texts)).numpy()
    data = (
        tf.data.Dataset.from_tensor_slices((ids, train_labels.astype(np.float32)[:, None]))
        .shuffle(len(ids), seed=seed)
        .batch(batch_size)
    )
    training.fit(
        classifier,
        data,
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(learning_rate),
        epochs=epochs,
        verbose=0,
    )
    return vectorizer, classifier


def load_or_train_imdb(train_texts, train_labels, *, quick, seed):
    """``(vectorizer, classifier, how we got them)``: lesson 07's model, or one trained here."""
    if not quick and LESSON_07_MODEL.exists():
        text_model = keras.saving.load_model(LESSON_07_MODEL, safe_mode=True)
        return (
            text_model.get_layer("word_ids"),
            text_model.get_layer("embedding_classifier"),
            f"loaded lesson 07's model from {LESSON_07_MODEL}",
        )
    size = 2560 if quick else len(train_texts)  # 2560 = 20 whole batches: one trace
    chosen = np.sort(np.random.default_rng(seed).permutation(len(train_texts))[:size])
    settings = (
        dict(words=5000, steps=128, epochs=3, learning_rate=1e-2, batch_size=128)
        if quick
        else dict(words=20_000, steps=256, epochs=3, learning_rate=1e-3, batch_size=64)
    )
    vectorizer, classifier = train_imdb_model(
        train_texts[chosen].tolist(), train_labels[chosen], seed=seed, **settings
    )
    reason = "--quick" if quick else f"{LESSON_07_MODEL} not found"
    how = (
        f"trained here ({settings['epochs']} epochs on {size} reviews, "
        f"{settings['words']} words; {reason})"
    )
    return vectorizer, classifier, how
