"""custom_layers.training's inputs: steps_per_epoch, NumPy arrays, names, clear errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import optimizers, training
from tests.test_training import _data, _dataset, _max_diff, _model


def _repeatable(endless):
    """A reshuffling dataset, and the validation one; made after the model (seeded) so that
    each run gets its own, identical, shuffle sequence."""
    train, validation = _dataset(shuffle_seed=5), _dataset(batch_size=32)
    return (train.repeat(), validation.repeat()) if endless else (train, validation)


@pytest.mark.parametrize("endless", [True, False], ids=["repeat", "finite"])
def test_steps_per_epoch_like_model_fit(endless, recwarn):
    """Endless: 4 batches an epoch from one iterator. Finite (7 batches): epoch 2 stops at
    the end of the data (3 batches), epoch 3 starts a fresh pass, as in model.fit."""
    ours = _model()
    train, validation = _repeatable(endless)
    history = training.fit(
        ours,
        train,
        loss=keras.losses.MeanSquaredError(),
        optimizer=optimizers.Adam(0.01),
        epochs=3,
        steps_per_epoch=4,
        validation_data=validation,
        validation_steps=2,
        verbose=0,
    )
    ran_out = [w for w in recwarn if "ran out of data" in str(w.message)]
    assert len(ran_out) == (0 if endless else 1)
    reference = _model()
    train, validation = _repeatable(endless)
    reference.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    expected = reference.fit(
        train,
        epochs=3,
        steps_per_epoch=4,
        validation_data=validation,
        validation_steps=2,
        verbose=0,
    ).history
    assert set(history) == set(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(history[name], values, rtol=1e-6, err_msg=name)
    assert _max_diff(ours.get_weights(), reference.get_weights()) < 1e-6


def test_numpy_arrays_and_names_like_model_fit():
    x, y = _data()
    ours = _model()
    history = training.fit(
        ours,
        x,
        y,
        batch_size=16,
        shuffle=False,
        loss="mse",
        optimizer="adam",
        metrics=["mae"],
        epochs=2,
        validation_data=(x[:50], y[:50]),
        verbose=0,
    )
    reference = _model()
    reference.compile(optimizer="adam", loss="mse", metrics=["mae"])
    expected = reference.fit(
        x, y, batch_size=16, shuffle=False, epochs=2, validation_data=(x[:50], y[:50]), verbose=0
    ).history
    assert set(history) == set(expected) == {"loss", "mae", "val_loss", "val_mae"}
    for name, values in expected.items():
        np.testing.assert_allclose(history[name], values, rtol=1e-6, err_msg=name)
    assert _max_diff(ours.get_weights(), reference.get_weights()) < 1e-6


def test_numpy_arrays_are_reshuffled_every_epoch_reproducibly():
    x, y = _data()
    runs = []
    for _ in range(2):
        model = _model()  # seeds NumPy too: the same shuffles
        training.fit(model, x, y, batch_size=16, loss="mse", optimizer="sgd", epochs=2, verbose=0)
        runs.append(model.get_weights())
    unshuffled = _model()
    training.fit(
        unshuffled,
        x,
        y,
        batch_size=16,
        shuffle=False,
        loss="mse",
        optimizer="sgd",
        epochs=2,
        verbose=0,
    )
    assert _max_diff(*runs) == 0.0
    assert _max_diff(runs[0], unshuffled.get_weights()) > 1e-4


def _x_alone():
    return tf.data.Dataset.from_tensor_slices(_data()[0]).batch(16)


def _unbatched():
    return tf.data.Dataset.from_tensor_slices(_data())


def _unbatched_scalar_labels():
    x, y = _data()
    return tf.data.Dataset.from_tensor_slices((x, y[:, 0]))


def _dicts():
    x, y = _data()
    return tf.data.Dataset.from_tensor_slices({"features": x, "label": y}).batch(16)


@pytest.mark.parametrize(
    "make, message",
    [
        (_x_alone, r"yields single elements of shape \(None, 10\), not \(x, y\)"),
        (_unbatched, r"looks unbatched: its inputs have shape \(10,\).*add \.batch"),
        (_unbatched_scalar_labels, r"looks unbatched \(its targets are scalars\)"),
        (_dicts, r"yields dicts \(keys \['features', 'label'\]\).*dataset\.map"),
        (lambda: _dataset().repeat(), r"infinite \(\.repeat\(\)\): pass steps_per_epoch"),
        (lambda: _data()[0], r"x is an array but y is missing"),
        (lambda: [1, 2, 3], r"must be a tf\.data\.Dataset .* or NumPy arrays"),
    ],
    ids=["x-alone", "unbatched", "scalar-labels", "dicts", "endless", "no-y", "a-list"],
)
def test_common_mistakes_get_one_line_errors(make, message):
    with pytest.raises((ValueError, TypeError), match=message) as error:
        training.fit(_model(), make(), loss="mse", optimizer="adam", epochs=1, verbose=0)
    assert "\n" not in str(error.value)


def test_a_loss_that_does_not_average_is_refused_at_once():
    with pytest.raises(ValueError, match='reduction="sum_over_batch_size"'):
        training.Trainer(_model(), loss=keras.losses.MeanSquaredError(reduction="sum"))
