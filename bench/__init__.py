"""``make bench``: the course's custom pieces against the Keras/TensorFlow built-ins.

Everything runs in one process, in one run, so the ratios compare like with like:

* optimizer step: ``apply`` of SGD (momentum), RMSprop and Adam on a ~1M-parameter MLP,
  compiled in a ``tf.function``;
* ``Dense`` forward + backward;
* six activations forward + backward, three ways: alone on a large tensor (the function's
  own cost), inside a ``Dense`` layer (ours in our ``Dense`` against Keras's in Keras's:
  what training feels), and alone again with both sides under ``jit_compile=True``
  (XLA fuses each side's element-wise ops into one loop); for each, the element-wise
  kernels that run after TensorFlow's graph optimizer, ours against the built-in's;
* the GradientTape loop's epoch (``custom_layers.training``) against ``model.fit``'s, same
  model, data, optimizer, both with ``jit_compile=False`` (and ``steps_per_execution=1``);
* sparse rows (``bench.sparse``): one optimizer step on an embedding table's
  ``tf.IndexedSlices`` gradient (1,000,000 × 64 and an IMDB-sized 20,000 × 128 table, a
  4,096-row batch with repeated rows), six optimizers, ours vs the built-in fed the same
  slices and vs the built-in fed the densified gradient;
* the loop's achieved GFLOP/s (≈ 6 · kernel parameters · examples per epoch, the matmul
  FLOPs of forward + backward of an MLP) against a plain compiled ``tf.matmul``.

Each figure is the median of several repeats after a warm-up, with custom and built-in
repeats interleaved (alternating which goes first) so that drift in the machine's speed
hits both alike. A ratio is custom time / built-in time: below 1 means ours is faster. The
ratio of the process's CPU time is reported beside it: it is far less sensitive to other
programs' load on the machine. Every ratio above the target gets a one-line explanation
(in the table and in ``results.json``), and the machine's load average is recorded.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

from bench import sparse

TARGET_RATIO = 1.05
REPO_ROOT = Path(__file__).resolve().parent.parent

# Sizes: the full run (about 2-3 minutes on 2 cores) and --quick (seconds).
FULL = dict(
    layers=(784, 1024, 256, 10),
    examples=8192,
    batch=256,
    optimizer_steps=10,
    dense=(512, 1024, 1024),
    dense_steps=5,
    activation_shape=(1024, 1024),
    activation_steps=5,
    activation_dense=(256, 1024, 1024),
    activation_dense_steps=2,
    matmul=1024,
    matmul_steps=10,
    repeats=15,  # many short pairs: the median shrugs off a slow spell of the machine
    epoch_repeats=9,
    # (vocabulary, width, batch rows, repeats, steps per repeat): few repeats of the big
    # table, whose steps are passes over 256 MB.
    sparse_tables=((1_000_000, 64, 4096, 3, 1), (20_000, 128, 4096, 7, 3)),
    exact_max_rows=100_000,  # the exactness check (3 steps from one start) on small tables
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
    activation_dense=(16, 32, 32),
    activation_dense_steps=2,
    matmul=128,
    matmul_steps=2,
    repeats=1,
    epoch_repeats=1,
    activations=("sigmoid", "gelu"),
    sparse_tables=((2_000, 16, 256, 1, 1),),
    exact_max_rows=100_000,
)
ACTIVATIONS = ("sigmoid", "tanh", "relu", "gelu", "swish", "softplus")


def time_pair(custom, builtin, repeats):
    """Time ``custom()`` and ``builtin()`` alternately, after one warm-up call each.

    Returns the median wall time of each, and the ratio custom/built-in as the median of
    the per-repeat ratios (each repeat runs both back to back, so a slow spell of the
    machine inflates both halves of a pair and cancels out), with their quartiles. The
    CPU time of the process (all of TensorFlow's threads) gives a second estimate, much
    less sensitive to other programs' load.
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
    pairs = [c / b for c, b in zip(wall["custom"], wall["builtin"], strict=True)]
    return {
        "custom_s": statistics.median(wall["custom"]),
        "builtin_s": statistics.median(wall["builtin"]),
        "ratio": statistics.median(pairs),
        "ratio_quartiles": statistics.quantiles(pairs, n=4)[::2] if repeats > 1 else pairs * 2,
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


def kernel_ops(function):
    """The ops TensorFlow really runs for a ``tf.function``, by type: its graph after
    Grappler, TensorFlow's graph optimizer (dead branches pruned, constants folded, a
    MatMul fused with its BiasAdd, chains of unary ops fused into one
    ``_UnaryOpsComposition``), without bookkeeping ops. ``None`` where Grappler's
    (private) entry point is missing."""
    import collections

    import tensorflow as tf

    try:
        from tensorflow.core.protobuf import config_pb2, meta_graph_pb2
        from tensorflow.python.framework import meta_graph
        from tensorflow.python.grappler import tf_optimizer

        concrete = function.get_concrete_function()
        graph = meta_graph.create_meta_graph_def(graph=concrete.graph)
        # Placed as TensorFlow would place them: the device-specific fusions then apply.
        device = (tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices())[0]
        for node in graph.graph_def.node:
            node.device = device.name
        fetch = meta_graph_pb2.CollectionDef()
        fetch.node_list.value.extend(t.name for t in concrete.outputs)
        graph.collection_def["train_op"].CopyFrom(fetch)
        optimized = tf_optimizer.OptimizeGraph(config_pb2.ConfigProto(), graph)
    except Exception:  # noqa: BLE001 - a private API: report nothing rather than fail
        return None
    bookkeeping = {"Const", "Identity", "IdentityN", "Placeholder", "NoOp", "_Arg", "_Retval"}
    return collections.Counter(_kernel_name(n) for n in optimized.node if n.op not in bookkeeping)


def _kernel_name(node):
    """``_FusedMatMul(BiasAdd, Relu)``: a fused kernel with what it fused."""
    fused = [*node.attr["fused_ops"].list.s, *node.attr["op_names"].list.s]
    if node.op.startswith("_") and fused:
        return f"{node.op}({', '.join(op.decode() for op in fused)})"
    return node.op


def _passes(kernels):
    """Element-wise kernels, each one pass over the tensor (a fused MatMul is not one)."""
    return sum(n for kernel, n in kernels.items() if "MatMul" not in kernel)


def _describe(ops):
    """``Counter({"Mul": 2, "Exp": 1})`` -> ``"2 Mul, Exp"``."""
    return ", ".join(f"{n} {op}" if n > 1 else op for op, n in sorted(ops.items()))


def _forward_backward(layer_or_fn, x, variables, jit_compile=False):
    import tensorflow as tf

    @tf.function(jit_compile=jit_compile)
    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer_or_fn(x)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x] + variables)

    return step


