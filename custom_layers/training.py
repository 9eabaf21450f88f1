"""The training loop the course teaches: ``tf.GradientTape`` inside a ``tf.function``.

One training step is four lines of math::

    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)                 # averaged over the batch
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply(gradients, model.trainable_variables)

Around it, :class:`Trainer` adds what a real run needs and nothing more: metrics, a
``keras.utils.Progbar``, a history dict, TensorBoard scalars, checkpoints that let an
interrupted run resume where it stopped, a guard that stops on a NaN/Inf loss without
saving the bad update, and ``tf.distribute`` support (the same code runs on one device,
on several devices of one machine with ``MirroredStrategy``, or on several machines with
``MultiWorkerMirroredStrategy``, when called inside ``strategy.scope()``).

Distributed training, in short: the dataset is batched with the *global* batch size and
the strategy splits every batch among the replicas (with several workers, each worker
keeps only its replicas' slices: the data is sharded). Each replica runs the step on its
share; its loss is divided by the *global* batch size, so that summing the replicas'
gradients (which the optimizer does, by all-reduce) gives the gradient of the global
mean. Metrics live in ``on_read`` variables that are summed across replicas when read.
With several workers, every worker runs this same code, in the same order (the
collective operations pair up across workers); only the chief prints, writes
TensorBoard logs and writes to ``checkpoint_dir``; the others save to a temporary folder
that is removed right after (saving may need every worker), and all of them resume from
the chief's checkpoints, so ``checkpoint_dir`` must be storage that every worker sees.

Usage::

    history = training.fit(model, train_data, loss=losses.MeanSquaredError(),
                           optimizer=optimizers.Adam(0.01), epochs=10,
                           validation_data=test_data, metrics=[keras.metrics.BinaryAccuracy()],
                           checkpoint_dir="outputs/run/checkpoints")
    results = training.evaluate(model, test_data, loss=losses.MeanSquaredError())
"""

from __future__ import annotations

import json
import math
import os

import keras
import tensorflow as tf

__all__ = ["NonFiniteLossError", "Trainer", "fit", "evaluate"]


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss (or weights); the bad update was not saved."""


def _unpack(batch):
    """``(x, y)`` or ``(x, y, sample_weight)`` -> ``(x, y, sample_weight or None)``."""
    if not isinstance(batch, tuple | list) or len(batch) not in (2, 3):
        raise ValueError("Each batch must be a tuple (x, y) or (x, y, sample_weight).")
    return (batch[0], batch[1], batch[2] if len(batch) == 3 else None)


def _dense_values(gradient):
    """The values of a gradient (those of a ``tf.IndexedSlices`` from an embedding)."""
    return gradient.values if isinstance(gradient, tf.IndexedSlices) else gradient


def _example_input(spec):
    """A batch of one example of zeros matching a dataset's input spec (builds the model)."""

    def zeros(s):
        shape = [1] + [d if d is not None else 1 for d in s.shape[1:]]
        return tf.zeros(shape, dtype=s.dtype)

    return tf.nest.map_structure(zeros, spec)


