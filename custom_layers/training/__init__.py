"""The training loop the course teaches: ``tf.GradientTape`` inside a ``tf.function``.

One training step is four lines of math::

    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)                 # averaged over the batch
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply(gradients, model.trainable_variables)

Around it, :class:`Trainer` adds what a real run needs and nothing more, one concept per
module: the step and the epoch loop (``trainer.py``); losses, loss weights and metrics per
output, like ``model.compile`` (``objective.py``); what data it accepts and how epochs
walk through it (``inputs.py``); checkpoints that let an interrupted run resume exactly
where it stopped, random layers and data order included (``checkpoints.py``); a guard
that stops on a NaN/Inf loss or weights and says what it left behind (``guard.py``);
TensorBoard scalars (``logs.py``). Mixed precision works like ``model.fit``: with a
``keras.optimizers.LossScaleOptimizer``, the loss is multiplied by the loss scale before
the gradients are taken, and the optimizer unscales them, or skips the step and lowers
the scale when they overflow.

The same code runs on one device, on several devices of one machine with
``MirroredStrategy``, or on several machines with ``MultiWorkerMirroredStrategy``, when
called inside ``strategy.scope()``. Distributed training, in short: the dataset is batched
with the *global* batch size and the strategy splits every batch among the replicas (with
several workers, each worker keeps only its replicas' slices: the data is sharded). Each
replica runs the step on its share; its loss is divided by the *global* batch size, so
that summing the replicas' gradients (which the optimizer does, by all-reduce) gives the
gradient of the global mean. Metrics live in ``on_read`` variables that are summed across
replicas when read. With several workers, every worker runs this same code, in the same
order (the collective operations pair up across workers); only the chief prints, writes
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

from .guard import NonFiniteLossError
from .trainer import Trainer

__all__ = ["NonFiniteLossError", "Trainer", "fit", "evaluate"]


def fit(
    model,
    x,
    y=None,
    *,
    loss,
    optimizer,
    epochs,
    batch_size=None,
    sample_weight=None,
    shuffle=True,
    steps_per_epoch=None,
    validation_data=None,
    validation_steps=None,
    metrics=None,
    loss_weights=None,
    checkpoint_dir=None,
    log_dir=None,
    jit_compile=False,
    verbose=1,
    on_resume=None,
):
    """Train ``model`` on ``x`` with the GradientTape loop.

    Args:
        model: a Keras model.
        x: a ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)`` batches,
            batched with the *global* batch size: a strategy splits each batch among its
            replicas (``experimental_distribute_dataset``), and with several workers each
            worker keeps its replicas' slices, so build the same dataset (same order, same
            seed) on every worker. Or NumPy arrays ``x, y`` (with ``batch_size``, 32 by
            default, and ``sample_weight``), reshuffled every epoch unless ``shuffle=False``.
        loss: a ``keras.losses.Loss``, a name (``"mse"``) or a function; per output a list
            or a dict (by output name), like ``model.compile``.
        optimizer: a Keras optimizer (or its name, ``"adam"``).
        epochs: the total number of epochs (a resumed run continues up to it).
        steps_per_epoch: batches per epoch, as in ``model.fit``: one iterator runs on across
            epochs (needed for an endless ``.repeat()`` dataset).
        validation_data: an optional dataset like ``x`` (or a tuple ``(x, y)`` of arrays),
            evaluated after each epoch; ``validation_steps`` limits it to its first batches.
        metrics: ``keras.metrics.Metric`` instances or names; per output a list of lists or
            a dict. ``loss_weights``: per-output weights of the total loss.
        checkpoint_dir: if set, save the run's state after every epoch and resume from the
            latest checkpoint found there, exactly (with several workers: the chief's
            folder, on storage that every worker can read).
        log_dir: if set, write TensorBoard scalars (``train/`` and ``validation/``).
        jit_compile: compile the steps with XLA (one device only).
        verbose: 1 shows a progress bar per epoch (on the chief), 0 is silent. With several
            workers, give every worker the same value.
        on_resume: called with the "Resuming from ..." line when a run resumes (whatever
            ``verbose`` is), e.g. ``on_resume=print``.

    Returns:
        ``{"loss": [...], "<metric>": [...], "val_loss": [...], "val_<metric>": [...]}``,
        one value per epoch (with several outputs also ``<output>_loss``, ``<output>_<metric>``).

    Raises:
        NonFiniteLossError: the loss (or the weights) became NaN or infinite; the message
            names the epoch, step and optimizer step and says what the model and the
            checkpoints hold now (the last good checkpoint is left untouched).
    """
    trainer = Trainer(
        model,
        loss=loss,
        optimizer=optimizer,
        metrics=metrics,
        loss_weights=loss_weights,
        jit_compile=jit_compile,
    )
    return trainer.fit(
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        sample_weight=sample_weight,
        shuffle=shuffle,
        steps_per_epoch=steps_per_epoch,
        validation_data=validation_data,
        validation_steps=validation_steps,
        checkpoint_dir=checkpoint_dir,
        log_dir=log_dir,
        verbose=verbose,
        on_resume=on_resume,
    )


def evaluate(
    model, x, y=None, *, loss, metrics=None, loss_weights=None, batch_size=None, steps=None
):
    """``{"loss": float, "<metric>": float}`` over a dataset of batches (or arrays ``x, y``)."""
    trainer = Trainer(model, loss=loss, metrics=metrics, loss_weights=loss_weights)
    return trainer.evaluate(x, y, batch_size=batch_size, steps=steps)
