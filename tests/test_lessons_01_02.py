"""Lessons 01 and 02 run in --quick mode, write their outputs, quote sane figures, and are
deterministic; plus the toy data set they (and lesson 04) use."""

import json

import numpy as np
import pytest

from datasets import toy
from lessons import lesson_01_neuron_and_activations as lesson_01
from lessons import lesson_02_loss_and_backprop as lesson_02

LESSONS = {
    "01": (lesson_01, ["activations.png", "saturation.png"]),
    "02": (lesson_02, ["losses.png", "gradient_descent.png"]),
}


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    """Each lesson run twice with one seed (in-process, --quick): metrics and folders."""
    runs = {}
    for number, (module, _) in LESSONS.items():
        folders = [tmp_path_factory.mktemp(f"lesson{number}_run{i}") for i in (1, 2)]
        metrics = [module.main(["--quick", "--seed", "3", "--out", str(f)]) for f in folders]
        runs[number] = (metrics, folders)
    return runs


@pytest.mark.parametrize("number", LESSONS)
def test_writes_metrics_and_plots(number, quick_runs):
    metrics, folders = quick_runs[number]
    written = json.loads((folders[0] / "metrics.json").read_text())
    assert written == metrics[0]
    assert written["quick"] is True and written["seed"] == 3
    assert all(not isinstance(v, (dict, list)) for v in written.values())  # flat
    for name in LESSONS[number][1]:
        path = folders[0] / name
        assert path.stat().st_size > 10_000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("number", LESSONS)
def test_same_seed_same_numbers(number, quick_runs):
    first, second = quick_runs[number][0]
    first, second = dict(first), dict(second)
    first.pop("seconds")
    second.pop("seconds")
    assert first == second


def test_lesson_01_figures(quick_runs):
    m = quick_runs["01"][0][0]
    assert m["neuron_abs_diff_numpy_vs_dense"] <= 1e-6
    assert 0.0 < m["neuron_output_dense"] < 1.0
    assert m["derivative_vs_tape_max_abs"] <= 1e-6
    assert m["grad_sigmoid_at_0"] == pytest.approx(0.25)
    assert m["grad_sigmoid_at_10"] == pytest.approx(4.5396e-5, rel=1e-4)
    assert m["grad_tanh_at_0"] == pytest.approx(1.0)
    assert m["grad_tanh_at_10"] == pytest.approx(8.2446e-9, rel=1e-4)
    assert m["grad_tanh_at_10_float32"] == 0.0
    assert m["grad_relu_at_2"] == m["grad_relu_at_10"] == 1.0
    assert m["naive_sigmoid_finite"] is False and m["library_sigmoid_finite"] is True
    assert m["naive_softplus_finite"] is False and m["library_softplus_finite"] is True
    assert m["softmax_example_p0"] == pytest.approx(0.6590, abs=1e-4)
    assert m["softmax_example_abs_diff_vs_keras"] <= 1e-6


def test_lesson_02_figures(quick_runs):
    m = quick_runs["02"][0][0]
    assert m["loss_max_abs_diff_vs_keras"] <= 1e-6
    assert m["bce_logits_all_finite"] is True and m["bce_logits_naive_nonfinite_count"] >= 2
    assert m["bce_logits_max_abs_diff_vs_keras"] <= 1e-6
    assert abs(m["mse_slope_at_logit_minus10"]) < 1e-3 < 0.99 < abs(m["bce_slope_at_logit_minus10"])
    assert m["max_abs_grad_diff_tape_vs_manual"] <= 1e-6
    assert m["max_rel_error_finite_difference"] <= 1e-6
    assert m["gd_loss_end"] < 0.5 * m["gd_loss_start"]
    assert m["gd_test_accuracy"] > 0.75


def test_lesson_02_backward_matches_finite_differences_directly(rng):
    # the lesson's own functions, on a fresh random problem (not only its printed figure)
    parameters = lesson_02.init_parameters(rng, dtype=np.float64)
    parameters["b1"] = rng.normal(size=5)
    x = rng.normal(size=(30, 10))
    y = rng.integers(0, 2, size=(30, 1)).astype(np.float64)
    assert lesson_02.finite_difference_check(parameters, x, y) < 1e-6
    grads = lesson_02.backward(parameters, lesson_02.forward(parameters, x)[1], y)
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in parameters.items()}


# --- the toy data set ------------------------------------------------------------------


def test_toy_data_shapes_determinism_and_rule():
    (x_train, y_train), (x_test, y_test) = toy.load_data()
    assert x_train.shape == (800, 10) and y_train.shape == (800, 1)
    assert x_test.shape == (200, 10) and y_test.shape == (200, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype("float32")}
    assert set(np.unique(y_train)) == {0.0, 1.0}
    np.testing.assert_array_equal(y_train[:, 0], (toy.score(x_train) > 0).astype("float32"))
    assert 0.4 < y_train.mean() < 0.6 and 0.4 < y_test.mean() < 0.6
    again = toy.load_data()
    np.testing.assert_array_equal(again[0][0], x_train)
    other = toy.load_data(seed=1)
    assert not np.array_equal(other[0][0], x_train)
    smaller = toy.load_data(n_train=100)
    np.testing.assert_array_equal(smaller[1][0], x_test)  # the test set does not move


def test_toy_prepare_verifies_the_recorded_digest():
    info = toy.prepare()
    assert info["verified"] is True and info["sha256"] == toy.DEFAULT_SHA256
    assert info["examples"] == {"train": 800, "test": 200}


def test_toy_as_dataset_and_bad_arguments():
    batches = list(toy.as_dataset("test", batch_size=64))
    assert [tuple(b[0].shape) for b in batches] == [(64, 10), (64, 10), (64, 10), (8, 10)]
    with pytest.raises(ValueError, match="split"):
        toy.as_dataset("validation")
    with pytest.raises(ValueError, match="n_train"):
        toy.load_data(n_train=-1)
