"""Lesson 10 (scaling out): the --quick run, in this process (its mirrored part then runs in
a child process, because this process's TensorFlow already started with one CPU device)."""

import json
import os
from pathlib import Path

import pytest

from datasets import mnist
from lessons import lesson_10_scaling_out as lesson
from tests._netguard import real_data
from tests.test_distribute import _children


def test_lesson_runs_in_quick_mode(tmp_path):
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to list child processes")
    real_data(mnist)  # prepares the cache (offline sources only) if a bare machine lacks it
    before = _children()
    metrics = lesson.main(["--quick", "--out", str(tmp_path)])
    assert _children() <= before  # every worker process was stopped and reaped

    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved == metrics
    assert saved["same_within_tolerance"] is True
    assert saved["max_weight_diff"] <= lesson.WEIGHT_TOLERANCE
    for run in ("single", "mirrored", "multiworker"):
        assert saved[f"{run}_loss"] == pytest.approx(saved["single_loss"], rel=1e-5)
        assert saved[f"{run}_examples_per_second"] > 0
        assert saved[f"{run}_test_accuracy"] > 0.5  # it learned something in 16 steps
    assert saved["multiworker_copies_diff"] == 0.0  # the two workers hold the same weights
    assert saved["examples"] == 2000 and saved["global_batch_size"] == 128
    assert saved["seconds"] > 0
    assert (tmp_path / "scaling_out.png").stat().st_size > 10_000
    # each worker got its own slice of every global batch (of 4 examples: 0-3, 4-7)
    shares = [
        lesson.load_result(tmp_path / "multi-worker" / f"worker-{i}.npz")["shares"] for i in (0, 1)
    ]
    assert shares == [[[[0, 1], [4, 5]]], [[[2, 3], [6, 7]]]]
    mirrored = lesson.load_result(tmp_path / "mirrored" / "worker-0.npz")  # (a child process)
    assert mirrored["replicas"] == 2 and mirrored["shares"] == [[[0, 1], [4, 5]], [[2, 3], [6, 7]]]
    assert not os.environ.get("TF_CONFIG")  # the workers' TF_CONFIG stayed in the workers
