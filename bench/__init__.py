"""``make bench``: the course's custom pieces against the Keras/TensorFlow built-ins.

Everything runs in one process, in one run, so the ratios compare like with like:

* optimizer step: ``apply`` of SGD (momentum), RMSprop and Adam on a ~1M-parameter MLP,
  compiled in a ``tf.function``;
* ``Dense`` forward + backward, and a few activations forward + backward;
* the GradientTape loop's epoch (``custom_layers.training``) against ``model.fit``'s, same
  model, data, optimizer, both with ``jit_compile=False`` (and ``steps_per_execution=1``);
* the loop's achieved GFLOP/s (≈ 6 · kernel parameters · examples per epoch, the matmul
  FLOPs of forward + backward of an MLP) against a plain compiled ``tf.matmul``.

Each figure is the median of several repeats after a warm-up, with custom and built-in
repeats interleaved (alternating which goes first) so that drift in the machine's speed
hits both alike. A ratio is custom time / built-in time: below 1 means ours is faster.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

TARGET_RATIO = 1.05
REPO_ROOT = Path(__file__).resolve().parent.parent

# Sizes: the full run (about 2-3 minutes on 2 cores) and --quick (seconds).
FULL = dict(
    layers=(784, 1024, 256, 10),
    examples=8192,
    batch=256,
    optimizer_steps=20,
    dense=(512, 1024, 1024),
    dense_steps=10,
    activation_shape=(1024, 1024),
    activation_steps=10,
    matmul=1024,
    matmul_steps=10,
    repeats=9,
    epoch_repeats=9,
)
QUICK = dict(
    layers=(32, 64, 10),
    examples=256,
    batch=64,
    optimizer_steps=2,
    dense=(32, 64, 64),
    dense_steps=2,
    activation_shape=(64, 64),
    activation_steps=2,
    matmul=128,
    matmul_steps=2,
    repeats=1,
    epoch_repeats=1,
    activations=("sigmoid", "gelu"),
)
ACTIVATIONS = ("sigmoid", "tanh", "relu", "gelu", "swish", "softplus")


def time_pair(custom, builtin, repeats):
    """Time ``custom()`` and ``builtin()`` alternately, after one warm-up call each.

    Returns the median wall time of each, and the ratio custom/built-in as the median of
    the per-repeat ratios (each repeat runs both back to back, so a slow spell of the
    machine inflates both halves of a pair and cancels out). The CPU time of the process
    (all of TensorFlow's threads) gives a second, load-insensitive estimate.
    """
    custom(), builtin()  # warm-up: tracing, first-call allocations
    wall = {"custom": [], "builtin": []}
    cpu = {"custom": [], "builtin": []}
    for repeat in range(repeats):
        order = (("custom", custom), ("builtin", builtin))
        for name, run in order if repeat % 2 == 0 else order[::-1]:
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {
        "custom_s": statistics.median(wall["custom"]),
        "builtin_s": statistics.median(wall["builtin"]),
        "ratio": statistics.median(
            c / b for c, b in zip(wall["custom"], wall["builtin"], strict=True)
        ),
        "cpu_ratio": statistics.median(
            c / b for c, b in zip(cpu["custom"], cpu["builtin"], strict=True)
        ),
        "repeats": repeats,
    }


def graph_ops(function):
    """How many ops of each type a ``tf.function``'s graph holds (to compare two graphs)."""
    import collections

    graph = function.get_concrete_function().graph.as_graph_def()
    return collections.Counter(node.op for node in graph.node)


def _mlp(layers, dense_class, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((layers[0],))])
    for i, units in enumerate(layers[1:]):
        last = i == len(layers) - 2
        model.add(dense_class(units, activation=None if last else "relu"))
    return model


def _kernel_parameters(model):
    return sum(
        int(w.shape[0]) * int(w.shape[1]) for w in model.trainable_weights if len(w.shape) == 2
    )


