"""The MNIST data splits and models of lesson 05, shared by the lessons that reuse them.

Lesson 05 trains :func:`build_mlp` and :func:`build_cnn` and saves them to
``outputs/lesson-05/mlp.keras`` and ``cnn.keras``; later lessons (federated learning,
the edge, interpretability, scaling out) build the same models or load the saved ones.

Both models take images with pixel values in [0, 1], shaped ``(28, 28, 1)``, and return
10 logits (apply a softmax for probabilities). Their first layer normalizes the pixels
with the training set's mean and standard deviation, so a saved model needs nothing but
``x / 255``.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers, training
from custom_layers.layers import Conv2D, Dense
from datasets import mnist
from lessons import common

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10

# Where lesson 05 saves its trained CNN; later lessons load it from here when present.
LESSON_05_CNN = common.REPO_ROOT / "outputs" / "lesson-05" / "cnn.keras"


def load_splits(
    validation_size: int = 5000, train_limit: int | None = None, test_limit: int | None = None
) -> dict:
    """MNIST as float32 arrays in [0, 1], shaped ``(n, 28, 28, 1)``, with int32 labels.

    The last ``validation_size`` training images are held out as a validation split
    (the test set is left for the final figures). ``mean`` and ``std`` are the pixel
    statistics of the remaining training images, computed from the data.

    Returns ``{"x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "mean", "std"}``.
    """
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_val, y_val = x_train[-validation_size:], y_train[-validation_size:]
    x_train, y_train = x_train[:-validation_size], y_train[:-validation_size]
    if train_limit is not None:
        x_train, y_train = x_train[:train_limit], y_train[:train_limit]
    if test_limit is not None:
        x_test, y_test = x_test[:test_limit], y_test[:test_limit]
    mean, std = mnist.pixel_stats(x_train)

    def images(x):
        return (x.astype(np.float32) / 255.0)[..., None]

    return {
        "x_train": images(x_train),
        "y_train": y_train.astype(np.int32),
        "x_val": images(x_val),
        "y_val": y_val.astype(np.int32),
        "x_test": images(x_test),
        "y_test": y_test.astype(np.int32),
        "mean": mean,
        "std": std,
    }


def random_shift(images, seed, max_shift: int = 2):
    """Shift each image of a batch by up to ``max_shift`` pixels in each direction.

    The image is padded with zeros (the background) and a 28×28 window is cut out at a
    random offset. ``seed`` is a pair of integers: the same seed gives the same shifts.
    """
    size = images.shape[1]
    offsets = tf.random.stateless_uniform(
        [tf.shape(images)[0], 2], seed=seed, minval=0, maxval=2 * max_shift + 1, dtype=tf.int32
    )
    padded = tf.pad(images, [[0, 0], [max_shift, max_shift], [max_shift, max_shift], [0, 0]])
    rows = offsets[:, :1] + tf.range(size)[None, :]  # (batch, 28): the rows each image keeps
    cols = offsets[:, 1:] + tf.range(size)[None, :]
    shifted = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(shifted, cols, axis=2, batch_dims=1)


def make_dataset(
    images,
    labels,
    batch_size: int = 128,
    shuffle: bool = False,
    seed: int = 0,
    augment: bool = False,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of ``(images, labels)`` batches.

    ``shuffle`` reshuffles every epoch (the same sequence of epochs for the same seed);
    ``augment`` applies :func:`random_shift` with fresh, seeded shifts every epoch.
    """
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if augment:
        # One random pair per batch seeds its shifts; a new sequence every epoch.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip(ds, seeds).map(
            lambda batch, pair: (random_shift(batch[0], pair), batch[1]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return ds.prefetch(tf.data.AUTOTUNE)


def _normalization(mean: float, std: float):
    # (x − mean) / std with the training set's statistics, stored in the saved model.
    return keras.layers.Normalization(mean=mean, variance=std**2, name="normalize")


def build_mlp(
    mean: float, std: float, hidden=(512, 256), dropout: float = 0.2, activation="relu"
) -> keras.Model:
    """A multilayer perceptron for MNIST: normalize → flatten → [Dense → dropout]… → 10 logits.

    Args:
        mean, std: the training pixels' statistics (of ``x / 255``), for the first layer.
        hidden: the widths of the hidden ``custom_layers.layers.Dense`` layers.
        dropout: the dropout rate after each hidden layer (training only).
        activation: the hidden layers' activation (a ``custom_layers.activations`` name).
    """
    layers = [keras.Input(IMAGE_SHAPE), _normalization(mean, std), keras.layers.Flatten()]
    for units in hidden:
        layers += [Dense(units, activation=activation), keras.layers.Dropout(dropout)]
    layers.append(Dense(NUM_CLASSES, name="logits"))
    return keras.Sequential(layers, name="mlp")


def build_cnn(
    mean: float,
    std: float,
    filters=(32, 64),
    kernel_size: int = 5,
    units: int = 128,
    dropout: float = 0.4,
) -> keras.Model:
    """A small convolutional network for MNIST (about 185 000 weights with the defaults).

    normalize → [Conv2D 5×5 + ReLU → 2×2 max-pool → batch norm] × 2 → flatten →
    Dense(128) + ReLU → dropout → 10 logits. The convolutions and dense layers are
    ``custom_layers.layers.Conv2D`` / ``Dense``; pooling, batch norm and dropout are
    Keras's. Batch norm comes after the pooling, where the feature maps are 4× smaller
    (cheaper on a CPU).
    """
    layers = [keras.Input(IMAGE_SHAPE), _normalization(mean, std)]
    for n in filters:
        layers += [
            Conv2D(n, kernel_size, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.BatchNormalization(),
        ]
    layers += [
        keras.layers.Flatten(),
        Dense(units, activation="relu"),
        keras.layers.Dropout(dropout),
        Dense(NUM_CLASSES, name="logits"),
    ]
    return keras.Sequential(layers, name="cnn")


def train_cnn(data: dict, *, quick: bool, epochs: int, seed: int) -> keras.Model:
    """Train a CNN here, for the lessons that use lesson 05's CNN when it has not been run.

    The architecture of :func:`build_cnn` (with ``quick``, a narrower one: 8 and 16
    filters, 32 units, dropout 0.2), trained with the course's ``GradientTape`` loop
    (``custom_layers.training.fit``) and its Adam, the learning rate decaying from
    3·10⁻³ to 0 along a cosine over ``epochs`` epochs of shuffled batches of 128.

    Args:
        data: the splits of :func:`load_splits` (``x_train``, ``y_train``, ``mean``, ``std``).
        quick: the narrower CNN, trained silently (no progress bar).
        epochs: passes over the training images.
        seed: the shuffling seed.
    """
    if quick:
        model = build_cnn(data["mean"], data["std"], filters=(8, 16), units=32, dropout=0.2)
    else:
        model = build_cnn(data["mean"], data["std"])
    train_data = make_dataset(data["x_train"], data["y_train"], 128, shuffle=True, seed=seed)
    schedule = keras.optimizers.schedules.CosineDecay(
        3e-3, decay_steps=epochs * int(train_data.cardinality())
    )
    training.fit(
        model,
        train_data,
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(schedule),
        epochs=epochs,
        verbose=0 if quick else 1,
    )
    return model


def save_and_reload(model: keras.Model, path, sample) -> tuple[keras.Model, float]:
    """Save ``model`` to ``path`` (``.keras``) and load it back with ``safe_mode=True``.

    Returns ``(reloaded, difference)``: the reloaded model and the largest absolute
    difference between its logits and the original's on ``sample`` (0 when the round
    trip is exact).
    """
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    difference = float(np.abs(reloaded(sample) - model(sample)).max())
    return reloaded, difference
