"""custom_layers.optimizers against the Keras built-ins and against the textbook math.

Run the same computation through ours and the reference, assert the weights agree:
single steps against NumPy, 100 steps on a random MLP against ``keras.optimizers`` for
a grid of hyperparameters, sparse (embedding) gradients against the dense update, and
the plumbing -- loss scaling, ``model.fit``, ``.keras`` files, checkpoints.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import optimizers as ours

builtin = keras.optimizers


# -- a random MLP and its 100-step trajectory -----------------------------------------


def _mlp_problem(seed=0):
    rng = np.random.RandomState(seed)
    sizes = [6, 16, 8, 3]
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        weights.append(rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)).astype("float32"))
        weights.append(rng.normal(0, 0.1, (n_out,)).astype("float32"))
    batches = [
        (rng.normal(size=(16, 6)).astype("float32"), rng.normal(size=(16, 3)).astype("float32"))
        for _ in range(5)
    ]
    return weights, batches


def _train_mlp(optimizer, steps=100, seed=0):
    """Train the seeded MLP for ``steps`` steps with ``optimizer``; return its weights."""
    initial, batches = _mlp_problem(seed)
    weights = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(initial)]
    optimizer.build(weights)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            h = x
            for i in range(0, len(weights), 2):
                h = h @ weights[i] + weights[i + 1]
                if i + 2 < len(weights):
                    h = tf.tanh(h)
            loss = tf.reduce_mean(tf.square(h - y))
        optimizer.apply(tape.gradient(loss, weights), weights)

    for step in range(steps):
        train_step(*batches[step % len(batches)])
    optimizer.finalize_variable_values(weights)  # EMA: swap in the averages (no-op otherwise)
    return [w.numpy() for w in weights]


def _schedule():
    return builtin.schedules.ExponentialDecay(0.05, decay_steps=10, decay_rate=0.8)


GRID = {
    "SGD": [
        dict(),
        dict(learning_rate=0.1, momentum=0.9),
        dict(learning_rate=0.1, momentum=0.9, nesterov=True),
        dict(learning_rate=0.1, momentum=0.5, weight_decay=0.01),
        dict(learning_rate=0.1, clipnorm=0.05),
        dict(learning_rate=0.1, momentum=0.9, global_clipnorm=0.1),
        dict(learning_rate=0.1, clipvalue=0.01),
        dict(learning_rate=_schedule(), momentum=0.9),
        dict(learning_rate=0.1, momentum=0.9, use_ema=True, ema_overwrite_frequency=7),
        dict(learning_rate=0.1, momentum=0.9, gradient_accumulation_steps=3),
    ],
    "RMSprop": [
        dict(),
        dict(centered=True),
        dict(centered=True, momentum=0.9),
        dict(momentum=0.5),
        dict(learning_rate=0.01, rho=0.5, epsilon=1e-4),
        dict(learning_rate=0.01, weight_decay=0.01),
        dict(learning_rate=0.01, clipnorm=0.05),
        dict(learning_rate=0.01, global_clipnorm=0.1, centered=True),
        dict(learning_rate=_schedule(), momentum=0.5),
        dict(learning_rate=0.01, use_ema=True),
        dict(learning_rate=0.01, centered=True, gradient_accumulation_steps=4),
    ],
    "Adam": [
        dict(),
        dict(learning_rate=0.01, amsgrad=True),
        dict(learning_rate=0.01, beta_1=0.5, beta_2=0.9, epsilon=1e-5),
        dict(learning_rate=0.01, weight_decay=0.004),
        dict(learning_rate=0.01, clipnorm=0.05),
        dict(learning_rate=0.01, global_clipnorm=0.1, amsgrad=True),
        dict(learning_rate=_schedule()),
        dict(learning_rate=0.01, use_ema=True, ema_momentum=0.9),
        dict(learning_rate=0.01, gradient_accumulation_steps=3),
    ],
}
CASES = [(name, kwargs) for name, grid in GRID.items() for kwargs in grid]


def _case_id(name, kwargs):
    """The same id in every process: a schedule by its class, not by its address."""
    schedule = builtin.schedules.LearningRateSchedule
    shown = {k: type(v).__name__ if isinstance(v, schedule) else v for k, v in kwargs.items()}
    return f"{name}-{shown}"


@pytest.mark.parametrize("name, kwargs", CASES, ids=[_case_id(n, k) for n, k in CASES])
def test_100_steps_on_a_random_mlp_equal_the_keras_builtin(name, kwargs):
    expected = _train_mlp(getattr(builtin, name)(**kwargs))
    got = _train_mlp(getattr(ours, name)(**kwargs))
    moved = max(np.abs(e - w).max() for e, w in zip(expected, _mlp_problem()[0], strict=True))
    assert moved > 1e-3  # the weights did move, so the comparison means something
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=0)


# -- single steps against the textbook formulas (NumPy) -------------------------------


def _numpy_steps(name, kwargs, w, gradients):
    """The update rules of the docstrings, in NumPy (float64)."""
    lr = kwargs.get("learning_rate", 0.01 if name == "SGD" else 0.001)
    w = w.astype("float64")
    state = {k: np.zeros_like(w) for k in ("m", "v", "a", "p", "v_max")}
    for t, g in enumerate(gradients, start=1):
        if name == "SGD":
            mu = kwargs.get("momentum", 0.0)
            state["v"] = mu * state["v"] - lr * g
            w = w + (mu * state["v"] - lr * g if kwargs.get("nesterov") else state["v"])
        elif name == "RMSprop":
            rho, mu, eps = kwargs.get("rho", 0.9), kwargs.get("momentum", 0.0), 1e-7
            state["v"] = rho * state["v"] + (1 - rho) * g**2
            denominator = state["v"] + eps
            if kwargs.get("centered"):
                state["a"] = rho * state["a"] + (1 - rho) * g
                denominator = state["v"] - state["a"] ** 2 + eps
            increment = lr * g / np.sqrt(denominator)
            state["p"] = mu * state["p"] + increment
            w = w - state["p"]
        else:  # Adam, in the paper's form: m̂ / (√v̂ + ε′) with ε′ = ε / √(1 − β₂ᵗ)
            b1, b2, eps = kwargs.get("beta_1", 0.9), kwargs.get("beta_2", 0.999), 1e-7
            state["m"] = b1 * state["m"] + (1 - b1) * g
            state["v"] = b2 * state["v"] + (1 - b2) * g**2
            v = state["v"]
            if kwargs.get("amsgrad"):
                state["v_max"] = np.maximum(state["v_max"], v)
                v = state["v_max"]
            if kwargs.get("bias_correction", True):
                m_hat, v_hat = state["m"] / (1 - b1**t), v / (1 - b2**t)
                w = w - lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
            else:
                w = w - lr * state["m"] / (np.sqrt(v) + eps)
    return w


SINGLE_STEP_CASES = [
    ("SGD", dict(learning_rate=0.1)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("RMSprop", dict(learning_rate=0.01)),
    ("RMSprop", dict(learning_rate=0.01, centered=True, momentum=0.9)),
    ("Adam", dict(learning_rate=0.01)),
    ("Adam", dict(learning_rate=0.01, amsgrad=True)),
    ("Adam", dict(learning_rate=0.01, bias_correction=False)),
]


@pytest.mark.parametrize(
    "name, kwargs", SINGLE_STEP_CASES, ids=[f"{n}-{k}" for n, k in SINGLE_STEP_CASES]
)
def test_single_steps_follow_the_textbook_update(name, kwargs):
    rng = np.random.RandomState(1)
    w0 = rng.normal(size=(4, 3)).astype("float32")
    # Shrinking then growing gradients, so AMSGrad's maximum matters.
    gradients = [rng.normal(size=(4, 3)).astype("float32") * s for s in (1.0, 0.1, 3.0)]
    optimizer = getattr(ours, name)(**kwargs)
    w = keras.Variable(w0)
    for t, g in enumerate(gradients, start=1):
        optimizer.apply([tf.constant(g)], [w])
        expected = _numpy_steps(name, kwargs, w0, gradients[:t])
        np.testing.assert_allclose(w.numpy(), expected, atol=1e-6, rtol=1e-5)
    if "bias_correction" not in kwargs:  # and the same single steps as the built-in
        reference = getattr(builtin, name)(**kwargs)
        w_ref = keras.Variable(w0)
        for g in gradients:
            reference.apply([tf.constant(g)], [w_ref])
        np.testing.assert_allclose(w.numpy(), w_ref.numpy(), atol=1e-7, rtol=0)


def test_adam_without_bias_correction_takes_larger_first_steps():
    # The first Adam step is η·sign(g) with the correction and η·(1−β₁)/√(1−β₂) ≈ 3.16 η
    # without: v starts further below its true value than m does.
    g = tf.constant([[0.5, -2.0]])
    steps = {}
    for correction in (True, False):
        w = keras.Variable(np.zeros((1, 2), "float32"))
        ours.Adam(0.1, bias_correction=correction).apply([g], [w])
        steps[correction] = np.abs(w.numpy())
    np.testing.assert_allclose(steps[True], 0.1, rtol=1e-4)  # ε aside
    np.testing.assert_allclose(steps[False], 0.1 * 0.1 / np.sqrt(0.001), rtol=1e-4)


# -- sparse gradients (embeddings with repeated token ids) ----------------------------


def _embedding_problem():
    rng = np.random.RandomState(2)
    table = rng.normal(size=(20, 4)).astype("float32")
    head = rng.normal(size=(4, 1)).astype("float32")
    # Token ids drawn from 8 of the 20 rows: repeats within each batch, and rows never used.
    batches = [
        (rng.randint(0, 8, size=(6, 5)), rng.normal(size=(6, 1)).astype("float32"))
        for _ in range(4)
    ]
    return table, head, batches


def _train_embedding(optimizer, densify, steps=20):
    table0, head0, batches = _embedding_problem()
    table, head = keras.Variable(table0, name="table"), keras.Variable(head0, name="head")
    optimizer.build([table, head])

    @tf.function
    def train_step(tokens, y):
        with tf.GradientTape() as tape:
            pooled = tf.reduce_mean(tf.gather(table, tokens), axis=1)  # what Embedding does
            loss = tf.reduce_mean(tf.square(pooled @ head - y))
        gradients = tape.gradient(loss, [table, head])
        assert isinstance(gradients[0], tf.IndexedSlices)  # really sparse
        if densify:
            gradients = [tf.convert_to_tensor(g) for g in gradients]
        optimizer.apply(gradients, [table, head])

    for step in range(steps):
        train_step(*batches[step % len(batches)])
    return table.numpy(), head.numpy()


SPARSE_CASES = [
    ("SGD", dict(learning_rate=0.1)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(learning_rate=0.1, clipvalue=0.02)),
    ("RMSprop", dict(learning_rate=0.01)),
    ("RMSprop", dict(learning_rate=0.01, centered=True)),
    ("RMSprop", dict(learning_rate=0.01, momentum=0.5, weight_decay=0.01)),
    ("RMSprop", dict(learning_rate=0.01, centered=True, momentum=0.9)),
    ("Adam", dict(learning_rate=0.1)),
    ("Adam", dict(learning_rate=0.1, amsgrad=True, clipnorm=0.01)),
    ("Adam", dict(learning_rate=0.1, global_clipnorm=0.01)),
    ("Adam", dict(learning_rate=0.1, amsgrad=True, gradient_accumulation_steps=2)),
]


@pytest.mark.parametrize("name, kwargs", SPARSE_CASES, ids=[f"{n}-{k}" for n, k in SPARSE_CASES])
def test_sparse_gradients_give_the_dense_update(name, kwargs):
    """Ours fed tf.IndexedSlices == the built-in fed the same gradients densified."""
    expected = _train_embedding(getattr(builtin, name)(**kwargs), densify=True)
    got = _train_embedding(getattr(ours, name)(**kwargs), densify=False)
    for e, g in zip(expected, got, strict=True):
        # Within float32 rounding (summation order: SGD scatters a repeated row's slices
        # one by one); the built-ins on the slices miss by 1e-2 (see below).
        np.testing.assert_allclose(g, e, atol=1e-6, rtol=1e-6)
    unused_rows = slice(8, 20)
    table0 = _embedding_problem()[0]
    if "weight_decay" not in kwargs:  # (weight decay shrinks every row)
        np.testing.assert_array_equal(got[0][unused_rows], table0[unused_rows])  # untouched


def _six_adam_steps(optimizer):
    row = keras.Variable(np.ones((3, 2), "float32"))
    # Row 1 appears twice in the batch, each time with gradient [1, 1]: dense gradient [2, 2].
    gradient = tf.IndexedSlices(tf.ones((2, 2)), tf.constant([1, 1]), tf.constant([3, 2]))
    for _ in range(6):
        optimizer.apply([gradient], [row])
    return float(row.numpy()[1, 0])


def test_keras_builtin_adam_mishandles_repeated_indices():
    """Documents a defect of Keras 3.15's built-in Adam that ours fixes.

    Adam's step is scale-free, so 6 steps of Adam(0.1) on a constant gradient move the
    weight by 6 × 0.1: from 1.0 to 0.4, whatever the gradient's size. The built-in applies
    an IndexedSlices with a repeated index element by element and ends at 0.1515.
    This test is meant to FAIL the day Keras fixes it: then drop this test, and the
    densification in custom_layers.optimizers could become a plain pass-through.
    """
    assert _six_adam_steps(ours.Adam(0.1)) == pytest.approx(0.4, abs=1e-5)
    assert _six_adam_steps(builtin.Adam(0.1)) == pytest.approx(0.1515, abs=1e-4)


def _embedding_model():
    keras.utils.set_random_seed(5)
    return keras.Sequential(
        [
            keras.Input((5,), dtype="int32"),
            keras.layers.Embedding(20, 4),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1),
        ]
    )


def test_model_fit_with_an_embedding_trains_like_textbook_adam():
    """model.fit + our Adam == textbook (dense) Adam; the built-in Adam in model.fit is not.

    The last assertion documents the Keras 3.15 defect (sparse updates with repeated ids)
    and is meant to fail once Keras fixes it.
    """
    rng = np.random.RandomState(6)
    tokens = rng.randint(0, 8, size=(64, 5)).astype("int32")  # repeats in every batch
    y = rng.normal(size=(64, 1)).astype("float32")

    def fit(optimizer):
        model = _embedding_model()
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(tokens, y, batch_size=16, epochs=5, shuffle=False, verbose=0)  # 20 steps
        return model.get_weights()

    textbook = _embedding_model()
    optimizer, loss_fn = builtin.Adam(0.1), keras.losses.MeanSquaredError()
    for _ in range(5):
        for start in range(0, 64, 16):
            with tf.GradientTape() as tape:
                loss = loss_fn(y[start : start + 16], textbook(tokens[start : start + 16]))
            gradients = tape.gradient(loss, textbook.trainable_variables)
            optimizer.apply(
                [tf.convert_to_tensor(g) for g in gradients], textbook.trainable_variables
            )

    ours_weights, builtin_weights = fit(ours.Adam(0.1)), fit(builtin.Adam(0.1))
    expected = textbook.get_weights()
    assert _max_abs_diff(ours_weights, expected) < 1e-5
    assert _max_abs_diff(builtin_weights, expected) > 1e-2  # the built-in's drift


def _max_abs_diff(a, b):
    return max(float(np.abs(u - v).max()) for u, v in zip(a, b, strict=True))


# -- the plumbing: loss scaling, model.fit, saving, checkpoints ------------------------


@pytest.mark.filterwarnings("ignore:Gradients do not exist")  # Keras's own, from its cond
def test_loss_scale_optimizer_wraps_ours_like_the_builtin():
    results = []
    for module in (builtin, ours):
        optimizer = builtin.LossScaleOptimizer(
            module.Adam(0.01), initial_scale=2.0**10, dynamic_growth_steps=3
        )
        initial, batches = _mlp_problem()
        weights = [keras.Variable(w) for w in initial]
        optimizer.build(weights)
        for step in range(12):
            x, y = batches[step % len(batches)]
            with tf.GradientTape() as tape:
                h = tf.tanh(x @ weights[0] + weights[1])
                h = tf.tanh(h @ weights[2] + weights[3]) @ weights[4] + weights[5]
                loss = tf.reduce_mean(tf.square(h - y)) * (np.inf if step == 4 else 1.0)
                scaled = optimizer.scale_loss(loss)
            optimizer.apply(tape.gradient(scaled, weights), weights)
        results.append(
            (
                [w.numpy() for w in weights],
                float(optimizer.dynamic_scale),
                int(optimizer.inner_optimizer.iterations),
            )
        )
    (w_builtin, scale_builtin, it_builtin), (w_ours, scale_ours, it_ours) = results
    assert scale_ours == scale_builtin and it_ours == it_builtin == 11  # the inf step skipped
    for e, g in zip(w_builtin, w_ours, strict=True):
        np.testing.assert_allclose(g, e, atol=1e-6, rtol=0)


def _small_model(seed=3):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(3),
        ]
    )


def _small_data():
    rng = np.random.RandomState(4)
    return rng.normal(size=(64, 6)).astype("float32"), rng.normal(size=(64, 3)).astype("float32")


def test_compile_and_fit_match_the_builtin():
    x, y = _small_data()
    weights, losses = [], []
    for module in (builtin, ours):
        model = _small_model()
        model.compile(optimizer=module.RMSprop(0.01, momentum=0.5), loss="mse")
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        weights.append(model.get_weights())
        losses.append(history.history["loss"])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-6)
    for e, g in zip(*weights, strict=True):
        np.testing.assert_allclose(g, e, atol=1e-6, rtol=0)


def test_keras_file_round_trip_keeps_the_optimizer(tmp_path):
    x, y = _small_data()
    model = _small_model()
    model.compile(optimizer=ours.Adam(0.01, amsgrad=True, bias_correction=False), loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)

    assert type(loaded.optimizer) is ours.Adam
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # slots and step counter
    # Training continues identically from the saved state.
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-7, rtol=0)


def test_checkpoint_restores_slots_so_training_continues_exactly(tmp_path):
    x, y = _small_data()
    loss_fn = keras.losses.MeanSquaredError()

    def train(model, optimizer, steps):
        for step in range(steps):
            xb, yb = x[16 * (step % 4) :][:16], y[16 * (step % 4) :][:16]
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb))
            optimizer.apply(
                tape.gradient(loss, model.trainable_variables), model.trainable_variables
            )

    model, optimizer = _small_model(), ours.Adam(0.01, amsgrad=True)
    train(model, optimizer, 5)
    path = tf.train.Checkpoint(model=model, optimizer=optimizer).save(str(tmp_path / "ckpt"))
    train(model, optimizer, 5)  # the uninterrupted run

    resumed, resumed_optimizer = _small_model(seed=99), ours.Adam(0.01, amsgrad=True)
    resumed_optimizer.build(resumed.trainable_variables)
    tf.train.Checkpoint(model=resumed, optimizer=resumed_optimizer).restore(path).assert_consumed()
    assert int(resumed_optimizer.iterations) == 5
    assert np.abs(resumed_optimizer.variables[-1].numpy()).max() > 0  # a restored slot
    train(resumed, resumed_optimizer, 5)
    for a, b in zip(model.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# -- hyperparameters -------------------------------------------------------------------

# Refused where the update breaks (see each class's docstring), as Keras words it where
# Keras refuses too.
INVALID = [
    (ours.SGD, dict(momentum=-0.1), "momentum"),
    (ours.SGD, dict(momentum=1.5), "momentum"),
    (ours.RMSprop, dict(rho=1.5), "rho"),
    (ours.RMSprop, dict(rho=-0.5), "rho"),
    (ours.RMSprop, dict(momentum=2.0), "momentum"),
    (ours.RMSprop, dict(epsilon=-1e-7), "epsilon"),
    (ours.Adam, dict(beta_1=1.0), "beta_1"),
    (ours.Adam, dict(beta_2=-0.1), "beta_2"),
    (ours.Adam, dict(beta_2=float("nan")), "beta_2"),
    (ours.Adam, dict(beta_1="0.9"), "beta_1"),
    (ours.Adam, dict(epsilon=-1e-7), "epsilon"),
    (ours.Adam, dict(learning_rate=float("inf")), "learning_rate"),
]


@pytest.mark.parametrize(
    "cls, kwargs, name", INVALID, ids=[f"{c.__name__}-{k}" for c, k, _ in INVALID]
)
def test_invalid_hyperparameters_raise_a_clear_error(cls, kwargs, name):
    pattern = "`momentum` must be a float between \\[0, 1\\]\\.$" if name == "momentum" else None
    with pytest.raises(ValueError, match=pattern or f"`{name}` must be .*Received: {name}="):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [ours.SGD, ours.RMSprop], ids=["SGD", "RMSprop"])
@pytest.mark.parametrize("momentum", [-0.1, 1.5])
def test_momentum_refusal_is_worded_as_keras_words_it(cls, momentum):
    with pytest.raises(ValueError) as keras_error:
        builtin.SGD(momentum=momentum)
    with pytest.raises(ValueError) as our_error:
        cls(momentum=momentum)
    assert str(our_error.value) == str(keras_error.value)


# What Keras accepts and the maths allows: ours accepts it too.
ACCEPTED_LIKE_KERAS = [
    ("SGD", dict(learning_rate=-0.1)),  # gradient ascent
    ("SGD", dict(momentum=1.0)),
    ("RMSprop", dict(epsilon=0.0)),
    ("RMSprop", dict(rho=1.0)),  # s stays 0: steps of η g / √ε
    ("RMSprop", dict(rho=np.float32(0.9), momentum=np.float64(0.5))),
    ("Adam", dict(epsilon=0)),
    ("Adam", dict(beta_1=np.float32(0.9))),
    ("Adam", dict(beta_1=0, beta_2=np.float16(0.99), epsilon=np.float64(1e-8))),
    ("Adam", dict(learning_rate=np.float64(1e-3))),
]


@pytest.mark.parametrize(
    "name, kwargs", ACCEPTED_LIKE_KERAS, ids=[f"{n}-{k}" for n, k in ACCEPTED_LIKE_KERAS]
)
def test_what_keras_accepts_is_accepted(name, kwargs):
    getattr(builtin, name)(**kwargs)  # the built-in takes it...
    optimizer = getattr(ours, name)(**kwargs)  # ... and so does ours
    config = optimizer.get_config()
    for key, value in kwargs.items():
        assert type(config[key]) is float and config[key] == pytest.approx(float(value))
    keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", dict(momentum=np.float32(0.9))),  # Keras's SGD wants a Python float
        ("SGD", dict(momentum=0)),
        ("Adam", dict(learning_rate=np.float32(1e-3))),  # Keras wants a Python float
        ("RMSprop", dict(learning_rate=1)),
    ],
    ids=["SGD-np.float32-momentum", "SGD-int-momentum", "Adam-np.float32-lr", "RMSprop-int-lr"],
)
def test_numpy_scalars_and_ints_are_accepted_where_keras_refuses_them(name, kwargs):
    with pytest.raises(ValueError):
        getattr(builtin, name)(**kwargs)
    optimizer = getattr(ours, name)(**kwargs)
    [(key, value)] = kwargs.items()
    if key == "learning_rate":
        assert float(np.asarray(optimizer.learning_rate)) == pytest.approx(float(value))
    else:
        assert type(getattr(optimizer, key)) is float
    # and it trains like the same value given as a Python float
    as_float = getattr(ours, name)(**{key: float(value)})
    for a, b in zip(_train_mlp(optimizer, steps=5), _train_mlp(as_float, steps=5), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "optimizer",
    [
        ours.SGD(0.1, momentum=0.9, nesterov=True, clipnorm=1.0),
        ours.RMSprop(learning_rate=_schedule(), centered=True, momentum=0.2, weight_decay=0.1),
        ours.Adam(0.02, beta_1=0.8, amsgrad=True, bias_correction=False, use_ema=True),
        ours.Adam(0.02, lazy=True),
    ],
    ids=["SGD", "RMSprop", "Adam", "lazy Adam"],
)
def test_config_round_trip(optimizer):
    config = keras.optimizers.serialize(optimizer)
    restored = keras.optimizers.deserialize(config)
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()
