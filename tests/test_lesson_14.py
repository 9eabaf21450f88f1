"""Lesson 14: the state-vector simulator against NumPy, parameter shift against the tape, and
the --quick chapter end to end."""

from functools import reduce

import numpy as np
import pytest
import tensorflow as tf

from lessons import parameter_shift
from lessons import quantum_sim as lesson
from tests.lesson_run import run_lesson

I2 = np.eye(2)
PAULI_Z = np.diag([1.0, -1.0])


def as_vector(state):
    return tf.reshape(state, [-1]).numpy()


def basis_state(bits):
    """|b₀b₁…⟩ as a [2]*n tensor."""
    amplitudes = np.zeros([2] * len(bits), dtype=np.complex128)
    amplitudes[tuple(bits)] = 1.0
    return tf.constant(amplitudes)


def random_state(n_qubits, rng):
    amplitudes = rng.normal(size=2**n_qubits) + 1j * rng.normal(size=2**n_qubits)
    return amplitudes / np.linalg.norm(amplitudes)


def on_qubit(matrix, qubit, n_qubits):
    """The 2ⁿ×2ⁿ matrix of a one-qubit gate on ``qubit`` (qubit 0 = leftmost Kronecker factor)."""
    return reduce(np.kron, [matrix if q == qubit else I2 for q in range(n_qubits)])


@pytest.mark.parametrize("gate", [lesson.rx, lesson.ry, lesson.rz])
def test_rotation_gates_are_unitary_and_match_the_exponential(gate):
    angles = np.array([-2.7, -0.4, 0.0, 0.9, np.pi, 5.1])
    matrices = gate(angles).numpy()  # a batch of angles gives a batch of matrices
    assert matrices.shape == (6, 2, 2)
    pauli = {
        lesson.rx: np.array([[0, 1], [1, 0]]),
        lesson.ry: np.array([[0, -1j], [1j, 0]]),
        lesson.rz: PAULI_Z,
    }[gate]
    for theta, u in zip(angles, matrices, strict=True):
        np.testing.assert_allclose(u.conj().T @ u, I2, atol=1e-14)
        # R_P(θ) = exp(−iθP/2) = cos(θ/2) I − i sin(θ/2) P
        np.testing.assert_allclose(
            u, np.cos(theta / 2) * I2 - 1j * np.sin(theta / 2) * pauli, atol=1e-14
        )
        np.testing.assert_allclose(gate(theta).numpy(), u, atol=0)  # scalar angle: same matrix


def test_cnot_is_unitary_permutation():
    cnot = tf.reshape(lesson.CNOT, [4, 4]).numpy()
    np.testing.assert_allclose(cnot.conj().T @ cnot, np.eye(4), atol=0)
    np.testing.assert_allclose(cnot, np.eye(4)[[0, 1, 3, 2]], atol=0)


def test_known_single_qubit_states():
    zero = lesson.zero_state(1)
    np.testing.assert_allclose(as_vector(zero), [1, 0])
    # RX(π)|0⟩ = −i|1⟩ (the global phase is part of the exact answer)
    np.testing.assert_allclose(
        as_vector(lesson.apply_gate(zero, lesson.rx(np.pi), 0, 1)), [0, -1j], atol=1e-15
    )
    np.testing.assert_allclose(
        as_vector(lesson.apply_gate(zero, lesson.ry(np.pi), 0, 1)), [0, 1], atol=1e-15
    )
    # RZ only changes the phase: |0⟩ → e^(−iθ/2)|0⟩
    np.testing.assert_allclose(
        as_vector(lesson.apply_gate(zero, lesson.rz(0.8), 0, 1)), [np.exp(-0.4j), 0], atol=1e-15
    )
    # ⟨Z⟩ of RY(θ)|0⟩ is cos θ
    state = lesson.apply_gate(zero, lesson.ry(1.1), 0, 1)
    assert float(lesson.expectation_z(state, 0, 1)) == pytest.approx(np.cos(1.1), abs=1e-15)


@pytest.mark.parametrize(
    ("bits", "expected"), [((0, 0), (0, 0)), ((0, 1), (0, 1)), ((1, 0), (1, 1)), ((1, 1), (1, 0))]
)
def test_cnot_flips_the_target_when_the_control_is_one(bits, expected):
    out = lesson.apply_two_qubit_gate(basis_state(bits), lesson.CNOT, 0, 1, 2)
    np.testing.assert_allclose(out.numpy(), basis_state(expected).numpy(), atol=0)


def test_cnot_on_non_adjacent_and_reversed_qubits():
    # 3 qubits, control 2, target 0: |001⟩ → |101⟩, |100⟩ unchanged
    out = lesson.apply_two_qubit_gate(basis_state((0, 0, 1)), lesson.CNOT, 2, 0, 3)
    np.testing.assert_allclose(out.numpy(), basis_state((1, 0, 1)).numpy(), atol=0)
    out = lesson.apply_two_qubit_gate(basis_state((1, 0, 0)), lesson.CNOT, 2, 0, 3)
    np.testing.assert_allclose(out.numpy(), basis_state((1, 0, 0)).numpy(), atol=0)