def bench_optimizers(size):
    """One compiled ``apply`` (a step on every weight) of ours vs the built-in."""
    import keras
    import tensorflow as tf

    from custom_layers import optimizers

    model = _mlp(size["layers"], keras.layers.Dense)
    variables = model.trainable_variables
    rng = tf.random.Generator.from_seed(1)
    gradients = [rng.normal(v.shape) * 1e-3 for v in variables]
    results = {"parameters": int(sum(v.numpy().size for v in variables))}
    configs = {"SGD": dict(learning_rate=0.01, momentum=0.9), "RMSprop": {}, "Adam": {}}
    for name, kwargs in configs.items():
        runs, graphs = {}, {}
        for which, module in (("custom", optimizers), ("builtin", keras.optimizers)):
            optimizer = getattr(module, name)(**kwargs)
            optimizer.build(variables)
            apply = tf.function(lambda optimizer=optimizer: optimizer.apply(gradients, variables))
            graphs[which] = graph_ops(apply)

            def run(apply=apply, optimizer=optimizer):
                for _ in range(size["optimizer_steps"]):
                    apply()
                optimizer.iterations.numpy()  # wait for the last step

            runs[which] = run
        results[name] = time_pair(runs["custom"], runs["builtin"], size["repeats"])
        results[name]["per_step_ms"] = 1e3 * results[name]["custom_s"] / size["optimizer_steps"]
        # Same op types, same counts: then any timing difference is the machine's noise.
        results[name]["graph_ops"] = {which: sum(ops.values()) for which, ops in graphs.items()}
        results[name]["same_graph_ops_as_builtin"] = graphs["custom"] == graphs["builtin"]
    return results


def _forward_backward(layer_or_fn, x, variables):
    import tensorflow as tf

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer_or_fn(x)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x] + variables)

    return step


def bench_dense(size):
    """``custom_layers.layers.Dense`` vs ``keras.layers.Dense``: forward + backward."""
    import keras
    import tensorflow as tf

    from custom_layers import layers

    batch, d_in, units = size["dense"]
    x = tf.random.stateless_normal((batch, d_in), seed=(1, 2))
    runs, graphs = {}, {}
    for which, cls in (("custom", layers.Dense), ("builtin", keras.layers.Dense)):
        keras.utils.set_random_seed(0)
        layer = cls(units)
        layer.build((batch, d_in))
        step = _forward_backward(layer, x, layer.trainable_variables)
        graphs[which] = graph_ops(step)

        def run(step=step):
            for _ in range(size["dense_steps"]):
                out = step()
            out[0].numpy()

        runs[which] = run
    result = time_pair(runs["custom"], runs["builtin"], size["repeats"])
    result["graph_ops"] = {which: sum(ops.values()) for which, ops in graphs.items()}
    result["shape"] = f"x {batch}x{d_in} -> {units} units, no activation"
    return result


def bench_activations(size):
    """``custom_layers.activations`` vs ``keras.activations``: forward + backward."""
    import keras
    import tensorflow as tf

    from custom_layers import activations

    x = tf.random.stateless_normal(size["activation_shape"], seed=(3, 4)) * 3
    results = {}
    for name in size.get("activations", ACTIVATIONS):
        runs, graphs = {}, {}
        for which, module in (("custom", activations), ("builtin", keras.activations)):
            step = _forward_backward(getattr(module, name), x, [])
            graphs[which] = graph_ops(step)

            def run(step=step):
                for _ in range(size["activation_steps"]):
                    out = step()
                out[0].numpy()

            runs[which] = run
        results[name] = time_pair(runs["custom"], runs["builtin"], size["repeats"])
        # Element-wise ops each read and write the whole tensor: their count explains time.
        results[name]["graph_ops"] = {which: sum(ops.values()) for which, ops in graphs.items()}
    return results


