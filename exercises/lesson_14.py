"""Lesson 14 exercises: a rotation gate, a measurement, the parameter-shift rule.

Replace each ``raise NotImplementedError`` with your code (NumPy only), then run
``make exercise-14``. The solutions are in ``solutions/lesson_14.py``: try first.
"""

import numpy as np  # noqa: F401 (you will need it)


def ry(theta: float) -> np.ndarray:
    """The 2×2 matrix ``RY(θ) = exp(−iθY/2) = cos(θ/2) I − i sin(θ/2) Y``.

    With ``Y = [[0, −i], [i, 0]]`` this is the real rotation
    ``[[cos θ/2, −sin θ/2], [sin θ/2, cos θ/2]]``.
    """
    raise NotImplementedError


def expectation_z(state, qubit: int) -> float:
    """``⟨Z_q⟩`` of an ``n``-qubit state vector of ``2ⁿ`` complex amplitudes.

    Amplitude ``s`` belongs to the bit string of ``s`` written with ``n`` bits, qubit 0 the
    leftmost (most significant) bit. ``⟨Z_q⟩ = Σ_s |ψ_s|² · (+1 if bit q of s is 0 else −1)``.
    """
    raise NotImplementedError


def parameter_shift_gradient(f, theta) -> np.ndarray:
    """``∂f/∂θ_k`` for every angle, by the parameter-shift rule.

    ``f(theta)`` is an expectation of a circuit whose angles ``theta`` (a 1-D array) each sit in
    one rotation gate ``exp(−iθP/2)``; then exactly
    ``∂f/∂θ_k = [f(θ + (π/2) e_k) − f(θ − (π/2) e_k)] / 2``, with ``e_k`` the k-th unit vector.
    Return an array shaped like ``theta``.
    """
    raise NotImplementedError
