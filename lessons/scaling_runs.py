"""Lesson 10's recipe, the same in every run: data, model, and ``train`` under a strategy.

The chapter runs it on one device and under ``MirroredStrategy``; each worker process of the
multi-worker job (``python -m lessons.multiworker``) runs it under
``MultiWorkerMirroredStrategy``.
"""

from __future__ import annotations

import os
import time

import keras
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers, training
from lessons import mnist_models

WEIGHT_TOLERANCE = 1e-5  # the largest |w − w_one device| accepted
LOSS_TOLERANCE = 1e-5  # the largest relative difference of the final losses accepted
ACCURACY_TOLERANCE = 0.002  # the largest test-accuracy difference accepted (0.2 points)


def split_cpu(count):
    """Show TensorFlow ``count`` logical CPU devices; only possible before it starts up."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * count
    )


def replica_shares(strategy, n_examples=8, global_batch=4):
    """The example numbers each local replica receives, batch by batch."""
    data = tf.data.Dataset.range(n_examples).batch(global_batch)
    batches = [
        [part.numpy().tolist() for part in strategy.experimental_local_results(batch)]
        for batch in strategy.experimental_distribute_dataset(data)
    ]
    return [list(share) for share in zip(*batches, strict=True)]  # batch by replica -> by replica


def load_data(quick, examples):
    """MNIST images (float32 in [0, 1]) and labels, and the training pixels' mean and std."""
    limit = 2_000 if quick else examples
    return mnist_models.load_splits(train_limit=limit, test_limit=2_000 if quick else None)


def training_data(data, batch_size, seed):
    """A fresh pipeline of shuffled global batches (each run gets its own, like a new process:
    a dataset reshuffles every time it is iterated, so a reused one gives a different order)."""
    return mnist_models.make_dataset(
        data["x_train"], data["y_train"], batch_size, shuffle=True, seed=seed
    )


def build_model(data):
    """Lesson 05's MLP without dropout (a dropout mask per replica would differ by design)."""
    return mnist_models.build_mlp(data["mean"], data["std"], dropout=0.0)


def train(strategy, data, args, checkpoint_dir=None, crash_at_step=None):
    """Train the MLP under ``strategy``; returns weights, history, seconds, examples/s.

    The throughput leaves out the first step, which traces the step function and pays
    TensorFlow's one-time start-up costs: it measures the steady pace of training.
    """
    keras.utils.set_random_seed(args.seed)  # the same initial weights in every run
    with strategy.scope():  # variables created here are mirrored: one copy per replica
        model = build_model(data)
        trainer = training.Trainer(
            model,
            loss=losses.SparseCategoricalCrossentropy(from_logits=True),
            optimizer=optimizers.Adam(args.learning_rate),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )
    if crash_at_step is not None:
        trainer.train_step = crash_before(trainer.train_step, trainer.optimizer, crash_at_step)
    step_times = []
    trainer.train_step = timed(trainer.train_step, step_times)
    started = time.perf_counter()
    history = trainer.fit(
        training_data(data, args.batch_size, args.seed),
        epochs=args.epochs,
        checkpoint_dir=checkpoint_dir,
        verbose=0,
    )
    seconds = time.perf_counter() - started
    after_first_step = args.epochs * len(data["y_train"]) - args.batch_size
    return {
        "weights": model.get_weights(),
        "history": history,
        "seconds": seconds,
        "examples_per_second": after_first_step / (step_times[-1] - step_times[0]),
        "replicas": strategy.num_replicas_in_sync,
        "shares": replica_shares(strategy),
    }


def timed(train_step, step_times):
    """A train step that records when each step has finished (the loop waits for it)."""

    def timed_train_step(batch):
        results = train_step(batch)
        step_times.append(time.perf_counter())
        return results

    return timed_train_step


def crash_before(train_step, optimizer, step):
    """A train step that kills this process before optimizer step ``step`` (a failure drill)."""

    def crashing_train_step(batch):
        if int(optimizer.iterations.numpy()) == step:
            print(f"Simulated failure: this worker dies before step {step}.", flush=True)
            os._exit(3)  # no clean-up, no goodbye: like a machine losing power
        return train_step(batch)

    return crashing_train_step


def max_weight_diff(weights, reference):
    """The largest |w − w_reference| over all weight arrays."""
    return max(float(np.abs(w - r).max()) for w, r in zip(weights, reference, strict=True))


def accuracy_on_test_set(weights, data):
    """Accuracy of the MLP with these weights on the test images (one device)."""
    model = build_model(data)
    model.set_weights(weights)
    logits = model.predict(data["x_test"], batch_size=1000, verbose=0)
    return float((logits.argmax(axis=1) == data["y_test"]).mean())
