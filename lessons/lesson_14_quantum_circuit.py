# %% [markdown]
# # Lesson 14 — Quantum computing: a variational circuit simulated in TensorFlow
#
# The article lists quantum computing among the trends. This lesson shows what a
# *variational quantum circuit* (a "quantum neural network") is, by simulating one
# exactly with TensorFlow's complex tensors and training it like any other model:
# a `tf.GradientTape` loop and the course's own Adam.
#
# **What you will learn**
#
# - how a register of `n` qubits is a vector of `2ⁿ` complex amplitudes, and how
#   gates (rotations `RX`, `RY`, `RZ` and the entangling `CNOT`) act on it;
# - what a measurement gives a model: the expectation `⟨Z⟩ ∈ [−1, 1]`;
# - how a circuit with trainable rotation angles becomes a classifier (data
#   encoded as angles, re-uploaded between trainable layers);
# - the **parameter-shift rule**, the way gradients are measured on real quantum
#   hardware, and that it gives exactly the gradient `GradientTape` computes;
# - what shot noise does to those gradients, and why simulating more than a few
#   dozen qubits on a classical computer is hopeless.
#
# **Read this first — what this lesson does and does not show.** Everything here
# runs on a classical CPU. The simulator stores the whole state vector: `2ⁿ`
# complex numbers, so each extra qubit doubles memory and time. With 2 qubits
# there is nothing here that is hard for a classical computer, and the lesson
# trains a small classical network with about as many parameters alongside, for
# comparison. There is no quantum advantage in this lesson, and no claim of one.
# A real device would also add gate errors and decoherence, which we do not
# simulate; and it never hands you `⟨Z⟩` exactly, only the average of a finite
# number of ±1 measurements ("shots"), which we simulate in one section. What the
# lesson *does* show is the programming model — parameterized circuits trained by
# gradient descent — and that the gradient rules used on hardware are the same
# derivatives autodiff gives.

# %%
from __future__ import annotations

import string
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers.layers import Dense
from custom_layers.optimizers import Adam
from lessons import common

# %% [markdown]
# ## 1. Qubits as a tensor
#
# One qubit is a unit vector `α|0⟩ + β|1⟩` in `ℂ²` (`|α|² + |β|² = 1`). `n` qubits
# are a unit vector in `ℂ^(2ⁿ)`: one amplitude per bit string `|q₀q₁…q_{n−1}⟩`.
# Instead of one long vector we keep the state as a tensor of shape `[2] * n`,
# one axis per qubit (qubit 0 is the leftmost bit), so that a gate on qubit `q`
# is a contraction over axis `q` alone. A leading batch axis lets us run the same
# circuit for many inputs at once: shape `[batch] + [2] * n`.
#
# We work in `complex128` (float64 real and imaginary parts) so that the gradient
# comparisons below are exact to ~1e-12, not ~1e-6.

# %%
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


# %% [markdown]
# ## 2. Gates
#
# A gate on one qubit is a 2×2 unitary matrix `U` (`U†U = I`: it keeps the state a
# unit vector). The rotations about the X, Y and Z axes of the Bloch sphere are
# `R_P(θ) = exp(−iθP/2) = cos(θ/2) I − i sin(θ/2) P` for the Pauli matrices
# `P ∈ {X, Y, Z}`:
#
# ```
# RX(θ) = [[cos θ/2,    −i sin θ/2],     RY(θ) = [[cos θ/2, −sin θ/2],
#          [−i sin θ/2, cos θ/2   ]]              [sin θ/2,  cos θ/2]]
#
# RZ(θ) = [[e^(−iθ/2), 0       ],
#          [0,         e^(iθ/2)]]
# ```
#
# The angle may be a scalar (a trainable parameter) or a vector (one angle per
# example in the batch, when we encode data): the functions return a `[..., 2, 2]`
# stack of matrices either way.
#
# `CNOT` acts on two qubits: it flips the *target* when the *control* is `|1⟩`
# (`|10⟩ → |11⟩`, `|11⟩ → |10⟩`). It is what creates entanglement. As a 4×4
# matrix on `|control, target⟩` it is reshaped to `[2, 2, 2, 2]`
# (out-control, out-target, in-control, in-target).


