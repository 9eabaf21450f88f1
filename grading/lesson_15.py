"""Checkers for lesson 15: the engine's new operation against TensorFlow, the order by property."""

import numpy as np
import tensorflow as tf

from grading import check, close, exercise
from lessons.scalar_autograd import Value


def _tape(function, x):
    variable = tf.Variable(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = function(variable)
    return float(y), float(tape.gradient(y, variable))


@exercise("sigmoid", hint="σ'(x) = σ(x)(1 − σ(x)); add to value.grad (+=), never assign.")
def check_sigmoid(sigmoid):
    for x in (0.0, -3.0, 2.5):
        v = Value(x)
        out = sigmoid(v)
        out.backward()
        value, grad = _tape(tf.sigmoid, x)
        yield close(f"σ({x:g}) and its gradient", [out.data, v.grad], [value, grad], atol=1e-12)
    v = Value(1.2)
    out = sigmoid(v) * v  # v reaches the output along two paths
    out.backward()
    value, grad = _tape(lambda t: tf.sigmoid(t) * t, 1.2)
    yield close("σ(x)·x at x = 1.2 (x used twice)", [out.data, v.grad], [value, grad], atol=1e-12)
    for x in (800.0, -800.0):
        v = Value(x)
        try:
            out = sigmoid(v)
            out.backward()
            got = [out.data, v.grad]
        except OverflowError:
            got = [np.nan, np.nan]
        yield close(f"σ({x:g}) stays finite", got, [1.0 if x > 0 else 0.0, 0.0], atol=1e-12)
    v = Value(0.3)
    out = sigmoid(v)
    yield check(
        "the result is connected to its input",
        v in out.topological_order(),
        "value in out.inputs",
        f"inputs {out.inputs!r:.60}",
    )


def _valid(order, graph, root):
    reachable, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in reachable:
            reachable.add(node)
            stack.extend(graph[node])
    if sorted(map(str, order)) != sorted(map(str, reachable)) or len(order) != len(reachable):
        return False
    position = {node: i for i, node in enumerate(order)}
    return all(position[p] < position[n] for n in order for p in graph[n])


GRAPHS = {
    "a single node": ({"x": []}, "x"),
    "a chain x → y → z": ({"x": [], "y": ["x"], "z": ["y"]}, "z"),
    "a diamond (x feeds y and z, both feed L)": (
        {"x": [], "y": ["x"], "z": ["x"], "L": ["y", "z"]},
        "L",
    ),
    "x·x (the same input twice)": ({"x": [], "sq": ["x", "x"]}, "sq"),
    "a shortcut (L uses x directly and via y)": ({"x": [], "y": ["x"], "L": ["x", "y"]}, "L"),
    "an unrelated node is left out": ({"x": [], "y": ["x"], "other": []}, "y"),
}


@exercise(
    "topological_order",
    hint="Visit every input first (depth-first), then append the "
    "node; keep a set of visited nodes so shared ones appear once.",
)
def check_topological_order(topological_order):
    for name, (graph, root) in GRAPHS.items():
        order = list(topological_order(graph, root))
        yield check(
            name,
            _valid(order, graph, root),
            "each reachable node once, after all its inputs",
            f"{order}",
        )