def _matmul_gflops(shape, size):
    import tensorflow as tf

    m, k, n = shape
    a = tf.random.stateless_normal((m, k), seed=(5, 6))
    b = tf.random.stateless_normal((k, n), seed=(7, 8))
    matmul = tf.function(lambda: tf.matmul(a, b))
    matmul().numpy()
    times = []
    for _ in range(size["repeats"]):
        start = time.perf_counter()
        for _ in range(size["matmul_steps"]):
            out = matmul()
        out.numpy()
        times.append((time.perf_counter() - start) / size["matmul_steps"])
    return 2 * m * k * n / statistics.median(times) / 1e9


def bench_matmul(size):
    """GFLOP/s of a plain ``tf.matmul`` in a ``tf.function`` (m×k by k×n: 2mkn FLOPs)."""
    n = size["matmul"]
    model_shape = (size["batch"], size["layers"][0], size["layers"][1])
    return {
        "n": n,
        "gflops": _matmul_gflops((n, n, n), size),
        "model_shape": list(model_shape),
        "gflops_model_shape": _matmul_gflops(model_shape, size),
    }


def bench_training_loop(size):
    """An epoch of ``training.fit`` (GradientTape loop) vs ``model.fit``, same everything."""
    import keras
    import numpy as np
    import tensorflow as tf

    from custom_layers import training

    rng = np.random.default_rng(0)
    n, layers = size["examples"], size["layers"]
    x = rng.standard_normal((n, layers[0])).astype("float32")
    y = rng.integers(0, layers[-1], n).astype("int32")
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(size["batch"]).cache().prefetch(2)

    loop_model = _mlp(layers, keras.layers.Dense)
    fit_model = _mlp(layers, keras.layers.Dense)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    trainer = training.Trainer(
        loop_model, loss=loss, optimizer=keras.optimizers.Adam(1e-4), jit_compile=False
    )
    fit_model.compile(
        optimizer=keras.optimizers.Adam(1e-4), loss=loss, jit_compile=False, steps_per_execution=1
    )

    def loop_epoch():
        trainer.fit(data, epochs=1, verbose=0)

    def fit_epoch():
        fit_model.fit(data, epochs=1, verbose=0, shuffle=False)

    result = time_pair(loop_epoch, fit_epoch, size["epoch_repeats"])
    flops = 6 * _kernel_parameters(loop_model) * n
    result.update(
        {
            "examples": n,
            "batch_size": size["batch"],
            "layers": list(layers),
            "optimizer": "keras.optimizers.Adam (the same class in both)",
            "jit_compile": {"custom_loop": False, "model_fit": False},
            "steps_per_execution": 1,
            "flops_per_epoch": flops,
            "loop_gflops": flops / result["custom_s"] / 1e9,
            "fit_gflops": flops / result["builtin_s"] / 1e9,
        }
    )
    return result


def run(quick=False, out=None):
    """Run every benchmark; write ``results.json`` under ``out``; return the results."""
    import tensorflow as tf

    size = QUICK if quick else FULL
    started = time.perf_counter()
    results = {
        "quick": quick,
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "tensorflow": tf.__version__,
            "devices": [d.device_type for d in tf.config.list_logical_devices()],
        },
        "target_ratio": TARGET_RATIO,
        "optimizer_step": bench_optimizers(size),
        "dense": bench_dense(size),
        "activations": bench_activations(size),
        "training_loop": bench_training_loop(size),
        "matmul": bench_matmul(size),
    }
    loop = results["training_loop"]
    results["gflops"] = {
        "loop": loop["loop_gflops"],
        "model_fit": loop["fit_gflops"],
        "matmul": results["matmul"]["gflops"],
        "matmul_model_shape": results["matmul"]["gflops_model_shape"],
        # Against the better of the two matmul figures: what this machine can do.
        "loop_fraction_of_matmul": loop["loop_gflops"]
        / max(results["matmul"]["gflops"], results["matmul"]["gflops_model_shape"]),
    }
    results["ratios"] = ratios(results)
    results["all_within_target"] = all(r <= TARGET_RATIO for r in results["ratios"].values())
    results["seconds"] = time.perf_counter() - started
    out = Path(out) if out is not None else REPO_ROOT / "outputs" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    path.with_suffix(".tmp").write_text(json.dumps(results, indent=2) + "\n")
    os.replace(path.with_suffix(".tmp"), path)
    results["path"] = str(path)
    return results


