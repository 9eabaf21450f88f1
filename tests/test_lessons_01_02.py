"""Lessons 01 and 02 run as chapters in --quick mode, write their outputs, print and record
sane figures, and are deterministic; plus the toy data set they (and lesson 04) use."""

import numpy as np
import pytest

from datasets import toy
from tests.lesson_run import run_lesson

FIGURES = {
    "01": ["activations.png", "saturation.png"],
    "02": ["losses.png", "gradient_descent.png"],
}


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    """Each chapter run once as a learner runs it (--quick, seed 3): metrics, stdout, folder."""
    runs = {}
    for number in FIGURES:
        out = tmp_path_factory.mktemp(f"lesson{number}")
        metrics, stdout, _ = run_lesson(number, "--quick", "--seed", "3", out=out)
        runs[number] = (metrics, stdout, out)
    return runs


@pytest.mark.parametrize("number", FIGURES)
def test_writes_flat_metrics_and_plots(number, quick_runs):
    metrics, stdout, out = quick_runs[number]
    assert metrics["quick"] is True and metrics["seed"] == 3
    assert all(not isinstance(v, (dict, list)) for v in metrics.values())  # flat
    for name in FIGURES[number]:
        path = out / name
        assert path.stat().st_size > 10_000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Wrote {out / 'metrics.json'}" in stdout
    assert metrics["seconds"] > 0  # speed is the bench's business, not a timed test's


def test_same_seed_same_numbers(quick_runs, tmp_path):
    first = dict(quick_runs["02"][0])
    second, _, _ = run_lesson("02", "--quick", "--seed", "3", out=tmp_path)
    first.pop("seconds")
    second.pop("seconds")
    assert first == second


def test_lesson_01_figures(quick_runs):
    m, printed, _ = quick_runs["01"]
    assert m["neuron_abs_diff_numpy_vs_dense"] <= 1e-6
    assert 0.0 < m["neuron_output_dense"] < 1.0
    # every derivative formula agrees with float64 finite differences, every tape with Keras's
    assert m["derivative_vs_fd_max_abs"] <= 1e-8
    assert m["tape_vs_keras_max_abs"] <= 1e-5
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish", "softplus"):
        assert f"derivative_vs_fd_max_abs_{name}" in m and f"tape_vs_keras_max_abs_{name}" in m
    assert m["hand_written_gradient_count"] >= 1
    assert "hand-written (custom_gradient) gradient: sigmoid, tanh, swish, softplus" in printed
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
    # the library's real source is shown where the chapter discusses it
    assert "── sigmoid — from custom_layers/activations.py" in printed
    assert "def softplus(x):" in printed


def test_lesson_02_figures(quick_runs):
    m, printed, _ = quick_runs["02"]
    assert m["loss_max_abs_diff_vs_keras"] <= 1e-6
    assert {"loss_mean_custom", "loss_binary_keras", "loss_sparse_ce_custom"} <= set(m)
    assert m["bce_logits_all_finite"] is True and m["bce_logits_naive_nonfinite_count"] >= 2
    assert m["bce_logits_max_abs_diff_vs_keras"] <= 1e-6
    assert abs(m["mse_slope_at_logit_minus10"]) < 1e-3 < 0.99 < abs(m["bce_slope_at_logit_minus10"])
    assert m["max_abs_grad_diff_tape_vs_manual"] <= 1e-6
    assert m["max_rel_error_finite_difference"] <= 1e-6
    assert m["gd_steps"] == 60
    assert m["gd_loss_end"] < 0.5 * m["gd_loss_start"]
    assert m["gd_test_accuracy"] > 0.75
    assert f"manual vs GradientTape {m['max_abs_grad_diff_tape_vs_manual']:.1e}" in printed


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
