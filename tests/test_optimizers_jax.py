"""The optimizers on Keras's JAX backend: ours == the Keras built-ins there too.

The backend is chosen when Keras is first imported, so the comparison runs in a fresh
Python process with ``KERAS_BACKEND=jax``; it prints one JSON line with the largest
weight difference per setting after ``model.fit`` on a small model (Dense layers and an
Embedding, whose gradient is dense on JAX).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("jax")

REPO_ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json
    import keras
    import numpy as np
    from custom_layers import optimizers as ours

    assert keras.backend.backend() == "jax"
    SETTINGS = [
        ("SGD", dict(learning_rate=0.1)),
        ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
        ("RMSprop", dict(learning_rate=0.01)),
        ("RMSprop", dict(learning_rate=0.01, centered=True, momentum=0.5, clipnorm=0.1)),
        ("Adam", dict(learning_rate=0.01)),
        ("Adam", dict(learning_rate=0.01, amsgrad=True, beta_1=np.float32(0.8))),
    ]
    rng = np.random.RandomState(0)
    tokens = rng.randint(0, 20, size=(64, 5)).astype("int32")
    y = rng.normal(size=(64, 1)).astype("float32")

    def model():
        keras.utils.set_random_seed(0)
        return keras.Sequential([
            keras.Input((5,), dtype="int32"),
            keras.layers.Embedding(20, 4),
            keras.layers.Flatten(),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(1),
        ])

    def fit(optimizer):
        trained = model()
        trained.compile(optimizer=optimizer, loss="mse")
        trained.fit(tokens, y, batch_size=16, epochs=3, shuffle=False, verbose=0)  # 12 steps
        return trained.get_weights()

    start = model().get_weights()
    results = {}
    for name, kwargs in SETTINGS:
        builtin = fit(getattr(keras.optimizers, name)(**kwargs))
        custom = fit(getattr(ours, name)(**kwargs))
        results[f"{name} {kwargs}"] = {
            "max_abs_diff": max(float(np.abs(a - b).max()) for a, b in zip(builtin, custom)),
            "moved": max(float(np.abs(a - b).max()) for a, b in zip(builtin, start)),
        }
    # Ours only: the lazy flag on a dense gradient is plain Adam.
    plain, lazy = fit(ours.Adam(0.01)), fit(ours.Adam(0.01, lazy=True))
    results["lazy == Adam on dense gradients"] = max(
        float(np.abs(a - b).max()) for a, b in zip(plain, lazy)
    )
    print(json.dumps(results))
    """
)


def test_ours_equal_the_builtins_on_the_jax_backend():
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for setting, result in results.items():
        if isinstance(result, dict):
            assert result["moved"] > 1e-3, setting  # the weights moved: a real comparison
            assert result["max_abs_diff"] <= 1e-6, (setting, result)
    assert results["lazy == Adam on dense gradients"] == 0.0
