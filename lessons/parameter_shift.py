"""Gradients of a variational circuit the way hardware measures them (lesson 14).

The **parameter-shift rule**: for a gate ``exp(−iθP/2)`` with ``P² = I``, an expectation is
``a + b cos θ + c sin θ`` in that angle, so exactly
``∂⟨Z⟩/∂θ = [⟨Z⟩(θ + π/2) − ⟨Z⟩(θ − π/2)] / 2``. Here it is computed for every angle and
example in one batch, compared with ``GradientTape``'s per-example Jacobian, and sampled with a
finite number of measurement shots.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from lessons.quantum_sim import REAL, circuit


def mse(outputs, targets):
    """``L = 1/N Σ_i (f_i − t_i)²``."""
    return tf.reduce_mean((outputs - targets) ** 2)


def shifted_expectations(angles, params, n_qubits):
    """⟨Z₀⟩ with each angle shifted by +π/2 and by −π/2: shape [n_params, 2, batch]."""
    params = tf.convert_to_tensor(params, REAL)
    n_params = int(np.prod(params.shape))
    shifts = np.pi / 2 * np.eye(n_params).reshape([n_params, *params.shape])
    shifted = tf.concat([params + shifts, params - shifts], axis=0)  # [2P, L, n, 2]
    batch = tf.shape(angles)[0]
    # Every (shifted circuit, example) pair is one row of a big batch.
    per_example_params = tf.repeat(shifted, batch, axis=0)  # [2P·N, L, n, 2]
    per_example_angles = tf.tile(angles, [2 * n_params, 1])  # [2P·N, 2]
    outputs = circuit(per_example_angles, per_example_params, n_qubits)
    return tf.transpose(tf.reshape(outputs, [2, n_params, batch]), [1, 0, 2])


def parameter_shift_jacobian(angles, params, n_qubits):
    """∂⟨Z₀⟩(x_i)/∂θ_k by the parameter-shift rule, shape [batch, *params.shape]."""
    shifted = shifted_expectations(angles, params, n_qubits)
    jacobian = (shifted[:, 0] - shifted[:, 1]) / 2  # [P, batch]
    return tf.reshape(tf.transpose(jacobian), [-1, *np.shape(params)])


def tape_jacobian_and_gradient(angles, targets, params, n_qubits):
    """The outputs, the tape's per-example Jacobian [batch, *params.shape], the loss gradient."""
    params = tf.convert_to_tensor(params, REAL)
    per_example = tf.Variable(tf.repeat(params[None], tf.shape(angles)[0], axis=0))
    shared = tf.Variable(params)
    with tf.GradientTape(persistent=True) as tape:
        summed = tf.reduce_sum(circuit(angles, per_example, n_qubits))  # Σ_i f(x_i; θ_i)
        outputs = circuit(angles, shared, n_qubits)
        loss = mse(outputs, targets)
    return outputs, tape.gradient(summed, per_example), tape.gradient(loss, shared)


def compare_gradients(angles, targets, params, n_qubits):
    """Parameter shift vs the tape: per-example Jacobians and the loss gradient (chain rule)."""
    outputs, tape_jac, tape_grad = tape_jacobian_and_gradient(angles, targets, params, n_qubits)
    shift_jac = parameter_shift_jacobian(angles, params, n_qubits)
    # chain rule: ∂L/∂θ = mean_i 2 (f_i − t_i) ∂f_i/∂θ
    residual = 2.0 * (outputs - targets) / tf.cast(tf.shape(outputs)[0], REAL)
    shift_grad = tf.einsum("i,i...->...", residual, shift_jac)
    return {
        "jacobian_diff": float(tf.reduce_max(tf.abs(shift_jac - tape_jac))),
        "gradient_diff": float(tf.reduce_max(tf.abs(shift_grad - tape_grad))),
        "largest_gradient": float(tf.reduce_max(tf.abs(tape_grad))),
        "tape_gradient": tape_grad.numpy(),
        "residual": residual.numpy(),
    }


def shot_noise_gradient_errors(
    angles, params, n_qubits, residual, exact_gradient, shot_counts, rng, repeats
):
    """RMS error of the sampled parameter-shift loss gradient, for each number of shots."""
    exact = np.clip(shifted_expectations(angles, params, n_qubits).numpy(), -1.0, 1.0)
    p_minus_one = (1.0 - exact) / 2.0  # [P, 2, batch]
    errors = {}
    for shots in shot_counts:
        squared = []
        for _ in range(repeats):
            estimate = 1.0 - 2.0 * rng.binomial(shots, p_minus_one) / shots
            jacobian = (estimate[:, 0] - estimate[:, 1]) / 2.0  # [P, batch]
            gradient = jacobian @ residual
            squared.append(np.mean((gradient - exact_gradient.reshape(-1)) ** 2))
        errors[shots] = float(np.sqrt(np.mean(squared)))
    return errors
