"""Plausible wrong answers to lesson 15's exercises; the checkers must reject every one."""

import math

from lessons.scalar_autograd import Value


def sigmoid_wrong_local_gradient(value):
    s = (
        1 / (1 + math.exp(-value.data))
        if value.data >= 0
        else math.exp(value.data) / (1 + math.exp(value.data))
    )
    out = Value(s, (value,), "sigmoid")

    def backward():
        value.grad += out.grad * s  # σ instead of σ(1 − σ)

    out._backward = backward
    return out


def sigmoid_assigns_instead_of_accumulating(value):
    s = (
        1 / (1 + math.exp(-value.data))
        if value.data >= 0
        else math.exp(value.data) / (1 + math.exp(value.data))
    )
    out = Value(s, (value,), "sigmoid")

    def backward():
        value.grad = out.grad * s * (1 - s)  # '=' loses the other paths' shares

    out._backward = backward
    return out


def sigmoid_overflows(value):
    s = 1 / (1 + math.exp(-value.data))  # math.exp(800) raises OverflowError
    out = Value(s, (value,), "sigmoid")

    def backward():
        value.grad += out.grad * s * (1 - s)

    out._backward = backward
    return out


def order_preorder(graph, root):
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        order.append(node)  # before its inputs
        for parent in graph[node]:
            visit(parent)

    visit(root)
    return order


def order_without_visited_set(graph, root):
    order = []

    def visit(node):
        for parent in graph[node]:
            visit(parent)
        order.append(node)  # a shared node appears once per path

    visit(root)
    return order


WRONG = {
    "sigmoid": [
        sigmoid_wrong_local_gradient,
        sigmoid_assigns_instead_of_accumulating,
        sigmoid_overflows,
    ],
    "topological_order": [order_preorder, order_without_visited_set],
}
