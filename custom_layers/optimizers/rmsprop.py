"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers.optimizers import base, sparse


@keras.saving.register_keras_serializable(package="custom_layers")
class RMSprop(base.Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    With decay ``ρ`` (``rho``) and the running mean square ``s`` (initially 0)::

        s ← ρ s + (1 − ρ) g²
        Δ ← η g / √(s + ε)                       (plain)
        a ← ρ a + (1 − ρ) g                      (centered: running mean of g)
        Δ ← η g / √(s − a² + ε)                  (centered: divide by the variance)
        w ← w − Δ                                (no momentum)
        p ← μ p + Δ ;  w ← w − p                 (momentum μ > 0)

    Sparse gradients (an embedding's rows, repeats merged): every row's ``s`` (and ``a``)
    decays, so those are updated whole; but ``Δ`` is exactly 0 outside the batch
    (``g = 0``), so without momentum only the batch's rows of ``w`` are written.

    Args:
        learning_rate: ``η``, a float (NumPy scalars and ints too), a schedule or a
            callable. Defaults to 0.001.
        rho: ``ρ`` in [0, 1]. Refused outside: ``1 − ρ < 0`` or ``ρ < 0`` can make ``s``
            negative, and its square root undefined. (``ρ = 1`` keeps ``s = 0``.)
            Defaults to 0.9.
        momentum: ``μ`` in [0, 1], refused outside with ``keras.optimizers.SGD``'s
            message (beyond 1 the velocity grows without bound; the built-in RMSprop
            silently ignores ``μ < 0``). Defaults to 0.0.
        epsilon: ``ε >= 0``, keeps the division finite; a negative one can make
            ``s + ε`` negative, so it is refused. With ``ε = 0`` a weight whose gradient
            has been exactly 0 at every step gets 0/0 = NaN, as in the built-in (a
            sparse row outside every batch so far keeps its value instead). Defaults
            to 1e-7.
        centered: normalize by the variance instead of the mean square. Defaults to False.
        **kwargs: the base optimizer's arguments (``weight_decay``, ``clipnorm``, ...).
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        self.rho = base.check("rho", rho, lambda x: 0 <= x <= 1, "a float in [0, 1]")
        self.momentum = base.check_momentum(momentum)
        self.epsilon = base.check("epsilon", epsilon, lambda x: x >= 0, "a float >= 0")
        self.centered = bool(centered)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")  # s
        self._momentums = []  # p
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []  # a
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        if sparse.is_indexed_slices(gradient):
            return self.sparse_update_step(gradient, variable, learning_rate)
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        index = self._get_variable_index(variable)
        rho = self.rho

        mean_square = self._velocities[index]
        self.assign(
            mean_square,
            ops.add(ops.multiply(rho, mean_square), ops.multiply(1 - rho, ops.square(gradient))),
        )
        if self.centered:
            mean = self._average_gradients[index]
            self.assign(mean, ops.add(ops.multiply(rho, mean), ops.multiply(1 - rho, gradient)))
            denominator = mean_square - ops.square(mean) + self.epsilon
        else:
            denominator = ops.add(mean_square, self.epsilon)
        increment = ops.divide(ops.multiply(learning_rate, gradient), ops.sqrt(denominator))

        if self.momentum > 0:
            velocity = self._momentums[index]
            self.assign(velocity, ops.add(ops.multiply(self.momentum, velocity), increment))
            self.assign_sub(variable, velocity)
        else:
            self.assign_sub(variable, increment)

    def sparse_update_step(self, gradient, variable, learning_rate):
        """``update_step`` for a ``tf.IndexedSlices`` gradient: every row's averages decay
        and the batch's rows get their share; ``Δ`` is computed on those rows only."""
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = sparse.merge_duplicate_rows(gradient)
        g = ops.cast(gradient.values, variable.dtype)
        index = self._get_variable_index(variable)
        rho = self.rho

        # s ← ρ s + (1 − ρ) g² on every row (g = 0 outside the batch); the batch's rows of
        # the new s are computed apart from the old ones, so that the new table is only
        # assigned (handed over to the variable, not copied).
        old = sparse.read(self._velocities[index])
        share = ops.multiply(1 - rho, ops.square(g))
        denominator = ops.add(ops.multiply(rho, sparse.rows_of(old, gradient)), share)
        self.assign(
            self._velocities[index],
            sparse.add_to_rows(ops.multiply(rho, old), gradient, share),
        )
        if self.centered:  # a ← ρ a + (1 − ρ) g likewise
            old = sparse.read(self._average_gradients[index])
            share = ops.multiply(1 - rho, g)
            mean = ops.add(ops.multiply(rho, sparse.rows_of(old, gradient)), share)
            self.assign(
                self._average_gradients[index],
                sparse.add_to_rows(ops.multiply(rho, old), gradient, share),
            )
            denominator = denominator - ops.square(mean)
        denominator = ops.add(denominator, self.epsilon)
        increment = ops.divide(ops.multiply(learning_rate, g), ops.sqrt(denominator))  # Δ's rows

        if self.momentum > 0:
            velocity = self._momentums[index]
            self.assign(
                velocity,
                sparse.add_to_rows(ops.multiply(self.momentum, velocity), gradient, increment),
            )
            self.assign_sub(variable, velocity)
        else:
            self.assign_sub(variable, sparse.on_rows(increment, gradient))  # Δ = 0 elsewhere

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config
