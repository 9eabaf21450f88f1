"""Models built from custom_layers save to .keras and load back (safe_mode=True) unchanged."""

import keras
import numpy as np
import pytest

import custom_layers
from custom_layers import activations, layers, losses


def round_trip(model, tmp_path, name="model.keras"):
    path = tmp_path / name
    model.save(path)
    # no custom_objects: everything must be found through its registered name
    return keras.saving.load_model(path, safe_mode=True)


def test_model_with_custom_layers_activations_and_loss(tmp_path, rng):
    model = keras.Sequential(
        [
            keras.Input((6,)),
            layers.Dense(
                8,
                activation="gelu",
                kernel_regularizer=keras.regularizers.L2(1e-3),
                bias_initializer="ones",
                name="hidden",
            ),
            layers.PReLU(alpha_initializer=keras.initializers.Constant(0.1), shared_axes=None),
            layers.Dense(8, activation=activations.tanh, use_bias=False),
            keras.layers.Dense(8, activation=activations.swish),  # a Keras layer, our function
            layers.Dense(
                8,
                activation="custom_layers>softplus",
                kernel_constraint=keras.constraints.MaxNorm(2.0),
            ),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss=losses.SparseCategoricalCrossentropy(), metrics=["accuracy"]
    )
    x = rng.normal(size=(32, 6)).astype("float32")
    y = rng.integers(0, 3, size=(32,))
    model.fit(x, y, epochs=1, verbose=0)  # trained weights, optimizer state
    loaded = round_trip(model, tmp_path)

    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert loaded.layers[0].activation is activations.gelu
    assert loaded.layers[2].activation is activations.tanh
    assert loaded.layers[3].activation is activations.swish
    assert loaded.layers[4].activation is activations.softplus
    assert loaded.layers[5].activation is activations.softmax
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    assert loaded.layers[4].get_config() == model.layers[4].get_config()
    assert isinstance(loaded.loss, losses.SparseCategoricalCrossentropy)
    # the loaded model keeps training from where it was
    np.testing.assert_allclose(
        loaded.evaluate(x, y, verbose=0)[0], model.evaluate(x, y, verbose=0)[0], rtol=1e-6
    )


@pytest.mark.parametrize(
    "loss",
    [
        losses.MeanSquaredError(),
        losses.BinaryCrossentropy(from_logits=True, reduction="sum"),
        losses.mean_squared_error,
        losses.binary_crossentropy,
    ],
    ids=["MeanSquaredError", "BinaryCrossentropy", "mean_squared_error", "binary_crossentropy"],
)
def test_losses_round_trip_in_compiled_models(loss, tmp_path, rng):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="relu")])
    model.compile(optimizer="sgd", loss=loss)
    x = rng.normal(size=(8, 4)).astype("float32")
    y = rng.integers(0, 2, size=(8, 1)).astype("float32")
    loaded = round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_allclose(
        loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6
    )
    if isinstance(loss, keras.losses.Loss):
        assert type(loaded.loss) is type(loss) and loaded.loss.get_config() == loss.get_config()
    else:
        assert loaded.loss is loss


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS) + ["softmax", "log_softmax"])
def test_every_activation_by_name_round_trips(name, tmp_path, rng):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation=name)])
    loaded = round_trip(model, tmp_path, f"{name}.keras")
    assert loaded.layers[0].activation is activations.get(name)
    x = rng.normal(size=(5, 3)).astype("float32")
    np.testing.assert_array_equal(loaded(x), model(x))


def test_layer_configs_are_complete():
    dense = layers.Dense(
        5,
        activation="elu",
        use_bias=False,
        kernel_initializer="he_normal",
        bias_regularizer="l2",
        activity_regularizer="l1",
        name="d",
    )
    clone = layers.Dense.from_config(dense.get_config())
    assert clone.get_config() == dense.get_config()
    assert clone.activation is activations.elu and clone.use_bias is False
    assert clone.activity_regularizer is not None
    prelu = layers.PReLU(alpha_regularizer="l2", shared_axes=[1, 2])
    assert layers.PReLU.from_config(prelu.get_config()).get_config() == prelu.get_config()


def test_public_classes_are_registered():
    for cls in (
        layers.Dense,
        layers.PReLU,
        layers.Conv2D,
        layers.Embedding,
        layers.MaskedGlobalAveragePooling1D,
        losses.MeanSquaredError,
        losses.BinaryCrossentropy,
        losses.SparseCategoricalCrossentropy,
    ):
        assert keras.saving.get_registered_name(cls) == f"custom_layers>{cls.__name__}"
    assert custom_layers.layers is layers and custom_layers.losses is losses


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: layers.Dense(4, activation=keras.layers.LeakyReLU(negative_slope=0.1)),
        lambda: layers.Conv2D(3, 2, activation=keras.layers.ReLU(max_value=6.0)),
        lambda: keras.layers.Dense(4, activation=keras.layers.LeakyReLU(negative_slope=0.1)),
    ],
    ids=["Dense-LeakyReLU", "Conv2D-ReLU6", "keras-Dense-LeakyReLU"],
)
def test_a_keras_layer_as_activation_round_trips(make_layer, tmp_path, rng):
    # A Keras layer object is a valid activation. Its saved config is a layer's, not a
    # function's: it must come back as that layer (it used to come back as the string
    # "LeakyReLU", which failed only at the first predict).
    layer = make_layer()
    shape = (5, 4, 4, 2) if isinstance(layer, layers.Conv2D) else (5, 3)
    model = keras.Sequential([keras.Input(shape[1:]), layer])
    x = (3 * rng.normal(size=shape)).astype("float32")  # ReLU6 caps some, LeakyReLU scales some
    loaded = round_trip(model, tmp_path)
    activation = loaded.layers[0].activation
    assert type(activation) is type(layer.activation)
    assert activation.get_config() == layer.activation.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
