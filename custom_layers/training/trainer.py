"""The :class:`Trainer`: the train and eval steps (compiled with ``tf.function``), the epochs."""

import math
import os

import keras
import tensorflow as tf

from . import checkpoints, guard, inputs, logs
from .objective import Objective, get_loss, get_optimizer


class Trainer:
    """Train and evaluate a Keras model with a hand-written ``tf.GradientTape`` step.

    With a ``tf.distribute`` strategy, create the model, the optimizer and the metrics
    inside ``strategy.scope()``; the trainer uses the strategy in scope when it is created,
    or else the one the model was created under. With several workers, every worker must
    make the same calls with the same arguments (``verbose`` included).

    ``Trainer.train_step`` (the method) is one replica's step; ``trainer.train_step(batch)``
    (set on each instance) is that step compiled for one global batch, on every replica,
    which a caller may wrap (to time it, or to simulate a crash).

    Args:
        model: a Keras model (built, or buildable by calling it on the first batch).
        loss: a ``keras.losses.Loss``, a name (``"mse"``) or a function; for several outputs
            a list (in output order) or a dict by output name, like ``model.compile``. Its
            per-example values (``loss.call``) are averaged over the global batch, like
            Keras's default ``"sum_over_batch_size"``.
        optimizer: a Keras optimizer or its name; a ``keras.optimizers.LossScaleOptimizer``
            for mixed precision.
        metrics: ``keras.metrics.Metric`` instances or names (per output: a list of lists or
            a dict), weighted by the sample weights when the batches carry them (Keras's
            ``weighted_metrics``).
        loss_weights: per-output weights of the total loss (a list or a dict).
        jit_compile: compile the train and eval steps with XLA (one device only).
    """

    def __init__(
        self, model, *, loss, optimizer=None, metrics=None, loss_weights=None, jit_compile=False
    ):
        for item in loss.values() if isinstance(loss, dict) else tf.nest.flatten(loss):
            get_loss(item)  # a wrong loss fails here, not at the first step
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
        with self.strategy.scope():
            self.optimizer = get_optimizer(optimizer)
        self._compile_args = (loss, loss_weights, metrics)
        self.objective = None  # made by _build, when the targets' structure is known
        # The chief (worker 0; the only process on one machine) prints and writes files.
        self.is_chief = self.strategy.extended.should_checkpoint
        # The methods, kept before their names are reused for the compiled steps.
        self._replica_train_step, self._replica_eval_step = self.train_step, self.eval_step
        self.train_step = tf.function(self._distributed_train_step, jit_compile=jit_compile)
        self.eval_step = tf.function(self._distributed_eval_step, jit_compile=jit_compile)

    # -- the steps ---------------------------------------------------------------------

    def train_step(self, x, y, sample_weight=None):
        """One step on this replica's share of the batch: the four lines, plus loss scaling.

        Returns this replica's share of the (unscaled) loss, and 1.0 if a weight became
        NaN or infinite (else 0.0), for the NaN guard.
        """
        with tf.GradientTape() as tape:
            predictions = self.model(x, training=True)
            values = self.objective.values(y, predictions)  # per example, per output
            regularization = self.objective.regularization()
            loss = self.objective.replica_loss(values, sample_weight, regularization)
            scaled_loss = self.optimizer.scale_loss(loss)  # × the loss scale (mixed precision)
        gradients = tape.gradient(scaled_loss, self.model.trainable_variables)
        # A LossScaleOptimizer unscales them, or skips the step on an overflow.
        self.optimizer.apply(gradients, self.model.trainable_variables)
        self.objective.update(y, predictions, sample_weight, values, regularization)
        return loss, guard.weights_are_bad(self.model.trainable_variables)

    def eval_step(self, x, y, sample_weight=None):
        """One replica's evaluation: predictions in inference mode, metrics updated."""
        predictions = self.model(x, training=False)
        values = self.objective.values(y, predictions)
        self.objective.update(
            y, predictions, sample_weight, values, self.objective.regularization()
        )

    def _distributed_train_step(self, batch):
        """Run the step on every replica; sum the loss shares and the bad-weights flags."""
        results = self.strategy.run(self._replica_train_step, args=inputs.unpack(batch))
        return [self.strategy.reduce(tf.distribute.ReduceOp.SUM, r, axis=None) for r in results]

    def _distributed_eval_step(self, batch):
        self.strategy.run(self._replica_eval_step, args=inputs.unpack(batch))

    # -- helpers -----------------------------------------------------------------------

    def _build(self, dataset, what):
        """Create the model's, the optimizer's and the metrics' variables before tracing."""
        x_spec, y_spec = dataset.element_spec[0], dataset.element_spec[1]
        inputs.check_rank(x_spec, self.model, what)
        with self.strategy.scope():
            if not self.model.built or not self.model.variables:
                self.model(inputs.example_input(x_spec), training=False)
            if self.optimizer is not None and not self.optimizer.built:
                self.optimizer.build(self.model.trainable_variables)
            if self.objective is None:
                self.objective = Objective(self.model, y_spec, *self._compile_args)

    def _run_evaluation(self, distributed, steps=None):
        self.objective.reset()
        for step, batch in enumerate(distributed, start=1):
            self.eval_step(batch)
            if steps is not None and step >= steps:
                break

    def _write_dir(self, checkpoint_dir):
        """Where this worker saves: ``checkpoint_dir`` for the chief, else a temporary folder."""
        if self.is_chief:
            return checkpoint_dir
        return os.path.join(checkpoint_dir, f"workertemp_{self.strategy.cluster_resolver.task_id}")

    # -- the public API ----------------------------------------------------------------

    def evaluate(self, x, y=None, *, batch_size=None, sample_weight=None, steps=None):
        """Loss and metrics over ``x`` (a dataset of batches, or arrays ``x, y``)."""
        data = inputs.as_dataset(x, y, sample_weight, batch_size=batch_size, shuffle=False)
        inputs.check_steps(data, steps, "x", "steps")
        self._build(data, "x")
        self._run_evaluation(self.strategy.experimental_distribute_dataset(data), steps)
        return self.objective.results()

    def fit(
        self,
        x,
        y=None,
        *,
        epochs,
        batch_size=None,
        sample_weight=None,
        shuffle=True,
        steps_per_epoch=None,
        validation_data=None,
        validation_steps=None,
        checkpoint_dir=None,
        log_dir=None,
        verbose=1,
        max_checkpoints=2,
        on_resume=None,
    ):
        """Train for ``epochs`` epochs; returns the history dict (see :func:`fit`)."""
        train_data = inputs.as_dataset(
            x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, what="x"
        )
        validation_data = inputs.as_validation(validation_data, batch_size)
        steps = inputs.check_steps(train_data, steps_per_epoch, "x", "steps_per_epoch")
        if validation_data is not None:
            inputs.check_steps(
                validation_data, validation_steps, "validation_data", "validation_steps"
            )
        if self.optimizer is None:
            raise ValueError("fit needs an optimizer: Trainer(model, loss=..., optimizer=...).")
        self._build(train_data, "x")
        names = self.objective.result_names()
        history = {name: [] for name in names}
        if validation_data is not None:
            history.update({"val_" + name: [] for name in names})

        train = self.strategy.experimental_distribute_dataset(train_data)
        batches = inputs.EpochBatches(train, steps_per_epoch, _cardinality(train_data))
        validation = None
        if validation_data is not None:
            validation = self.strategy.experimental_distribute_dataset(validation_data)

        run_checkpoint, start_epoch = None, 0
        if checkpoint_dir is not None:
            checkpoint_dir = os.fspath(checkpoint_dir)
            run_checkpoint = checkpoints.RunCheckpoint(
                checkpoint_dir,
                self._write_dir(checkpoint_dir),
                self.model,
                self.optimizer,
                max_checkpoints,
            )
            latest = run_checkpoint.latest()
            if latest:
                start_epoch, made, taken = run_checkpoint.restore(latest)
                batches.restore(made, taken, start_epoch, validation)  # data where it was
                history = checkpoints.load_history(checkpoint_dir, history, start_epoch)
                message = f"Resuming from {latest} (epoch {start_epoch} done)."
                if on_resume is not None:
                    on_resume(message)
                if verbose and self.is_chief:
                    print(message)

        writers = {}
        if log_dir is not None and self.strategy.extended.should_save_summary:
            writers = logs.summary_writers(log_dir, validation is not None)

        for epoch in range(start_epoch, epochs):
            if verbose and self.is_chief:
                print(f"Epoch {epoch + 1}/{epochs}")
            progbar = keras.utils.Progbar(
                steps, verbose=verbose if self.is_chief else 0, stateful_metrics=names
            )
            self.objective.reset()
            step = 0
            for step, batch in enumerate(batches.epoch(), start=1):
                loss, bad_weights = (float(r) for r in self.train_step(batch))
                if not math.isfinite(loss) or bad_weights:
                    what = f"loss = {loss}" if not math.isfinite(loss) else "non-finite weights"
                    raise self._non_finite(
                        f"{what} at epoch {epoch + 1}, step {step}", run_checkpoint
                    )
                if verbose:  # on every worker: reading a metric sums it across workers
                    progbar.update(step, list(self.objective.results().items()))
            epoch_logs = self.objective.results()
            if validation is not None:
                self._run_evaluation(validation, validation_steps)
                epoch_logs.update(self.objective.results("val_"))
            for name, value in epoch_logs.items():
                history[name].append(value)
            if verbose:
                progbar.update(step, list(epoch_logs.items()), finalize=True)
            logs.write_epoch(writers, names, epoch_logs, epoch + 1)
            if run_checkpoint is not None:
                if self.is_chief:  # history first: a run that dies before the checkpoint
                    checkpoints.save_history(checkpoint_dir, history)  # resumes with its epochs
                run_checkpoint.save(epoch + 1, batches)  # every worker takes part
                if not self.is_chief:
                    tf.io.gfile.rmtree(run_checkpoint.manager.directory)
        if epochs > 0:
            # As model.fit ends: an optimizer with use_ema=True puts its moving averages of
            # the weights into the model (otherwise this does nothing). The checkpoints
            # above keep the raw weights, so a resumed run ends the same way.
            self.optimizer.finalize_variable_values(self.model.trainable_variables)
        return history

    def _non_finite(self, what, run_checkpoint):
        """The error to raise; rolls the model back to the last good checkpoint, if any."""
        step = int(self.optimizer.iterations.numpy())  # before a rollback rewinds it
        latest = run_checkpoint.latest() if run_checkpoint is not None else None
        restored = None
        if latest:
            restored = (latest, run_checkpoint.restore(latest)[0])
        return guard.NonFiniteLossError(guard.stop_message(what, step, restored))


def _cardinality(dataset):
    cardinality = int(dataset.cardinality())
    return cardinality if cardinality > 0 else None
