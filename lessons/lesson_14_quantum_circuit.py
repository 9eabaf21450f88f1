# %% [markdown]
# # Lesson 14 — Quantum computing: a variational circuit simulated in TensorFlow
#
# The article lists quantum computing among the trends. This chapter shows what a
# *variational quantum circuit* (a "quantum neural network") is, by simulating one exactly with
# TensorFlow's complex tensors and training it like any other model: a `tf.GradientTape` loop
# and the course's own Adam.
#
# **What you will learn**
#
# - how a register of `n` qubits is a vector of `2ⁿ` complex amplitudes, and how gates
#   (rotations `RX`, `RY`, `RZ` and the entangling `CNOT`) act on it;
# - what a measurement gives a model: the expectation `⟨Z⟩ ∈ [−1, 1]`;
# - how a circuit with trainable rotation angles becomes a classifier (data encoded as angles,
#   re-uploaded between trainable layers);
# - the **parameter-shift rule**, the way gradients are measured on real quantum hardware,
#   checked against the gradient `GradientTape` computes;
# - what shot noise does to those gradients, and what simulating more qubits costs.
#
# **Read this first — what this chapter does and does not show.** Everything here runs on a
# classical CPU. The simulator stores the whole state vector, `2ⁿ` complex numbers, so each
# extra qubit doubles memory and time. With 2 qubits nothing here is hard for a classical
# computer, and the chapter trains a small classical network with about as many parameters
# alongside. There is no claim of a quantum advantage. A real device would add gate errors and
# decoherence, which we do not simulate, and it never hands you `⟨Z⟩` exactly, only the
# average of a finite number of ±1 measurements ("shots"), which we simulate in §6. What the
# chapter shows is the programming model: parameterized circuits trained by gradient descent.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers.layers import Dense
from custom_layers.optimizers import Adam
from datasets import planar
from lessons import common, decision_plots, parameter_shift, quantum_sim
from lessons.quantum_sim import REAL


# %% tags=["parameters"]
def extra(parser):
    parser.add_argument(
        "--layers", type=common.int_at_least(1), default=None, help="circuit layers (default 6)"
    )
    parser.add_argument(
        "--qubits", type=common.int_at_least(2, 4), default=2, help="qubits, 2 … 4 (default 2)"
    )
    parser.add_argument(
        "--angle-scale",
        type=common.float_in(0.0, 10.0, low_open=True),
        default=1.0,
        help="radians per standard deviation of a feature (default 1)",
    )


args = common.setup("14", "Lesson 14: a variational quantum circuit", epochs=400, extra=extra)
n_qubits = args.qubits
n_layers = args.layers or (4 if args.quick else 6)
epochs = 100 if args.quick else args.epochs  # full-batch Adam steps
rng = np.random.default_rng(args.seed)
metrics = {"qubits": n_qubits, "layers": n_layers, "epochs": epochs}

# %% [markdown]
# ## 1. Qubits as a tensor, and gates
#
# One qubit is a unit vector `α|0⟩ + β|1⟩` in `ℂ²`; `n` qubits a unit vector in `ℂ^(2ⁿ)`, one
# amplitude per bit string `|q₀q₁…q_{n−1}⟩`. We keep it as a tensor of shape `[2] * n` (plus a
# leading batch axis), one axis per qubit, so that a gate on qubit `q` is a contraction over
# axis `q` alone, in `complex128` so that gradient checks agree to ~1e-12.
#
# A one-qubit gate is a 2×2 unitary `U` (`U†U = I`). The rotations about the Bloch sphere's
# axes are `R_P(θ) = exp(−iθP/2) = cos(θ/2) I − i sin(θ/2) P` for the Pauli matrices
# `P ∈ {X, Y, Z}`; for example `RY(θ) = [[cos θ/2, −sin θ/2], [sin θ/2, cos θ/2]]`. An angle
# may be a scalar (a trainable parameter) or one per example (encoded data). `CNOT` flips the
# *target* qubit when the *control* is `|1⟩`; it is what creates entanglement.

