"""custom_layers.losses vs keras.losses: values and gradients, logits and probabilities."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import losses

ATOL, RTOL = 1e-6, 1e-5
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]


def loss_and_grad(loss_fn, y_true, y_pred, **kwargs):
    y_pred = tf.convert_to_tensor(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        value = loss_fn(y_true, y_pred, **kwargs)
        total = tf.reduce_sum(value)
    return value.numpy(), tape.gradient(total, y_pred).numpy()


def assert_same(ours, theirs, y_true, y_pred, **kwargs):
    value, grad = loss_and_grad(ours, y_true, y_pred, **kwargs)
    ref_value, ref_grad = loss_and_grad(theirs, y_true, y_pred, **kwargs)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    assert value.shape == ref_value.shape
    np.testing.assert_allclose(value, ref_value, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(grad, ref_grad, atol=ATOL, rtol=RTOL)


@pytest.fixture
def binary_data(rng):
    y_true = rng.integers(0, 2, size=(64, 3)).astype("float32")
    logits = (rng.normal(size=(64, 3)) * 5).astype("float32")
    logits[0] = [-1e4, 1e4, 0.0]  # the extremes, and the kink of max(z, 0) at 0
    logits[1] = [1e4, -1e4, 50.0]
    return y_true, logits


# --- function forms --------------------------------------------------------------------


@pytest.mark.parametrize(
    "shapes", [((32, 4), (32, 4)), ((32,), (32, 1)), ((32, 1), (32,)), ((5, 6, 2), (5, 6, 2))]
)
def test_mean_squared_error_function(shapes, rng):
    y_true = rng.normal(size=shapes[0]).astype("float32")
    y_pred = rng.normal(size=shapes[1]).astype("float32")
    assert_same(losses.mean_squared_error, keras.losses.mean_squared_error, y_true, y_pred)


@pytest.mark.parametrize("from_logits", [True, False])
def test_binary_crossentropy_function(from_logits, binary_data):
    y_true, logits = binary_data
    y_pred = logits if from_logits else tf.nn.sigmoid(logits).numpy()  # incl. exact 0 and 1
    assert_same(
        losses.binary_crossentropy,
        keras.losses.binary_crossentropy,
        y_true,
        y_pred,
        from_logits=from_logits,
    )


def test_binary_crossentropy_extreme_logits_values():
    y_true = np.float32([[1.0, 0.0, 1.0, 0.0]])
    logits = np.float32([[-1e4, 1e4, 1e4, -1e4]])
    np.testing.assert_allclose(
        losses.binary_crossentropy(y_true, logits, from_logits=True), [(1e4 + 1e4 + 0 + 0) / 4]
    )


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("label_shape", ["flat", "column", "sequence"])
def test_sparse_categorical_crossentropy_function(from_logits, label_shape, rng):
    if label_shape == "sequence":
        logits = (rng.normal(size=(6, 5, 7)) * 4).astype("float32")
        labels = rng.integers(0, 7, size=(6, 5))
    else:
        logits = (rng.normal(size=(40, 7)) * 4).astype("float32")
        labels = rng.integers(0, 7, size=(40,) if label_shape == "flat" else (40, 1))
        logits[0, :3] = [1e4, -1e4, 0.0]
        logits[1, :3] = [-1e4, -1e4, 1e4]
    y_pred = logits if from_logits else tf.nn.softmax(logits).numpy()
    assert_same(
        losses.sparse_categorical_crossentropy,
        keras.losses.sparse_categorical_crossentropy,
        labels,
        y_pred,
        from_logits=from_logits,
    )


def test_unnormalised_probabilities_are_renormalised_like_keras():
    labels = np.array([0, 1])
    probabilities = np.float32([[0.2, 0.2, 0.2], [0.5, 0.0, 1.0]])  # rows do not sum to 1
    assert_same(
        losses.sparse_categorical_crossentropy,
        keras.losses.sparse_categorical_crossentropy,
        labels,
        probabilities,
    )


# --- Loss classes: reductions and sample weights ---------------------------------------


CLASS_PAIRS = [
    (losses.MeanSquaredError, keras.losses.MeanSquaredError, {}),
    (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy, {"from_logits": True}),
    (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy, {"from_logits": False}),
    (
        losses.SparseCategoricalCrossentropy,
        keras.losses.SparseCategoricalCrossentropy,
        {"from_logits": True},
    ),
    (
        losses.SparseCategoricalCrossentropy,
        keras.losses.SparseCategoricalCrossentropy,
        {"from_logits": False},
    ),
]


def class_data(cls, kwargs, rng):
    if cls is losses.SparseCategoricalCrossentropy:
        y_true = rng.integers(0, 4, size=(24, 1)).astype("float32")
        y_pred = (rng.normal(size=(24, 4)) * 3).astype("float32")
        y_pred[0] = [1e4, -1e4, 0, 0]
        return y_true, y_pred if kwargs["from_logits"] else tf.nn.softmax(y_pred).numpy()
    y_true = rng.integers(0, 2, size=(24, 1)).astype("float32")
    y_pred = (rng.normal(size=(24, 1)) * 3).astype("float32")
    y_pred[0] = 1e4
    y_pred[1] = -1e4
    if cls is losses.BinaryCrossentropy and not kwargs["from_logits"]:
        y_pred = tf.nn.sigmoid(y_pred).numpy()
    return y_true[:, 0], y_pred  # labels shaped (n,), predictions (n, 1): aligned like Keras


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("cls, reference, kwargs", CLASS_PAIRS)
def test_loss_classes_match_keras(cls, reference, kwargs, reduction, rng):
    y_true, y_pred = class_data(cls, kwargs, rng)
    sample_weight = rng.uniform(0, 2, size=(24,)).astype("float32")
    ours = cls(reduction=reduction, **kwargs)
    theirs = reference(reduction=reduction, **kwargs)
    for weight in (None, sample_weight):
        assert_same(ours, theirs, y_true, y_pred, sample_weight=weight)


@pytest.mark.parametrize("cls, reference, kwargs", CLASS_PAIRS)
def test_loss_class_config_round_trip(cls, reference, kwargs):
    loss = cls(reduction="sum", name="my_loss", **kwargs)
    config = loss.get_config()
    assert config["reduction"] == "sum" and config["name"] == "my_loss"
    clone = cls.from_config(config)
    assert clone.get_config() == config
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is cls and restored.get_config() == config
    assert reference().name == cls().name  # same default names as Keras


def test_invalid_reduction_is_rejected():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_losses_train_a_model_like_keras(rng):
    x = rng.normal(size=(32, 5)).astype("float32")
    y = rng.integers(0, 3, size=(32,))
    weights = []
    for loss in (
        losses.SparseCategoricalCrossentropy(from_logits=True),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    ):
        keras.utils.set_random_seed(7)
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for wa, wb in zip(*weights, strict=True):
        np.testing.assert_allclose(wa, wb, atol=ATOL, rtol=RTOL)
