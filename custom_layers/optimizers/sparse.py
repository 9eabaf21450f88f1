"""Sparse gradients: the rows of an embedding table that a batch used.

On the TensorFlow backend an ``Embedding`` layer's gradient arrives as a
``tf.IndexedSlices``: ``values[i]`` is the gradient of row ``indices[i]``, and a row the
batch used twice arrives twice. The dense gradient it stands for is

    G[r] = Σ_{i : indices[i] = r} values[i]      (0 for a row the batch did not use)

so a repeated row's gradient is the *sum* of its slices. An update that is linear in the
gradient (SGD) may scatter the slices one by one -- a scatter adds repeats up -- but one
that is not (RMSprop and Adam square it) needs each row once, with its summed gradient:
``merge_duplicate_rows``. That is the whole difference from the dense maths; it costs a
``tf.unique`` and a segment sum over the batch's rows, never a pass over the table.

Only the TensorFlow backend has ``IndexedSlices`` (JAX's embedding gradients are dense),
so TensorFlow is imported here only when the backend is TensorFlow.
"""

from __future__ import annotations

import keras


def is_indexed_slices(gradient):
    """Whether ``gradient`` is a ``tf.IndexedSlices`` (always False off TensorFlow)."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return isinstance(gradient, tf.IndexedSlices)


def merge_duplicate_rows(gradient):
    """The same gradient with each row once, its slices summed: the rows of ``G`` above."""
    import tensorflow as tf

    rows, position = tf.unique(gradient.indices)
    values = tf.math.unsorted_segment_sum(gradient.values, position, tf.shape(rows)[0])
    return tf.IndexedSlices(values, rows, gradient.dense_shape)


def on_rows(values, gradient):
    """``values`` for the rows of ``gradient``: ``Optimizer.assign*`` scatters these into
    a variable (only for the weights; see ``add_to_rows`` for the slots)."""
    import tensorflow as tf

    return tf.IndexedSlices(values, gradient.indices, gradient.dense_shape)


def add_to_rows(tensor, gradient, values):
    """``tensor`` with ``values`` added to the rows of ``gradient`` (repeats add up).

    Used for a slot that every row of which changes anyway (a decaying average): the new
    value is computed as one tensor and assigned whole. Scattering into the slot variable
    instead would switch it to TensorFlow's "copy-on-read" mode, in which every later
    dense read or update of it copies the whole table first.
    """
    import tensorflow as tf

    return tf.tensor_scatter_nd_add(tensor, gradient.indices[:, None], values)


def read(variable):
    """The whole value of ``variable`` as a tensor (a dense read, no copy)."""
    import tensorflow as tf

    return tf.convert_to_tensor(
        variable.value if isinstance(variable, keras.Variable) else variable
    )


def rows_of(tensor, gradient):
    """The rows of ``tensor`` (or a variable: then only those rows are read) that
    ``gradient`` touches."""
    import tensorflow as tf

    if isinstance(tensor, keras.Variable):
        tensor = tensor.value  # the tf.Variable: ResourceGather
    return tf.gather(tensor, gradient.indices)
