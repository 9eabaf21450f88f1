"""A state-vector simulator of a few qubits in TensorFlow (lesson 14).

``n`` qubits are ``2ⁿ`` complex amplitudes kept as a tensor of shape ``[batch] + [2] * n`` (one
axis per qubit, qubit 0 the leftmost bit), so a one-qubit gate is a contraction over one axis.
Rotations ``R_P(θ) = exp(−iθP/2) = cos(θ/2) I − i sin(θ/2) P``, the entangling ``CNOT``, the
measured expectation ``⟨Z_q⟩ = Σ_s |ψ_s|² (−1)^{s_q}``, and the variational circuit trained in
the lesson. ``complex128`` throughout, so gradient checks agree to ~1e-12.
"""

from __future__ import annotations

import string
import time

import numpy as np
import tensorflow as tf

DTYPE = tf.complex128
REAL = tf.float64
# One einsum letter per qubit; "x" and "y" are kept for the gates' output indices.
QUBIT_LETTERS = "".join(c for c in string.ascii_lowercase if c not in "xy")


def zero_state(n_qubits, batch=None):
    """The state |00…0⟩: amplitude 1 on the all-zeros bit string, shape [batch] + [2]*n."""
    shape = [2] * n_qubits if batch is None else [batch] + [2] * n_qubits
    amplitudes = np.zeros(shape, dtype=np.complex128)
    amplitudes[(Ellipsis,) + (0,) * n_qubits] = 1.0
    return tf.constant(amplitudes)


def _as_complex(real_part, imaginary_part):
    return tf.complex(tf.cast(real_part, REAL), tf.cast(imaginary_part, REAL))


def _matrix(top_left, top_right, bottom_left, bottom_right):
    """Stack four [...]-shaped entries into [..., 2, 2] matrices."""
    return tf.stack(
        [tf.stack([top_left, top_right], axis=-1), tf.stack([bottom_left, bottom_right], axis=-1)],
        axis=-2,
    )


def rx(theta):
    """RX(θ) = cos(θ/2) I − i sin(θ/2) X."""
    theta = tf.convert_to_tensor(theta, REAL)
    zero = tf.zeros_like(theta)
    cos = _as_complex(tf.cos(theta / 2), zero)
    minus_i_sin = _as_complex(zero, -tf.sin(theta / 2))
    return _matrix(cos, minus_i_sin, minus_i_sin, cos)


def ry(theta):
    """RY(θ) = cos(θ/2) I − i sin(θ/2) Y  (a real rotation matrix)."""
    theta = tf.convert_to_tensor(theta, REAL)
    zero = tf.zeros_like(theta)
    cos = _as_complex(tf.cos(theta / 2), zero)
    sin = _as_complex(tf.sin(theta / 2), zero)
    return _matrix(cos, -sin, sin, cos)


def rz(theta):
    """RZ(θ) = cos(θ/2) I − i sin(θ/2) Z = diag(e^(−iθ/2), e^(iθ/2))."""
    theta = tf.convert_to_tensor(theta, REAL)
    zero = tf.zeros_like(theta)
    phase = tf.exp(_as_complex(zero, -theta / 2))
    nothing = _as_complex(zero, zero)
    return _matrix(phase, nothing, nothing, tf.math.conj(phase))


CNOT = tf.reshape(
    tf.constant([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], DTYPE), [2, 2, 2, 2]
)


def apply_gate(state, gate, qubit, n_qubits):
    """Apply a one-qubit gate ([2, 2] or [batch, 2, 2]) to axis ``qubit`` of the state.

    new[..., x, ...] = Σ_a gate[x, a] · state[..., a, ...]   (a = the qubit's old index)
    """
    old = QUBIT_LETTERS[:n_qubits]
    new = old.replace(old[qubit], "x")
    return tf.einsum(f"...x{old[qubit]},...{old}->...{new}", gate, state)


def apply_two_qubit_gate(state, gate, control, target, n_qubits):
    """Apply a [2, 2, 2, 2] gate (out-control, out-target, in-control, in-target) to two axes."""
    old = QUBIT_LETTERS[:n_qubits]
    new = old.replace(old[control], "x").replace(old[target], "y")
    return tf.einsum(f"xy{old[control]}{old[target]},...{old}->...{new}", gate, state)


def expectation_z(state, qubits, n_qubits):
    """⟨Z_q⟩ (or ⟨Z_q Z_r …⟩ for several qubits) of a state [batch] + [2]*n, shape [batch]."""
    qubits = [qubits] if isinstance(qubits, int) else list(qubits)
    probabilities = tf.math.real(state) ** 2 + tf.math.imag(state) ** 2
    letters = QUBIT_LETTERS[:n_qubits]
    signs = tf.constant([1.0, -1.0], REAL)  # Z's eigenvalue for bit 0 and bit 1
    operands = ",".join(letters[q] for q in qubits)
    return tf.einsum(f"...{letters},{operands}->...", probabilities, *[signs] * len(qubits))


def bell_state():
    """(|00⟩ + |11⟩)/√2: RY(π/2) on qubit 0, then CNOT(0 → 1)."""
    state = apply_gate(zero_state(2), ry(np.pi / 2), 0, 2)
    return apply_two_qubit_gate(state, CNOT, 0, 1, 2)


def circuit(angles, params, n_qubits):
    """⟨Z₀⟩ for each example.

    ``angles``: [batch, 2], the encoded features; ``params``: the trainable angles,
    [L, n, 2] (shared by all examples) or [batch, L, n, 2] (one set per example).
    """
    state = zero_state(n_qubits, batch=1)  # broadcasts against the per-example gates
    for layer in range(params.shape[-3]):
        for qubit in range(n_qubits):
            state = apply_gate(state, ry(angles[:, qubit % 2]), qubit, n_qubits)
        for qubit in range(n_qubits - 1):
            state = apply_two_qubit_gate(state, CNOT, qubit, qubit + 1, n_qubits)
        for qubit in range(n_qubits):
            state = apply_gate(state, rz(params[..., layer, qubit, 0]), qubit, n_qubits)
            state = apply_gate(state, ry(params[..., layer, qubit, 1]), qubit, n_qubits)
    return expectation_z(state, 0, n_qubits)


def state_vector_bytes(n_qubits):
    """Memory of the state of ``n_qubits``: 2ⁿ complex128 amplitudes, 16 bytes each."""
    return 16 * 2**n_qubits


def time_one_layer(n_qubits, repeats=3):
    """Best wall time (s) of one layer: an RY on every qubit, then a CNOT chain."""
    state = zero_state(n_qubits)
    angle = tf.constant(0.3, REAL)

    def layer(state):
        for qubit in range(n_qubits):
            state = apply_gate(state, ry(angle), qubit, n_qubits)
        for qubit in range(n_qubits - 1):
            state = apply_two_qubit_gate(state, CNOT, qubit, qubit + 1, n_qubits)
        return state

    layer(state)  # warm up once
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        layer(state).numpy()
        best = min(best, time.perf_counter() - started)
    return best
