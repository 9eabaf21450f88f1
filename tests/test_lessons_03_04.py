"""Lessons 03 and 04 in --quick mode: they run, write their outputs, and their figures hold."""

import json

import pytest

from lessons import lesson_03_optimizers_from_scratch as lesson_03
from lessons import lesson_04_the_articles_network as lesson_04


def test_lesson_03_quick(tmp_path, capsys):
    metrics = lesson_03.main(["--quick", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    for name in ("trajectories.png", "losses.png", "adam_first_steps.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert metrics["max_abs_diff_vs_keras"] <= 1e-6  # every optimizer follows the built-in
    for surface in ("quadratic", "rosenbrock"):
        assert metrics[f"{surface}_adam_no_correction_max_diff_vs_numpy"] < 1e-4
    # The uncorrected first step is (1 − β₁)/√(1 − β₂) ≈ 3.16 times the corrected one.
    assert metrics["first_step_ratio_no_correction"] == pytest.approx(3.1623, abs=1e-3)
    assert metrics["first_step_ratio_theory"] == pytest.approx(3.1623, abs=1e-4)
    assert "largest |ours − Keras built-in|" in printed
    assert metrics["seconds"] < 30


def test_lesson_04_quick(tmp_path, capsys):
    metrics = lesson_04.main(["--quick", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    assert (tmp_path / "training.png").stat().st_size > 10_000
    assert metrics["final_loss_abs_diff"] <= 1e-6  # the two ports agree
    assert metrics["max_weight_abs_diff"] <= 1e-6
    assert metrics["test_accuracy_from_scratch"] == metrics["test_accuracy_keras"]
    assert 0.4 < metrics["majority_baseline_accuracy"] < 0.6  # balanced toy classes
    assert metrics["test_accuracy_from_scratch"] > metrics["majority_baseline_accuracy"]
    assert "beats it by" in printed
    assert metrics["seconds"] < 30


def test_lesson_04_minibatches_agree_too(tmp_path):
    """With shuffled mini-batches both ports must still see the same batches."""
    metrics = lesson_04.main(
        ["--quick", "--epochs", "3", "--batch-size", "100", "--out", str(tmp_path)]
    )
    assert metrics["max_loss_curve_abs_diff"] <= 1e-6
    assert metrics["max_weight_abs_diff"] <= 1e-6
