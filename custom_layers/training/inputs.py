"""What the loop accepts as data, how it walks through it, and one-line errors otherwise.

Accepted, like ``model.fit``: a ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)``
batches, or NumPy arrays ``x, y`` (and ``sample_weight``) with a ``batch_size`` (32 by
default), reshuffled every epoch unless ``shuffle=False``.

Epochs, as ``model.fit`` counts them: without ``steps_per_epoch`` an epoch is one pass
over the dataset (a fresh iterator each time). With ``steps_per_epoch=N``, one iterator
runs on across epochs and each epoch takes ``N`` batches from it (so a ``.repeat()``
dataset works); when it runs out, the epoch ends there and the next one starts a fresh
iterator.
"""

import warnings

import numpy as np
import tensorflow as tf

PAIRS = "(x, y) or (x, y, sample_weight) batches"


def as_dataset(x, y=None, sample_weight=None, *, batch_size=None, shuffle=True, what="x"):
    """``x`` as a dataset of batches: a dataset is checked, arrays are sliced and batched."""
    if isinstance(x, tf.data.Dataset):
        if y is not None or sample_weight is not None or batch_size is not None:
            raise ValueError(
                f"{what} is a tf.data.Dataset: its elements already hold y (and "
                "sample_weight) and are batched; do not pass y, sample_weight or batch_size."
            )
        check_batches(x.element_spec, what)
        return x
    if not all(isinstance(a, np.ndarray | tf.Tensor) for a in tf.nest.flatten(x)):
        raise TypeError(
            f"{what} must be a tf.data.Dataset of {PAIRS} or NumPy arrays x, y; "
            f"got {type(x).__name__}."
        )
    if y is None:
        raise ValueError(
            f"{what} is an array but y is missing: call fit(model, x, y, batch_size=32) "
            f"or pass a dataset of {PAIRS}."
        )
    arrays = (x, y) if sample_weight is None else (x, y, sample_weight)
    dataset = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle:  # seeded from NumPy, which keras.utils.set_random_seed seeds: reproducible
        seed = int(np.random.randint(2**31 - 1))
        dataset = dataset.shuffle(len(tf.nest.flatten(x)[0]), seed=seed)
    return dataset.batch(batch_size or 32)


def as_validation(validation_data, batch_size):
    """A validation dataset from a dataset or an ``(x, y[, sample_weight])`` tuple of arrays."""
    if validation_data is None or isinstance(validation_data, tf.data.Dataset):
        return (
            None if validation_data is None else as_dataset(validation_data, what="validation_data")
        )
    if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
        raise ValueError(f"validation_data must be a dataset of {PAIRS} or a tuple (x, y).")
    return as_dataset(
        *validation_data, batch_size=batch_size, shuffle=False, what="validation_data"
    )


def check_batches(spec, what):
    """Raise a one-line ``ValueError`` unless ``spec`` describes (x, y[, w]) batches."""
    if isinstance(spec, dict):
        raise ValueError(
            f"{what} yields dicts (keys {sorted(spec)}); the loop needs {PAIRS}: map them, "
            "e.g. dataset.map(lambda d: (d['image'], d['label'])), or use tfds.load(..., "
            "as_supervised=True)."
        )
    if not isinstance(spec, tuple | list) or len(spec) not in (2, 3):
        shape = f" of shape {spec.shape}" if isinstance(spec, tf.TensorSpec) else ""
        raise ValueError(
            f"{what} yields single elements{shape}, not {PAIRS}: pair the inputs with their "
            "targets, e.g. tf.data.Dataset.from_tensor_slices((x, y)).batch(32)."
        )
    targets = [s for s in tf.nest.flatten(spec[1]) if isinstance(s, tf.TensorSpec)]
    if any(s.shape.rank == 0 for s in targets):
        raise ValueError(
            f"{what} looks unbatched (its targets are scalars): add .batch(batch_size), "
            "e.g. dataset.batch(32)."
        )


