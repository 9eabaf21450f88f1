"""Lesson 16 exercises: the FAQ's first answer, by hand. Grade with `make exercise-16`."""


def collapse(kernels: list, biases: list) -> tuple:
    """The single linear layer equal to a stack of linear layers (no activations).

    Layer ``i`` computes ``h ↦ h @ kernels[i] + biases[i]`` (kernel shape ``(n_in, n_out)``).
    Return ``(W, b)`` with ``x @ W + b`` equal to the whole stack for every ``x``:
    ``W = K₁ K₂ … K_L`` and ``b = (…((b₁ K₂ + b₂) K₃ + b₃) …) K_L + b_L``, as NumPy arrays.
    """
    raise NotImplementedError


def xor_network() -> tuple:
    """Weights, chosen by hand, of a 2-2-1 network that computes XOR.

    The network is ``y = relu(x @ W1 + b1) @ W2 + b2`` with ``W1`` of shape (2, 2), ``b1`` (2,),
    ``W2`` (2, 1) and ``b2`` (1,). Return ``(W1, b1, W2, b2)`` (NumPy arrays) such that y is 0
    for x = (0, 0) and (1, 1) and 1 for (0, 1) and (1, 0), within 0.1. (Hint: one hidden unit
    can count how many inputs are on, the other can fire only when both are.)
    """
    raise NotImplementedError
