"""Lesson 06 exercises: initialization scales, dead units, a t-interval. Grade with
`make exercise-06` (or `python -m grading 06`)."""


def init_scale(rule: str, fan_in: int, fan_out: int) -> tuple:
    """The scale of a layer's initial weights under ``rule`` ("glorot" or "he").

    Glorot: ``Var(w) = 2 / (fan_in + fan_out)``; He: ``Var(w) = 2 / fan_in``. Return
    ``(limit, std)``: the limit ``a`` of the uniform version ``U(−a, a)`` (whose variance is
    ``a² / 3``) and the standard deviation ``√Var(w)`` (the normal version's). Any other rule
    raises ``ValueError``.
    """
    raise NotImplementedError


def dead_fraction(outputs) -> float:
    """The fraction of a layer's units that are dead on a batch.

    ``outputs`` has shape ``(examples, units)``: row ``i`` is the layer's output for example
    ``i``. A unit (a column) is dead when its output is exactly 0 for every example. Return
    the number of dead units divided by the number of units.
    """
    raise NotImplementedError


# t_{0.975, df}: the 97.5 % quantile of Student's t with df degrees of freedom.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228}  # fmt: skip


def t_interval(values) -> tuple:
    """The mean of ``values`` (one result per seed, at least 2) and the half width of its 95 %
    confidence interval: ``t_{0.975, n−1} · s / √n`` with the sample standard deviation
    ``s = √(Σ (x_i − x̄)² / (n − 1))`` and ``t`` from ``T_975``. Return ``(mean, half_width)``.
    """
    raise NotImplementedError
