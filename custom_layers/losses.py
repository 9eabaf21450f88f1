"""Loss functions: how wrong a prediction is, as one number to minimise.

Each loss comes as a function (per-example values, averaged over the last axis like
Keras's) and as a ``keras.losses.Loss`` subclass (the base class applies
``sample_weight`` and the ``reduction``, default ``"sum_over_batch_size"``, i.e. the mean).

* Mean squared error: ``mean((y − ŷ)²)``.
* Binary cross-entropy: ``−[y·log p + (1 − y)·log(1 − p)]``.
* Sparse categorical cross-entropy: ``−log p_y`` for an integer class ``y``.

With ``from_logits=True`` the cross-entropies take raw scores ``z`` and use forms
that cannot overflow (softplus / log-sum-exp); with probabilities they clip ``p`` to
``[ε, 1 − ε]`` (``ε = keras.config.epsilon()``, 1e-7) exactly as Keras does, so the
numbers agree with ``keras.losses``.
"""

import keras
from keras import ops

# Keras's own losses mark the entries that ignore_class drops with this (internal) mask;
# keras.losses.Loss then averages over the entries kept. Ours does the same, so the
# numbers agree with Keras's for every reduction.
from keras.src.backend import set_keras_mask

from custom_layers import activations

_register = keras.saving.register_keras_serializable(package="custom_layers")


def _same_rank(y_true, y_pred):
    """Align ranks like Keras: when they differ by one and the longer has a last axis of
    size 1, a rank-1 partner gains that axis; otherwise the size-1 axis is dropped."""
    if len(y_true.shape) == len(y_pred.shape) + 1 and y_true.shape[-1] == 1:
        if len(y_pred.shape) == 1:
            y_pred = ops.expand_dims(y_pred, axis=-1)
        else:
            y_true = ops.squeeze(y_true, axis=-1)
    elif len(y_pred.shape) == len(y_true.shape) + 1 and y_pred.shape[-1] == 1:
        if len(y_true.shape) == 1:
            y_true = ops.expand_dims(y_true, axis=-1)
        else:
            y_pred = ops.squeeze(y_pred, axis=-1)
    return y_true, y_pred


# --- function forms --------------------------------------------------------------------


@_register
def mean_squared_error(y_true, y_pred):
    """``mean((y_true − y_pred)², axis=−1)``."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = _same_rank(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@_register
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis`` (the last by default).

    Probabilities ``p``: ``−[y·log p + (1 − y)·log(1 − p)]`` with ``p`` clipped to
    ``[ε, 1 − ε]``. Logits ``z`` (``p = σ(z)``): the same quantity is
    ``softplus(z) − y·z = max(z, 0) − y·z + log(1 + e^−|z|)``, finite for any ``z``.
    ``label_smoothing = s`` first moves every label towards ½: ``y ← y·(1 − s) + s/2``.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    y_true, y_pred = _same_rank(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        z = y_pred
        # max(z, 0) and −|z| through one `where` on z ≥ 0, so that at z = 0 the
        # gradient is σ(0) − y = ½ − y, as for tf.nn.sigmoid_cross_entropy_with_logits.
        positive = z >= 0
        relu_z = ops.where(positive, z, ops.zeros_like(z))
        minus_abs_z = ops.where(positive, -z, z)
        per_entry = relu_z - z * y_true + ops.log1p(ops.exp(minus_abs_z))
    else:
        epsilon = keras.config.epsilon()
        p = ops.clip(y_pred, epsilon, 1.0 - epsilon)
        per_entry = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    return ops.mean(per_entry, axis=axis)


@_register
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """``−log p_y`` for integer labels ``y`` and class scores along ``axis`` (the last).

    Logits: ``−log softmax(z)_y = log Σ_j e^z_j − z_y`` (log-sum-exp, stable).
    Probabilities: clipped to ``[ε, 1 − ε]`` and renormalised, as Keras does:
    ``−log(p_y / Σ_j p_j)``. With ``ignore_class = c`` the entries labelled ``c`` (say a
    "void" pixel, −1 or 255) give loss 0 and no gradient, and the Loss classes average
    over the other entries only.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    if axis not in (-1, len(y_pred.shape) - 1):
        y_pred = ops.moveaxis(y_pred, axis, -1)  # the classes last, where log_softmax works
    if ignore_class is not None:
        keep = ops.not_equal(y_true, ops.cast(ignore_class, y_true.dtype))
        y_true = ops.where(keep, y_true, 0)  # any valid class: its loss is zeroed below
        y_pred = ops.where(ops.expand_dims(keep, -1), y_pred, 0)  # and no gradient flows
    if from_logits:
        logits = y_pred
    else:
        epsilon = keras.config.epsilon()
        logits = ops.log(ops.clip(y_pred, epsilon, 1.0 - epsilon))
    log_probs = activations.log_softmax(logits, axis=-1)
    labels = ops.expand_dims(ops.cast(y_true, "int32"), axis=-1)
    loss = -ops.squeeze(ops.take_along_axis(log_probs, labels, axis=-1), axis=-1)
    if ignore_class is not None:
        loss = ops.where(keep, loss, 0.0)
        set_keras_mask(loss, keep)
    return loss


# --- keras.losses.Loss classes ---------------------------------------------------------


@_register
class MeanSquaredError(keras.losses.Loss):
    """Mean squared error ``mean((y − ŷ)²)`` as a ``keras.losses.Loss``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "dtype": self.dtype}


@_register
class BinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy (see :func:`binary_crossentropy`) as a ``keras.losses.Loss``."""

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def call(self, y_true, y_pred):
        return binary_crossentropy(
            y_true, y_pred, self.from_logits, label_smoothing=self.label_smoothing, axis=self.axis
        )

    def get_config(self):
        return {
            **super().get_config(),
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


@_register
class SparseCategoricalCrossentropy(keras.losses.Loss):
    """Sparse categorical cross-entropy (see :func:`sparse_categorical_crossentropy`)."""

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def call(self, y_true, y_pred):
        return sparse_categorical_crossentropy(
            y_true, y_pred, self.from_logits, ignore_class=self.ignore_class, axis=self.axis
        )

    def get_config(self):
        return {
            **super().get_config(),
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }
