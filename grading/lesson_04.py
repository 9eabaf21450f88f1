"""Checkers for lesson 04's exercises.

References: an explicit loop over examples (accuracy, baseline) and Keras's own
``model.train_on_batch`` with ``loss="mse"`` on a copy of the same model (the training step).
"""

import numpy as np

from grading import check, close, exercise


def _loop_accuracy(outputs, targets, threshold):
    outputs, targets = np.ravel(outputs), np.ravel(targets)
    right = sum(int(o > threshold) == int(t) for o, t in zip(outputs, targets, strict=True))
    return right / len(outputs)


@exercise("accuracy_at_threshold", hint="predicted = output > threshold; flatten both first.")
def check_accuracy_at_threshold(accuracy_at_threshold):
    rng = np.random.default_rng(5)
    outputs, targets = rng.uniform(-0.5, 1.5, size=40), rng.integers(0, 2, size=40)
    cases = {
        "40 examples, shape (n,)": (outputs, targets, 0.5),
        "outputs (n, 1), targets (n,)": (outputs[:, None], targets, 0.5),
        "outputs (n,), targets (n, 1)": (outputs, targets[:, None].astype(np.float32), 0.5),
        "threshold 0.3": (outputs, targets, 0.3),
        "outputs exactly at the threshold are class 0": (
            np.array([0.5, 0.5, 0.7]),
            np.array([0, 0, 1]),
            0.5,
        ),
        "a single example": (np.array([[0.9]]), np.array([[0.0]]), 0.5),
    }
    for name, (o, t, threshold) in cases.items():
        got = accuracy_at_threshold(o, t, threshold)
        yield close(name, got, _loop_accuracy(o, t, threshold), rtol=0, atol=1e-12)


def _model(seed):
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1)]
    )


@exercise("train_step", hint="loss = mean((model(x) − y)²); tape.gradient; optimizer.apply.")
def check_train_step(train_step):
    import keras

    rng = np.random.default_rng(6)
    for name, (batch, steps, rate) in {
        "3 steps, batch of 8, Adam(0.01)": (8, 3, 0.01),
        "one example, 2 steps, Adam(0.1)": (1, 2, 0.1),
    }.items():
        x = rng.normal(size=(batch, 4)).astype(np.float32)
        y = rng.normal(size=(batch, 1)).astype(np.float32)
        ours, reference = _model(7), _model(7)
        reference.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
        optimizer = keras.optimizers.Adam(rate)
        losses, expected_losses = [], []
        for _ in range(steps):
            losses.append(train_step(ours, optimizer, x, y))
            expected_losses.append(float(np.mean((reference.predict(x, verbose=0) - y) ** 2)))
            reference.train_on_batch(x, y)
        yield close(f"{name}: the returned losses", np.ravel(losses), expected_losses, rtol=1e-5)
        for index, (a, b) in enumerate(
            zip(ours.get_weights(), reference.get_weights(), strict=True)
        ):
            yield close(f"{name}: weights {index} after the steps", a, b, rtol=1e-5, atol=1e-6)
    moved = _model(8)
    before = [w.copy() for w in moved.get_weights()]
    train_step(moved, keras.optimizers.SGD(0.1), x, y)
    changed = all(
        not np.array_equal(a, b) for a, b in zip(before, moved.get_weights(), strict=True)
    )
    yield check("every weight moves", changed, "every weight array changed", "some did not")


@exercise("majority_baseline", hint="the majority of y_TRAIN (ties → 1), scored on y_test.")
def check_majority_baseline(majority_baseline):
    for name, (y_train, y_test) in {
        "training majority 0, test mostly 1": ([0, 0, 0, 1], [1, 1, 1, 0, 0]),
        "training majority 1": ([1, 1, 0], [0, 1, 0, 1]),
        "a tie predicts 1": ([0, 1, 0, 1], [1, 0, 0]),
        "column vectors (n, 1)": (np.array([[0.0], [0.0], [1.0]]), np.array([[0.0], [1.0]])),
        "one test example": ([1, 1], [0]),
    }.items():
        train, test = np.ravel(y_train), np.ravel(y_test)
        majority = 1 if 2 * sum(train) >= len(train) else 0
        expected = sum(int(label) == majority for label in test) / len(test)
        yield close(name, majority_baseline(y_train, y_test), expected, rtol=0, atol=1e-12)
