"""A scalar autograd engine: every number remembers how it was made, so it can be differentiated.

A :class:`Value` holds a float ``data``, its gradient ``grad`` (∂output/∂this value, filled by
:meth:`Value.backward`), the values it was computed from, and a small function that pushes its
own gradient back to them with the chain rule. For ``out = a · b``::

    ∂L/∂a += ∂L/∂out · b        ∂L/∂b += ∂L/∂out · a

The ``+=`` matters: a value used twice receives a contribution from each use. ``backward()``
visits the values in reverse topological order (each value after everything computed from it),
so that when a value pushes its gradient back, that gradient is complete.
"""

from __future__ import annotations

import math


class Value:
    """A scalar in an expression graph, with ``+ - * / **`` (constant power), ``tanh``, ``exp``."""

    def __init__(self, data: float, inputs: tuple = (), op: str = "", name: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.inputs = inputs  # the values this one was computed from
        self.op = op  # how: "+", "*", "tanh", ... ("" for a leaf)
        self.name = name
        self._backward = lambda: None  # pushes self.grad to the inputs (set by each op)

    def __repr__(self) -> str:
        label = f"{self.name}=" if self.name else ""
        return f"Value({label}{self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other) -> Value:
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other) -> Value:
        other = Value._lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def backward():  # ∂(a + b)/∂a = ∂(a + b)/∂b = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other) -> Value:
        other = Value._lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def backward():  # ∂(a · b)/∂a = b, ∂(a · b)/∂b = a
            self.grad += out.grad * other.data
            other.grad += out.grad * self.data

        out._backward = backward
        return out

    def __pow__(self, exponent: float) -> Value:
        out = Value(self.data**exponent, (self,), f"**{exponent:g}")

        def backward():  # ∂(a^k)/∂a = k · a^(k−1)
            self.grad += out.grad * exponent * self.data ** (exponent - 1)

        out._backward = backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def backward():  # ∂tanh(a)/∂a = 1 − tanh(a)²: uses the output, already computed
            self.grad += out.grad * (1.0 - t * t)

        out._backward = backward
        return out

    def exp(self) -> Value:
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def backward():  # ∂e^a/∂a = e^a
            self.grad += out.grad * e

        out._backward = backward
        return out

    # Everything else is written with the operations above, so it needs no backward of its own.
    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other) -> Value:
        return self + (-Value._lift(other))

    def __truediv__(self, other) -> Value:
        return self * Value._lift(other) ** -1.0

    def __radd__(self, other) -> Value:
        return self + other

    def __rmul__(self, other) -> Value:
        return self * other

    def __rsub__(self, other) -> Value:
        return Value._lift(other) - self

    def topological_order(self) -> list[Value]:
        """Every value this one depends on, each listed after all of its inputs."""
        order, seen = [], set()

        def visit(value):
            if id(value) in seen:
                return
            seen.add(id(value))
            for parent in value.inputs:
                visit(parent)
            order.append(value)  # after its inputs

        visit(self)
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every value in the graph with ∂self/∂value."""
        order = self.topological_order()
        for value in order:
            value.grad = 0.0
        self.grad = 1.0  # ∂self/∂self
        for value in reversed(order):
            value._backward()


def neuron(inputs: list[Value], weights: list[Value], bias: Value) -> Value:
    """``tanh(w · x + b)`` with Values: one unit of the tiny network."""
    total = bias
    for weight, x in zip(weights, inputs, strict=True):
        total = total + weight * x
    return total.tanh()
