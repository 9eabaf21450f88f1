# %% [markdown]
# # Lesson 10 — Scaling out: one training loop on several devices and machines
#
# When one device is too slow, the usual answer is **data parallelism**: put a copy
# of the model on every device (a *replica*), give each replica a different slice of
# every batch, and add up the replicas' gradients before the update, so that all the
# copies take the same step and stay identical. TensorFlow packages this as
# `tf.distribute` strategies. This chapter trains lesson 05's MNIST MLP three ways
# with the course's own `GradientTape` loop (`custom_layers.training`), unchanged:
#
# - (a) on **one device**;
# - (b) with **`MirroredStrategy`**: two replicas on one machine (here: this
#   machine's CPU split into two logical devices);
# - (c) with **`MultiWorkerMirroredStrategy`**: two *worker processes* that talk to each
#   other over the network (here: loopback, `127.0.0.1`), exactly as two machines would.
#
# and measures how far apart the three end, and how fast each one trains.
#
# **What you will learn**
#
# - how a strategy splits a batch: the dataset is batched with the **global** batch
#   size, every replica gets its slice, and with several workers each worker keeps
#   only its replicas' slices (the data is *sharded*);
# - why each replica divides its summed loss by the **global** batch size (and not by
#   its own slice's size), and why the result equals the one-device run;
# - what `TF_CONFIG` is, how the workers find each other, and why only the **chief**
#   writes checkpoints — and how a job whose worker dies resumes from them;
# - what the communication costs when the replicas share the same cores.

# %%
import numpy as np
import tensorflow as tf

from custom_layers import training
from lessons import common, scaling_plots, scaling_runs, worker_jobs

# First, before TensorFlow touches any device: show it this machine's CPU as two logical
# devices, so that MirroredStrategy has two devices to mirror onto. (On a machine with
# GPUs, each GPU would be one device and nothing needs splitting.)
try:
    scaling_runs.split_cpu(2)
except RuntimeError:  # TensorFlow had already started (a re-run notebook cell)
    pass
tf.get_logger().setLevel("ERROR")  # a notebook would otherwise show every strategy's INFO lines


# %% tags=["parameters"]
def extra(parser):
    whole, number = common.int_at_least, common.float_in
    parser.add_argument("--examples", type=whole(256), default=20_000, help="training images")
    parser.add_argument("--batch-size", type=whole(2), default=128, help="the GLOBAL batch size")
    parser.add_argument("--learning-rate", type=number(0, 1, low_open=True), default=1e-3)
    parser.add_argument(
        "--timeout",
        type=number(1, 3600),
        default=None,
        help="seconds a worker job may take (default 600; --quick 180)",
    )


args = common.setup("10", "Lesson 10: scaling out", epochs=2, extra=extra)
if args.quick:
    args.epochs = min(args.epochs, 1)
args.timeout = args.timeout or (180 if args.quick else 600)
metrics = {}

# %% [markdown]
# ## 1. How a strategy splits a batch, and why the loss is divided by the global batch
#
# With `R` replicas and a global batch of `B` examples, replica `r` receives a slice
# `S_r` of `B/R` examples. One device would minimize the mean loss of the batch,
#
# `L = (1/B) Σ_{i in batch} ℓ_i = Σ_r [ (1/B) Σ_{i in S_r} ℓ_i ] = Σ_r L_r`,
#
# so if each replica computes `L_r` — its slice's losses summed and divided by the
# **global** `B` — the gradients add up: `∇L = Σ_r ∇L_r`. That sum is exactly what the
# strategy's *all-reduce* computes before the optimizer's update, on every replica at
# once, so every copy of the weights takes the same step. (Dividing by the slice size
# `B/R` instead would give `R` times too large a gradient.) Metrics are sums too (a
# total and a count), kept per replica and added up when read. This is the step the
# course's `training.Trainer` runs on each replica:

# %%
# One replica's step: the method ``Trainer.train_step`` (``_replica_train_step`` in the
# single-module version of custom_layers.training).
replica_step = getattr(training.Trainer, "train_step", None) or training.Trainer._replica_train_step
common.show_source(replica_step, title="one replica's step — custom_layers.training.Trainer")

# %% [markdown]
# Which examples does each replica get? Let a `MirroredStrategy` on the two logical
# CPUs distribute a dataset whose examples are just their own numbers, 0 … 7, in
# global batches of 4:

# %%
cpus = [device.name for device in tf.config.list_logical_devices("CPU")]
mirrored = tf.distribute.MirroredStrategy(cpus[:2]) if len(cpus) >= 2 else None
if mirrored is not None:
    for replica, share in enumerate(scaling_runs.replica_shares(mirrored)):
        print(f"replica {replica} gets examples {share} (one list per global batch)")

