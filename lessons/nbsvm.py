"""NBSVM (Wang & Manning, 2012) as a neural network: naive-Bayes-scaled n-grams → one logit.

For the binarized n-gram bags ``x̂`` of the training reviews (``x̂_j = 1`` if the review has
n-gram ``j``) and labels ``y``, the **log-count ratio** of n-gram ``j`` is::

    p = α + Σ_{i: y_i = 1} x̂_i,   q = α + Σ_{i: y_i = 0} x̂_i,   r = log( (p / ‖p‖₁) / (q / ‖q‖₁) )

(``α`` smooths n-grams seen in one class only). ``r_j > 0`` when n-gram ``j`` is more frequent
in positive reviews. The model is a logistic regression on the scaled features::

    logit = w · (r ⊙ x̂) + b

with ``w`` starting at 0, trained with the course's Adam on the binary cross-entropy. Then,
as in NBSVM, the weights are pulled towards their mean magnitude ``w̄ = ‖w‖₁ / |V|``::

    w ← β·w + (1 − β)·w̄         (β = 1: plain regression on r ⊙ x̂; β → 0: naive Bayes)

``ScaleByRatio`` is the ``r ⊙ x̂`` layer; the logistic layer is ``custom_layers.layers.Dense``.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers, training
from custom_layers.layers import Dense


def log_count_ratios(rows, columns, labels, features, alpha=1.0):
    """``r`` from the coordinates ``(rows, columns)`` of the ones of the binary bags."""
    positive = labels[rows] == 1
    p = alpha + np.bincount(columns[positive], minlength=features)
    q = alpha + np.bincount(columns[~positive], minlength=features)
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


@keras.saving.register_keras_serializable(package="lessons")
class ScaleByRatio(keras.layers.Layer):
    """Sparse binary bags ``x̂`` → ``r ⊙ x̂`` (still sparse), ``r`` a fixed (non-trainable) weight."""

    def __init__(self, ratios, **kwargs):
        super().__init__(**kwargs)
        self.features = len(ratios)
        self.ratios = self.add_weight(
            name="ratios",
            shape=(self.features,),
            initializer=keras.initializers.Constant(np.asarray(ratios)),
            trainable=False,
        )

    def call(self, bags):
        values = bags.values * tf.gather(self.ratios, bags.indices[:, 1])
        return tf.SparseTensor(bags.indices, values, bags.dense_shape)

    def compute_output_shape(self, input_shape):
        return input_shape


def build_nbsvm(ratios):
    """Sparse ``(batch, features)`` binary bags → logit ``(batch, 1)``."""
    bags = keras.Input((len(ratios),), sparse=True, name="ngram_bags")
    scaled = ScaleByRatio(ratios, name="log_count_ratio")(bags)
    logit = Dense(1, kernel_initializer="zeros", name="logistic")(scaled)
    return keras.Model(bags, logit, name="nbsvm")


def sparse_bags(rows, columns, reviews, features):
    """The coordinates of the ones → a ``tf.SparseTensor`` of shape ``(reviews, features)``."""
    indices = np.stack([rows, columns], axis=1)
    return tf.SparseTensor(indices, np.ones(len(rows), np.float32), [reviews, features])


def train_epochs(model, bags, labels, *, epochs, learning_rate, seed, batch_size=256):
    """Train with the course's loop and Adam; yield the model after each epoch (1, 2, …)."""
    data = tf.data.Dataset.from_tensor_slices((bags, labels.astype(np.float32)[:, None]))
    data = data.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    trainer = training.Trainer(
        model,
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(learning_rate),
    )
    for epoch in range(1, epochs + 1):
        trainer.fit(data.batch(batch_size).prefetch(2), epochs=1, verbose=0)
        yield epoch


def interpolated_logits(model, bags, beta):
    """Logits with NBSVM's interpolation ``w ← β·w + (1 − β)·mean|w|`` (weights unchanged)."""
    layer = model.get_layer("logistic")
    weights = layer.kernel.numpy()
    weights = beta * weights + (1 - beta) * np.abs(weights).mean()
    scaled = model.get_layer("log_count_ratio")(bags)
    return tf.sparse.sparse_dense_matmul(scaled, weights).numpy()[:, 0] + layer.bias.numpy()[0]
