"""Lesson 07's sparse-gradient experiment: one real batch's embedding gradient, three Adams."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers


def compare_sparse_adam(
    make_classifier, initial_weights, ids, labels, learning_rate, textbook_adam, steps=5
):
    """Apply one batch's gradient ``steps`` times with three Adams and ``textbook_adam`` (NumPy);
    return how far each embedding table ends from the textbook one, and facts about the batch."""
    loss_fn = losses.BinaryCrossentropy(from_logits=True)
    model = make_classifier()
    model.set_weights(initial_weights)
    with tf.GradientTape() as tape:
        loss = loss_fn(labels[:, None], model(ids, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    sparse = gradients[0]  # the embedding table's gradient
    dense = [tf.convert_to_tensor(g) for g in gradients]  # duplicates summed

    runs = {
        "custom Adam (sparse in)": (optimizers.Adam(learning_rate), gradients),
        "Keras Adam, sparse in": (keras.optimizers.Adam(learning_rate), gradients),
        "Keras Adam, dense in": (keras.optimizers.Adam(learning_rate), dense),
    }
    tables = {}
    for name, (optimizer, grads) in runs.items():
        copy = make_classifier()
        copy.set_weights(initial_weights)
        for _ in range(steps):
            optimizer.apply(grads, copy.trainable_variables)
        tables[name] = copy.get_layer("embedding").embeddings.numpy()
    textbook = textbook_adam(initial_weights[0], dense[0].numpy(), learning_rate, steps)

    indices = sparse.indices.numpy()
    ids_seen, counts = np.unique(indices[indices != 0], return_counts=True)  # 0 = padding
    bad = tables["Keras Adam, sparse in"]
    rows_off = np.abs(bad - textbook).max(axis=1) > 1e-6  # float32 vs float64: ~1e-9 apart
    return {
        "gradient_type": type(sparse).__name__,
        "entries": int(indices.size),
        "distinct_rows": int(ids_seen.size),
        "most_repeated_id": int(ids_seen[np.argmax(counts)]),
        "most_repeated_count": int(counts.max()),
        "repeated_rows": int((counts > 1).sum()),
        "largest_step": float(np.abs(textbook - initial_weights[0]).max()),
        "custom_vs_numpy": float(np.abs(tables["custom Adam (sparse in)"] - textbook).max()),
        "keras_dense_vs_numpy": float(np.abs(tables["Keras Adam, dense in"] - textbook).max()),
        "keras_sparse_vs_numpy": float(np.abs(bad - textbook).max()),
        "keras_sparse_rows_off": int(rows_off.sum()),
        "keras_sparse_rows_off_repeated": int(rows_off[ids_seen[counts > 1]].sum()),
        "keras_sparse_rows_off_single": int(rows_off[ids_seen[counts == 1]].sum()),
    }


def print_report(report, vocabulary, learning_rate, steps=5):
    """The experiment's facts, in four short lines."""
    print(
        f"One batch: the table's gradient is a {report['gradient_type']} with "
        f"{report['entries']} entries for {report['distinct_rows']} distinct words; "
        f"{report['repeated_rows']} words occur more than once, the most repeated "
        f"('{vocabulary[report['most_repeated_id']]}') {report['most_repeated_count']} times."
    )
    print(
        f"{steps} Adam steps (learning rate {learning_rate}) with that gradient: largest change "
        f"of a weight {report['largest_step']:.2e}. Max |difference| from the NumPy Adam:"
    )
    print(f"    custom Adam, fed the IndexedSlices: {report['custom_vs_numpy']:.2e}")
    print(f"    Keras Adam, fed the dense gradient: {report['keras_dense_vs_numpy']:.2e}")
    print(
        f"    Keras Adam, fed the IndexedSlices:  {report['keras_sparse_vs_numpy']:.2e}  "
        f"({report['keras_sparse_rows_off']} rows off by > 1e-6: "
        f"{report['keras_sparse_rows_off_repeated']} of the {report['repeated_rows']} repeated "
        f"words, {report['keras_sparse_rows_off_single']} of the words seen once)"
    )