def ratios(results):
    """Every custom/built-in ratio in one flat dict, by name."""
    flat = {
        f"optimizer {name}": r["ratio"]
        for name, r in results["optimizer_step"].items()
        if isinstance(r, dict)
    }
    flat["Dense"] = results["dense"]["ratio"]
    flat.update({f"activation {name}": r["ratio"] for name, r in results["activations"].items()})
    flat["loop epoch / model.fit epoch"] = results["training_loop"]["ratio"]
    return flat


def _verdict(result, target):
    """yes, or why not: the same graph as the built-in (then it is noise) or a bigger one."""
    if result["ratio"] <= target:
        return "yes"
    same = result.get("same_graph_ops_as_builtin")
    ops = result.get("graph_ops")
    if same or (ops and ops["custom"] == ops["builtin"] and same is None):
        return "NO, same graph size: noise"
    if ops and ops["custom"] > ops["builtin"]:
        return "NO, more ops"
    return "NO"


def table(results):
    """The results as a plain-text table."""
    target = results["target_ratio"]
    lines = [
        f"{'benchmark':<30}{'custom':>11}{'built-in':>11}{'ratio':>7}{'cpu':>7}"
        f"{'graph ops':>11}  ratio <= {target}?"
    ]
    rows = [
        (f"optimizer step {n}", r)
        for n, r in results["optimizer_step"].items()
        if isinstance(r, dict)
    ]
    rows += [("Dense fwd+bwd", results["dense"])]
    rows += [(f"activation {n} fwd+bwd", r) for n, r in results["activations"].items()]
    rows += [("loop epoch vs model.fit", results["training_loop"])]
    for name, r in rows:
        ops = r.get("graph_ops")
        ops = f"{ops['custom']}/{ops['builtin']}" if ops else "-"
        lines.append(
            f"{name:<30}{1e3 * r['custom_s']:>9.2f}ms{1e3 * r['builtin_s']:>9.2f}ms"
            f"{r['ratio']:>7.3f}{r['cpu_ratio']:>7.3f}{ops:>11}  " + _verdict(r, target)
        )
    g = results["gflops"]
    loop = results["training_loop"]
    same = [n for n, r in results["optimizer_step"].items() if isinstance(r, dict)]
    same = [n for n in same if results["optimizer_step"][n]["same_graph_ops_as_builtin"]]
    lines += [
        "",
        "ratio: custom/built-in, median of paired wall-time ratios; cpu: the same with the",
        "process's CPU time; graph ops: ops in each tf.function graph (custom/built-in).",
        f"optimizer model: {results['optimizer_step']['parameters']:,} parameters; same op types"
        f" and counts as the built-in: {', '.join(same) or 'none'}",
        f"training loop: {loop['examples']} examples, batch {loop['batch_size']}, layers "
        f"{loop['layers']}; jit_compile=False in both, model.fit steps_per_execution=1",
        f"GFLOP/s (6 x kernel parameters x examples per epoch): loop {g['loop']:.1f}, "
        f"model.fit {g['model_fit']:.1f}",
        f"plain tf.matmul in a tf.function: {g['matmul']:.1f} GFLOP/s at "
        f"{results['matmul']['n']}^3, {g['matmul_model_shape']:.1f} at the first layer's shape "
        f"{results['matmul']['model_shape']}; the loop reaches "
        f"{100 * g['loop_fraction_of_matmul']:.0f}% of the better one",
        f"all ratios within target: {results['all_within_target']}  ({results['seconds']:.0f} s)",
    ]
    return "\n".join(lines)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--out", type=Path, default=None, help="folder for results.json")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, out=args.out)
    print(table(results))
    print(f"Wrote {results['path']}")
    return results
