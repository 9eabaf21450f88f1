"""custom_layers.layers.Dense and PReLU vs keras.layers.Dense and PReLU, weight for weight."""

import inspect

import keras
import numpy as np
import pytest

from custom_layers import activations
from custom_layers.layers import Dense, PReLU
from tests.layer_checks import outputs_and_gradients

ATOL, RTOL = 1e-6, 1e-5


def twin_dense(units, activation, input_dim, **kwargs):
    """Our Dense and keras.layers.Dense, built, with the same (our random) weights."""
    ours = Dense(units, activation=activation, **kwargs)
    theirs = keras.layers.Dense(units, activation=activation, **kwargs)
    ours.build((None, input_dim))
    theirs.build((None, input_dim))
    theirs.set_weights(ours.get_weights())
    return ours, theirs


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "gelu", "softmax", "elu"])
@pytest.mark.parametrize(
    "input_shape", [(8, 7), (4, 3, 7), (2, 3, 2, 7)], ids=["rank2", "rank3", "rank4"]
)
def test_dense_matches_keras(activation, input_shape, rng):
    ours, theirs = twin_dense(5, activation, input_dim=7)
    if activation is not None:
        assert ours.activation is activations.get(activation)  # OUR function, by name
    x = rng.normal(size=input_shape).astype(np.float32)
    upstream = rng.normal(size=input_shape[:-1] + (5,)).astype(np.float32)
    y, grads = outputs_and_gradients(ours, x, upstream)
    ref_y, ref_grads = outputs_and_gradients(theirs, x, upstream)
    assert y.shape == ref_y.shape == input_shape[:-1] + (5,)
    if activation is None:
        np.testing.assert_array_equal(y, ref_y)  # the same ops: bit for bit
    np.testing.assert_allclose(y, ref_y, atol=ATOL, rtol=RTOL)
    assert len(grads) == len(ref_grads) == 3  # input, kernel, bias
    for g, ref_g in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, ref_g, atol=ATOL, rtol=RTOL)


def test_weights_named_and_shaped_like_keras_and_copy_both_ways(rng):
    ours, theirs = twin_dense(3, "tanh", input_dim=4)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["kernel", "bias"]
    assert [tuple(w.shape) for w in ours.weights] == [(4, 3), (3,)]
    new = [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=3).astype("float32")]
    theirs.set_weights(new)
    ours.set_weights(theirs.get_weights())
    x = rng.normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(ours(x), theirs(x), atol=ATOL, rtol=RTOL)
    np.testing.assert_array_equal(ours.kernel.numpy(), new[0])


def test_no_bias(rng):
    ours, theirs = twin_dense(3, None, input_dim=4, use_bias=False)
    assert len(ours.weights) == 1 and ours.bias is None
    x = rng.normal(size=(2, 4)).astype("float32")
    np.testing.assert_array_equal(ours(x), theirs(x))


def test_same_signature_defaults_and_initialisation_as_keras():
    def defaults(cls):
        return {
            k: p.default
            for k, p in inspect.signature(cls.__init__).parameters.items()
            if k not in ("self", "kwargs")
        }

    ours = defaults(Dense)
    theirs = defaults(keras.layers.Dense)
    for name, default in ours.items():
        assert theirs[name] == default, name
    # seeded initializers produce the same starting weights
    a = Dense(
        6,
        kernel_initializer=keras.initializers.GlorotUniform(seed=3),
        bias_initializer=keras.initializers.RandomNormal(seed=4),
    )
    b = keras.layers.Dense(
        6,
        kernel_initializer=keras.initializers.GlorotUniform(seed=3),
        bias_initializer=keras.initializers.RandomNormal(seed=4),
    )
    a.build((None, 5))
    b.build((None, 5))
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_regularizers_and_constraints_behave_like_keras(rng):
    kwargs = dict(
        kernel_regularizer=keras.regularizers.L2(0.01),
        bias_regularizer=keras.regularizers.L1(0.02),
        activity_regularizer=keras.regularizers.L2(0.003),
        kernel_constraint=keras.constraints.MaxNorm(0.5),
        bias_constraint=keras.constraints.NonNeg(),
    )
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.normal(size=(16, 3)).astype("float32")
    models = []
    for layer_cls in (Dense, keras.layers.Dense):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), layer_cls(3, activation="relu", **kwargs)])
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    for model in models:
        model(x)  # regularization losses are collected on call
    assert len(models[0].losses) == len(models[1].losses) == 3
    np.testing.assert_allclose(sum(models[0].losses), sum(models[1].losses), rtol=RTOL)
    for model in models:
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    for wa, wb in zip(models[0].get_weights(), models[1].get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, atol=ATOL, rtol=RTOL)
    kernel, bias = models[0].get_weights()
    assert np.all(np.linalg.norm(kernel, axis=0) <= 0.5 + 1e-6) and np.all(bias >= 0)