# %%
common.show_source(quantum_sim.ry)
common.show_source(quantum_sim.apply_gate)

# %% [markdown]
# ## 2. Measurement: the expectation of Z
#
# Measuring qubit `q` gives 0 or 1 with probabilities `p₀`, `p₁`; calling the outcomes `+1`
# and `−1` (the eigenvalues of `Z`), their mean is `⟨Z_q⟩ = p₀ − p₁ = Σ_s |ψ_s|² (−1)^{s_q}`,
# a smooth function of every angle in the circuit: our model's output. `⟨Z_q Z_r⟩` multiplies
# the signs: it measures whether two bits agree. (`|ψ|²` is computed as `Re² + Im²`: `abs` of a
# complex number has no gradient at 0.)
#
# A first check, the Bell state: `RY(π/2)` turns `|0⟩` into `(|0⟩ + |1⟩)/√2`, and a CNOT copies
# the bit into the second qubit, `(|00⟩ + |11⟩)/√2`. Each qubit alone should be a fair coin,
# yet the two should always agree. The simulator says:

# %%
bell = quantum_sim.bell_state()
z0, z1 = (float(quantum_sim.expectation_z(bell, q, 2)) for q in (0, 1))
z0z1 = float(quantum_sim.expectation_z(bell, [0, 1], 2))
print(f"amplitudes of |00⟩, |01⟩, |10⟩, |11⟩: {np.round(tf.reshape(bell, [4]).numpy(), 6)}")
print(f"⟨Z0⟩ = {z0:+.6f}   ⟨Z1⟩ = {z1:+.6f}   ⟨Z0 Z1⟩ = {z0z1:+.6f}")
metrics["bell_z0z1"] = round(z0z1, 6)

# %% [markdown]
# ## 3. The task and the circuit
#
# Two interleaving moons (`datasets.planar.make_moons`): no straight line separates them.
# Labels `y ∈ {0, 1}` become targets `t = +1` (class 0) and `t = −1` (class 1), so that
# `⟨Z⟩ ∈ [−1, 1]` can aim at them; the prediction is class 1 when `⟨Z⟩ < 0`. Features are
# standardized with the training set's statistics and used as rotation angles in radians,
# times `--angle-scale`.
#
# Each of `L` layers **encodes** the example (`RY(x_q)` on each qubit), **entangles**
# (`CNOT(q, q+1)` along the chain) and **rotates** with trainable angles (`RZ(θ_{l,q,0})` then
# `RY(θ_{l,q,1})`). The output is `f(x; θ) = ⟨Z₀⟩`. Encoding the data again in every layer
# ("data re-uploading", Pérez-Salinas et al., 2020) lets a circuit on few qubits draw a curved
# boundary: with one encoding `⟨Z⟩` is a low-degree trigonometric polynomial of the inputs,
# and each re-upload raises the degree. The angles form one tensor `[L, n, 2]`, or one set per
# example, `[batch, L, n, 2]` (§5 runs many shifted circuits at once with that).

# %%
common.show_source(quantum_sim.circuit)
train_x, train_y = planar.make_moons(200, 0.15, rng)
test_x, test_y = planar.make_moons(300 if args.quick else 1000, 0.15, rng)
mean, std = train_x.mean(axis=0), train_x.std(axis=0)


def to_angles(features):
    return tf.constant((features - mean) / std * args.angle_scale, REAL)


train_angles, test_angles = to_angles(train_x), to_angles(test_x)
train_targets = tf.constant(1.0 - 2.0 * train_y, REAL)  # class 0 → +1, class 1 → −1
test_targets = tf.constant(1.0 - 2.0 * test_y, REAL)
n_params = n_layers * n_qubits * 2
print(
    f"two moons: {len(train_x)} training and {len(test_x)} test points; circuit: {n_qubits} "
    f"qubits, {n_layers} layers, {n_params} trainable angles"
)
metrics["trainable_angles"] = n_params