def _timed(step, steps):
    def run():
        for _ in range(steps):
            out = step()
        out[0].numpy()  # wait for the last step

    return run


def bench_dense(size):
    """``custom_layers.layers.Dense`` vs ``keras.layers.Dense``: forward + backward."""
    import keras
    import tensorflow as tf

    from custom_layers import layers

    batch, d_in, units = size["dense"]
    x = tf.random.stateless_normal((batch, d_in), seed=(1, 2))
    runs, graphs, kernels = {}, {}, {}
    for which, cls in (("custom", layers.Dense), ("builtin", keras.layers.Dense)):
        keras.utils.set_random_seed(0)
        layer = cls(units)
        layer.build((batch, d_in))
        step = _forward_backward(layer, x, layer.trainable_variables)
        graphs[which] = graph_ops(step)
        kernels[which] = kernel_ops(step)
        runs[which] = _timed(step, size["dense_steps"])
    result = time_pair(runs["custom"], runs["builtin"], size["repeats"])
    result["graph_ops"] = {which: sum(ops.values()) for which, ops in graphs.items()}
    result["same_graph_ops_as_builtin"] = graphs["custom"] == graphs["builtin"]
    if kernels["custom"] is not None:
        result["kernels"] = {which: _describe(ops) for which, ops in kernels.items()}
    result["shape"] = f"x {batch}x{d_in} -> {units} units, no activation"
    return result


