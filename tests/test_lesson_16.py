"""Lesson 16 (--quick), run as a learner runs it: the FAQ's answers are computed, not typed."""

from tests.lesson_run import run_lesson


def test_lesson_16_quick(tmp_path):
    metrics, printed, _ = run_lesson(16, "--quick", out=tmp_path)
    assert metrics["linear_collapse_max_abs_diff"] < 1e-5  # a linear stack is one linear map
    assert metrics["xor_accuracy_linear"] < 0.65  # no straight line separates XOR
    assert metrics["xor_accuracy_hidden"] > 0.9  # one hidden ReLU layer does
    assert metrics["activation_grad_ratio_sigmoid"] < metrics["activation_grad_ratio_relu"]
    assert metrics["torch_compared"] is False  # PyTorch is never required (not installed here)
    for name in ("decision_boundaries.png", "optimizers.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert "PyTorch is not installed here" in printed
