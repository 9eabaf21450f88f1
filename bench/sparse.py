"""Sparse rows of ``make bench``: an optimizer step on an embedding table's gradient.

The gradient of an embedding lookup is a ``tf.IndexedSlices``: the batch's rows, a row
used twice listed twice. Each optimizer (SGD, SGD momentum, RMSprop, RMSprop centered,
Adam, AMSGrad) takes one compiled ``apply`` step on it three ways: ours fed the slices,
the built-in fed the same slices (fast, but wrong for RMSprop and Adam on repeated rows),
and the built-in fed the densified gradient (``tf.convert_to_tensor``: the exact dense
maths). Two ratios per optimizer: ours / built-in (slices) and ours / built-in (dense).

On a large table the step's time is the number of passes over the table: every
element-wise op on a table-sized tensor reads (and most write) the whole table, while
a scatter or a gather touches only the batch's rows. So each row also reports the
table-sized ops in each side's graph, the structural explanation of its ratio, and,
on the small table, how far ours and the built-in (slices) end from the dense maths.
"""

from __future__ import annotations

import gc
import statistics
import time

OPTIMIZERS = {
    "SGD": ("SGD", {}),
    "SGD momentum": ("SGD", dict(momentum=0.9)),
    "RMSprop": ("RMSprop", {}),
    "RMSprop centered": ("RMSprop", dict(centered=True)),
    "Adam": ("Adam", {}),
    "AMSGrad": ("Adam", dict(amsgrad=True)),
}
SIDES = ("custom", "builtin_sparse", "builtin_dense")
# Ops that move no data (or only a handle) through a table-sized tensor.
BOOKKEEPING = {"ReadVariableOp", "Identity", "Const", "Placeholder", "NoOp", "VarHandleOp"}
WRITES = {"AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp"}