# %% [markdown]
# ## 2. The data, the model, the run
#
# The data: the first `--examples` MNIST training images (20 000 by default), in
# global batches of 128, shuffled with a fixed seed. Every process builds the same
# pipeline with the same seed, so the examples come in the same order everywhere, and
# the strategy then cuts each global batch into the replicas' slices.
#
# The model: lesson 05's MLP (`normalize → flatten → Dense(512) → Dense(256) → 10
# logits`, the course's `Dense` layers), trained with the course's Adam. One change:
# **no dropout**. Dropout draws a random mask per replica, so two replicas draw
# different masks than one device drawing for the whole batch; with it the runs
# would differ by design, and we want to *see* whether they are the same computation.
#
# `train` is the whole recipe, the same for the three runs: build the model, the
# optimizer and the metrics inside `strategy.scope()` (their variables become
# *mirrored* variables, one copy per replica), then call the training loop.

# %%
common.show_source(scaling_runs.train)
data = scaling_runs.load_data(args.quick, args.examples)
examples = len(data["y_train"])
steps = int(scaling_runs.training_data(data, args.batch_size, args.seed).cardinality())
print(
    f"{examples:,} training images, global batch {args.batch_size} ({steps} steps per "
    f"epoch), {args.epochs} epoch(s), Adam η = {args.learning_rate}, seed {args.seed}."
)
runs = {}
runs["one device"] = scaling_runs.train(tf.distribute.get_strategy(), data, args)
if mirrored is not None:
    runs["mirrored"] = scaling_runs.train(mirrored, data, args)
else:  # TensorFlow started before the CPU could be split: a fresh process can split it
    (runs["mirrored"],), _ = worker_jobs.train_on_workers(
        args, args.out / "mirrored", workers=1, multi_worker=False
    )
print(f"(a) one device and (b) MirroredStrategy with {runs['mirrored']['replicas']} replicas done.")

# %% [markdown]
# ## 3. Several machines: `TF_CONFIG` and the worker processes
#
# `MultiWorkerMirroredStrategy` runs one process per machine (a *worker*); each has its
# own devices and runs **the same program**. A worker learns who is in the job from the
# environment variable `TF_CONFIG`, a JSON object: the `cluster` (every worker's
# `host:port`, the same on every machine) and this process's own `task` (its type and
# index, different on every machine). Worker 0 is the **chief**. On two machines:
#
# ```
# machine A: TF_CONFIG='{"cluster": {"worker": ["host-a:12345", "host-b:12345"]},
#                        "task": {"type": "worker", "index": 0}}'
# machine B: TF_CONFIG='{"cluster": {"worker": ["host-a:12345", "host-b:12345"]},
#                        "task": {"type": "worker", "index": 1}}'
# ```
#
# When the strategy is created, each worker starts a gRPC server on its port and the
# workers connect; from then on every all-reduce is a *collective* operation that all
# workers must enter together (so every worker must make the same calls in the same
# order — the loop does). The strategy shards the data: each worker keeps its own
# replicas' slices of every global batch. Only the chief writes checkpoints (to
# `checkpoint_dir`, storage every worker sees); the others save into a temporary folder
# that is deleted right away, and all of them resume from the chief's checkpoints when
# the job is started again.
#
# Here both "machines" are processes on this one, each with a free port on 127.0.0.1.
# A worker is the module `lessons.multiworker` (`python -m lessons.multiworker`), not
# this chapter, so a worker never re-runs the chapter; it creates the strategy first,
# then runs the same `train`. The launcher, `lessons.worker_jobs.run_job`, must never
# leave processes behind: each worker runs in its own process group, and a
# `try/finally` kills the groups if anything goes wrong — a worker fails (its partner
# would otherwise wait forever in a collective), the job runs past its time limit, or
# you press Ctrl-C. A worker also sets an alarm that ends it after the same limit.

# %%
common.show_source(worker_jobs.run_job)
workers, job_seconds = worker_jobs.train_on_workers(args, args.out / "multi-worker")
runs["multi-worker"] = workers[0]  # the chief's copy
for index, worker in enumerate(workers):
    print(f"worker {index} got examples {worker['shares'][0]} of each global batch of 4")
copies_diff = scaling_runs.max_weight_diff(workers[1]["weights"], workers[0]["weights"])
print(
    f"The two workers' copies of the weights differ by at most {copies_diff:.1g}; job wall "
    f"time {job_seconds:.1f} s, of which training {workers[0]['seconds']:.1f} s."
)
print(
    f"Worker 0's TF_CONFIG (worker 1's differs only in its index):\n    {workers[0]['tf_config']}"
)
metrics.update(multiworker_job_seconds=round(job_seconds, 2), multiworker_copies_diff=copies_diff)