@pytest.mark.parametrize("units", [0, -3, 2.5, "4", True, None])
def test_invalid_units(units):
    # Keras's own sentence (keras.layers.Dense(0) says the same), also where Keras would
    # let the value through (2.5, True) or fail later with a less telling error.
    message = r"Received an invalid value for `units`, expected a positive integer"
    with pytest.raises(ValueError, match=message):
        Dense(units)
    if units in (0, -3):
        with pytest.raises(ValueError, match=message):
            keras.layers.Dense(units)


def test_unknown_activation_name():
    with pytest.raises(ValueError, match=r"Unknown activation 'relux'"):
        Dense(3, activation="relux")


def test_rank_1_input_is_rejected():
    with pytest.raises(ValueError, match=r"Dense expects inputs of rank >= 2.*shape \(4,\)"):
        Dense(3)(np.ones(4, dtype="float32"))


def test_wrong_feature_count_after_build_is_rejected():
    layer = Dense(3)
    layer(np.ones((2, 4), dtype="float32"))
    with pytest.raises(ValueError, match="incompatible"):
        layer(np.ones((2, 5), dtype="float32"))


# --- PReLU -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "input_shape, shared_axes",
    [((6, 5), None), ((3, 4, 4, 2), [1, 2]), ((3, 4, 4, 2), 3), ((2, 7, 3), [1]), ((9,), None)],
    ids=["rank2", "image-per-channel", "image-shared-3", "sequence-shared-1", "rank1"],
)
def test_prelu_matches_keras(input_shape, shared_axes, rng):
    ours = PReLU(
        alpha_initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=1),
        shared_axes=shared_axes,
    )
    theirs = keras.layers.PReLU(shared_axes=shared_axes)
    ours.build((None,) + input_shape[1:])
    theirs.build((None,) + input_shape[1:])
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["alpha"]
    assert ours.alpha.shape == theirs.alpha.shape
    theirs.set_weights(ours.get_weights())
    x = rng.normal(size=input_shape).astype("float32")
    upstream = rng.normal(size=input_shape).astype("float32")
    y, grads = outputs_and_gradients(ours, x, upstream)
    ref_y, ref_grads = outputs_and_gradients(theirs, x, upstream)
    np.testing.assert_allclose(y, ref_y, atol=ATOL, rtol=RTOL)
    for g, ref_g in zip(grads, ref_grads, strict=True):  # w.r.t. the input and alpha
        np.testing.assert_allclose(g, ref_g, atol=ATOL, rtol=RTOL)


def test_prelu_default_is_relu_and_alpha_gives_leaky_relu(rng):
    x = rng.normal(size=(4, 3)).astype("float32")
    layer = PReLU()
    np.testing.assert_array_equal(layer(x), np.maximum(x, 0))
    layer.set_weights([np.full((3,), 0.2, dtype="float32")])
    np.testing.assert_allclose(layer(x), activations.leaky_relu(x), atol=ATOL)


def test_prelu_bad_shared_axes():
    with pytest.raises(ValueError, match=r"`shared_axes` must list axes >= 1"):
        PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match=r"`shared_axes` contains axis 3"):
        PReLU(shared_axes=[3])(np.ones((2, 4, 5), dtype="float32"))


def test_prelu_on_rank_1_input_has_one_scalar_alpha_like_keras(rng):
    for layer in (PReLU(), keras.layers.PReLU()):
        layer.build((None,))
        assert tuple(layer.alpha.shape) == ()
    layer = PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    x = np.float32([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_allclose(layer(x), [-0.5, -0.125, 0.0, 1.5])
    with pytest.raises(ValueError, match="rank >= 1"):
        PReLU().build(())
