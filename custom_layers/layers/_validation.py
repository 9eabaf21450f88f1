"""Argument checks the layers share (the error messages follow Keras's wording)."""


def is_positive_int(value):
    """``True`` for 1, 2, 3, ...; ``False`` for 0, negatives, floats, strings and bools
    (``bool`` is an ``int`` in Python, but ``Dense(units=True)`` is surely a mistake)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
