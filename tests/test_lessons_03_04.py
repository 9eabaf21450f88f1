"""Lessons 03 and 04 run as chapters in --quick mode; their outputs and figures hold."""

import pytest

from tests.lesson_run import run_lesson


def test_lesson_03_quick(tmp_path):
    metrics, printed, _ = run_lesson(3, "--quick", out=tmp_path)
    for name in ("trajectories.png", "losses.png", "adam_first_steps.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert metrics["max_abs_diff_vs_keras"] <= 1e-6  # every optimizer follows the built-in
    for surface in ("quadratic", "rosenbrock"):
        assert metrics[f"{surface}_adam_no_correction_max_diff_vs_numpy"] < 1e-4
        assert f"{surface}_adam_corrected_3x_steps_to_1e-4" in metrics
    # The uncorrected first step is (1 − β₁)/√(1 − β₂) ≈ 3.16 times the corrected one.
    assert metrics["first_step_ratio_no_correction"] == pytest.approx(3.1623, abs=1e-3)
    assert metrics["first_step_ratio_theory"] == pytest.approx(3.1623, abs=1e-4)
    assert 6.0 < metrics["max_uncorrected_factor"] < 7.0
    assert "largest |ours − Keras built-in|" in printed
    # the real update rules are shown where the chapter teaches them
    for name in ("SGD", "RMSprop", "Adam"):
        assert f"── {name}.update_step — from custom_layers/optimizers" in printed
    assert "reached loss < 0.0001 first → last" in printed


def test_lesson_03_scale_multiplies_every_learning_rate(tmp_path):
    metrics, printed, _ = run_lesson(3, "--quick", "--scale", "0.5", out=tmp_path)
    assert "quadratic   SGD                   0.0175" in printed
    assert metrics["max_abs_diff_vs_keras"] <= 1e-6


def test_lesson_04_quick(tmp_path):
    metrics, printed, _ = run_lesson(4, "--quick", out=tmp_path)
    assert (tmp_path / "training.png").stat().st_size > 10_000
    assert metrics["epochs"] == 20 and metrics["batch_size"] == 800
    assert metrics["final_loss_abs_diff"] <= 1e-6  # the two ports agree
    assert metrics["max_weight_abs_diff"] <= 1e-6
    assert metrics["test_accuracy_from_scratch"] == metrics["test_accuracy_keras"]
    assert 0.4 < metrics["majority_baseline_accuracy"] < 0.6  # balanced toy classes
    assert metrics["test_accuracy_from_scratch"] > metrics["majority_baseline_accuracy"]
    assert "the network beats it by" in printed
    assert 0.8 < metrics["linear_baseline_accuracy"] <= 1.0
    # Glorot weights, zero bias, centred inputs: no unit starts dead
    assert metrics["dead_units_start"] == 0
    assert 0 <= metrics["dead_units_end"] <= 5
    assert metrics["loss_drop_last_epochs_percent"] > 0  # 20 full-batch steps: still falling
    assert "Trainer." in printed and "tape.gradient" in printed  # the train step's source


def test_lesson_04_minibatches_agree_too(tmp_path):
    """With shuffled mini-batches both ports must still see the same batches."""
    metrics, _, _ = run_lesson(4, "--quick", "--epochs", "3", "--batch-size", "100", out=tmp_path)
    assert metrics["epochs"] == 3
    assert metrics["max_loss_curve_abs_diff"] <= 1e-6
    assert metrics["max_weight_abs_diff"] <= 1e-6