# %% [markdown]
# ## 4. Training: GradientTape and the custom Adam
#
# The loss is lesson 02's mean squared error between `⟨Z₀⟩` and the target,
# `L(θ) = 1/N Σ_i (f(x_i; θ) − t_i)²`. The simulator is ordinary TensorFlow, so the tape
# differentiates through every complex einsum back to the real angles. The angles start uniform
# in `[0, 2π)` as a float64 `keras.Variable`, which the course's `Adam` updates like any weight.
# Each step uses the whole training set, so a step is an epoch.


# %%
def accuracy(outputs, labels):
    return float(np.mean((np.asarray(outputs) < 0).astype(int) == labels))


params = keras.Variable(rng.uniform(0.0, 2 * np.pi, (n_layers, n_qubits, 2)), dtype="float64")
optimizer = Adam(learning_rate=0.05)


@tf.function  # traced once: the Python loops over layers and qubits unroll into one graph
def train_step():
    with tf.GradientTape() as tape:
        outputs = quantum_sim.circuit(train_angles, params, n_qubits)
        loss = parameter_shift.mse(outputs, train_targets)
    gradients = tape.gradient(loss, [params])
    optimizer.apply_gradients(zip(gradients, [params], strict=True))
    return loss


@tf.function
def test_loss():
    return parameter_shift.mse(quantum_sim.circuit(test_angles, params, n_qubits), test_targets)


started = time.perf_counter()
history = {"loss": [], "test_loss": []}
for _ in range(epochs):
    history["test_loss"].append(float(test_loss()))  # before the step, like the train loss
    history["loss"].append(float(train_step()))
train_seconds = time.perf_counter() - started
train_out = quantum_sim.circuit(train_angles, params, n_qubits).numpy()
test_out = quantum_sim.circuit(test_angles, params, n_qubits).numpy()
metrics.update(
    final_loss=round(float(parameter_shift.mse(train_out, train_targets)), 6),
    final_test_loss=round(float(parameter_shift.mse(test_out, test_targets)), 6),
    train_accuracy=round(accuracy(train_out, train_y), 4),
    test_accuracy=round(accuracy(test_out, test_y), 4),
    train_seconds=round(train_seconds, 2),
)
print(
    f"after {epochs} Adam steps ({train_seconds:.1f} s): loss {history['loss'][0]:.3f} → "
    f"{metrics['final_loss']:.4f} (test {metrics['final_test_loss']:.4f}); accuracy train "
    f"{metrics['train_accuracy']:.3f}, test {metrics['test_accuracy']:.3f}"
)

# %% [markdown]
# ## 5. The parameter-shift rule
#
# On a quantum computer you cannot backpropagate: the amplitudes are never available, only
# measurement averages. Yet the gradient is still measurable. For a gate `exp(−iθP/2)` with
# `P² = I` (all our rotations), `⟨Z⟩` as a function of that one angle is `a + b cos θ + c sin θ`,
# and therefore, exactly, `∂⟨Z⟩/∂θ = [⟨Z⟩(θ + π/2) − ⟨Z⟩(θ − π/2)] / 2`: two runs of the
# same circuit with one angle shifted, an identity rather than a finite difference. `P` angles
# cost `2P` circuit runs per example; we run all `2P · N` as one batch. The loss gradient
# follows by the chain rule, `∂L/∂θ_k = 1/N Σ_i 2 (f(x_i) − t_i) ∂f(x_i)/∂θ_k`. On the tape's
# side, the per-example Jacobian takes one backward pass if every example gets its own copy
# `θ_i` of the angles: `f(x_i)` depends on `θ_i` alone, so `∂(Σ_i f(x_i; θ_i))/∂θ_i` is row `i`.

# %%
common.show_source(parameter_shift.shifted_expectations)
check = parameter_shift.compare_gradients(train_angles, train_targets, params.numpy(), n_qubits)
print(
    f"parameter shift vs GradientTape, {2 * n_params} shifted circuits × {len(train_x)} examples:"
)
print(f"   max |difference| of ∂⟨Z0⟩/∂θ per example: {check['jacobian_diff']:.2e}")
print(
    f"   max |difference| of ∂L/∂θ: {check['gradient_diff']:.2e} "
    f"(largest |∂L/∂θ|: {check['largest_gradient']:.2e})"
)
metrics["max_param_shift_grad_diff"] = max(check["jacobian_diff"], check["gradient_diff"])

