"""Sparse (embedding) gradients beyond tests/test_optimizers.py: lazy Adam against its own
NumPy definition, the built-in RMSprop's repeated-row defect, and the sparse paths'
cost structure (scatters into the table where the maths allows, no copy-on-read slots).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import optimizers as ours

ROWS, WIDTH = 10, 3


def _slices(rng, ids):
    values = rng.normal(size=(len(ids), WIDTH)).astype("float32")
    return tf.IndexedSlices(tf.constant(values), tf.constant(ids), tf.constant([ROWS, WIDTH]))


def _lazy_adam_numpy(w, gradients, lr, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    """TensorFlow Addons' LazyAdam: Adam's formulas on the batch's rows only (repeats
    summed), the global step t in the bias correction; other rows are left alone."""
    w = w.astype("float64")
    m, v, v_max = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, (values, ids) in enumerate(gradients, start=1):
        rows = np.unique(ids)
        g = np.zeros_like(w)
        np.add.at(g, ids, values)  # the dense gradient: repeated ids add up
        m[rows] = b1 * m[rows] + (1 - b1) * g[rows]
        v[rows] = b2 * v[rows] + (1 - b2) * g[rows] ** 2
        denominator = v[rows]
        if amsgrad:
            v_max[rows] = np.maximum(v_max[rows], v[rows])
            denominator = v_max[rows]
        alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        w[rows] -= alpha * m[rows] / (np.sqrt(denominator) + eps)
    return w


@pytest.mark.parametrize("amsgrad", [False, True], ids=["Adam", "AMSGrad"])
def test_lazy_adam_follows_its_numpy_definition_with_repeated_ids(amsgrad):
    rng = np.random.RandomState(0)
    w0 = rng.normal(size=(ROWS, WIDTH)).astype("float32")
    # Repeats in every batch; rows 6-9 never used; rows 4-5 only in the last batches.
    batches = [[0, 1, 1, 3], [1, 1, 1, 2], [2, 0, 0, 4], [5, 4, 5, 5]]
    gradients = [_slices(rng, ids) for ids in batches]
    optimizer = ours.Adam(0.05, amsgrad=amsgrad, lazy=True)
    w = keras.Variable(w0)
    step = tf.function(lambda g: optimizer.apply([g], [w]))
    numpy_steps = [
        (g.values.numpy(), np.array(ids)) for g, ids in zip(gradients, batches, strict=True)
    ]
    for t, g in enumerate(gradients, start=1):
        step(g)
        expected = _lazy_adam_numpy(w0, numpy_steps[:t], 0.05, amsgrad=amsgrad)
        np.testing.assert_allclose(w.numpy(), expected, atol=1e-6, rtol=1e-6)
    np.testing.assert_array_equal(w.numpy()[6:], w0[6:])  # never in a batch: untouched
    # ...and it is not the textbook update: Adam keeps moving rows that left the batch.
    textbook = keras.Variable(w0)
    adam = ours.Adam(0.05, amsgrad=amsgrad)
    for g in gradients:
        adam.apply([g], [textbook])
    assert np.abs(textbook.numpy()[:4] - w.numpy()[:4]).max() > 1e-3


def test_lazy_adam_on_a_dense_gradient_is_adam():
    rng = np.random.RandomState(1)
    w0 = rng.normal(size=(ROWS, WIDTH)).astype("float32")
    weights = {}
    for lazy in (False, True):
        w, optimizer = keras.Variable(w0), ours.Adam(0.05, lazy=lazy)
        for _ in range(3):
            optimizer.apply([tf.constant(rng.normal(size=(ROWS, WIDTH)).astype("float32"))], [w])
        weights[lazy] = w.numpy()
        rng = np.random.RandomState(1)
        rng.normal(size=(ROWS, WIDTH))
    np.testing.assert_array_equal(weights[True], weights[False])


def test_lazy_adam_saves_and_loads_through_get_config(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,), dtype="int32"),
            keras.layers.Embedding(ROWS, WIDTH),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=ours.Adam(0.01, lazy=True, amsgrad=True), loss="mse")
    tokens = np.random.RandomState(2).randint(0, ROWS, size=(16, 4))
    y = np.zeros((16, 4, 1), "float32")
    model.fit(tokens, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "lazy.keras")
    loaded = keras.saving.load_model(tmp_path / "lazy.keras", safe_mode=True)
    assert type(loaded.optimizer) is ours.Adam and loaded.optimizer.lazy is True
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    model.fit(tokens, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(tokens, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-7, rtol=0)


def _one_rmsprop_step(optimizer):
    table = keras.Variable(np.ones((3, 2), "float32"))
    # Row 1 twice, each time with gradient [1, 1]: the dense gradient is [2, 2].
    gradient = tf.IndexedSlices(tf.ones((2, 2)), tf.constant([1, 1]), tf.constant([3, 2]))
    optimizer.apply([gradient], [table])
    return float(table.numpy()[1, 0])


def test_keras_builtin_rmsprop_mishandles_repeated_indices():
    """Documents a Keras 3.15 defect that ours fixes (meant to FAIL once Keras fixes it).

    One RMSprop(0.1) step on g = 2: s = 0.1 · 4 = 0.4, w = 1 − 0.1 · 2 / √0.4 = 0.6838. The
    built-in squares each slice (s = 0.1 · (1 + 1)) and applies both: it ends at 0.5528.
    """
    expected = 1 - 0.1 * 2 / np.sqrt(0.1 * 4 + 1e-7)
    assert _one_rmsprop_step(ours.RMSprop(0.1)) == pytest.approx(expected, abs=1e-6)
    assert _one_rmsprop_step(keras.optimizers.RMSprop(0.1)) == pytest.approx(0.5528, abs=1e-4)


def _table_ops(optimizer, vocabulary=64, width=8):
    """Types of the table-sized ops in a compiled sparse step, and whether any slot
    variable is read or written sparsely (which would make its dense reads copy)."""
    from bench import sparse as bench_sparse

    table = keras.Variable(np.zeros((vocabulary, width), "float32"))
    gradient = tf.IndexedSlices(
        tf.ones((5, width)), tf.constant([1, 2, 2, 7, 1]), tf.constant([vocabulary, width])
    )
    optimizer.build([table])
    step = tf.function(lambda: optimizer.apply([gradient], [table]))
    graph = step.get_concrete_function().graph
    sparse_ops = {"ResourceScatterAdd", "ResourceScatterSub", "ResourceScatterUpdate"}
    sparse_ops |= {"ResourceGather"}
    sparse_handles = {op.inputs[0].name for op in graph.get_operations() if op.type in sparse_ops}
    return bench_sparse.table_passes(step, (vocabulary, width)), len(sparse_handles)


@pytest.mark.parametrize(
    "name, kwargs, passes, sparse_variables",
    [
        ("SGD", {}, 0, 1),  # a scatter into the table, nothing else
        ("RMSprop", {}, 3, 1),  # s decays (Mul, TensorScatterAdd, Assign); Δ scattered into w
        ("SGD", dict(momentum=0.9), 4, 0),
        ("Adam", {}, 11, 0),
        ("Adam", dict(lazy=True), 0, 3),  # gathers and scatters only: m, v and the table
    ],
    ids=["SGD", "RMSprop", "SGD-momentum", "Adam", "lazy-Adam"],
)
def test_sparse_steps_pass_over_the_table_only_where_the_maths_moves_every_row(
    name, kwargs, passes, sparse_variables
):
    counter, sparse_count = _table_ops(getattr(ours, name)(**kwargs))
    assert sum(counter.values()) == passes, counter
    assert sparse_count == sparse_variables
