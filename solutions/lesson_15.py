"""Reference solutions to lesson 15's exercises (try them yourself first: make exercise-15)."""

import math

from lessons.scalar_autograd import Value


def sigmoid(value: Value) -> Value:
    x = value.data
    if x >= 0:  # exponentiate only −|x|: never overflows
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    out = Value(s, (value,), "sigmoid")

    def backward():
        value.grad += out.grad * s * (1.0 - s)  # accumulate: value may be used elsewhere too

    out._backward = backward
    return out


def topological_order(graph: dict, root) -> list:
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for parent in graph[node]:
            visit(parent)
        order.append(node)  # only after all of its inputs

    visit(root)
    return order