# %%
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


# %% [markdown]
# ## 3. Measurement: the expectation of Z
#
# Measuring qubit `q` gives 0 or 1 with probabilities `p₀`, `p₁` (sums of `|amplitude|²`
# over the bit strings with that bit). Calling the outcomes `+1` and `−1` (the
# eigenvalues of the Pauli `Z`), their mean is the *expectation*
# `⟨Z_q⟩ = p₀ − p₁ = Σ_s |ψ_s|² · (−1)^{s_q}`. It is a smooth function of every
# angle in the circuit — our model's output. For several qubits `⟨Z_q Z_r⟩`
# multiplies their signs: it measures whether the two bits agree.
#
# `|ψ|²` is computed as `Re(ψ)² + Im(ψ)²` rather than `abs(ψ)²`: the same value, but
# `abs` of a complex number has no gradient at 0.


# %%
def expectation_z(state, qubits, n_qubits):
    """⟨Z_q⟩ (or ⟨Z_q Z_r …⟩ for several qubits) of a state [batch] + [2]*n, shape [batch]."""
    qubits = [qubits] if isinstance(qubits, int) else list(qubits)
    probabilities = tf.math.real(state) ** 2 + tf.math.imag(state) ** 2
    letters = QUBIT_LETTERS[:n_qubits]
    signs = tf.constant([1.0, -1.0], REAL)  # Z's eigenvalue for bit 0 and bit 1
    operands = ",".join(letters[q] for q in qubits)
    return tf.einsum(f"...{letters},{operands}->...", probabilities, *[signs] * len(qubits))


# %% [markdown]
# A first check: the Bell state. `RY(π/2)` turns `|0⟩` into `(|0⟩ + |1⟩)/√2`; a
# CNOT then copies the bit into the second qubit: `(|00⟩ + |11⟩)/√2`. Each qubit
# alone is a fair coin (`⟨Z₀⟩ = ⟨Z₁⟩ = 0`), yet the two always agree
# (`⟨Z₀Z₁⟩ = 1`): entanglement. The numbers below are computed by the simulator.


# %%
def bell_state():
    state = apply_gate(zero_state(2), ry(np.pi / 2), 0, 2)
    return apply_two_qubit_gate(state, CNOT, 0, 1, 2)


def bell_state_report():
    state = bell_state()
    return {
        "amplitudes": np.round(tf.reshape(state, [4]).numpy(), 6),
        "z0": float(expectation_z(state, 0, 2)),
        "z1": float(expectation_z(state, 1, 2)),
        "z0z1": float(expectation_z(state, [0, 1], 2)),
    }


# %% [markdown]
# ## 4. The task: two interleaving moons
#
# A two-feature classification problem that no straight line separates. Labels
# `y ∈ {0, 1}` become targets `t = +1` (class 0) and `t = −1` (class 1), so that
# the circuit's `⟨Z⟩ ∈ [−1, 1]` can aim at them; the prediction is class 1 when
# `⟨Z⟩ < 0`. Features are standardized with the training set's mean and standard
# deviation and used as rotation angles in radians (times `--angle-scale`, 1 by
# default), so most angles fall within `[−2, 2]`, well inside one turn. A larger
# scale makes `⟨Z⟩` oscillate faster across the plane: try `--angle-scale 1.57` and
# watch the test accuracy drop while the training loss still falls.


