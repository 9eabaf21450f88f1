"""Checkers for lesson 03's exercises: each update, run for many steps, against the Keras
built-in optimizer fed the same gradients (``keras.optimizers.SGD`` / ``Adam``)."""

import numpy as np

from grading import close, exercise


def _gradient_sequences():
    """Named gradient sequences, shape (steps, 3), float32: steady, noisy, growing-shrinking."""
    rng = np.random.default_rng(4)
    steady = np.tile(np.float32([0.5, -2.0, 0.2]), (20, 1))
    noisy = rng.normal(size=(30, 3)).astype(np.float32)
    # Large gradients, then small ones: v shrinks, so AMSGrad's max(v̂, v) is not v.
    rising_falling = np.concatenate([np.full((8, 3), 5.0), np.full((20, 3), 0.01)]) * np.float32(
        [1.0, -1.0, 0.5]
    )
    return {
        "steady gradient": steady,
        "noisy gradients, 30 steps": noisy,
        "large then small gradients": rising_falling.astype(np.float32),
        "a zero gradient": np.zeros((5, 3), np.float32),
    }


def _keras_path(optimizer, gradients, start):
    import keras  # imported here: only the optimizer exercises need TensorFlow

    w = keras.Variable(np.array(start, np.float32))
    path = []
    for g in gradients:
        optimizer.apply([keras.ops.convert_to_tensor(g)], [w])
        path.append(np.array(w.numpy()))
    return np.array(path)


START = np.float32([1.0, -0.5, 2.0])


@exercise("nesterov_update", hint="v ← μv − ηg, then w ← w + μv − ηg with the NEW v.")
def check_nesterov_update(nesterov_update):
    import keras

    for name, gradients in _gradient_sequences().items():
        for rate, momentum in ((0.01, 0.9), (0.1, 0.5)):
            w, velocity, path = START.astype(np.float64), np.zeros(3), []
            for g in gradients:
                w, velocity = nesterov_update(w, g.astype(np.float64), velocity, rate, momentum)
                path.append(np.array(w, dtype=np.float64))
            expected = _keras_path(
                keras.optimizers.SGD(rate, momentum=momentum, nesterov=True), gradients, START
            )
            yield close(
                f"{name}, η={rate}, μ={momentum}", np.array(path), expected, rtol=1e-4, atol=5e-5
            )


@exercise("adam_update", hint="m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) with t = 1 on the first step.")
def check_adam_update(adam_update):
    import keras

    for name, gradients in _gradient_sequences().items():
        for rate in (0.001, 0.1):
            w, m, v, path = START.astype(np.float64), np.zeros(3), np.zeros(3), []
            for t, g in enumerate(gradients, start=1):
                w, m, v = adam_update(w, g.astype(np.float64), m, v, t, rate)
                path.append(np.array(w, dtype=np.float64))
            expected = _keras_path(keras.optimizers.Adam(rate), gradients, START)
            yield close(f"{name}, η={rate}", np.array(path), expected, rtol=1e-4, atol=5e-5)


@exercise("amsgrad_update", hint="v_max ← max(v_max, v) of the updated v, then divide by √v_max.")
def check_amsgrad_update(amsgrad_update):
    import keras

    for name, gradients in _gradient_sequences().items():
        for rate in (0.001, 0.1):
            w, m, v, v_max, path = (
                START.astype(np.float64),
                np.zeros(3),
                np.zeros(3),
                np.zeros(3),
                [],
            )
            for t, g in enumerate(gradients, start=1):
                w, m, v, v_max = amsgrad_update(w, g.astype(np.float64), m, v, v_max, t, rate)
                path.append(np.array(w, dtype=np.float64))
            expected = _keras_path(keras.optimizers.Adam(rate, amsgrad=True), gradients, START)
            yield close(f"{name}, η={rate}", np.array(path), expected, rtol=1e-4, atol=5e-5)
