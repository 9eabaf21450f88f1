"""The article's toy problem: 10 features → 1 binary target, generated from a fixed seed.

The article trains ``Linear(10, 5) → ReLU → Linear(5, 1)`` with a mean-squared-error loss
on 10 input features and a 0/1 target. Its data is not given, so the course generates a
problem of that shape whose answer can actually be learned:

* features: ``x ~ N(0, I₁₀)``, ten independent standard normal numbers;
* score (the fixed "teacher" rule; x₀ … x₉ are the features)::

      s(x) = x₀ − x₁ + 0.8·x₂ − 0.6·x₃ + max(x₄, 0) − 0.8·max(−x₅, 0) − 0.08

  four linear terms, two ReLU-shaped (non-linear) terms, and x₆ … x₉ carry no signal
  at all (distractors); −0.08 is about the mean of the ReLU terms, so the two classes
  are roughly balanced;
* target: ``y = 1`` if ``s(x) > 0`` else ``0``; no label noise.

The signal is mostly linear, with two non-linear terms, so the article's network can learn
it, and a least-squares linear model is a strong baseline. How well the article's recipe
(100 full-batch Adam steps) does against that baseline and the majority class is what
lesson 04 measures and prints.

The training and test sets come from two independent random streams spawned from
``seed`` (NumPy's PCG64), so the test set does not change when ``n_train`` does.
Nothing is downloaded: ``prepare()`` only regenerates the default split and checks its
SHA-256 against the value recorded here (it would change if NumPy's generator did).
"""

from __future__ import annotations

import hashlib

import numpy as np

N_FEATURES = 10
#: SHA-256 of the default split (x_train, y_train, x_test, y_test as float32 bytes).
DEFAULT_SHA256 = "04b7b3ea98adc698ffdbe13aa3fcc1de99fae7a353d8dc9745a08a5f5306ebd2"


def score(x: np.ndarray) -> np.ndarray:
    """The teacher's score ``s(x)`` (see the module docstring); ``y = 1`` where it is > 0."""
    x = np.asarray(x, dtype=np.float64)
    return (
        x[:, 0]
        - x[:, 1]
        + 0.8 * x[:, 2]
        - 0.6 * x[:, 3]
        + np.maximum(x[:, 4], 0.0)
        - 0.8 * np.maximum(-x[:, 5], 0.0)
        - 0.08
    )


def _draw(n: int, rng: np.random.Generator):
    x = rng.standard_normal((n, N_FEATURES)).astype(np.float32)
    y = (score(x) > 0).astype(np.float32)[:, None]  # shape (n, 1), like the network's output
    return x, y


def load_data(n_train: int = 800, n_test: int = 200, seed: int = 0):
    """Return ``((x_train, y_train), (x_test, y_test))``.

    ``x``: float32 of shape ``(n, 10)``; ``y``: float32 0/1 of shape ``(n, 1)``.
    The same ``seed`` always gives the same arrays.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer; got {name}={value!r}.")
    train_seed, test_seed = np.random.SeedSequence(seed).spawn(2)
    train = _draw(int(n_train), np.random.default_rng(train_seed))
    test = _draw(int(n_test), np.random.default_rng(test_seed))
    return train, test


def _digest(arrays) -> str:
    sha = hashlib.sha256()
    for array in arrays:
        sha.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    return sha.hexdigest()


def prepare(force: bool = False) -> dict:
    """Regenerate the default split and verify it; there is nothing to download or cache."""
    (x_train, y_train), (x_test, y_test) = load_data()
    digest = _digest((x_train, y_train, x_test, y_test))
    return {
        "path": "(generated in memory)",
        "source": "generated: NumPy PCG64, seed 0",
        "bytes": None,
        "verified": digest == DEFAULT_SHA256,
        "sha256": digest,
        "examples": {"train": len(x_train), "test": len(x_test)},
        "positive_fraction": float(np.concatenate([y_train, y_test]).mean()),
    }


def as_dataset(
    split: str = "train",
    batch_size: int = 32,
    shuffle: bool | None = None,
    seed: int = 0,
    n_train: int = 800,
    n_test: int = 200,
):
    """The split as a batched ``tf.data.Dataset`` of ``(x, y)`` pairs (train is shuffled)."""
    import tensorflow as tf

    if split not in ("train", "test"):
        raise ValueError(f"`split` must be 'train' or 'test'; got {split!r}.")
    train, test = load_data(n_train=n_train, n_test=n_test, seed=seed)
    x, y = train if split == "train" else test
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle if shuffle is not None else split == "train":
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size)
