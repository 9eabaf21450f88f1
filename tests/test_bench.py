"""``python -m bench --quick``: a smoke run of the benchmark (no timing assertions)."""

import json

import bench


def test_quick_bench_writes_every_figure(tmp_path, capsys):
    results = bench.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert set(saved) >= {
        "optimizer_step",
        "dense",
        "activations",
        "training_loop",
        "matmul",
        "gflops",
        "ratios",
        "all_within_target",
        "target_ratio",
        "machine",
    }
    assert set(saved["optimizer_step"]) >= {"SGD", "RMSprop", "Adam", "parameters"}
    for name in ("SGD", "RMSprop", "Adam"):
        assert saved["optimizer_step"][name]["same_graph_ops_as_builtin"] is True
    assert saved["training_loop"]["jit_compile"] == {"custom_loop": False, "model_fit": False}
    assert set(saved["gflops"]) == {
        "loop",
        "model_fit",
        "matmul",
        "matmul_model_shape",
        "loop_fraction_of_matmul",
    }
    assert all(ratio > 0 for ratio in saved["ratios"].values())
    assert saved["ratios"] == results["ratios"]
    assert "loop epoch vs model.fit" in capsys.readouterr().out
