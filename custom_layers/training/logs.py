"""TensorBoard scalars: one value per epoch under ``log_dir/train`` and ``log_dir/validation``."""

import os

import tensorflow as tf


def summary_writers(log_dir, with_validation):
    """``{"": train writer, "val_": validation writer}`` (the history's name prefixes)."""
    writers = {"": tf.summary.create_file_writer(os.path.join(log_dir, "train"))}
    if with_validation:
        writers["val_"] = tf.summary.create_file_writer(os.path.join(log_dir, "validation"))
    return writers


def write_epoch(writers, names, logs, epoch):
    """Write ``epoch_<name>`` for every name, at step ``epoch`` (counted from 1)."""
    for prefix, writer in writers.items():
        with writer.as_default(step=epoch):
            for name in names:
                _write_scalar("epoch_" + name, logs[prefix + name])
        writer.flush()


def _write_scalar(name, value):
    """``tf.summary.scalar`` without needing the tensorboard package installed.

    A scalar summary is a float tensor tagged for TensorBoard's "scalars" plugin.
    """
    metadata = tf.compat.v1.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    tf.summary.write(name, tf.constant(value, tf.float32), metadata=metadata)
