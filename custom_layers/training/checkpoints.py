"""Resume: what a run saves after every epoch so that a restarted run continues exactly.

A ``tf.train.Checkpoint`` holds the model's weights, the optimizer (its slots and step
counter, a loss-scale optimizer's scale), the number of finished epochs, and two things a
plain ``Checkpoint(model=..., optimizer=...)`` misses:

- the random layers' state. Keras's Dropout, GaussianNoise, GaussianDropout, AlphaDropout,
  SpatialDropout and the random augmentation layers (RandomFlip, RandomRotation, ...)
  draw from a ``keras.random.SeedGenerator``, whose state variable (``seed_generator_state``,
  in ``model.variables``) the model's checkpoint does not track; without it a resumed run
  replays epoch 1's dropout masks.
- the data position (:class:`~.inputs.EpochBatches`: iterators made, batches taken).

``history.json`` beside it keeps the finished epochs' numbers. Every worker restores from
the chief's folder; only the chief writes there.
"""

import json
import os

import tensorflow as tf

SEED_STATE = "seed_generator_state"  # the name keras.random.SeedGenerator gives its variable


def seed_states(model):
    """Every random layer's seed state in ``model`` (in a fixed order)."""
    return [v for v in model.variables if v.name == SEED_STATE or v.path.endswith(SEED_STATE)]


class RunCheckpoint:
    """Save after each epoch into ``directory``; restore the latest (or a rollback)."""

    def __init__(self, directory, write_directory, model, optimizer, max_to_keep=2):
        self.directory = directory
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.iterators = tf.Variable(0, dtype=tf.int64, trainable=False, name="iterators")
        self.batches = tf.Variable(0, dtype=tf.int64, trainable=False, name="batches")
        self.checkpoint = tf.train.Checkpoint(
            model=model,
            optimizer=optimizer,
            epoch=self.epoch,
            seeds=seed_states(model),
            data=tf.train.Checkpoint(iterators=self.iterators, batches=self.batches),
        )
        self.manager = tf.train.CheckpointManager(self.checkpoint, write_directory, max_to_keep)

    def latest(self):
        return tf.train.latest_checkpoint(self.directory)

    def restore(self, path):
        """Restore ``path``; returns ``(epochs done, iterators made, batches taken)``."""
        try:
            self.checkpoint.restore(path).assert_existing_objects_matched()
        except (AssertionError, ValueError) as error:  # missing objects, or other shapes
            raise ValueError(
                f"The checkpoint {path} does not match this run (another model, or written "
                "before random-layer states and the data position were saved); delete "
                f"{self.directory} to start afresh. ({str(error).splitlines()[0][:200]})"
            ) from None
        return int(self.epoch.numpy()), int(self.iterators.numpy()), int(self.batches.numpy())

    def save(self, epoch, batches):
        """Save after ``epoch`` (counted from 1) with the data position of ``batches``."""
        self.epoch.assign(epoch)
        self.iterators.assign(batches.made)
        self.batches.assign(batches.taken)
        self.manager.save(checkpoint_number=epoch)


def save_history(checkpoint_dir, history):
    """Write ``history.json`` atomically (temporary file + rename)."""
    os.makedirs(checkpoint_dir, exist_ok=True)
    path = os.path.join(checkpoint_dir, "history.json")
    with open(path + ".tmp", "w") as file:
        json.dump(history, file)
    os.replace(path + ".tmp", path)


def load_history(checkpoint_dir, history, epochs_done):
    """The saved history of the first ``epochs_done`` epochs (else ``history`` unchanged)."""
    path = os.path.join(checkpoint_dir, "history.json")
    if os.path.exists(path):
        with open(path) as file:
            saved = json.load(file)
        if set(saved) == set(history):
            return {name: values[:epochs_done] for name, values in saved.items()}
    return history
