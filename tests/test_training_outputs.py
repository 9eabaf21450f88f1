"""custom_layers.training with several outputs: losses, loss weights and metrics per output."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import optimizers, training


def _model(as_dict=False):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    first = keras.layers.Dense(2, name="first")(hidden)  # two outputs of the same shape
    second = keras.layers.Dense(2, name="second")(hidden)
    outputs = {"p": first, "q": second} if as_dict else [first, second]
    return keras.Model(inputs, outputs)


def _arrays():
    rng = np.random.RandomState(3)
    x = rng.normal(size=(80, 6)).astype("float32")
    return x, x[:, :2] * 2.0, np.abs(x[:, 2:4])


def _dataset(as_dict=False):
    x, y1, y2 = _arrays()
    y = {"p": y1, "q": y2} if as_dict else (y1, y2)
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


@pytest.mark.parametrize("as_dict", [False, True], ids=["list", "dict"])
def test_several_outputs_equal_model_fit(as_dict):
    names = ("p", "q") if as_dict else ("first", "second")
    if as_dict:
        loss = {"p": "mse", "q": keras.losses.MeanAbsoluteError()}
        loss_weights = {"p": 1.0, "q": 0.5}
        metrics = {"p": ["mae"], "q": [keras.metrics.MeanSquaredError(name="mse")]}
    else:
        loss = ["mse", keras.losses.MeanAbsoluteError()]
        loss_weights = [1.0, 0.5]
        metrics = [["mae"], [keras.metrics.MeanSquaredError(name="mse")]]
    ours = _model(as_dict)
    history = training.fit(
        ours,
        _dataset(as_dict),
        loss=loss,
        loss_weights=loss_weights,
        metrics=metrics,
        optimizer=optimizers.Adam(0.01),
        epochs=3,
        validation_data=_dataset(as_dict),
        verbose=0,
    )
    reference = _model(as_dict)
    reference.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=loss,
        loss_weights=loss_weights,
        metrics={"p": ["mae"], "q": [keras.metrics.MeanSquaredError(name="mse")]}
        if as_dict
        else [["mae"], [keras.metrics.MeanSquaredError(name="mse")]],
    )
    expected = reference.fit(
        _dataset(as_dict), epochs=3, validation_data=_dataset(as_dict), verbose=0, shuffle=False
    ).history
    first, second = names
    assert set(history) == set(expected)
    assert {f"{first}_loss", f"{first}_mae", f"{second}_loss", f"{second}_mse"} <= set(history)
    for name, values in expected.items():
        np.testing.assert_allclose(history[name], values, rtol=1e-5, err_msg=name)
    # The total is the weighted sum of the per-output losses.
    total = np.add(history[f"{first}_loss"], 0.5 * np.asarray(history[f"{second}_loss"]))
    np.testing.assert_allclose(history["loss"], total, rtol=1e-5)


def test_one_loss_for_every_output_like_compile():
    history = training.fit(_model(), _dataset(), loss="mse", optimizer="adam", epochs=1, verbose=0)
    reference = _model()
    reference.compile(optimizer="adam", loss="mse")
    expected = reference.fit(_dataset(), epochs=1, verbose=0, shuffle=False).history
    assert set(history) == set(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(history[name], values, rtol=1e-5, err_msg=name)


def test_a_flat_metrics_list_for_several_outputs_is_refused():
    with pytest.raises(ValueError, match="needs metrics per output"):
        training.fit(_model(), _dataset(), loss="mse", optimizer="adam", metrics=["mae"], epochs=1)