class Trainer:
    """Train and evaluate a Keras model with a hand-written ``tf.GradientTape`` step.

    With a ``tf.distribute`` strategy, create the model, the optimizer and the metrics
    inside ``strategy.scope()``; the trainer uses the strategy in scope when it is created,
    or else the one the model was created under. With several workers, every worker must
    make the same calls with the same arguments (``verbose`` included).

    Args:
        model: a Keras model (built, or buildable by calling it on the first batch).
        loss: a ``keras.losses.Loss``; its per-example values (``loss.call``) are averaged
            over the global batch, like Keras's default ``"sum_over_batch_size"``.
        optimizer: a Keras optimizer (``custom_layers.optimizers`` or ``keras.optimizers``).
        metrics: ``keras.metrics.Metric`` instances, updated on every batch (weighted by
            the sample weights when the batches carry them, like Keras's ``weighted_metrics``).
        jit_compile: compile the train and eval steps with XLA (one device only).
    """

    def __init__(self, model, *, loss, optimizer=None, metrics=None, jit_compile=False):
        if getattr(loss, "reduction", None) not in (None, "none", "sum_over_batch_size", "mean"):
            raise ValueError(
                "The training loop averages the loss over the global batch; use a loss with "
                f'reduction="sum_over_batch_size" (the default). Received: {loss.reduction!r}'
            )
        # The strategy in scope, else the one the model was created under (Keras records it).
        if tf.distribute.has_strategy():
            self.strategy = tf.distribute.get_strategy()
        else:
            self.strategy = getattr(model, "distribute_strategy", tf.distribute.get_strategy())
        if jit_compile and self.strategy.num_replicas_in_sync > 1:
            raise ValueError(
                "jit_compile=True needs a single device: XLA compiles one device's program, "
                f"and this strategy has {self.strategy.num_replicas_in_sync} replicas."
            )
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = list(metrics or [])
        self.jit_compile = jit_compile
        # The chief (worker 0; the only process on one machine) prints and writes files.
        self.is_chief = self.strategy.extended.should_checkpoint
        with self.strategy.scope():
            self.loss_tracker = keras.metrics.Mean(name="loss")
        self.train_step = tf.function(self._train_step, jit_compile=jit_compile)
        self.eval_step = tf.function(self._eval_step, jit_compile=jit_compile)

    # -- the steps ---------------------------------------------------------------------

    def _loss_values(self, y, predictions):
        """Per-example losses (unreduced): ``loss.call``, as ``keras.losses.Loss`` defines it."""
        y = tf.cast(y, self.loss.dtype)  # as keras.losses.Loss.__call__ does
        predictions = tf.cast(predictions, self.loss.dtype)
        return self.loss.call(y, predictions)

    def _regularization(self):
        """The model's own losses (weight regularizers, ``add_loss``), or None."""
        # Read them once per step: Keras evaluates weight regularizers on the current weights.
        return tf.add_n(self.model.losses) if self.model.losses else None

    def _replica_train_step(self, x, y, sample_weight):
        """One step on this replica's share of the batch.

        Returns this replica's share of the loss, and 1.0 if any of its gradients is NaN
        or infinite (else 0.0), for the NaN guard.
        """
        replica = tf.distribute.get_replica_context()
        with tf.GradientTape() as tape:
            predictions = self.model(x, training=True)
            values = self._loss_values(y, predictions)
            regularization = self._regularization()
            # Divide by the GLOBAL count: the optimizer sums the replicas' gradients.
            global_count = replica.all_reduce(tf.distribute.ReduceOp.SUM, tf.size(values))
            loss = tf.nn.compute_average_loss(values, sample_weight, global_count)
            if regularization is not None:  # added once in total, over all replicas
                loss += regularization / replica.num_replicas_in_sync
            scaled_loss = self.optimizer.scale_loss(loss)  # loss scaling (mixed precision)
        gradients = tape.gradient(scaled_loss, self.model.trainable_variables)
        self.optimizer.apply(gradients, self.model.trainable_variables)
        self._update_metrics(y, predictions, sample_weight, values, regularization)
        finite = [tf.reduce_all(tf.math.is_finite(_dense_values(g))) for g in gradients]
        return loss, 1.0 - tf.cast(tf.reduce_all(finite), loss.dtype)

    def _replica_eval_step(self, x, y, sample_weight):
        predictions = self.model(x, training=False)
        values = self._loss_values(y, predictions)
        self._update_metrics(y, predictions, sample_weight, values, self._regularization())

    def _update_metrics(self, y, predictions, sample_weight, values, regularization):
        # The loss as Keras reports it: this replica's mean (plus regularization),
        # weighted by its number of examples.
        mean = tf.nn.compute_average_loss(values, sample_weight, tf.size(values))
        if regularization is not None:
            mean += regularization
        self.loss_tracker.update_state(mean, sample_weight=tf.shape(values)[0])
        for metric in self.metrics:
            metric.update_state(y, predictions, sample_weight=sample_weight)

    def _train_step(self, batch):
        """The ``tf.function`` train step: run on every replica, sum the replicas' results.

        Returns the global batch's loss and how many replicas saw a non-finite gradient.
        """
        x, y, sample_weight = _unpack(batch)
        results = self.strategy.run(self._replica_train_step, args=(x, y, sample_weight))
        return [self.strategy.reduce(tf.distribute.ReduceOp.SUM, r, axis=None) for r in results]

    def _eval_step(self, batch):
        x, y, sample_weight = _unpack(batch)
        self.strategy.run(self._replica_eval_step, args=(x, y, sample_weight))

    # -- helpers -----------------------------------------------------------------------

    def _build(self, dataset):
        """Create the model's and the optimizer's variables before any tracing."""
        x_spec = dataset.element_spec[0]
        with self.strategy.scope():
            if not self.model.built or not self.model.variables:
                self.model(_example_input(x_spec), training=False)
            if self.optimizer is not None and not self.optimizer.built:
                self.optimizer.build(self.model.trainable_variables)

    def _reset_metrics(self):
        self.loss_tracker.reset_state()
        for metric in self.metrics:
            metric.reset_state()

    def _results(self, prefix=""):
        results = {prefix + "loss": float(self.loss_tracker.result())}
        for metric in self.metrics:
            results[prefix + metric.name] = float(metric.result())
        return results

    def _weights_are_finite(self):
        return all(
            bool(tf.reduce_all(tf.math.is_finite(w)))
            for w in self.model.weights
            if tf.as_dtype(w.dtype).is_floating
        )

    # -- the public API ----------------------------------------------------------------

    def evaluate(self, data):
        """Loss and metrics over ``data`` (a ``tf.data.Dataset`` of batches)."""
        self._build(data)
        self._reset_metrics()
        for batch in self.strategy.experimental_distribute_dataset(data):
            self.eval_step(batch)
        return self._results()

    def fit(
        self,
        train_data,
        *,
        epochs,
        validation_data=None,
        checkpoint_dir=None,
        log_dir=None,
        verbose=1,
        max_checkpoints=2,
    ):
        """Train for ``epochs`` epochs; returns the history dict (see :func:`fit`)."""
        self._build(train_data)
        names = ["loss"] + [m.name for m in self.metrics]
        history = {name: [] for name in names}
        if validation_data is not None:
            history.update({"val_" + name: [] for name in names})

        # Checkpoints: model + optimizer (slots, step counter) + how many epochs are done.
        # Every worker restores from the chief's folder; only the chief writes there.
        epoch_counter = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        checkpoint = manager = None
        start_epoch = 0
        if checkpoint_dir is not None:
            checkpoint_dir = os.fspath(checkpoint_dir)
            checkpoint = tf.train.Checkpoint(
                model=self.model, optimizer=self.optimizer, epoch=epoch_counter
            )
            manager = tf.train.CheckpointManager(
                checkpoint, self._write_dir(checkpoint_dir), max_checkpoints
            )
            latest = tf.train.latest_checkpoint(checkpoint_dir)
            if latest:
                checkpoint.restore(latest).assert_existing_objects_matched()
                start_epoch = int(epoch_counter.numpy())
                history = _load_history(checkpoint_dir, history, start_epoch)
                if verbose and self.is_chief:
                    print(f"Resuming from {latest} (epoch {start_epoch} done).")

        writers = {}
        if log_dir is not None and self.strategy.extended.should_save_summary:
            writers = {"": tf.summary.create_file_writer(os.path.join(log_dir, "train"))}
            if validation_data is not None:
                writers["val_"] = tf.summary.create_file_writer(os.path.join(log_dir, "validation"))

        train = self.strategy.experimental_distribute_dataset(train_data)
        validation = None
        if validation_data is not None:
            validation = self.strategy.experimental_distribute_dataset(validation_data)
        # Data position: a dataset that reshuffles each epoch draws epoch k's order from its
        # seed and from how many iterators were made before, so replay those on resume.
        for _ in range(start_epoch):
            iter(train)
        steps = int(train_data.cardinality())
        steps = steps if steps > 0 else None

        for epoch in range(start_epoch, epochs):
            if verbose and self.is_chief:
                print(f"Epoch {epoch + 1}/{epochs}")
            progbar = keras.utils.Progbar(
                steps, verbose=verbose if self.is_chief else 0, stateful_metrics=names
            )
            self._reset_metrics()
            step = 0
            for step, batch in enumerate(train, start=1):
                loss, bad_gradients = (float(r) for r in self.train_step(batch))
                if not math.isfinite(loss) or bad_gradients:
                    what = f"loss = {loss}" + (", non-finite gradients" if bad_gradients else "")
                    raise self._non_finite(
                        f"{what} at epoch {epoch + 1}, step {step}", checkpoint_dir, checkpoint
                    )
                if verbose:  # on every worker: reading a metric sums it across workers
                    progbar.update(step, list(self._results().items()))
            if not self._weights_are_finite():  # the epoch's last update can still overflow
                raise self._non_finite(
                    f"non-finite weights after epoch {epoch + 1}, step {step}",
                    checkpoint_dir,
                    checkpoint,
                )
            logs = self._results()
            if validation is not None:
                self._reset_metrics()
                for batch in validation:
                    self.eval_step(batch)
                logs.update(self._results("val_"))
            for name, value in logs.items():
                history[name].append(value)
            if verbose:
                progbar.update(step, list(logs.items()), finalize=True)
            for prefix, writer in writers.items():
                with writer.as_default(step=epoch + 1):
                    for name in names:
                        _write_scalar("epoch_" + name, logs[prefix + name])
                writer.flush()
            if manager is not None:
                if self.is_chief:  # history first: a run that dies before the checkpoint
                    _save_history(checkpoint_dir, history)  # is resumed with its epochs only
                epoch_counter.assign(epoch + 1)
                manager.save(checkpoint_number=epoch + 1)  # every worker takes part
                if not self.is_chief:
                    tf.io.gfile.rmtree(manager.directory)
        return history

    def _write_dir(self, checkpoint_dir):
        """Where this worker saves: ``checkpoint_dir`` for the chief, else a temporary folder."""
        if self.is_chief:
            return checkpoint_dir
        return os.path.join(checkpoint_dir, f"workertemp_{self.strategy.cluster_resolver.task_id}")

    def _non_finite(self, what, checkpoint_dir, checkpoint):
        """The error to raise; rolls the model back to the last good checkpoint, if any."""
        latest = tf.train.latest_checkpoint(checkpoint_dir) if checkpoint_dir else None
        if latest:
            checkpoint.restore(latest)
            kept = (
                f"The last good checkpoint, {latest} (after epoch "
                f"{int(checkpoint.epoch.numpy())}), is kept and the model was restored from it."
            )
        else:
            kept = "No checkpoint was saved (no checkpoint_dir, or no finished epoch)."
        return NonFiniteLossError(
            f"Training stopped: {what} "
            f"(optimizer step {int(self.optimizer.iterations.numpy())}). "
            f"The bad update was not saved. {kept} Try a lower learning rate, gradient "
            "clipping (clipnorm=1.0), or check the inputs for NaN/Inf."
        )


