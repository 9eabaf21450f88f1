"""What the three optimizers share: hyperparameter checks and the sparse-gradient entry.

Hyperparameters. Anything ``keras.optimizers`` accepts is accepted here where the maths
still holds, NumPy scalars included (``Adam(beta_1=np.float32(0.9))``, stored as Python
floats so ``get_config`` stays JSON). A value is refused only where the update breaks
(each class's docstring says which and why), with Keras's own message where Keras has
one.
"""

from __future__ import annotations

import math
import numbers

import keras

from custom_layers.optimizers import sparse

# keras/src/optimizers/sgd.py's wording, so code written against the built-ins still matches.
MOMENTUM_MESSAGE = "`momentum` must be a float between [0, 1]."


def is_real(value):
    """A real number: int, float or a NumPy scalar (``numbers.Real`` covers all), not bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check(name, value, is_valid, rule, message=None):
    """Return ``value`` as a float; raise ``ValueError`` unless it is a finite real number
    for which ``is_valid``. ``message`` replaces ours (Keras's wording, where it has one)."""
    if not (is_real(value) and math.isfinite(value) and is_valid(float(value))):
        raise ValueError(message or f"`{name}` must be {rule}. Received: {name}={value!r}")
    return float(value)


def check_momentum(momentum):
    # μ > 1 makes the velocity a geometric series that grows without bound; μ < 0 flips
    # the sign of the past every step. Keras's SGD refuses both, with this message.
    return check("momentum", momentum, lambda x: 0 <= x <= 1, "", message=MOMENTUM_MESSAGE)


def learning_rate_argument(learning_rate):
    """A number becomes the Python float Keras requires (ints and NumPy scalars included;
    a negative rate, gradient ascent, is allowed as in Keras); schedules and callables
    pass through to Keras's own checks."""
    if is_real(learning_rate):
        return check("learning_rate", learning_rate, lambda x: True, "a finite float")
    return learning_rate


class Optimizer(keras.optimizers.Optimizer):
    """``keras.optimizers.Optimizer``, plus: a clipped sparse gradient is clipped on its
    merged rows (see ``sparse``), so ``clipnorm``, ``global_clipnorm`` and ``clipvalue``
    see the dense gradient's values, not the repeated slices'. Each subclass's
    ``update_step`` hands a ``tf.IndexedSlices`` to its ``sparse_update_step``."""

    def apply(self, grads, trainable_variables=None):
        if self.clipnorm or self.global_clipnorm or self.clipvalue:
            grads = [
                sparse.merge_duplicate_rows(g) if sparse.is_indexed_slices(g) else g for g in grads
            ]
        return super().apply(grads, trainable_variables)
