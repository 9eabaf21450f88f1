"""SGD (momentum, Nesterov), RMSprop and Adam (AMSGrad), written from scratch.

Each optimizer is a ``keras.optimizers.Optimizer`` subclass with the four methods Keras
asks for: ``__init__`` (same argument names and defaults as the Keras built-in),
``build`` (one slot variable per weight and per moment), ``update_step`` (the update
rule, for one weight) and ``get_config``. Everything else -- weight decay, ``clipnorm``,
``clipvalue``, ``global_clipnorm``, the EMA of the weights, learning-rate schedules,
gradient accumulation, loss scaling -- lives in the base class and keeps working.

Notation used in the docstrings: ``w`` a weight, ``g`` its gradient, ``η`` the learning
rate, ``t`` the step number (1, 2, ...), all operations elementwise.

Sparse gradients. An ``Embedding`` layer's gradient arrives as ``tf.IndexedSlices``
(the rows used by the batch), and a row used twice arrives twice. The textbook update
is defined on the *dense* gradient, in which repeated rows are summed and every row
absent from the batch has gradient 0 -- Adam and RMSprop still decay those rows'
moments and keep moving them. So before anything else (clipping, accumulation, the
update itself) the optimizers here turn ``IndexedSlices`` into the dense gradient
(``tf.convert_to_tensor`` sums the duplicates). The Keras 3.15 built-ins instead apply
the slices element by element, which is wrong for repeated indices (see the tests).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

__all__ = ["SGD", "RMSprop", "Adam"]


def _check(name, value, is_valid, rule):
    """Raise a clear ``ValueError`` unless ``value`` is a real number for which ``is_valid``."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not (is_number and is_valid(value)):
        raise ValueError(f"`{name}` must be {rule}. Received: {name}={value!r}")


def _check_learning_rate(learning_rate):
    # A schedule or a callable is checked by Keras itself; a number must not be negative.
    if isinstance(learning_rate, int | float) and not isinstance(learning_rate, bool):
        _check("learning_rate", learning_rate, lambda x: x >= 0, "a float >= 0")


class _Optimizer(keras.optimizers.Optimizer):
    """The Keras optimizer base class, fed dense gradients (see the module docstring)."""

    def apply(self, grads, trainable_variables=None):
        grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in grads]
        return super().apply(grads, trainable_variables)


@keras.saving.register_keras_serializable(package="custom_layers")
class SGD(_Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Without momentum: ``w ← w − η g``.

    With momentum ``μ`` (a velocity ``v``, initially 0)::

        v ← μ v − η g
        w ← w + v                    (classical momentum)
        w ← w + μ v − η g            (Nesterov: look one velocity step ahead)

    Args:
        learning_rate: ``η``, a float >= 0, a schedule or a callable. Defaults to 0.01.
        momentum: ``μ`` in [0, 1]. Defaults to 0.0 (plain SGD).
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
        _check_learning_rate(learning_rate)
        _check("momentum", momentum, lambda x: 0 <= x <= 1, "a float in [0, 1]")
        super().__init__(
            learning_rate=learning_rate,
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
        self.momentum = float(momentum)
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

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


@keras.saving.register_keras_serializable(package="custom_layers")
class RMSprop(_Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    With decay ``ρ`` (``rho``) and the running mean square ``s`` (initially 0)::

        s ← ρ s + (1 − ρ) g²
        Δ ← η g / √(s + ε)                       (plain)
        a ← ρ a + (1 − ρ) g                      (centered: running mean of g)
        Δ ← η g / √(s − a² + ε)                  (centered: divide by the variance)
        w ← w − Δ                                (no momentum)
        p ← μ p + Δ ;  w ← w − p                 (momentum μ > 0)

    Args:
        learning_rate: ``η``. Defaults to 0.001.
        rho: ``ρ`` in [0, 1). Defaults to 0.9.
        momentum: ``μ`` in [0, 1]. Defaults to 0.0.
        epsilon: ``ε`` > 0, keeps the division finite. Defaults to 1e-7.
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
        _check_learning_rate(learning_rate)
        _check("rho", rho, lambda x: 0 <= x < 1, "a float in [0, 1)")
        _check("momentum", momentum, lambda x: 0 <= x <= 1, "a float in [0, 1]")
        _check("epsilon", epsilon, lambda x: x > 0, "a float > 0")
        super().__init__(
            learning_rate=learning_rate,
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
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
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


@keras.saving.register_keras_serializable(package="custom_layers")
class Adam(_Optimizer):
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

    Args:
        learning_rate: ``η``. Defaults to 0.001.
        beta_1: ``β₁`` in [0, 1). Defaults to 0.9.
        beta_2: ``β₂`` in [0, 1). Defaults to 0.999.
        epsilon: ``ε`` > 0. Defaults to 1e-7.
        amsgrad: use AMSGrad. Defaults to False.
        bias_correction: correct ``m`` and ``v`` for their zero start. Defaults to True.
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
        **kwargs,
    ):
        _check_learning_rate(learning_rate)
        _check("beta_1", beta_1, lambda x: 0 <= x < 1, "a float in [0, 1)")
        _check("beta_2", beta_2, lambda x: 0 <= x < 1, "a float in [0, 1)")
        _check("epsilon", epsilon, lambda x: x > 0, "a float > 0")
        super().__init__(
            learning_rate=learning_rate,
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
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)
        self.bias_correction = bool(bias_correction)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]

        if self.bias_correction:
            step = ops.cast(self.iterations + 1, variable.dtype)  # t
            beta_1_power = ops.power(ops.cast(self.beta_1, variable.dtype), step)
            beta_2_power = ops.power(ops.cast(self.beta_2, variable.dtype), step)
            alpha = learning_rate * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        else:
            alpha = learning_rate

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

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
                "bias_correction": self.bias_correction,
            }
        )
        return config
