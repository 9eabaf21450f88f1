"""custom_layers.losses vs keras.losses: values and gradients, logits and probabilities."""

import inspect

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


# --- label_smoothing, ignore_class, axis: arguments Keras's losses accept ---------------


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("label_smoothing", [0.1, 0.5, 1.0])
def test_binary_crossentropy_label_smoothing_matches_keras(
    label_smoothing, from_logits, binary_data, rng
):
    y_true, logits = binary_data
    y_pred = logits if from_logits else tf.nn.sigmoid(logits).numpy()
    kwargs = dict(from_logits=from_logits, label_smoothing=label_smoothing)
    assert_same(
        losses.binary_crossentropy, keras.losses.binary_crossentropy, y_true, y_pred, **kwargs
    )
    sample_weight = rng.uniform(0, 2, size=(64,)).astype("float32")
    for reduction in REDUCTIONS:
        ours = losses.BinaryCrossentropy(reduction=reduction, **kwargs)
        theirs = keras.losses.BinaryCrossentropy(reduction=reduction, **kwargs)
        assert_same(ours, theirs, y_true, y_pred, sample_weight=sample_weight)


def test_label_smoothing_moves_labels_towards_one_half():
    # s = 0.2: label 1 becomes 0.9, label 0 becomes 0.1; z = 0 means p = ½ either way.
    y_true, logits = np.float32([[1.0, 0.0]]), np.float32([[0.0, 3.0]])
    expected = np.mean([np.log(2.0), np.logaddexp(0.0, 3.0) - 0.1 * 3.0])
    value = losses.binary_crossentropy(y_true, logits, from_logits=True, label_smoothing=0.2)
    np.testing.assert_allclose(value, [expected], rtol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_binary_crossentropy_axis_matches_keras(axis, rng):
    y_true = rng.integers(0, 2, size=(4, 5, 6)).astype("float32")
    logits = (rng.normal(size=(4, 5, 6)) * 3).astype("float32")
    kwargs = dict(from_logits=True, axis=axis)
    assert_same(
        losses.binary_crossentropy, keras.losses.binary_crossentropy, y_true, logits, **kwargs
    )
    assert_same(
        losses.BinaryCrossentropy(**kwargs),
        keras.losses.BinaryCrossentropy(**kwargs),
        y_true,
        logits,
    )


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("ignore_class", [-1, 2])
@pytest.mark.parametrize("label_shape", ["flat", "column", "pixels"])
def test_sparse_categorical_crossentropy_ignore_class_matches_keras(
    ignore_class, from_logits, label_shape, rng
):
    shape = {"flat": (30,), "column": (30, 1), "pixels": (3, 4, 5)}[label_shape]
    labels = rng.integers(0, 4, size=shape)
    labels[rng.uniform(size=shape) < 0.3] = ignore_class  # about 30 % "void" entries
    logits = rng.normal(size=labels.shape[: 1 if label_shape == "column" else None] + (4,)) * 3
    logits = logits.astype("float32")
    y_pred = logits if from_logits else tf.nn.softmax(logits).numpy()
    kwargs = dict(from_logits=from_logits, ignore_class=ignore_class)
    fn, reference = (
        losses.sparse_categorical_crossentropy,
        keras.losses.sparse_categorical_crossentropy,
    )
    assert_same(fn, reference, labels, y_pred, **kwargs)
    value, grad = loss_and_grad(fn, labels, y_pred, **kwargs)
    ignored = np.reshape(labels, value.shape) == ignore_class
    assert np.all(value[ignored] == 0) and np.all(grad[ignored] == 0)  # no loss, no gradient
    weight_shape = shape if label_shape == "pixels" else shape[:1]  # one per loss entry
    sample_weight = rng.uniform(0, 2, size=weight_shape).astype("float32")
    for reduction in REDUCTIONS:
        ours = losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
        theirs = keras.losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
        for weight in (None, sample_weight):
            assert_same(ours, theirs, labels, y_pred, sample_weight=weight)


def test_ignore_class_mean_is_over_the_kept_entries_only():
    labels = np.array([0, -1, 1, -1])
    logits = np.float32([[2.0, 0.0], [5.0, -5.0], [0.0, 1.0], [9.0, 9.0]])
    per_entry = losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=-1)
    kept = [np.logaddexp(2.0, 0.0) - 2.0, np.logaddexp(0.0, 1.0) - 1.0]
    np.testing.assert_allclose(per_entry, [kept[0], 0.0, kept[1], 0.0], rtol=1e-6)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(loss(labels, logits), np.mean(kept), rtol=1e-6)  # ÷ 2, not ÷ 4


@pytest.mark.parametrize("axis", [1, -3])
def test_sparse_categorical_crossentropy_class_axis(axis, rng):
    # Classes on axis 1 (channels first): the same numbers as with the classes moved last.
    logits = (rng.normal(size=(2, 4, 3, 5)) * 3).astype("float32")
    labels = rng.integers(0, 4, size=(2, 3, 5))
    last = np.moveaxis(logits, 1, -1)
    ours = losses.sparse_categorical_crossentropy(labels, logits, True, axis=axis)
    np.testing.assert_allclose(
        ours, keras.losses.sparse_categorical_crossentropy(labels, last, True), atol=ATOL, rtol=RTOL
    )
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, axis=axis)
    assert loss.get_config()["axis"] == axis
    np.testing.assert_allclose(
        loss(labels, logits), losses.SparseCategoricalCrossentropy(True)(labels, last), rtol=1e-6
    )


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy),
        (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy),
        (losses.MeanSquaredError, keras.losses.MeanSquaredError),
    ],
)
def test_loss_class_signatures_match_keras(ours, theirs):
    # Same argument names, order and defaults: a drop-in also for positional calls.
    def parameters(cls):
        return [(k, p.default) for k, p in inspect.signature(cls.__init__).parameters.items()]

    assert parameters(ours) == parameters(theirs)
    config = ours(
        **{"ignore_class": 3} if ours is losses.SparseCategoricalCrossentropy else {}
    ).get_config()
    assert set(theirs().get_config()) <= set(config)
