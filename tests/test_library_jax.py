"""custom_layers on the JAX backend: activations, layers and losses equal Keras's built-ins.

Keras picks its backend once, at import, and this test process already runs TensorFlow,
so the comparisons (``tests/jax_checks.py``) run in a fresh process with
``KERAS_BACKEND=jax``. ``training.py`` and ``audio.py`` stay TensorFlow by design (the
GradientTape loop, ``tf.signal``) and are not part of it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("jax", reason="the JAX backend needs jax installed (requirements.txt)")


def test_activations_layers_and_losses_match_keras_on_jax():
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    run = subprocess.run(
        [sys.executable, "-m", "tests.jax_checks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # ~30 s of CPU; far more wall time on a loaded machine
    )
    lines = run.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAIL")]
    assert run.returncode == 0 and not failed, "\n".join(failed) or run.stderr[-3000:]
    passed = {line.removeprefix("ok ") for line in lines if line.startswith("ok ")}
    # every group ran (a check that silently stopped running would pass otherwise)
    for expected in (
        "activation tanh jit",
        "activation softplus finite at ±1e4, ±3e38",
        "layer Conv2D groups 2",
        "layer PReLU rank 1",
        "layer MaskedGlobalAveragePooling1D",
        "loss SparseCategoricalCrossentropy ignore_class reduction=sum_over_batch_size",
    ):
        assert expected in passed, expected
    assert len(passed) == 37, sorted(passed)