# %% [markdown]
# ## 6. Shot noise
#
# A device returns ±1 outcomes, and `⟨Z⟩` is estimated from `S` shots: if the number of `−1`
# outcomes is `k ~ Binomial(S, p₁)` with `p₁ = (1 − ⟨Z⟩)/2`, the estimate `1 − 2k/S` has
# standard deviation `√((1 − ⟨Z⟩²)/S)`, so the error should shrink like `1/√S`. We sample those
# outcomes for both shifted circuits of every angle and measure how far the parameter-shift loss
# gradient lands from the exact one.

# %%
shot_errors = parameter_shift.shot_noise_gradient_errors(
    train_angles,
    params.numpy(),
    n_qubits,
    check["residual"],
    check["tape_gradient"],
    (100, 1000, 10000),
    rng,
    repeats=5 if args.quick else 20,
)
for shots, error in shot_errors.items():
    print(f"{shots:>6} shots per circuit: RMS error of ∂L/∂θ {error:.2e}")
    metrics[f"shot_noise_grad_rmse_{shots}"] = round(error, 6)
slope = np.polyfit(np.log10(list(shot_errors)), np.log10(list(shot_errors.values())), 1)[0]
print(f"fitted: error ∝ S^{slope:.2f} (1/√S would be S^-0.50)")
metrics["shot_noise_slope"] = round(float(slope), 3)

# %% [markdown]
# ## 7. A classical network with as many parameters
#
# To keep us honest: a network `2 → h (tanh) → 1 (tanh)` of the course's `Dense` layers has
# `2h + h + h + 1 = 4h + 1` parameters; we pick the `h` that comes closest to the circuit's
# angle count, and train it with the same loss, optimizer and number of steps.

# %%
hidden = max(1, round((n_params - 1) / 4))
classical = keras.Sequential(
    [keras.Input((2,)), Dense(hidden, activation="tanh"), Dense(1, activation="tanh")]
)
classical_optimizer = Adam(learning_rate=0.05)
features, targets = tf.cast(train_angles, tf.float32), tf.cast(train_targets, tf.float32)


@tf.function
def classical_step():
    with tf.GradientTape() as tape:
        loss = parameter_shift.mse(classical(features)[:, 0], targets)
    gradients = tape.gradient(loss, classical.trainable_variables)
    classical_optimizer.apply_gradients(zip(gradients, classical.trainable_variables, strict=True))
    return loss


for _ in range(epochs):
    classical_loss = float(classical_step())
classical_out = classical(tf.cast(test_angles, tf.float32))[:, 0].numpy()
metrics.update(
    classical_params=classical.count_params(),
    classical_test_accuracy=round(accuracy(classical_out, test_y), 4),
)
print(
    f"classical 2→{hidden}→1 tanh network, {classical.count_params()} parameters (circuit: "
    f"{n_params}): loss {classical_loss:.4f}, test accuracy "
    f"{metrics['classical_test_accuracy']:.3f} (circuit: {metrics['test_accuracy']:.3f})"
)

# %% [markdown]
# The training curves, and both decision boundaries over the plane (colour: the probability of
# class 1, read as `(1 − output)/2`; black line: where the output crosses 0):

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(history["loss"], label="circuit, train")
ax.plot(history["test_loss"], label="circuit, test")
ax.axhline(classical_loss, color="gray", linestyle="--", label="classical net, final train")
ax.set(xlabel="step (full batch)", ylabel="MSE of ⟨Z⟩ vs ±1", title="Training with Adam")
ax.legend()
common.show(fig, "loss_curve.png")
panels = [
    (
        f"circuit, {n_params} angles: test accuracy {metrics['test_accuracy']:.1%}",
        lambda p: (1 - quantum_sim.circuit(to_angles(p), params, n_qubits).numpy()) / 2,
        test_x,
        test_y,
    ),
    (
        f"classical, {classical.count_params()} weights: {metrics['classical_test_accuracy']:.1%}",
        lambda p: (1 - classical(tf.cast(to_angles(p), tf.float32)).numpy()[:, 0]) / 2,
        test_x,
        test_y,
    ),
]
common.show(decision_plots.decision_panels(panels), "decision_boundary.png")