# %% [markdown]
# Which network interfaces does a worker's gRPC server listen on? The cluster names
# 127.0.0.1, but TensorFlow's server binds its port on the wildcard address (the
# installed version has no option to bind it elsewhere). Each worker read its own
# listening sockets from `/proc/net/tcp*`: `0.0.0.0` or `::` means every interface.
# On a machine that others can reach, a firewall must keep these ports private — the
# workers' messages are not authenticated.

# %%
listening = workers[0]["listening_addresses"]
everywhere = any(address in ("0.0.0.0", "::") for address in listening)
scope = "every interface, not only loopback" if everywhere else "loopback only"
print(f"Worker 0's gRPC port listens on {listening or 'unknown (no /proc)'}: {scope}.")
metrics["multiworker_listens_on_all_interfaces"] = everywhere

# %% [markdown]
# ## 4. Comparing the runs
#
# All three runs start from the same weights and see the same global batches in the
# same order, so they compute the same thing — but not necessarily to the last bit:
# two replicas each sum half of the batch's gradient and the all-reduce adds the two
# halves, while one device sums the whole batch in one go. float32 addition is not
# associative (its relative precision is about 6e-8), so the last bits can differ, and
# every later step — Adam's division by `√v̂` especially — carries those differences
# along, so over a long run the weights drift apart by more than one rounding step. We
# call the runs the same when their final losses agree within `LOSS_TOLERANCE` (relative)
# and their test accuracies within `ACCURACY_TOLERANCE`, and print how far the weights
# have drifted (`WEIGHT_TOLERANCE` is what a short run stays within).

# %%
reference = runs["one device"]["weights"]
parameters = sum(int(np.prod(w.shape)) for w in reference)
print(
    f"Every distributed step all-reduces the gradient of {parameters:,} weights "
    f"({4 * parameters / 1e6:.1f} MB of float32)."
)
print(
    f"{'run':<14}{'replicas':>9}{'final loss':>14}{'max |Δw|':>11}{'test acc.':>11}"
    f"{'train s':>9}{'examples/s':>12}"
)
keys = {"one device": "single", "mirrored": "mirrored", "multi-worker": "multiworker"}
for name, run in runs.items():
    diff = scaling_runs.max_weight_diff(run["weights"], reference)
    accuracy = scaling_runs.accuracy_on_test_set(run["weights"], data)
    loss = run["history"]["loss"][-1]
    print(
        f"{name:<14}{run['replicas']:>9}{loss:>14.8f}{diff:>11.1e}{accuracy:>11.4f}"
        f"{run['seconds']:>9.1f}{run['examples_per_second']:>12,.0f}"
    )
    metrics.update(
        {
            f"{keys[name]}_loss": loss,
            f"{keys[name]}_weight_diff": diff,
            f"{keys[name]}_test_accuracy": accuracy,
            f"{keys[name]}_examples_per_second": round(run["examples_per_second"], 1),
            f"{keys[name]}_train_seconds": round(run["seconds"], 2),
        }
    )
max_weight_diff = max(metrics["mirrored_weight_diff"], metrics["multiworker_weight_diff"])
max_loss_rel_diff = max(
    abs(metrics[f"{k}_loss"] - metrics["single_loss"]) / metrics["single_loss"]
    for k in ("mirrored", "multiworker")
)
max_accuracy_diff = max(
    abs(metrics[f"{k}_test_accuracy"] - metrics["single_test_accuracy"])
    for k in ("mirrored", "multiworker")
)
same = max_loss_rel_diff <= scaling_runs.LOSS_TOLERANCE
same = same and max_accuracy_diff <= scaling_runs.ACCURACY_TOLERANCE
drift = "within" if max_weight_diff <= scaling_runs.WEIGHT_TOLERANCE else "beyond"
print(
    f"Largest weight difference {max_weight_diff:.1e} ({drift} the "
    f"{scaling_runs.WEIGHT_TOLERANCE:g} a short run stays within), "
    f"largest test-accuracy difference {max_accuracy_diff:.4f}, "
    f"largest relative loss difference {max_loss_rel_diff:.1e} "
    f"(tolerance {scaling_runs.LOSS_TOLERANCE:g}): {'the same' if same else 'NOT the same'}."
)
halves_diff = scaling_runs.max_weight_diff(runs["mirrored"]["weights"], workers[0]["weights"])
if halves_diff == 0:
    print(
        "The mirrored and multi-worker weights are identical: the same two halves, added "
        "the same way."
    )
else:
    print(f"The mirrored and multi-worker weights differ by at most {halves_diff:.1g}.")
