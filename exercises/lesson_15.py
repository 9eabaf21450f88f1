"""Lesson 15 exercises: extend the scalar autograd engine. Grade with `make exercise-15`.

Replace each `raise NotImplementedError` with your code; the grader tells you, case by case,
what is right and what is not.
"""

from lessons.scalar_autograd import Value


def sigmoid(value: Value) -> Value:
    """The logistic function as a new operation of the engine.

    Return a new ``Value`` holding σ(x) = 1 / (1 + e^(−x)) for x = ``value.data``, whose
    ``inputs`` are ``(value,)`` and whose ``_backward`` adds the chain-rule share to the input:
    ``value.grad += out.grad · σ(x)·(1 − σ(x))``. It must stay finite for any float x
    (``math.exp(800)`` overflows: use the form that only ever exponentiates a negative number).
    """
    raise NotImplementedError


def topological_order(graph: dict, root) -> list:
    """Order the nodes that ``root`` depends on so that each comes after all of its inputs.

    ``graph[node]`` is the list of that node's inputs (possibly empty, possibly with repeats).
    Return every node reachable from ``root`` through inputs (``root`` included), each exactly
    once, every node after all of its inputs; nodes that ``root`` does not depend on are left
    out.
    """
    raise NotImplementedError