def test_gates_on_each_qubit_match_kronecker_products():
    rng = np.random.default_rng(0)
    n = 3
    vector = random_state(n, rng)
    state = tf.constant(vector.reshape([2] * n))
    for qubit in range(n):
        for gate in (lesson.rx, lesson.ry, lesson.rz):
            u = gate(0.7 + qubit).numpy()
            out = lesson.apply_gate(state, gate(0.7 + qubit), qubit, n)
            np.testing.assert_allclose(as_vector(out), on_qubit(u, qubit, n) @ vector, atol=1e-14)
        z = np.real(vector.conj() @ on_qubit(PAULI_Z, qubit, n) @ vector)
        assert float(lesson.expectation_z(state, qubit, n)) == pytest.approx(z, abs=1e-14)
    zz = reduce(np.kron, [PAULI_Z, I2, PAULI_Z])
    assert float(lesson.expectation_z(state, [0, 2], n)) == pytest.approx(
        np.real(vector.conj() @ zz @ vector), abs=1e-14
    )


def test_bell_state():
    state = lesson.bell_state()
    np.testing.assert_allclose(as_vector(state), np.array([1, 0, 0, 1]) / np.sqrt(2), atol=1e-15)
    assert float(lesson.expectation_z(state, 0, 2)) == pytest.approx(0, abs=1e-15)
    assert float(lesson.expectation_z(state, 1, 2)) == pytest.approx(0, abs=1e-15)
    assert float(lesson.expectation_z(state, [0, 1], 2)) == pytest.approx(1, abs=1e-15)


def test_batched_gates_act_per_example():
    angles = np.array([0.0, np.pi / 2, np.pi])
    state = lesson.apply_gate(lesson.zero_state(1, batch=1), lesson.ry(angles), 0, 1)
    np.testing.assert_allclose(
        lesson.expectation_z(state, 0, 1).numpy(), np.cos(angles), atol=1e-15
    )


def _problem(n_qubits=2, n_layers=3, batch=7, seed=1):
    rng = np.random.default_rng(seed)
    angles = tf.constant(rng.normal(size=(batch, 2)))
    targets = tf.constant(rng.choice([-1.0, 1.0], batch))
    params = rng.uniform(0, 2 * np.pi, (n_layers, n_qubits, 2))
    return angles, targets, params


def test_per_example_params_give_the_same_outputs():
    angles, _, params = _problem()
    shared = lesson.circuit(angles, tf.constant(params), 2)
    per_example = lesson.circuit(angles, tf.constant(np.repeat(params[None], 7, axis=0)), 2)
    np.testing.assert_allclose(per_example.numpy(), shared.numpy(), atol=1e-15)
    assert np.all(np.abs(shared.numpy()) <= 1 + 1e-12)


@pytest.mark.parametrize("n_qubits", [2, 3])
def test_parameter_shift_equals_the_tape(n_qubits):
    angles, targets, params = _problem(n_qubits=n_qubits)
    # The tape's full Jacobian, computed the plain way, validates the one-backward-pass trick.
    variable = tf.Variable(params)
    with tf.GradientTape(persistent=True) as tape:  # persistent: one backward pass per row
        outputs = lesson.circuit(angles, variable, n_qubits)
    reference = tape.jacobian(outputs, variable, experimental_use_pfor=False).numpy()
    _, trick, _ = parameter_shift.tape_jacobian_and_gradient(angles, targets, params, n_qubits)
    np.testing.assert_allclose(trick.numpy(), reference, atol=1e-13)

    shift = parameter_shift.parameter_shift_jacobian(angles, params, n_qubits).numpy()
    assert shift.shape == reference.shape
    assert np.max(np.abs(reference)) > 0.1  # not a trivially flat point
    np.testing.assert_allclose(shift, reference, atol=1e-12)
    check = parameter_shift.compare_gradients(angles, targets, params, n_qubits)
    assert check["jacobian_diff"] <= 1e-12
    assert check["gradient_diff"] <= 1e-12


def test_tape_gradient_matches_finite_differences():
    angles, targets, params = _problem()
    _, _, gradient = parameter_shift.tape_jacobian_and_gradient(angles, targets, params, 2)

    def loss(p):
        return float(parameter_shift.mse(lesson.circuit(angles, tf.constant(p), 2), targets))

    step = 1e-6
    numeric = np.zeros_like(params)
    for index in np.ndindex(params.shape):
        plus, minus = params.copy(), params.copy()
        plus[index] += step
        minus[index] -= step
        numeric[index] = (loss(plus) - loss(minus)) / (2 * step)
    np.testing.assert_allclose(gradient.numpy(), numeric, atol=1e-8)


def test_lesson_runs_in_quick_mode(tmp_path):
    saved, printed, _ = run_lesson(14, "--quick", out=tmp_path)
    assert saved["max_param_shift_grad_diff"] <= 1e-10
    assert saved["final_loss"] < 0.5  # the untrained circuit starts near 1
    assert saved["test_accuracy"] >= 0.85
    assert saved["bell_z0z1"] == pytest.approx(1.0)
    assert saved["trainable_angles"] == saved["layers"] * saved["qubits"] * 2
    # the classical yardstick has about as many parameters as the circuit has angles
    assert abs(saved["classical_params"] - saved["trainable_angles"]) <= 2
    assert f"{saved['trainable_angles']} trainable angles" in printed
    # shot noise: 100× more shots, about 10× smaller error (a loose bound on a random quantity)
    assert saved["shot_noise_grad_rmse_10000"] < saved["shot_noise_grad_rmse_100"] / 3
    assert -0.8 < saved["shot_noise_slope"] < -0.3
    assert f"error ∝ S^{saved['shot_noise_slope']:.2f}" in printed
    for name in ("loss_curve.png", "decision_boundary.png", "state_vector_cost.png"):
        assert (tmp_path / name).stat().st_size > 10_000
