"""Integrated gradients over a review's word vectors, one number per word (lesson 13).

Word ids are integers, so the gradient starts at the word vectors ``e_t = E[i_t]``: the
embedding classifier is split into a lookup and ``imdb_models.logit_from_vectors``, and a word's
attribution is ``A_t = Σ_d IG_{t,d}``, with the baseline "every word vector zero".
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from lessons import attribution, imdb_models


def compile_review_logit(classifier):
    """``logit(vectors, mask)``: the classifier from word vectors on, compiled once."""
    steps = classifier.input_shape[1]
    dim = classifier.get_layer("embedding").output_dim

    def logit(vectors, mask):
        batch_mask = tf.repeat(mask[None], tf.shape(vectors)[0], axis=0)  # one mask per row
        return imdb_models.logit_from_vectors(classifier, vectors, batch_mask)[:, 0]

    return tf.function(
        logit,
        input_signature=[
            tf.TensorSpec([None, steps, dim], tf.float32),
            tf.TensorSpec([steps], tf.bool),
        ],
    )


def review_logit(logit, mask):
    """``F(vectors)`` for one review (its padding mask fixed), for a batch of vector sequences."""
    mask = tf.constant(mask, tf.bool)
    return lambda vectors: logit(vectors, mask)


def word_attributions(classifier, logit, ids, steps=64):
    """Per-word IG ``A_t``, saliency ``‖∂F/∂e_t‖`` (real words only), and the full IG."""
    mask = ids != 0
    vectors = tf.gather(classifier.get_layer("embedding").embeddings, ids)
    f = review_logit(logit, mask)
    ig = attribution.integrated_gradients(f, vectors, tf.zeros_like(vectors), steps)
    gradient = attribution.gradients_at(f, vectors[None])[0].numpy()
    return ig.sum(axis=1)[mask], np.linalg.norm(gradient, axis=1)[mask], ig


def choose_reviews(ids, labels, logits, count, rng, shortest=25, longest=70):
    """Short test reviews to show: ``count`` right per class and ``count`` wrong (random)."""
    lengths = (ids != 0).sum(axis=1)
    short = (lengths >= shortest) & (lengths <= longest)
    predicted = (logits > 0).astype(int)
    groups = [
        short & (predicted == labels) & (labels == 1),
        short & (predicted == labels) & (labels == 0),
        short & (predicted != labels),
    ]
    chosen = []
    for group in groups:
        members = np.flatnonzero(group)
        chosen += list(rng.choice(members, min(count, members.size), replace=False))
    return chosen


def word_deletion(classifier, ids, logits, attributions, k, rng):
    """Share of predictions flipped by removing ``k`` words: the top-k by IG vs k random ones.

    "Top" means the words that most support the current prediction (largest ``A_t`` for a
    positive prediction, smallest for a negative one); ``attributions[n]`` lists review ``n``'s
    real words in order. Removing a word drops it from the masked mean.
    """
    vectors = tf.gather(classifier.get_layer("embedding").embeddings, ids)
    flipped = {}
    for name in ("integrated gradients", "random"):
        masks = ids != 0
        for n, (logit, scores) in enumerate(zip(logits, attributions, strict=True)):
            positions = np.flatnonzero(ids[n] != 0)
            if name == "random":
                removed = rng.choice(positions, k, replace=False)
            else:
                removed = positions[np.argsort(-np.sign(logit) * scores, kind="stable")[:k]]
            masks[n, removed] = False
        new_logits = imdb_models.logit_from_vectors(classifier, vectors, masks).numpy()[:, 0]
        flipped[name] = float(np.mean(np.sign(new_logits) != np.sign(logits)))
    return flipped