def check_rank(x_spec, model, what):
    """An unbatched dataset whose inputs have one dimension fewer than the model's inputs."""
    inputs = getattr(model, "inputs", None)
    try:
        specs, expected = tf.nest.flatten(x_spec), tf.nest.flatten(inputs)
    except (TypeError, ValueError):
        return
    if inputs and len(specs) == len(expected):
        for spec, tensor in zip(specs, expected, strict=True):
            if spec.shape.rank is not None and spec.shape.rank == len(tensor.shape) - 1:
                raise ValueError(
                    f"{what} looks unbatched: its inputs have shape {spec.shape}, the model "
                    f"expects (batch, ...) = {tuple(tensor.shape)}: add .batch(batch_size)."
                )


def unpack(batch):
    """``(x, y)`` or ``(x, y, sample_weight)`` -> ``(x, y, sample_weight or None)``."""
    return (batch[0], batch[1], batch[2] if len(batch) == 3 else None)


def example_input(spec):
    """A batch of one example of zeros matching a dataset's input spec (builds the model)."""

    def zeros(s):
        shape = [1] + [d if d is not None else 1 for d in s.shape[1:]]
        return tf.zeros(shape, dtype=s.dtype)

    return tf.nest.map_structure(zeros, spec)


def check_steps(dataset, steps, what, steps_name):
    """The number of batches per epoch (None: unknown), or an error for an endless dataset."""
    cardinality = int(dataset.cardinality())
    if steps is None and cardinality == tf.data.INFINITE_CARDINALITY:
        raise ValueError(
            f"{what} is infinite (.repeat()): pass {steps_name}=N to say how many batches "
            "make an epoch."
        )
    if steps is not None and (not isinstance(steps, int) or steps < 1):
        raise ValueError(f"{steps_name} must be a positive integer; got {steps!r}.")
    return steps or (cardinality if cardinality > 0 else None)


class EpochBatches:
    """The batches of each epoch of a (distributed) dataset, as ``model.fit`` draws them.

    ``made`` (iterators created so far) and ``taken`` (batches taken from the live one)
    are the data position a checkpoint records: a dataset that reshuffles every epoch
    draws the k-th iterator's order from its seed and k, so resuming replays the first
    ``made`` iterators (making an iterator reads no batch) and then skips ``taken`` batches.
    That reproduces any seeded pipeline, without saving a shuffle buffer in every checkpoint.
    """

    def __init__(self, data, steps_per_epoch=None, cardinality=None):
        self.data = data
        self.steps_per_epoch = steps_per_epoch
        self.cardinality = cardinality
        self.made = self.taken = 0
        self.iterator = None

    def restore(self, made, taken, epochs_done=0, validation=None):
        """Put the data where a run that had made ``made`` iterators and taken ``taken`` was.

        The validation passes of the ``epochs_done`` finished epochs are replayed too: a
        validation set derived from the training data (``data.take(2)``) shares its shuffle
        seed. Without ``steps_per_epoch`` the replay keeps the run's order (train, validation,
        train, ...); with it, validation iterators come after (exact unless shared).
        """
        if self.steps_per_epoch is None:
            for _ in range(made):
                iter(self.data)
                if validation is not None:
                    iter(validation)
            self.made, self.taken, self.iterator = made, 0, None
            return
        for _ in range(made - (1 if taken else 0)):
            iter(self.data)
        self.made, self.taken, self.iterator = made, taken, None
        if taken:
            self.iterator = iter(self.data)
            for _ in range(taken):
                next(self.iterator)
        for _ in range(epochs_done if validation is not None else 0):
            iter(validation)

    def epoch(self):
        """Yield this epoch's batches."""
        if self.iterator is None or self.steps_per_epoch is None:
            self.iterator, self.made, self.taken = iter(self.data), self.made + 1, 0
        step = 0
        while self.steps_per_epoch is None or step < self.steps_per_epoch:
            try:
                batch = next(self.iterator)
            except (StopIteration, tf.errors.OutOfRangeError):
                if self.steps_per_epoch is not None:
                    warnings.warn(
                        "The dataset ran out of data before steps_per_epoch batches; the "
                        "next epoch starts it again (use .repeat() for endless data).",
                        stacklevel=2,
                    )
                self.iterator, self.taken = None, 0
                return
            step += 1
            self.taken += 1
            yield batch
        if self.cardinality is not None and self.taken >= self.cardinality:
            self.iterator, self.taken = None, 0  # used up: a fresh one next epoch, like Keras