# %%
def make_moons(n_samples, noise, rng):
    """Two half circles (upper: class 0, lower and shifted: class 1) plus Gaussian noise."""
    labels = rng.integers(0, 2, n_samples)
    angle = rng.uniform(0.0, np.pi, n_samples)
    x = np.where(labels == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(labels == 0, np.sin(angle), 0.5 - np.sin(angle))
    features = np.stack([x, y], axis=1) + rng.normal(0.0, noise, (n_samples, 2))
    return features, labels


def to_angles(features, mean, std, scale=1.0):
    return (features - mean) / std * scale


# %% [markdown]
# ## 5. The variational circuit
#
# Each of `L` layers does three things to the `n` qubits (here `n = 2`, one feature
# per qubit; with more qubits the features repeat):
#
# 1. **encode** the example: `RY(x_q)` on each qubit (data as rotation angles);
# 2. **entangle**: `CNOT(q, q+1)` along the chain;
# 3. **rotate** with trainable angles: `RZ(θ_{l,q,0})` then `RY(θ_{l,q,1})` on each qubit.
#
# The model's output is `f(x; θ) = ⟨Z₀⟩`. Encoding the data again in every layer
# ("data re-uploading", Pérez-Salinas et al., 2020) is what lets a circuit on so few
# qubits draw a curved decision boundary: with a single encoding, `⟨Z⟩` is a
# low-degree trigonometric polynomial of the inputs; each re-upload raises the
# degree. There are `L · n · 2` trainable angles, all in one tensor of shape
# `[L, n, 2]`. The same function also accepts one set of angles *per example*,
# shape `[batch, L, n, 2]` (the gates then get a batch axis, like the encoding
# gates): section 7 uses that to run many differently-shifted circuits in one call.


# %%
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


# %% [markdown]
# ## 6. Training: GradientTape and the custom Adam
#
# The loss is the mean squared error of lesson 02 between `⟨Z₀⟩` and the target:
# `L(θ) = 1/N Σ_i (f(x_i; θ) − t_i)²`. The simulator is ordinary TensorFlow, so the
# tape differentiates through every complex einsum back to the real angles. The
# angles start uniform in `[0, 2π)` and are a float64 `keras.Variable`, which the
# course's `Adam` updates like any weight. Each step uses the whole training set
# (it is small), so a step is an epoch.


# %%
def mse(outputs, targets):
    return tf.reduce_mean((outputs - targets) ** 2)


def accuracy(outputs, labels):
    return float(np.mean((np.asarray(outputs) < 0).astype(int) == labels))


def train_circuit(
    train_angles,
    train_targets,
    test_angles,
    test_targets,
    *,
    n_qubits,
    n_layers,
    epochs,
    learning_rate,
    rng,
):
    params = keras.Variable(
        rng.uniform(0.0, 2 * np.pi, (n_layers, n_qubits, 2)), dtype="float64", name="angles"
    )
    optimizer = Adam(learning_rate=learning_rate)

    @tf.function  # traced once: the Python loops over layers and qubits unroll into one graph
    def train_step():
        with tf.GradientTape() as tape:
            loss = mse(circuit(train_angles, params, n_qubits), train_targets)
        gradients = tape.gradient(loss, [params])
        optimizer.apply_gradients(zip(gradients, [params], strict=True))
        return loss

    @tf.function
    def test_loss():
        return mse(circuit(test_angles, params, n_qubits), test_targets)

    history = {"loss": [], "test_loss": []}
    for _ in range(epochs):
        history["test_loss"].append(float(test_loss()))  # before the step, like the train loss
        history["loss"].append(float(train_step()))
    return params, history


# %% [markdown]
# ## 7. The parameter-shift rule
#
# On a quantum computer you cannot backpropagate: the amplitudes are never
# available, only measurement averages. Yet the gradient is still measurable.
# For a gate `exp(−iθP/2)` with `P² = I` (all our rotations), `⟨Z⟩` as a function
# of that one angle is `a + b cos θ + c sin θ`, and therefore, exactly,
#
# ```
# ∂⟨Z⟩/∂θ = [⟨Z⟩(θ + π/2) − ⟨Z⟩(θ − π/2)] / 2
# ```
#
# Two runs of the same circuit with one angle shifted — not a finite difference
# with a small step, an identity. A gradient of `P` parameters costs `2P` circuit
# runs per example; we run all `2P · N` of them as one batch (per-example angles).
# The loss gradient then follows from the chain rule:
# `∂L/∂θ_k = 1/N Σ_i 2 (f(x_i) − t_i) ∂f(x_i)/∂θ_k`.
#
# On the tape side, the per-example Jacobian `∂f(x_i)/∂θ_k` takes one backward pass
# with a trick: give every example its own copy `θ_i` of the angles; since `f(x_i)`
# depends on `θ_i` alone, the gradient of `Σ_i f(x_i; θ_i)` with respect to `θ_i`
# is row `i` of the Jacobian.


# %%
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


# %% [markdown]
# ## 8. Shot noise
#
# A device returns ±1 outcomes, and `⟨Z⟩` is estimated from `S` shots: if the
# number of `−1` outcomes is `k ~ Binomial(S, p₁)` with `p₁ = (1 − ⟨Z⟩)/2`, the
# estimate is `1 − 2k/S`, whose standard deviation is `√((1 − ⟨Z⟩²)/S)`. We sample
# those outcomes for both shifted circuits of every angle and see how far the
# parameter-shift loss gradient lands from the exact one: the error falls like
# `1/√S`, so each extra digit of precision costs 100× more shots.


# %%
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


# %% [markdown]
# ## 9. A classical network with as many parameters
#
# To keep us honest: a two-layer network `2 → 6 (tanh) → 1 (tanh)` built from the
# course's `Dense` has `2·6 + 6 + 6 + 1 = 25` parameters, about as many as the
# circuit's 24 angles. Same loss, same optimizer, same number of steps.


# %%
def train_classical(train_x, train_targets, test_x, *, hidden, epochs, learning_rate):
    model = keras.Sequential(
        [keras.Input((2,)), Dense(hidden, activation="tanh"), Dense(1, activation="tanh")]
    )
    optimizer = Adam(learning_rate=learning_rate)
    train_x = tf.constant(train_x, tf.float32)
    train_targets = tf.constant(train_targets, tf.float32)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = mse(model(train_x)[:, 0], train_targets)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    for _ in range(epochs):
        loss = train_step()
    return model, float(loss), model(tf.constant(test_x, tf.float32))[:, 0].numpy()


# %% [markdown]
# ## 10. The price of simulation
#
# The state of `n` qubits is `2ⁿ` complex128 numbers, 16 bytes each: 2 qubits are
# 64 bytes, 30 qubits 16 GiB, 50 qubits 16 PiB. Below we time one circuit layer (an
# `RY` on every qubit and a CNOT chain) for growing `n`. For a few qubits the fixed
# cost of launching each operation dominates; beyond about a dozen, the time grows
# like the state itself, doubling with every qubit added (and the layer has more
# gates, too). This is why exact classical simulation stops at a few dozen qubits —
# and why quantum hardware is interesting at all.


# %%
def state_vector_bytes(n_qubits):
    return 16 * 2**n_qubits


def time_one_layer(n_qubits, repeats=3):
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


# %% [markdown]
# ## 11. Plots


# %%
def plot_loss(history, classical_loss):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(history["loss"], label="circuit, train")
    ax.plot(history["test_loss"], label="circuit, test")
    ax.axhline(
        classical_loss,
        color="gray",
        linestyle="--",
        label="classical 25-parameter net, final train",
    )
    ax.set_xlabel("step (full batch)")
    ax.set_ylabel("mean squared error of ⟨Z⟩ vs ±1")
    ax.set_title("Training the variational circuit with Adam")
    ax.legend()
    return fig


def plot_decision_boundary(
    params, n_qubits, mean, std, scale, train_x, train_y, test_x, test_y, grid
):
    low = np.minimum(train_x.min(0), test_x.min(0)) - 0.3
    high = np.maximum(train_x.max(0), test_x.max(0)) + 0.3
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], grid), np.linspace(low[1], high[1], grid))
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    z = (
        circuit(tf.constant(to_angles(points, mean, std, scale)), params, n_qubits)
        .numpy()
        .reshape(xs.shape)
    )
    fig, ax = plt.subplots(figsize=(6, 4.5))
    filled = ax.contourf(xs, ys, z, levels=np.linspace(-1, 1, 21), cmap="coolwarm_r", alpha=0.8)
    ax.contour(xs, ys, z, levels=[0.0], colors="black", linewidths=1.5)
    fig.colorbar(filled, ax=ax, label="⟨Z₀⟩ (class 1 where < 0)")
    for label, marker in ((0, "o"), (1, "s")):
        ax.scatter(
            *train_x[train_y == label].T,
            marker=marker,
            s=14,
            edgecolor="k",
            facecolor="white",
            linewidths=0.6,
            label=f"train, class {label}",
        )
        ax.scatter(*test_x[test_y == label].T, marker=marker, s=6, color="k", alpha=0.25)
    ax.set_title("Decision boundary of the circuit (black line: ⟨Z₀⟩ = 0)")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def plot_scaling(qubit_counts, seconds):
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    many = np.arange(1, 51)
    left.semilogy(many, [state_vector_bytes(n) for n in many])
    for value, name in ((2**30, "1 GiB"), (2**40, "1 TiB"), (2**50, "1 PiB")):
        left.axhline(value, color="gray", linestyle=":", linewidth=0.8)
        left.text(1, value * 1.5, name, fontsize=8, color="gray")
    left.set_xlabel("qubits n")
    left.set_ylabel("state vector size (bytes)")
    left.set_title("Memory: 16 · 2ⁿ bytes")
    right.semilogy(qubit_counts, seconds, "o-")
    right.set_xlabel("qubits n")
    right.set_ylabel("seconds for one layer (measured)")
    right.set_title("Time for one layer of gates")
    return fig