# %% [markdown]
# ## 8. The price of simulation
#
# The state of `n` qubits is `2ⁿ` complex128 numbers, 16 bytes each. We time one circuit layer
# (an `RY` on every qubit and a CNOT chain) for growing `n`: for few qubits the fixed cost of
# launching each operation should dominate, for many the size of the state.

# %%
qubit_counts = [2, 4, 8, 12] if args.quick else [2, 4, 8, 12, 16, 18]
layer_seconds = [quantum_sim.time_one_layer(n) for n in qubit_counts]
for n, seconds in zip(qubit_counts, layer_seconds, strict=True):
    print(
        f"{n:>2} qubits: state {quantum_sim.state_vector_bytes(n):>12,d} bytes, "
        f"{seconds * 1e3:8.2f} ms"
    )
growth = (layer_seconds[-1] / layer_seconds[-2]) ** (1 / (qubit_counts[-1] - qubit_counts[-2]))
print(
    f"from {qubit_counts[-2]} to {qubit_counts[-1]} qubits the time grew {growth:.2f}× per qubit "
    f"(the state grows 2×); 50 qubits would need "
    f"{quantum_sim.state_vector_bytes(50) / 2**50:.0f} PiB for the state alone"
)
metrics["layer_time_growth_per_qubit"] = round(float(growth), 3)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
many = np.arange(1, 51)
left.semilogy(many, [quantum_sim.state_vector_bytes(n) for n in many])
for value, name in ((2**30, "1 GiB"), (2**40, "1 TiB"), (2**50, "1 PiB")):
    left.axhline(value, color="gray", linestyle=":", linewidth=0.8)
    left.text(1, value * 1.5, name, fontsize=8, color="gray")
left.set(xlabel="qubits n", ylabel="state vector size (bytes)", title="Memory: 16 · 2ⁿ bytes")
right.semilogy(qubit_counts, layer_seconds, "o-")
right.set(xlabel="qubits n", ylabel="seconds (measured)", title="Time for one layer of gates")
common.show(fig, "state_vector_cost.png")

# %% [markdown]
# ## Summary
#
# - A register of `n` qubits is `2ⁿ` complex amplitudes; gates are small unitary matrices
#   contracted into one axis; a measurement's expectation `⟨Z⟩` is a smooth model output.
# - A variational circuit is a model whose parameters are rotation angles; the course's Adam
#   trains it through `GradientTape` like any network, and the classical network beside it is
#   the yardstick (both test accuracies above).
# - The parameter-shift rule measures exact gradients from shifted circuits (its difference
#   from the tape is printed above); with finite shots the gradient is noisy, and the fitted
#   exponent above is how fast that noise falls.

# %%
metrics["angle_scale"] = args.angle_scale
common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# 1. **(graded)** `ry(theta)`: the 2×2 matrix `RY(θ) = exp(−iθY/2)`. `make exercise-14`
# 2. **(graded)** `expectation_z(state, qubit)`: `⟨Z_q⟩` of an `n`-qubit state vector (qubit 0
#    the leftmost bit). `make exercise-14`
# 3. **(graded)** `parameter_shift_gradient(f, theta)`: every `∂f/∂θ_k` of an expectation by
#    the parameter-shift rule. `make exercise-14`
# 4. Rerun with `--angle-scale 1.57` (and `3`). Predict first what happens to the training loss
#    and to the test accuracy, then measure both. Why might a larger scale fit the training set
#    and not the test set?
# 5. With `--qubits 3` the features repeat on the third qubit. Does the extra qubit help, at
#    the same number of layers?
#
# Solutions: [solutions/lesson_14.py](../solutions/lesson_14.py).
