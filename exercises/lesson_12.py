"""Lesson 12 exercises: int8 affine quantization and a model's size. Grade with `make exercise-12`.

Replace each ``raise NotImplementedError`` with your code (NumPy is all you need), then run
``make exercise-12``. The solutions are in ``solutions/lesson_12.py``: try first.
"""

import numpy as np  # noqa: F401 (you will need it)


def quantization_params(low: float, high: float) -> tuple:
    """The int8 ``(scale, zero_point)`` of a tensor whose values span ``[low, high]``.

    The range is first widened to hold 0 (``lo = min(low, 0)``, ``hi = max(high, 0)``), so that
    the real number 0 (zero padding, a ReLU's output) is stored exactly. Then 256 levels
    ``q = −128 … 127`` cover it: ``scale = (hi − lo) / 255`` and
    ``zero_point = round(−128 − lo / scale)``, an integer clipped to [−128, 127]. If
    ``hi == lo`` (a tensor of zeros) any positive scale works: return ``(1.0, 0)``.
    """
    raise NotImplementedError


def quantize(x, scale: float, zero_point: int) -> np.ndarray:
    """``q = clip(round(x / scale) + zero_point, −128, 127)`` as an ``np.int8`` array."""
    raise NotImplementedError


def dequantize(q, scale: float, zero_point: int) -> np.ndarray:
    """``real = scale · (q − zero_point)`` as a ``np.float32`` array.

    Careful: ``q`` is int8, and ``q − zero_point`` can leave the int8 range (127 − (−128) = 255).
    """
    raise NotImplementedError


def parameter_bytes(shapes: list, scheme: str) -> int:
    """Bytes needed to store weights of the given ``shapes`` (tuples), by ``scheme``.

    ``"float32"``: 4 bytes per number. ``"int8"`` (TFLite's dynamic-range recipe): a kernel
    (a shape with 2 or more axes) is stored as 1 byte per number plus one float32 scale per
    output channel (its last axis); a bias or any other shape with fewer than 2 axes stays
    float32. For example ``[(3, 4), (4,)]`` is 64 bytes as float32 and
    ``12 + 4·4 + 4·4 = 44`` as int8.
    """
    raise NotImplementedError