def _write_scalar(name, value):
    """``tf.summary.scalar`` without needing the tensorboard package installed.

    A scalar summary is a float tensor tagged for TensorBoard's "scalars" plugin.
    """
    metadata = tf.compat.v1.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    tf.summary.write(name, tf.constant(value, tf.float32), metadata=metadata)


def _save_history(checkpoint_dir, history):
    os.makedirs(checkpoint_dir, exist_ok=True)
    path = os.path.join(checkpoint_dir, "history.json")
    with open(path + ".tmp", "w") as file:
        json.dump(history, file)
    os.replace(path + ".tmp", path)


def _load_history(checkpoint_dir, history, epochs_done):
    path = os.path.join(checkpoint_dir, "history.json")
    if os.path.exists(path):
        with open(path) as file:
            saved = json.load(file)
        if set(saved) == set(history):
            return {name: values[:epochs_done] for name, values in saved.items()}
    return history


def fit(
    model,
    train_data,
    *,
    loss,
    optimizer,
    epochs,
    validation_data=None,
    metrics=None,
    checkpoint_dir=None,
    log_dir=None,
    jit_compile=False,
    verbose=1,
):
    """Train ``model`` on ``train_data`` with the GradientTape loop.

    Args:
        model: a Keras model.
        train_data: a ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)`` batches,
            batched with the *global* batch size: a strategy splits each batch among its
            replicas (``experimental_distribute_dataset``), and with several workers each
            worker keeps its replicas' slices, so build the same dataset (same order, same
            seed) on every worker.
        loss: a ``keras.losses.Loss`` instance.
        optimizer: a Keras optimizer instance.
        epochs: the total number of epochs (a resumed run continues up to it).
        validation_data: an optional dataset like ``train_data``, evaluated after each epoch.
        metrics: a list of ``keras.metrics.Metric`` instances.
        checkpoint_dir: if set, save model + optimizer + epoch after every epoch and resume
            from the latest checkpoint found there (with several workers: the chief's folder,
            on storage that every worker can read).
        log_dir: if set, write TensorBoard scalars (``train/`` and ``validation/``).
        jit_compile: compile the steps with XLA (one device only).
        verbose: 1 shows a progress bar per epoch (on the chief), 0 is silent. With several
            workers, give every worker the same value.

    Returns:
        ``{"loss": [...], "<metric>": [...], "val_loss": [...], "val_<metric>": [...]}``,
        one value per epoch.

    Raises:
        NonFiniteLossError: the loss (or the weights) became NaN or infinite; the message
            names the epoch and step, and the last good checkpoint is left untouched.
    """
    trainer = Trainer(
        model, loss=loss, optimizer=optimizer, metrics=metrics, jit_compile=jit_compile
    )
    return trainer.fit(
        train_data,
        epochs=epochs,
        validation_data=validation_data,
        checkpoint_dir=checkpoint_dir,
        log_dir=log_dir,
        verbose=verbose,
    )


def evaluate(model, data, *, loss, metrics=None):
    """``{"loss": float, "<metric>": float}`` over a dataset of batches."""
    return Trainer(model, loss=loss, metrics=metrics).evaluate(data)
