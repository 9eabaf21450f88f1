"""Checkers for lesson 14: the gate against a matrix exponential, ⟨Z⟩ against ⟨ψ|Z_q|ψ⟩ built
from Kronecker products, and parameter shift against analytic gradients and finite differences."""

from functools import reduce

import numpy as np

from grading import check, close, exercise

X = np.array([[0, 1], [1, 0]], complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)


def _exp_pauli(theta, pauli):
    """exp(−iθP/2) through P's eigenvectors: V diag(e^{−iθλ/2}) V†."""
    values, vectors = np.linalg.eigh(pauli)
    return vectors @ np.diag(np.exp(-0.5j * theta * values)) @ vectors.conj().T


@exercise("ry", hint="Half angles: RY(θ) = [[cos θ/2, −sin θ/2], [sin θ/2, cos θ/2]].")
def check_ry(ry):
    for theta in (0.0, np.pi / 2, np.pi, -0.7, 2 * np.pi, 5.1):
        got, expected = np.asarray(ry(theta), complex), _exp_pauli(theta, Y)
        yield close(
            f"θ = {theta:.4g}: exp(−iθY/2) (real and imaginary parts)",
            np.stack([got.real, got.imag]),
            np.stack([expected.real, expected.imag]),
            atol=1e-9,
        )
    a, b = 0.4, 1.9
    product = np.asarray(ry(a), complex) @ np.asarray(ry(b), complex)
    yield close(
        "RY(a)·RY(b) = RY(a + b)", np.abs(product - np.asarray(ry(a + b))), np.zeros((2, 2))
    )
    state = np.asarray(ry(1.1), complex) @ np.array([1.0, 0.0])
    yield close("⟨Z⟩ of RY(θ)|0⟩ is cos θ", abs(state[0]) ** 2 - abs(state[1]) ** 2, np.cos(1.1))


def _on_qubit(matrix, qubit, n):
    return reduce(np.kron, [matrix if q == qubit else np.eye(2) for q in range(n)])


@exercise(
    "expectation_z",
    hint="Use |ψ_s|² (np.abs, the amplitudes are complex), and qubit 0 is the leftmost bit.",
)
def check_expectation_z(expectation_z):
    rng = np.random.default_rng(14)

    def random_state(n):
        amplitudes = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
        return amplitudes / np.linalg.norm(amplitudes)

    named = {
        "|0⟩": (np.array([1, 0], complex), [0]),
        "|1⟩": (np.array([0, 1], complex), [0]),
        "(|0⟩ + i|1⟩)/√2": (np.array([1, 1j]) / np.sqrt(2), [0]),
        "a random complex qubit": (random_state(1), [0]),
        "the Bell state (|00⟩ + |11⟩)/√2": (np.array([1, 0, 0, 1]) / np.sqrt(2), [0, 1]),
        "|100⟩ (qubit 0 is the leftmost bit)": (np.eye(8)[4].astype(complex), [0, 1, 2]),
        "a random 3-qubit state": (random_state(3), [0, 1, 2]),
    }
    for name, (state, qubits) in named.items():
        for q in qubits:
            expected = np.real(state.conj() @ _on_qubit(Z, q, int(np.log2(state.size))) @ state)
            yield close(f"{name}, qubit {q}", expectation_z(state, q), expected, atol=1e-12)


def _two_qubit_circuit(theta):
    """⟨Z₀⟩ of (RY(θ₂) ⊗ RX(θ₃)) · CNOT · (RX(θ₀) ⊗ RY(θ₁)) |00⟩, by matrices."""
    cnot = np.eye(4)[[0, 1, 3, 2]]
    state = np.kron(_exp_pauli(theta[0], X), _exp_pauli(theta[1], Y)) @ np.eye(4)[0]
    state = np.kron(_exp_pauli(theta[2], Y), _exp_pauli(theta[3], X)) @ (cnot @ state)
    return float(np.real(state.conj() @ np.kron(Z, np.eye(2)) @ state))


@exercise(
    "parameter_shift_gradient",
    hint="Shift one angle at a time by +π/2 and by −π/2, and halve the difference.",
)
def check_parameter_shift_gradient(parameter_shift_gradient):
    theta = np.array([0.3, -1.2])
    got = parameter_shift_gradient(lambda t: np.cos(t[0]) * np.cos(t[1]), theta)
    expected = [-np.sin(0.3) * np.cos(-1.2), -np.cos(0.3) * np.sin(-1.2)]
    yield close("f = cos θ₀ cos θ₁ (⟨Z⟩ of RY(θ₁)RY(θ₀)|0⟩): analytic", got, expected, atol=1e-9)
    one = parameter_shift_gradient(lambda t: 0.2 + 0.5 * np.cos(t[0]) - 0.3 * np.sin(t[0]), [0.0])
    yield close("one angle, f = a + b cos θ + c sin θ at θ = 0", one, [-0.3], atol=1e-9)
    rng = np.random.default_rng(141)
    for n, point in enumerate([rng.uniform(-np.pi, np.pi, 4) for _ in range(2)] + [np.zeros(4)]):
        step = 1e-5
        numeric = [
            (_two_qubit_circuit(point + step * e) - _two_qubit_circuit(point - step * e))
            / (2 * step)
            for e in np.eye(4)
        ]
        got = parameter_shift_gradient(_two_qubit_circuit, point)
        yield close(f"a 2-qubit circuit, point {n}: vs finite differences", got, numeric, atol=1e-7)
    got = parameter_shift_gradient(_two_qubit_circuit, np.zeros(4))
    yield check(
        "the shape of theta is kept",
        np.shape(got) == (4,),
        "shape (4,)",
        f"shape {np.shape(got)}",
    )