metrics.update(
    max_weight_diff=max_weight_diff,
    max_loss_rel_diff=max_loss_rel_diff,
    max_test_accuracy_diff=max_accuracy_diff,
    same_within_tolerance=bool(same),
    mirrored_vs_multiworker_diff=halves_diff,
    parameters=parameters,
    examples=examples,
    epochs=args.epochs,
    global_batch_size=args.batch_size,
)

# %% [markdown]
# ## 5. What the communication costs
#
# Splitting two cores into two "devices" or two "machines" adds no arithmetic power:
# the same cores do the same work (one device already uses both cores for its matrix
# products), and every distributed step adds the all-reduce of every gradient and waits
# for both replicas to get there. The mirrored run does that through memory; the
# workers through gRPC messages over loopback, several round trips per step. (The
# job's wall time also includes starting each worker's Python and TensorFlow; the
# throughput counts the training steps after the first only. On a machine shared with
# other programs, two processes may also get a larger share of the cores than one:
# only the measurement tells.) On real hardware each replica brings its own compute (a
# GPU, a machine), and the communication is the price of `R` times the arithmetic.
# What it cost here:

# %%
speed = {name: run["examples_per_second"] for name, run in runs.items()}
for name in ("mirrored", "multi-worker"):
    ratio = speed[name] / speed["one device"]
    print(
        f"{name}: {ratio:.2f}× the one-device throughput "
        f"({'slower' if ratio < 1 else 'not slower'})."
    )
common.show(
    scaling_plots.plot_runs(runs, reference, scaling_runs.WEIGHT_TOLERANCE), "scaling_out.png"
)

# %% [markdown]
# ## 6. A worker dies: stop, start again, resume
#
# (Default run only.) We start the two-worker job again with a checkpoint folder, and
# make worker 1 die halfway through epoch 2. Worker 0 is then stuck in a collective,
# waiting for a partner that will never answer; the launcher notices worker 1's exit,
# kills worker 0 and reports the failure. Starting the job again (no code changes, the
# same command) finds the chief's checkpoint of epoch 1, restores the model, the
# optimizer's moments and its step counter, replays the data order up to epoch 2, and
# finishes; we compare its weights with those of the uninterrupted job.

# %%
if not args.quick and args.epochs >= 2:
    message, saved, resumed, seconds = worker_jobs.failure_drill(args, args.out, steps)
    drill_diff = scaling_runs.max_weight_diff(resumed["weights"], workers[0]["weights"])
    print(f"First start: {message}; the launcher then stopped worker 0.")
    print(f"The chief's last checkpoint: {saved.rsplit('/', 1)[-1]}.")
    print(
        f"The second start resumed and finished in {seconds:.1f} s; its weights differ from "
        f"the uninterrupted job's by at most {drill_diff:.1g}."
    )
    metrics.update(resume_weight_diff=drill_diff, resume_checkpoint=saved.rsplit("/", 1)[-1])

# %% [markdown]
# ## Summary
#
# - Data parallelism: the global batch is cut among the replicas; each divides its
#   slice's summed loss by the **global** batch size, so the all-reduced sum of their
#   gradients is the gradient of the global mean — the one-device computation, up to
#   the order of float32 additions (the table above says by how much).
# - The same `GradientTape` loop runs on one device, under `MirroredStrategy` and under
#   `MultiWorkerMirroredStrategy`; only the strategy around it changes.
# - Workers find each other through `TF_CONFIG`; the chief writes the checkpoints, and
#   a job whose worker died resumes from them.
# - What changes on a real cluster: each machine gets its own `TF_CONFIG` (same cluster,
#   its own index), real host names, and `checkpoint_dir` on shared storage, usually set
#   by the job launcher. What does not change: the model, the data pipeline (still
#   batched with the global batch size), the optimizer and the training loop.

# %%
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# These are experiments and questions (lesson 10 has no graded implementation).
#
# 1. **Global or per-replica batch?** (experiment): run
#    `make lesson-10 ARGS="--quick --batch-size 64"`. Before you look, predict the
#    steps per epoch and how many examples each replica gets per step; then check the
#    printed numbers.
# 2. **What does the all-reduce sum?** (question): if each replica divided its summed
#    loss by its own slice size `B/R` instead of `B`, by what factor would the summed
#    gradient change? With SGD, what would that do to the step? With Adam
#    (`m̂/(√v̂ + ε)`), why would it change almost nothing — and what is the "almost"?
# 3. **Dropout under a strategy** (experiment): in `lessons/scaling_runs.py`, build the
#    model with `dropout=0.2`. Predict whether the three runs still end within the
#    tolerance, then run `make lesson-10 ARGS="--quick"` and explain the table.
# 4. **Why only the chief?** (question): what could go wrong if both workers wrote
#    their checkpoints to the same `checkpoint_dir`? Why do the other workers still
#    *save* (into a temporary folder) instead of skipping the save?
