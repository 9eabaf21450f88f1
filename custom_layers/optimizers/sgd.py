"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers.optimizers import base, sparse


@keras.saving.register_keras_serializable(package="custom_layers")
class SGD(base.Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Without momentum: ``w ← w − η g``.

    With momentum ``μ`` (a velocity ``v``, initially 0)::

        v ← μ v − η g
        w ← w + v                    (classical momentum)
        w ← w + μ v − η g            (Nesterov: look one velocity step ahead)

    Sparse gradients (an embedding's rows): the update is linear in ``g``, so the slices
    are scattered as they come: a repeated row's slices add up, the dense sum in another
    order (float32 rounding apart), and no ``tf.unique`` is paid. Plain SGD then touches
    only those rows (every other row's update is exactly 0); with momentum every velocity
    decays, so ``v`` and ``w`` are updated whole.

    Args:
        learning_rate: ``η``, a float (NumPy scalars and ints too), a schedule or a
            callable. Defaults to 0.01.
        momentum: ``μ`` in [0, 1], as ``keras.optimizers.SGD`` requires (any real number
            type). Defaults to 0.0 (plain SGD).
        nesterov: use Nesterov momentum. Defaults to False.
        **kwargs: the base optimizer's arguments (``weight_decay``, ``clipnorm``, ...).
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            learning_rate=base.learning_rate_argument(learning_rate),
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.momentum = base.check_momentum(momentum)
        self.nesterov = bool(nesterov)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        # One velocity per weight, only when there is momentum to remember.
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        if sparse.is_indexed_slices(gradient):
            return self.sparse_update_step(gradient, variable, learning_rate)
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        if self.momentum == 0:
            self.assign_sub(variable, ops.multiply(gradient, learning_rate))
            return
        velocity = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum, variable.dtype)
        step = ops.multiply(gradient, learning_rate)  # η g
        self.assign(velocity, ops.subtract(ops.multiply(velocity, momentum), step))
        if self.nesterov:
            self.assign_add(variable, ops.subtract(ops.multiply(velocity, momentum), step))
        else:
            self.assign_add(variable, velocity)

    def sparse_update_step(self, gradient, variable, learning_rate):
        """``update_step`` for a ``tf.IndexedSlices`` gradient: scatter ``η g`` into the
        batch's rows; decay every velocity (rows outside the batch have ``g = 0``)."""
        learning_rate = ops.cast(learning_rate, variable.dtype)
        step = ops.multiply(ops.cast(gradient.values, variable.dtype), learning_rate)  # η g
        if self.momentum == 0:
            self.assign_sub(variable, sparse.on_rows(step, gradient))  # only these rows change
            return
        velocity = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum, variable.dtype)
        # v ← μ v − η g: every row decays, the batch's rows also get −η g. (The variable is
        # read back after its assign, so the new value is handed over, not copied.)
        self.assign(velocity, sparse.add_to_rows(ops.multiply(velocity, momentum), gradient, -step))
        if self.nesterov:  # w ← w + μ v − η g
            increment = sparse.add_to_rows(ops.multiply(velocity, momentum), gradient, -step)
            self.assign_add(variable, increment)
        else:
            self.assign_add(variable, velocity)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
