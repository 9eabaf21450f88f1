"""Lesson 03 exercises: three optimizer updates, one step each, in NumPy.

Each function takes the weight ``w``, its gradient ``g`` and the optimizer's slots, and
returns the new weight and slots (arrays of ``w``'s shape; do not modify the inputs).
Grade your answers with ``make exercise-03`` (or ``python -m grading 03``); they are run
for many steps and compared with the Keras built-ins. Solutions: ``solutions/lesson_03.py``.
"""

import numpy as np  # noqa: F401 (you will need it)


def nesterov_update(w, g, velocity, learning_rate=0.01, momentum=0.9):
    """One step of SGD with Nesterov momentum, in Keras's form (``velocity`` starts at 0).

    ``v ← μ v − η g``, then ``w ← w + μ v − η g`` (with the *new* ``v``): the step looks
    one velocity step ahead. Return ``(new_w, new_velocity)``.
    """
    raise NotImplementedError


def adam_update(w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One step of Adam with bias correction; ``t`` is this step's number, 1, 2, 3, …

    ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``,
    ``m̂ = m / (1 − β₁ᵗ)``, ``v̂ = v / (1 − β₂ᵗ)``, ``w ← w − η m̂ / (√v̂ + ε)``.
    (Keras folds both corrections into ``α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)`` and computes
    ``w − α m / (√v + ε)``; either form passes.) Return ``(new_w, new_m, new_v)``.
    """
    raise NotImplementedError


def amsgrad_update(
    w, g, m, v, v_max, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7
):
    """One step of Adam's AMSGrad variant; ``t`` counts from 1; ``v_max`` starts at 0.

    As Adam, but after updating ``v`` keep its running maximum, ``v_max ← max(v_max, v)``,
    and divide by that: ``w ← w − α m / (√v_max + ε)`` with ``α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)``.
    Return ``(new_w, new_m, new_v, new_v_max)``.
    """
    raise NotImplementedError