# %% [markdown]
# ## 12. Putting it together


# %%
def main(argv=None):
    def extra(parser):
        parser.add_argument("--layers", type=int, default=None, help="circuit layers (default 6)")
        parser.add_argument(
            "--qubits", type=int, default=2, choices=[2, 3, 4], help="qubits (default 2)"
        )
        parser.add_argument(
            "--angle-scale",
            type=float,
            default=1.0,
            help="radians per standard deviation of a feature (default 1)",
        )
        parser.add_argument(
            "--epochs",
            type=int,
            default=None,
            help="full-batch Adam steps (default 400; --quick 100)",
        )

    args = common.parse_args(argv, "Lesson 14: a variational quantum circuit", extra=extra)
    out = common.start("14", args)
    quick = args.quick
    n_qubits = args.qubits
    n_layers = args.layers or (4 if quick else 6)
    epochs = args.epochs or (100 if quick else 400)
    rng = np.random.default_rng(args.seed)

    bell = bell_state_report()
    print("Bell state (|00⟩ + |11⟩)/√2 from RY(π/2) and CNOT:")
    print(f"  amplitudes {bell['amplitudes']}")
    print(f"  ⟨Z0⟩ = {bell['z0']:+.6f}   ⟨Z1⟩ = {bell['z1']:+.6f}   ⟨Z0 Z1⟩ = {bell['z0z1']:+.6f}")

    train_x, train_y = make_moons(200, 0.15, rng)
    test_x, test_y = make_moons(300 if quick else 1000, 0.15, rng)
    mean, std = train_x.mean(axis=0), train_x.std(axis=0)
    train_angles = tf.constant(to_angles(train_x, mean, std, args.angle_scale))
    test_angles = tf.constant(to_angles(test_x, mean, std, args.angle_scale))
    train_targets = tf.constant(1.0 - 2.0 * train_y, REAL)  # class 0 → +1, class 1 → −1
    test_targets = tf.constant(1.0 - 2.0 * test_y, REAL)

    n_params = n_layers * n_qubits * 2
    print(
        f"\nTwo moons: {len(train_x)} training and {len(test_x)} test points; "
        f"circuit: {n_qubits} qubits, {n_layers} layers, {n_params} trainable angles."
    )
    started = time.perf_counter()
    params, history = train_circuit(
        train_angles,
        train_targets,
        test_angles,
        test_targets,
        n_qubits=n_qubits,
        n_layers=n_layers,
        epochs=epochs,
        learning_rate=0.05,
        rng=rng,
    )
    train_seconds = time.perf_counter() - started
    train_out = circuit(train_angles, params, n_qubits).numpy()
    test_out = circuit(test_angles, params, n_qubits).numpy()
    final_loss = float(mse(train_out, train_targets))
    final_test_loss = float(mse(test_out, test_targets))
    train_acc, test_acc = accuracy(train_out, train_y), accuracy(test_out, test_y)
    print(
        f"after {epochs} Adam steps ({train_seconds:.1f} s): loss {final_loss:.4f} "
        f"(test {final_test_loss:.4f}), accuracy train {train_acc:.3f}, test {test_acc:.3f}"
    )

    # Parameter shift vs tape, at the trained angles (a random point would do as well).
    check = compare_gradients(train_angles, train_targets, params.numpy(), n_qubits)
    max_diff = max(check["jacobian_diff"], check["gradient_diff"])
    print(
        f"\nParameter-shift rule vs GradientTape ({2 * n_params} shifted circuits on "
        f"{len(train_x)} examples):"
    )
    print(f"  max |difference| of ∂⟨Z0⟩/∂θ per example: {check['jacobian_diff']:.2e}")
    print(
        f"  max |difference| of ∂L/∂θ: {check['gradient_diff']:.2e}  "
        f"(largest |∂L/∂θ|: {check['largest_gradient']:.2e})"
    )

    shot_counts = (100, 1000, 10000)
    shot_errors = shot_noise_gradient_errors(
        train_angles,
        params.numpy(),
        n_qubits,
        check["residual"],
        check["tape_gradient"],
        shot_counts,
        rng,
        repeats=5 if quick else 20,
    )
    print("Parameter-shift loss gradient from sampled shots (RMS error vs exact):")
    for shots, error in shot_errors.items():
        print(f"  {shots:>6} shots per circuit: {error:.2e}")

    hidden = 6
    classical, classical_loss, classical_test = train_classical(
        train_angles.numpy(),
        train_targets.numpy(),
        test_angles.numpy(),
        hidden=hidden,
        epochs=epochs,
        learning_rate=0.05,
    )
    classical_params = classical.count_params()
    classical_acc = accuracy(classical_test, test_y)
    print(
        f"\nClassical 2→{hidden}→1 tanh network ({classical_params} parameters, same loss, "
        f"Adam, {epochs} steps): loss {classical_loss:.4f}, test accuracy {classical_acc:.3f}"
    )

    qubit_counts = [2, 4, 8, 12] if quick else [2, 4, 8, 12, 16, 18]
    layer_seconds = [time_one_layer(n) for n in qubit_counts]
    print("\nThe price of simulation (one layer of RY gates and a CNOT chain):")
    for n, seconds in zip(qubit_counts, layer_seconds, strict=True):
        print(
            f"  {n:>2} qubits: state {state_vector_bytes(n):>12,d} bytes, {seconds * 1e3:8.2f} ms"
        )
    print(f"  50 qubits would need {state_vector_bytes(50) / 2**50:.0f} PiB for the state alone.")

    common.save_figure(plot_loss(history, classical_loss), out, "loss_curve.png")
    common.save_figure(
        plot_decision_boundary(
            params,
            n_qubits,
            mean,
            std,
            args.angle_scale,
            train_x,
            train_y,
            test_x,
            test_y,
            grid=40 if quick else 80,
        ),
        out,
        "decision_boundary.png",
    )
    common.save_figure(plot_scaling(qubit_counts, layer_seconds), out, "state_vector_cost.png")

    metrics = {
        "qubits": n_qubits,
        "layers": n_layers,
        "trainable_angles": n_params,
        "epochs": epochs,
        "final_loss": round(final_loss, 6),
        "final_test_loss": round(final_test_loss, 6),
        "train_accuracy": round(train_acc, 4),
        "test_accuracy": round(test_acc, 4),
        "max_param_shift_grad_diff": max_diff,
        "bell_z0z1": round(bell["z0z1"], 6),
        "classical_params": classical_params,
        "classical_test_accuracy": round(classical_acc, 4),
        "angle_scale": args.angle_scale,
        "train_seconds": round(train_seconds, 2),
    }
    metrics.update({f"shot_noise_grad_rmse_{s}": round(e, 6) for s, e in shot_errors.items()})
    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
