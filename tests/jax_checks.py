"""Ours vs the Keras built-ins on the JAX backend: ``KERAS_BACKEND=jax python -m tests.jax_checks``.

The backend is chosen when Keras is first imported, so this runs in its own process
(``tests/test_library_jax.py`` starts it). It checks activations, layers and losses,
values and gradients (``jax.grad``), eagerly and under ``jax.jit``, prints one line per
check (``ok name`` or ``FAIL name: why``) and exits 1 if any failed.
"""

import os
import sys
import time

started = time.perf_counter()

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from custom_layers import activations, layers, losses  # noqa: E402

print(f"imported in {time.perf_counter() - started:.1f} s (CPU {time.process_time():.1f} s)")

ATOL, RTOL = 1e-6, 1e-5  # as in the TensorFlow tests
rng = np.random.default_rng(1234)
failures = []


def check(name, ours, reference):
    """Compare two (nested lists of) arrays; record the result under ``name``."""
    try:
        for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(reference), strict=True):
            assert np.shape(a) == np.shape(b), f"shapes {np.shape(a)} vs {np.shape(b)}"
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=ATOL, rtol=RTOL)
        print(f"ok {name}")
    except AssertionError as error:  # keep going: report every failure at once
        failures.append(name)
        print(f"FAIL {name}: {str(error).strip().splitlines()[0]}")


# --- activations: value and jax.grad, eager and jitted ---------------------------------

GRID = jnp.linspace(-50.0, 50.0, 20001, dtype="float32")  # contains 0.0
ACTIVATIONS = {
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
    "leaky_relu": keras.activations.leaky_relu,
    "elu": keras.activations.elu,
    "gelu": keras.activations.gelu,
    "swish": keras.activations.silu,
    "softplus": keras.activations.softplus,
}


def value_and_grad(fn):
    """``z ↦ [fn(z), ∂/∂z Σ fn(z)·cos(z)]``: values and gradients element by element."""
    return lambda z: [fn(z), jax.grad(lambda z: jnp.sum(fn(z) * jnp.cos(z)))(z)]


EXTREMES = jnp.array([-1e4, -3e38, 1e4, 3e38], dtype="float32")
for name, reference in ACTIVATIONS.items():
    ours = getattr(activations, name)
    value, grad = jax.jit(value_and_grad(ours))(jnp.concatenate([GRID, EXTREMES]))
    check(f"activation {name} finite at ±1e4, ±3e38", np.isfinite([value, grad]).all(), True)
    check(
        f"activation {name} jit", [value[:-4], grad[:-4]], jax.jit(value_and_grad(reference))(GRID)
    )
    if name == "tanh":  # eagerly too: the value's form does not depend on jit under JAX
        check("activation tanh eager", value_and_grad(ours)(GRID), value_and_grad(reference)(GRID))

for name in ("softmax", "log_softmax"):
    logits = jnp.asarray(rng.normal(scale=10.0, size=(4, 7)), "float32")
    ours, reference = getattr(activations, name), getattr(keras.activations, name)
    check(
        f"activation {name} jit",
        jax.jit(value_and_grad(ours))(logits),
        jax.jit(value_and_grad(reference))(logits),
    )


# --- layers: outputs and gradients w.r.t. the input and every weight --------------------


def outputs_and_gradients(layer, x):
    weights = [v.value for v in layer.trainable_variables]
    frozen = [v.value for v in layer.non_trainable_variables]

    def loss(weights, x):
        y, _ = layer.stateless_call(weights, frozen, x)
        return jnp.sum(y * jnp.sin(jnp.arange(y.size).reshape(y.shape))), y

    (_, y), grads = jax.jit(jax.value_and_grad(loss, argnums=(0, 1), has_aux=True))(weights, x)
    return [y, grads]


def twins(make, input_shape):
    """Ours and Keras's layer built alike, Keras's given our (random) weights."""
    ours, theirs = make(layers), make(keras.layers)
    ours.build(input_shape)
    theirs.build(input_shape)
    theirs.set_weights(ours.get_weights())
    return ours, theirs