def _activation_pairs(size):
    import keras

    from custom_layers import activations

    names = size.get("activations", ACTIVATIONS)
    return {name: (getattr(activations, name), getattr(keras.activations, name)) for name in names}


def bench_activations(size, jit_compile=False):
    """Ours vs ``keras.activations``, forward + backward, alone on one large tensor.

    Without XLA every element-wise op is its own kernel, one pass over the tensor, so
    the kernels that run (after Grappler, less those of the loss around the
    activation) explain the time. With ``jit_compile=True`` (both sides) XLA fuses each
    side's element-wise ops into one loop.
    """
    import tensorflow as tf

    x = tf.random.stateless_normal(size["activation_shape"], seed=(3, 4)) * 3
    loss_only = None if jit_compile else kernel_ops(_forward_backward(lambda z: z, x, []))
    results = {}
    for name, pair in _activation_pairs(size).items():
        runs, graphs, kernels = {}, {}, {}
        for which, fn in zip(("custom", "builtin"), pair, strict=True):
            step = _forward_backward(fn, x, [], jit_compile=jit_compile)
            graphs[which] = graph_ops(step)
            if loss_only is not None:
                kernels[which] = kernel_ops(step)
            runs[which] = _timed(step, size["activation_steps"])
        result = time_pair(runs["custom"], runs["builtin"], size["repeats"])
        result["jit_compile"] = jit_compile
        result["shape"] = "x".join(map(str, size["activation_shape"]))
        # Ops in each tf.function graph as traced (before Grappler).
        result["graph_ops"] = {which: sum(ops.values()) for which, ops in graphs.items()}
        if kernels and all(ops is not None for ops in kernels.values()):
            own = {which: ops - loss_only for which, ops in kernels.items()}
            result["kernels"] = {which: _describe(ops) for which, ops in own.items()}
            result["passes"] = {which: _passes(ops) for which, ops in own.items()}
        results[name] = result
    return results


def bench_activations_in_dense(size):
    """Our ``Dense`` with our activation vs Keras's ``Dense`` with Keras's, forward +
    backward (same weights, same inputs): the activation's cost as training meets it."""
    import keras
    import tensorflow as tf

    from custom_layers import layers

    batch, d_in, units = size["activation_dense"]
    x = tf.random.stateless_normal((batch, d_in), seed=(5, 6))
    classes = {"custom": layers.Dense, "builtin": keras.layers.Dense}

    def step_of(which, activation):
        keras.utils.set_random_seed(0)
        layer = classes[which](units, activation=activation)
        layer.build((batch, d_in))
        return _forward_backward(layer, x, layer.trainable_variables)

    # The kernels of the Dense layers alone, to subtract: what is left is the activation's.
    linear = {which: kernel_ops(step_of(which, None)) for which in classes}
    results = {}
    for name, pair in _activation_pairs(size).items():
        runs, kernels = {}, {}
        for which, fn in zip(classes, pair, strict=True):
            step = step_of(which, fn)
            if linear[which] is not None:
                kernels[which] = kernel_ops(step) - linear[which]
            runs[which] = _timed(step, size["activation_dense_steps"])
        result = time_pair(runs["custom"], runs["builtin"], size["repeats"])
        result["jit_compile"] = False
        result["shape"] = f"x {batch}x{d_in} -> {units} units"
        if len(kernels) == 2:
            result["kernels"] = {which: _describe(ops) for which, ops in kernels.items()}
            result["passes"] = {which: _passes(ops) for which, ops in kernels.items()}
        results[name] = result
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
            # Other programs' load makes wall times noisy: (1, 5, 15)-minute averages.
            "load_average_start": list(os.getloadavg()),
        },
        "target_ratio": TARGET_RATIO,
        "optimizer_step": bench_optimizers(size),
        "dense": bench_dense(size),
        "activations": bench_activations(size),
        "activations_in_dense": bench_activations_in_dense(size),
        "activations_jit": bench_activations(size, jit_compile=True),
        "training_loop": bench_training_loop(size),
        "matmul": bench_matmul(size),
        "sparse": sparse.bench_sparse(size),
    }
    results["machine"]["load_average_end"] = list(os.getloadavg())
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
    results["explanations"] = explanations(results)
    results["seconds"] = time.perf_counter() - started
    out = Path(out) if out is not None else REPO_ROOT / "outputs" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    path.with_suffix(".tmp").write_text(json.dumps(results, indent=2) + "\n")
    os.replace(path.with_suffix(".tmp"), path)
    results["path"] = str(path)
    return results


