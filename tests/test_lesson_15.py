"""Lesson 15 (--quick), run as a learner runs it: the engine equals the tape."""

from tests.lesson_run import run_lesson


def test_lesson_15_quick(tmp_path):
    metrics, printed, _ = run_lesson(15, "--quick", out=tmp_path)
    assert metrics["engine_vs_tape_max_abs_diff"] < 1e-12  # float64 rounding only
    assert metrics["descent_curve_max_abs_diff"] < 1e-12
    assert metrics["final_loss"] < 1.2574  # the descent lowered the loss
    assert (tmp_path / "descent.png").stat().st_size > 10_000
    assert "class Value" in printed  # the engine's source is shown where it is taught
    assert metrics["steps"] == 30 and metrics["quick"] is True
