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


def test_quick_bench_activations_three_ways_and_explains_every_miss(tmp_path, capsys):
    results = bench.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    names = set(saved["activations"])
    assert names and set(saved["activations_in_dense"]) == set(saved["activations_jit"]) == names
    assert all(r["jit_compile"] is True for r in saved["activations_jit"].values())
    assert all(r["jit_compile"] is False for r in saved["activations"].values())
    for name in names:
        assert {f"activation {name}", f"activation {name} in Dense"} <= set(saved["ratios"])
        assert f"activation {name} alone, XLA" in saved["ratios"]
    # Our Dense adds its bias as keras.layers.Dense does (BiasAdd): the same graph.
    assert saved["dense"]["same_graph_ops_as_builtin"] is True
    # The kernels that run after Grappler: the built-in sigmoid is one fused kernel each way.
    if "kernels" in saved["activations"]["sigmoid"]:
        assert saved["activations"]["sigmoid"]["kernels"]["builtin"] == "Sigmoid, SigmoidGrad"
        assert saved["activations"]["sigmoid"]["passes"]["custom"] >= 3
    # Exactly the ratios above the target are explained, in the JSON and under the table row.
    over = {key for key, ratio in saved["ratios"].items() if ratio > saved["target_ratio"]}
    assert set(saved["explanations"]) == over
    out = capsys.readouterr().out
    assert out.count("\n    -> ") == len(over)
    assert all(isinstance(text, str) and text for text in saved["explanations"].values())
    assert len(saved["machine"]["load_average_start"]) == 3
    assert results["explanations"] == saved["explanations"]


def test_quick_bench_sparse_rows_are_exact_and_explained(tmp_path):
    results = bench.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    [(table, rows)] = saved["sparse"].items()
    assert rows["unique_rows"] < rows["batch_rows"]  # repeated rows: the hard case
    names = ("SGD", "SGD momentum", "RMSprop", "RMSprop centered", "Adam", "AMSGrad")
    for name in names:
        for against in ("slices", "dense"):
            assert f"sparse {table} {name} vs built-in ({against})" in saved["ratios"]
        exact = rows[name]["builtin_sparse"]["max_abs_diff_from_dense"]
        # Ours: the dense maths. SGD scatters a repeated row's slices one by one (as the
        # built-in does), so it differs by float32 rounding of |w| ~ 4 (design: 1e-5).
        assert exact["custom"] <= (1e-5 if name.startswith("SGD") else 1e-6), name
        # Fewer passes over the table than the built-in fed the densified gradient.
        passes = rows[name]["builtin_dense"]["table_passes"]
        assert passes["custom"] < passes["builtin_dense"], (name, passes)
    # The built-in Adam on the same slices is not (Keras 3.15: repeated rows).
    assert rows["Adam"]["builtin_sparse"]["max_abs_diff_from_dense"]["builtin_sparse"] > 1e-5
    assert results["ratios"] == saved["ratios"]