def _rows(results):
    """Every custom/built-in pair measured: dicts with the ratio's key, a table label,
    the kind of comparison, the activation's name where there is one, and the result."""
    rows = [
        dict(key=f"optimizer {n}", label=f"optimizer step {n}", kind="optimizer", result=r)
        for n, r in results["optimizer_step"].items()
        if isinstance(r, dict)
    ]
    rows.append(dict(key="Dense", label="Dense", kind="dense", result=results["dense"]))
    for name, alone in results["activations"].items():
        rows += [
            dict(key=f"activation {name}", label=f"{name} alone", kind="alone", result=alone),
            dict(
                key=f"activation {name} in Dense",
                label=f"{name} in Dense",
                kind="in_dense",
                result=results["activations_in_dense"][name],
            ),
            dict(
                key=f"activation {name} alone, XLA",
                label=f"{name} alone",
                kind="jit",
                result=results["activations_jit"][name],
            ),
        ]
        for row in rows[-3:]:
            row["name"] = name
    rows.append(
        dict(
            key="loop epoch / model.fit epoch",
            label="loop epoch vs model.fit",
            kind="loop",
            result=results["training_loop"],
        )
    )
    return rows + sparse.rows(results.get("sparse", {}))


def ratios(results):
    """Every custom/built-in ratio in one flat dict, by name."""
    return {row["key"]: row["result"]["ratio"] for row in _rows(results)}


def _explain(row, results):
    """Why this ratio is above the target, in one line, from what was measured."""
    r, name, target = row["result"], row.get("name"), results["target_ratio"]
    cpu = f"CPU-time ratio {r['cpu_ratio']:.2f}"
    noise = (
        f"; {cpu}: within target, so the wall-clock excess is the machine's load"
        if r["cpu_ratio"] <= target
        else f"; {cpu}"
    )
    alone = results["activations"].get(name, {})
    if row["kind"] == "sparse":
        return sparse.explain(row, target)
    if r.get("same_graph_ops_as_builtin"):
        return "the same ops as the built-in, op for op: the difference is noise" + noise
    if row["kind"] == "alone" and "passes" in r:
        if r["kernels"]["custom"] == r["kernels"]["builtin"]:
            return f"the same kernels as the built-in ({r['kernels']['custom']}): noise" + noise
        passes = r["passes"]
        why = (
            "each a pass over the tensor"
            if passes["custom"] > passes["builtin"]
            else "no more passes, but dearer ones per element"
        )
        return (
            f"{passes['custom']} element-wise kernels ({r['kernels']['custom']}) vs "
            f"{passes['builtin']} ({r['kernels']['builtin']}), {why}; with jit_compile=True "
            f"{results['activations_jit'][name]['ratio']:.2f}, inside Dense "
            f"{results['activations_in_dense'][name]['ratio']:.2f}"
        )
    if row["kind"] == "in_dense" and "passes" in r:
        if r["kernels"]["custom"] == r["kernels"]["builtin"]:
            return f"the same kernels as the built-in ({r['kernels']['custom']}): noise" + noise
        return (
            f"the activation's {r['passes']['custom']} element-wise kernels "
            f"({r['kernels']['custom']}) vs {r['kernels']['builtin']}, next to the layer's "
            f"matmuls (alone: {alone['ratio']:.2f})" + noise
        )
    if row["kind"] == "jit" and "kernels" in alone:
        if alone["kernels"]["custom"] == alone["kernels"]["builtin"]:
            return "the same ops as the built-in, fused alike by XLA: noise" + noise
        return (
            "XLA fuses each side into one loop; left is the arithmetic per element, our "
            f"formula's ({alone['kernels']['custom']}) vs the built-in's "
            f"({alone['kernels']['builtin']})" + noise
        )
    return "no structural difference found" + noise