def batch_ids(vocabulary, rows, seed=0):
    """Token ids with a word-frequency-like spread: log-uniform, so small ids repeat."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return (np.exp(rng.uniform(0, np.log(vocabulary), rows)) - 1).astype("int64")


def time_three(runs, repeats):
    """Time ``runs[side]()`` for the three sides in turn (rotating who goes first), after
    one warm-up each; ratios are medians of the per-repeat ratios custom / built-in."""
    for side in SIDES:
        runs[side]()
    wall = {side: [] for side in SIDES}
    cpu = {side: [] for side in SIDES}
    for repeat in range(repeats):
        k = repeat % len(SIDES)
        for side in SIDES[k:] + SIDES[:k]:
            start, start_cpu = time.perf_counter(), time.process_time()
            runs[side]()
            wall[side].append(time.perf_counter() - start)
            cpu[side].append(time.process_time() - start_cpu)
    results = {}
    for side in SIDES[1:]:
        pairs = [c / b for c, b in zip(wall["custom"], wall[side], strict=True)]
        results[side] = {
            "custom_s": statistics.median(wall["custom"]),
            "builtin_s": statistics.median(wall[side]),
            "ratio": statistics.median(pairs),
            "ratio_quartiles": statistics.quantiles(pairs, n=4)[::2] if repeats > 1 else pairs * 2,
            "cpu_ratio": statistics.median(
                c / max(b, 1e-9) for c, b in zip(cpu["custom"], cpu[side], strict=True)
            ),
            "repeats": repeats,
        }
    return results


def table_passes(function, table_shape):
    """The ops of a ``tf.function``'s graph that read or write a whole table-sized tensor:
    element-wise ops producing one, and dense assignments of one (by type)."""
    import collections

    graph = function.get_concrete_function().graph
    shape = list(table_shape)
    passes = collections.Counter()
    for op in graph.get_operations():
        if op.type in BOOKKEEPING:
            continue
        outputs = [t.shape.as_list() for t in op.outputs if t.shape.rank is not None]
        inputs = [t.shape.as_list() for t in op.inputs[1:] if t.shape.rank is not None]
        if shape in outputs or (op.type in WRITES and shape in inputs):
            passes[op.type] += 1
    return passes


def _describe(counter):
    return ", ".join(f"{n} {op}" if n > 1 else op for op, n in sorted(counter.items()))


def _step_function(optimizer, gradient, table, densify):
    import tensorflow as tf

    optimizer.build([table])

    @tf.function
    def step():
        g = tf.convert_to_tensor(gradient) if densify else gradient
        optimizer.apply([g], [table])

    return step


def _distance_from_dense(name, kwargs, vocabulary, width, gradient, steps=3):
    """Max |ours − dense maths| and |built-in (slices) − dense maths| after ``steps``."""
    import keras
    import numpy as np
    import tensorflow as tf

    from custom_layers import optimizers

    start = tf.random.stateless_normal((vocabulary, width), seed=(7, 8))
    ends = {}
    for side in SIDES:
        module = optimizers if side == "custom" else keras.optimizers
        table = keras.Variable(start)
        step = _step_function(
            getattr(module, name)(**kwargs), gradient, table, densify=side == "builtin_dense"
        )
        try:
            for _ in range(steps):
                step()
        except tf.errors.InvalidArgumentError:
            continue  # the built-in raises on these slices: no distance to report
        ends[side] = table.numpy()
    dense = ends["builtin_dense"]
    distance = {side: float(np.abs(ends[side] - dense).max()) for side in ends}
    return {
        "custom": distance["custom"],
        "builtin_sparse": distance.get("builtin_sparse"),
        "steps": steps,
    }


def _timed_run(optimizer, gradient, table, densify, steps):
    """A ``run()`` of ``steps`` compiled steps, and the step (for its graph)."""
    step = _step_function(optimizer, gradient, table, densify=densify)

    def run():
        for _ in range(steps):
            step()
        optimizer.iterations.numpy()  # wait for the last step

    return run, step


def bench_table(vocabulary, width, rows, repeats, steps, check_exact):
    """The six optimizers on one ``vocabulary × width`` table, ``rows`` ids a batch."""
    import keras
    import tensorflow as tf

    from custom_layers import optimizers
    from custom_layers.optimizers.sparse import merge_duplicate_rows

    ids = batch_ids(vocabulary, rows)
    gradient = tf.IndexedSlices(
        tf.random.stateless_normal((rows, width), seed=(1, 2)) * 1e-2,
        tf.constant(ids),
        tf.constant([vocabulary, width], tf.int64),
    )
    results = {
        "table": [vocabulary, width],
        "batch_rows": rows,
        "unique_rows": int(len(set(ids.tolist()))),
        "steps_per_repeat": steps,
    }
    # One table for all (the values do not change the timing); each optimizer its slots.
    table = keras.Variable(tf.random.stateless_normal((vocabulary, width), seed=(3, 4)))
    # An Embedding's forward pass reads its table with a sparse gather, which switches
    # the variable to TensorFlow's copy-on-read mode (a dense update then copies it
    # first): put it in that state from the start, for every side alike.
    tf.gather(table.value, tf.constant([0]))
    for label, (name, kwargs) in OPTIMIZERS.items():
        runs, passes = {}, {}
        for side in SIDES:
            module = optimizers if side == "custom" else keras.optimizers
            optimizer = getattr(module, name)(**kwargs)
            densify = side == "builtin_dense"
            runs[side], step = _timed_run(optimizer, gradient, table, densify, steps)
            passes[side] = table_passes(step, (vocabulary, width))
        try:
            timed = time_three(runs, repeats)
            timed["builtin_sparse"]["fed"] = "the same slices"
        except tf.errors.InvalidArgumentError as error:
            # Keras 3.15's RMSprop raises on repeated rows at some steps (its IndexedSlices
            # arithmetic): time it on the slices with repeats merged instead, and say so.
            optimizer = getattr(keras.optimizers, name)(**kwargs)
            merged = merge_duplicate_rows(gradient)
            runs["builtin_sparse"], step = _timed_run(optimizer, merged, table, False, steps)
            passes["builtin_sparse"] = table_passes(step, (vocabulary, width))
            timed = time_three(runs, repeats)
            timed["builtin_sparse"]["fed"] = "the slices with repeats merged"
            lines = [line.strip() for line in error.message.splitlines() if line.strip()]
            timed["builtin_sparse"]["error"] = next(
                (line for line in reversed(lines) if "[[" not in line), lines[-1]
            )
        for side in SIDES[1:]:
            timed[side]["table_passes"] = {s: sum(passes[s].values()) for s in ("custom", side)}
            timed[side]["table_ops"] = {s: _describe(passes[s]) for s in ("custom", side)}
        if check_exact:
            exact = _distance_from_dense(name, kwargs, vocabulary, width, gradient)
            for side in SIDES[1:]:
                timed[side]["max_abs_diff_from_dense"] = exact
        results[label] = timed
        del runs, optimizer, step  # free this optimizer's slots before the next builds its own
        gc.collect()
    return results


def bench_sparse(size):
    """Every table of ``size["sparse_tables"]``: ``(vocabulary, width, rows, repeats,
    steps)``; the exactness check runs on tables of at most ``size["exact_max_rows"]``."""
    return {
        f"{vocabulary}x{width}": bench_table(
            vocabulary,
            width,
            rows,
            repeats,
            steps,
            check_exact=vocabulary <= size["exact_max_rows"],
        )
        for vocabulary, width, rows, repeats, steps in size["sparse_tables"]
    }


def rows(results):
    """Table rows for ``bench``: one per optimizer, table and built-in side."""
    out = []
    for table, by_optimizer in results.items():
        for label, timed in by_optimizer.items():
            if not isinstance(timed, dict) or "builtin_sparse" not in timed:
                continue
            for side, against in (("builtin_sparse", "slices"), ("builtin_dense", "dense")):
                out.append(
                    dict(
                        key=f"sparse {table} {label} vs built-in ({against})",
                        label=f"{_short(table)} {label} {against}",
                        kind="sparse",
                        against=against,
                        result=timed[side],
                    )
                )
    return out


def _short(table):
    """``"1000000x64"`` -> ``"1Mx64"``, ``"20000x128"`` -> ``"20kx128"``."""
    vocabulary, width = table.split("x")
    n = int(vocabulary)
    for unit, scale in (("M", 10**6), ("k", 10**3)):
        if n % scale == 0:
            return f"{n // scale}{unit}x{width}"
    return table


def notes(results):
    """Lines under the table about the sparse rows."""
    lines = []
    for table, by_optimizer in results.items():
        lines.append(
            f"sparse {table} table: a {by_optimizer['batch_rows']}-row batch gradient "
            f"({by_optimizer['unique_rows']} distinct rows), one compiled apply per step; ops: "
            "table-sized ops in each graph (ours/built-in); 'slices': the built-in fed the "
            "same IndexedSlices, 'dense': fed tf.convert_to_tensor of them"
        )
        for label, timed in by_optimizer.items():
            if not isinstance(timed, dict) or "builtin_sparse" not in timed:
                continue
            fed = timed["builtin_sparse"]
            if "error" in fed:
                lines.append(
                    f"  {label}: the built-in raises on these slices ({fed['error'][:70]}...), "
                    f"so its 'slices' row is fed {fed['fed']}"
                )
            exact = fed.get("max_abs_diff_from_dense")
            if exact:
                builtin = exact["builtin_sparse"]
                builtin = "raises" if builtin is None else f"{builtin:.1e}"
                lines.append(
                    f"  {label}: max |w - dense maths| after {exact['steps']} steps: ours "
                    f"{exact['custom']:.1e}, built-in on the slices {builtin}"
                )
    return lines


def explain(row, target):
    """Why a sparse row is above the target, from the graphs' table-sized ops."""
    r = row["result"]
    passes, ops = r["table_passes"], r["table_ops"]
    builtin = "builtin_sparse" if row["against"] == "slices" else "builtin_dense"
    cpu = f"CPU-time ratio {r['cpu_ratio']:.2f}"
    if passes["custom"] <= passes[builtin]:
        structure = (
            f"ours makes {passes['custom']} table-sized ops ({ops['custom'] or 'none'}) vs the "
            f"built-in's {passes[builtin]} ({ops[builtin] or 'none'}): no more passes over "
            "the table"
        )
        if passes["custom"] == 0 and passes[builtin] == 0:
            structure += "; both touch only the batch's rows, so the fixed cost per step "
            structure += "(merging repeated rows, the optimizer's bookkeeping) shows"
        if r["cpu_ratio"] <= target:
            return structure + "; within target by CPU time, so the excess is the machine's load"
        if "TensorScatterAdd" in ops["custom"]:
            # Measured apart: adding 4,096 rows to a fresh table-sized tensor costs about a
            # whole pass (TensorFlow copies the tensor instead of adding in place).
            structure += (
                "; but ours' TensorScatterAdd copies its table-sized input (about one more "
                "pass each, measured apart), and the built-in's AssignAdds work in place, so "
                "fewer ops is not fewer bytes moved"
            )
        return structure + f"; {cpu}"
    return (
        f"ours makes {passes['custom']} table-sized ops ({ops['custom']}) vs the built-in's "
        f"{passes[builtin]} ({ops[builtin] or 'none'}); {cpu}"
    )
