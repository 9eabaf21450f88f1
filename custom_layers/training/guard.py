"""The NaN guard: stop on a non-finite loss or non-finite weights, and say what holds.

A step is bad when its *unscaled* loss is NaN/Inf or when the update made a weight NaN/Inf.
Non-finite *gradients* alone are not a failure under mixed precision: a
``keras.optimizers.LossScaleOptimizer`` sees them, skips the step and halves its loss
scale (``model.fit`` keeps training), so the guard does not look at gradients.
"""

import tensorflow as tf


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss (or weights) and was stopped."""


def weights_are_bad(variables):
    """1.0 if any of ``variables`` holds a NaN or an infinity, else 0.0 (a float tensor)."""
    finite = [tf.reduce_all(tf.math.is_finite(v)) for v in variables]
    return 1.0 - tf.cast(tf.reduce_all(finite), tf.float32)


def stop_message(what, optimizer_step, restored=None):
    """The error's text: what happened where, and what the model and the files hold now.

    Args:
        what: e.g. ``"loss = nan at epoch 3, step 3"``.
        optimizer_step: the optimizer's step count right after the bad update (read
            before any rollback), so the bad update is that step.
        restored: ``(path, epoch)`` of the checkpoint the model was rolled back to, or None.
    """
    if restored is not None:
        path, epoch = restored
        held = (
            f"The model and optimizer were restored from the last good checkpoint, {path} "
            f"(after epoch {epoch}); it is kept, and nothing was saved after it."
        )
    else:
        held = (
            "No checkpoint was saved (no checkpoint_dir, or no finished epoch): the weights "
            "in memory are those after the bad update (not restored), and nothing was "
            "written to disk."
        )
    return (
        f"Training stopped: {what} (optimizer step {optimizer_step}). {held} Try a lower "
        "learning rate, gradient clipping (clipnorm=1.0), or check the inputs for NaN/Inf."
    )
