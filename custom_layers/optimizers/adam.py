"""Adam (and AMSGrad): momentum on the gradient, divided by a running RMS of the gradient."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers.optimizers import base, sparse


@keras.saving.register_keras_serializable(package="custom_layers")
class Adam(base.Optimizer):
    """Adam: momentum on the gradient, divided by a running RMS of the gradient.

    With first and second moments ``m``, ``v`` (initially 0) at step ``t``::

        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        w ← w − α m / (√v + ε)
        α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)      (bias_correction=True, the default)
        α = η                             (bias_correction=False, the article's form)

    With bias correction this is the paper's ``w ← w − η m̂ / (√v̂ + ε′)`` with
    ``m̂ = m / (1 − β₁ᵗ)``, ``v̂ = v / (1 − β₂ᵗ)`` and ``ε′ = ε / √(1 − β₂ᵗ)`` (``ε`` is the
    paper's "ε̂"): folding the two corrections into the scalar ``α`` saves two full-size
    divisions and is exactly what ``keras.optimizers.Adam`` does, so the two agree step
    for step.
    Without it, ``m`` and ``v`` start biased towards 0, ``v`` more so (``β₂`` is closer
    to 1), so the early steps are several times larger than ``η``: the first one is
    ``η (1 − β₁) / √(1 − β₂) ≈ 3.16 η`` with the defaults (lesson 03 measures the rest).

    AMSGrad (``amsgrad=True``) divides by the largest ``v`` seen so far,
    ``v_max ← max(v_max, v)``, so the effective step size never grows.

    Sparse gradients (an embedding's rows, repeats merged): rows outside the batch have
    ``g = 0`` but their ``m`` and ``v`` still decay and their ``w`` still moves, so the
    textbook update writes the whole table; only adding ``g`` and ``g²`` is a scatter.

    ``lazy=True`` is *not* the textbook update: for a sparse gradient it updates ``m``,
    ``v`` (and ``v_max``) and ``w`` on the batch's rows only, with the same formulas and
    the global step ``t``; every other row keeps its moments and its weight until a batch
    uses it (TensorFlow Addons' ``LazyAdam``). It costs O(batch rows) instead of a pass
    over the table; for a dense gradient it is plain Adam.

    Args:
        learning_rate: ``η``, a float (NumPy scalars and ints too), a schedule or a
            callable. Defaults to 0.001.
        beta_1: ``β₁`` in [0, 1). Defaults to 0.9.
        beta_2: ``β₂`` in [0, 1). Refused outside, for both: ``β = 1`` makes the bias
            correction ``1 − βᵗ`` zero (a division by zero) and freezes the moment;
            ``β > 1`` or ``β < 0`` no longer averages (``v`` can turn negative, and
            ``√v`` undefined). Defaults to 0.999.
        epsilon: ``ε >= 0``; a negative one can make ``√v + ε`` zero, so it is refused.
            With ``ε = 0`` a weight whose gradient has been exactly 0 at every step gets
            0/0 = NaN, as in the built-in. Defaults to 1e-7.
        amsgrad: use AMSGrad. Defaults to False.
        bias_correction: correct ``m`` and ``v`` for their zero start. Defaults to True.
        lazy: update only the batch's rows for sparse gradients (see above). Defaults to
            False.
        **kwargs: the base optimizer's arguments (``weight_decay``, ``clipnorm``, ...).
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        bias_correction=True,
        lazy=False,
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
        self.beta_1 = base.check("beta_1", beta_1, lambda x: 0 <= x < 1, "a float in [0, 1)")
        self.beta_2 = base.check("beta_2", beta_2, lambda x: 0 <= x < 1, "a float in [0, 1)")
        self.epsilon = base.check("epsilon", epsilon, lambda x: x >= 0, "a float >= 0")
        self.amsgrad = bool(amsgrad)
        self.bias_correction = bool(bias_correction)
        self.lazy = bool(lazy)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _step_size(self, learning_rate, dtype):
        """``α``: the learning rate, times the bias corrections folded into one scalar."""
        learning_rate = ops.cast(learning_rate, dtype)
        if not self.bias_correction:
            return learning_rate
        step = ops.cast(self.iterations + 1, dtype)  # t
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), step)
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), step)
        return learning_rate * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)

    def update_step(self, gradient, variable, learning_rate):
        if sparse.is_indexed_slices(gradient):
            return self.sparse_update_step(gradient, variable, learning_rate)
        alpha = self._step_size(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]

        # m ← β₁ m + (1 − β₁) g, written as m + (g − m)(1 − β₁): one fewer multiply.
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        if self.amsgrad:
            v_max = self._velocity_hats[index]
            self.assign(v_max, ops.maximum(v_max, v))
            v = v_max
        self.assign_sub(
            variable, ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon))
        )

    def sparse_update_step(self, gradient, variable, learning_rate):
        """``update_step`` for a ``tf.IndexedSlices`` gradient: every row's moments decay,
        the batch's rows get their ``g`` and ``g²`` share, every weight moves."""
        if self.lazy:
            return self.lazy_update_step(gradient, variable, learning_rate)
        alpha = self._step_size(learning_rate, variable.dtype)
        gradient = sparse.merge_duplicate_rows(gradient)
        g = ops.cast(gradient.values, variable.dtype)
        index = self._get_variable_index(variable)

        # m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g² (g = 0 outside the batch). Each new
        # value goes straight into its variable, read back below: a tensor still needed
        # after its assign would be copied into the variable instead of handed over.
        m, v = self._momentums[index], self._velocities[index]
        self.assign(
            m, sparse.add_to_rows(ops.multiply(m, self.beta_1), gradient, (1 - self.beta_1) * g)
        )
        v_rows = ops.multiply(ops.square(g), 1 - self.beta_2)
        self.assign(v, sparse.add_to_rows(ops.multiply(v, self.beta_2), gradient, v_rows))
        if self.amsgrad:
            self.assign(self._velocity_hats[index], ops.maximum(self._velocity_hats[index], v))
            v = self._velocity_hats[index]
        self.assign_sub(
            variable, ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon))
        )

    def lazy_update_step(self, gradient, variable, learning_rate):
        """``lazy=True``: the update above on the batch's rows only (gathered, updated,
        scattered back); the other rows' ``m``, ``v`` and ``w`` stay as they are."""
        alpha = self._step_size(learning_rate, variable.dtype)
        gradient = sparse.merge_duplicate_rows(gradient)
        g = ops.cast(gradient.values, variable.dtype)
        index = self._get_variable_index(variable)
        m_rows = sparse.rows_of(self._momentums[index], gradient)
        v_rows = sparse.rows_of(self._velocities[index], gradient)

        m_rows = ops.add(m_rows, ops.multiply(ops.subtract(g, m_rows), 1 - self.beta_1))
        v_rows = ops.add(v_rows, ops.multiply(ops.subtract(ops.square(g), v_rows), 1 - self.beta_2))
        self.assign(self._momentums[index], sparse.on_rows(m_rows, gradient))
        self.assign(self._velocities[index], sparse.on_rows(v_rows, gradient))
        if self.amsgrad:
            v_max = self._velocity_hats[index]
            v_rows = ops.maximum(sparse.rows_of(v_max, gradient), v_rows)
            self.assign(v_max, sparse.on_rows(v_rows, gradient))
        step = ops.divide(ops.multiply(m_rows, alpha), ops.add(ops.sqrt(v_rows), self.epsilon))
        self.assign_sub(variable, sparse.on_rows(step, gradient))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
                "bias_correction": self.bias_correction,
                "lazy": self.lazy,
            }
        )
        return config