LAYERS = {
    "Dense tanh": (lambda m: m.Dense(5, activation="tanh"), (4, 3, 6)),
    "Dense gelu": (lambda m: m.Dense(5, activation="gelu"), (8, 6)),
    "Conv2D same stride 2": (lambda m: m.Conv2D(4, 3, strides=2, padding="same"), (2, 9, 8, 3)),
    "Conv2D groups 2": (lambda m: m.Conv2D(6, 3, groups=2, activation="relu"), (2, 7, 7, 4)),
    "PReLU shared": (lambda m: m.PReLU(shared_axes=[1, 2]), (3, 4, 4, 2)),
    "PReLU rank 1": (lambda m: m.PReLU(), (9,)),
}
for name, (make, shape) in LAYERS.items():
    ours, theirs = twins(make, shape)
    if isinstance(ours, layers.PReLU):  # start from a non-zero slope, or α gets no test
        ours.set_weights([rng.uniform(0.1, 0.5, size=ours.alpha.shape).astype("float32")])
        theirs.set_weights(ours.get_weights())
    x = jnp.asarray(rng.normal(size=shape), "float32")
    check(f"layer {name}", outputs_and_gradients(ours, x), outputs_and_gradients(theirs, x))

ids = jnp.asarray(rng.integers(0, 20, size=(4, 6)), "int32")
ours, theirs = (
    layers.Embedding(20, 5, mask_zero=True),
    keras.layers.Embedding(20, 5, mask_zero=True),
)
ours.build(ids.shape)
theirs.build(ids.shape)
theirs.set_weights(ours.get_weights())
check(
    "layer Embedding", [ours(ids), ours.compute_mask(ids)], [theirs(ids), theirs.compute_mask(ids)]
)
vectors = jnp.asarray(rng.normal(size=(4, 6, 5)), "float32")
mask = ids != 0
check(
    "layer MaskedGlobalAveragePooling1D",
    layers.MaskedGlobalAveragePooling1D()(vectors, mask=mask),
    keras.layers.GlobalAveragePooling1D()(vectors, mask=mask),
)


# --- losses: values and gradients w.r.t. the predictions --------------------------------


def loss_and_grad(loss, y_true):
    return jax.jit(jax.value_and_grad(lambda y_pred: jnp.sum(loss(y_true, y_pred))))


binary = jnp.asarray(rng.integers(0, 2, size=(16, 3)), "float32")
logits = jnp.asarray(rng.normal(size=(16, 3)) * 4, "float32").at[0].set([-1e4, 1e4, 0.0])
labels = jnp.asarray(rng.integers(0, 5, size=(16,)), "int32").at[:4].set(-1)
class_logits = jnp.asarray(rng.normal(size=(16, 5)) * 4, "float32")
LOSSES = {
    "MeanSquaredError": (
        losses.MeanSquaredError,
        keras.losses.MeanSquaredError,
        {},
        binary,
        logits,
    ),
    "BinaryCrossentropy logits smoothing": (
        losses.BinaryCrossentropy,
        keras.losses.BinaryCrossentropy,
        dict(from_logits=True, label_smoothing=0.2),
        binary,
        logits,
    ),
    "BinaryCrossentropy probabilities": (
        losses.BinaryCrossentropy,
        keras.losses.BinaryCrossentropy,
        {},
        binary,
        jax.nn.sigmoid(logits),
    ),
    "SparseCategoricalCrossentropy ignore_class": (
        losses.SparseCategoricalCrossentropy,
        keras.losses.SparseCategoricalCrossentropy,
        dict(from_logits=True, ignore_class=-1),
        labels,
        class_logits,
    ),
    "SparseCategoricalCrossentropy probabilities": (
        losses.SparseCategoricalCrossentropy,
        keras.losses.SparseCategoricalCrossentropy,
        {},
        jnp.abs(labels),
        jax.nn.softmax(class_logits),
    ),
}
for name, (cls, reference, kwargs, y_true, y_pred) in LOSSES.items():
    for reduction in ("sum_over_batch_size", None):
        ours, theirs = cls(reduction=reduction, **kwargs), reference(reduction=reduction, **kwargs)
        check(
            f"loss {name} reduction={reduction}",
            loss_and_grad(ours, y_true)(y_pred),
            loss_and_grad(theirs, y_true)(y_pred),
        )

print(f"done in {time.perf_counter() - started:.1f} s (CPU {time.process_time():.1f} s)")
if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
sys.exit(1 if failures else 0)
