"""Checkers for lesson 16: the collapsed layer against the stack itself; XOR by its truth table."""

import numpy as np

from grading import check, close, exercise


def _stack(kernels, biases, x):
    for kernel, bias in zip(kernels, biases, strict=True):
        x = x @ kernel + bias
    return x


@exercise(
    "collapse", hint="Fold the layers in one at a time: (x·W + b)·K + c = x·(W·K) + (b·K + c)."
)
def check_collapse(collapse):
    rng = np.random.default_rng(16)
    for shapes in (
        [(2, 3), (3, 1)],
        [(4, 4), (4, 4), (4, 2)],
        [(3, 5)],
        [(2, 6), (6, 6), (6, 3), (3, 2)],
    ):
        kernels = [rng.normal(size=s) for s in shapes]
        biases = [rng.normal(size=s[1]) for s in shapes]
        weight, bias = collapse(kernels, biases)
        x = rng.normal(size=(7, shapes[0][0]))
        name = " → ".join([str(shapes[0][0])] + [str(s[1]) for s in shapes])
        yield close(
            f"stack {name}: x·W + b vs the stack",
            np.asarray(x @ weight + bias),
            _stack(kernels, biases, x),
            atol=1e-9,
        )


@exercise(
    "xor_network",
    hint="Hidden unit 1: relu(x₁ + x₂); unit 2: relu(x₁ + x₂ − 1); "
    "the output subtracts twice the second from the first.",
)
def check_xor_network(xor_network):
    w1, b1, w2, b2 = (np.asarray(a, dtype=float) for a in xor_network())
    yield check(
        "shapes (2, 2), (2,), (2, 1), (1,)",
        [w1.shape, b1.shape, w2.shape, b2.shape] == [(2, 2), (2,), (2, 1), (1,)],
        "(2, 2), (2,), (2, 1), (1,)",
        f"{w1.shape}, {b1.shape}, {w2.shape}, {b2.shape}",
    )
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = (np.maximum(x @ w1 + b1, 0) @ w2 + b2).reshape(-1)
    yield close("the XOR truth table", y, [0.0, 1.0, 1.0, 0.0], atol=0.1, rtol=0.0)