def explanations(results):
    """One line for every ratio above the target (its key in ``ratios``)."""
    target = results["target_ratio"]
    return {
        row["key"]: _explain(row, results)
        for row in _rows(results)
        if row["result"]["ratio"] > target
    }


def table(results):
    """The results as a plain-text table, with a line under each ratio above target."""
    target = results["target_ratio"]
    notes = results["explanations"]
    lines = [
        f"{'benchmark (forward+backward)':<33}{'jit':>4}{'custom':>11}{'built-in':>11}"
        f"{'ratio':>7}{'cpu':>7}{'ops':>8}  ratio <= {target}?"
    ]
    for row in _rows(results):
        r = row["result"]
        ops = r.get("passes") or r.get("graph_ops") or r.get("table_passes")
        ops = "/".join(str(n) for n in ops.values()) if ops else "-"
        jit = "yes" if r.get("jit_compile") is True else "no"
        lines.append(
            f"{row['label']:<33}{jit:>4}{1e3 * r['custom_s']:>9.2f}ms{1e3 * r['builtin_s']:>9.2f}ms"
            f"{r['ratio']:>7.3f}{r['cpu_ratio']:>7.3f}{ops:>8}  "
            + ("yes" if r["ratio"] <= target else "NO")
        )
        if row["key"] in notes:
            lines.append(f"    -> {notes[row['key']]}")
    g = results["gflops"]
    loop = results["training_loop"]
    machine = results["machine"]
    same = [n for n, r in results["optimizer_step"].items() if isinstance(r, dict)]
    same = [n for n in same if results["optimizer_step"][n]["same_graph_ops_as_builtin"]]
    some = next(iter(results["activations"].values()))
    dense = next(iter(results["activations_in_dense"].values()))
    lines += [
        "",
        "ratio: custom/built-in, median of paired wall-time ratios; cpu: the same with the",
        "process's CPU time. ops: the activation's element-wise kernels after Grappler (rows",
        "without XLA), else all ops in each tf.function graph as traced (custom/built-in).",
        f"activations alone: {some['shape']} tensor, loss sum(y^2); in Dense: {dense['shape']},"
        " our Dense + our activation vs keras Dense + keras activation",
        f"optimizer model: {results['optimizer_step']['parameters']:,} parameters; same op types"
        f" and counts as the built-in: {', '.join(same) or 'none'}; Dense: "
        + (
            "the same op types and counts as keras.layers.Dense"
            if results["dense"]["same_graph_ops_as_builtin"]
            else "not the same ops as keras.layers.Dense"
        ),
        f"training loop: {loop['examples']} examples, batch {loop['batch_size']}, layers "
        f"{loop['layers']}; jit_compile=False in both, model.fit steps_per_execution=1",
        f"GFLOP/s (6 x kernel parameters x examples per epoch): loop {g['loop']:.1f}, "
        f"model.fit {g['model_fit']:.1f}",
        f"plain tf.matmul in a tf.function: {g['matmul']:.1f} GFLOP/s at "
        f"{results['matmul']['n']}^3, {g['matmul_model_shape']:.1f} at the first layer's shape "
        f"{results['matmul']['model_shape']}; the loop reaches "
        f"{100 * g['loop_fraction_of_matmul']:.0f}% of the better one",
        f"machine: {machine['cpu_count']} cores, load average (1/5/15 min) "
        + " / ".join(f"{x:.1f}" for x in machine["load_average_start"])
        + " at the start, "
        + " / ".join(f"{x:.1f}" for x in machine["load_average_end"])
        + " at the end",
        *sparse.notes(results.get("sparse", {})),
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
