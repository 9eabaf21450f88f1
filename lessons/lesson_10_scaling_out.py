# %% [markdown]
# # Lesson 10 — Scaling out: one training loop on several devices and machines
#
# When one device is too slow, the usual answer is **data parallelism**: put a copy
# of the model on every device (a *replica*), give each replica a different slice of
# every batch, and add up the replicas' gradients before the update, so that all the
# copies take the same step and stay identical. TensorFlow packages this as
# `tf.distribute` strategies. This lesson trains lesson 05's MNIST MLP three ways
# with the course's own `GradientTape` loop (`custom_layers.training`), unchanged:
#
# - (a) on **one device**;
# - (b) with **`MirroredStrategy`**: two replicas on one machine (here: this
#   machine's CPU split into two logical devices);
# - (c) with **`MultiWorkerMirroredStrategy`**: two *worker processes* that talk to each
#   other over the network (here: loopback, `127.0.0.1`), exactly as two machines would.
#
# and checks that the three give the same weights and loss, and measures their speed.
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
# - why, on a 2-core machine, the distributed runs are *slower* (the point is the code).

# %%
# First thing, before TensorFlow touches any device: show it this machine's CPU as two
# logical devices, so that MirroredStrategy has two devices to mirror onto. (On a
# machine with GPUs, each GPU would be one device and nothing needs splitting.)
# A worker of the multi-worker job (its TF_CONFIG is set) keeps its one CPU device.
import os

import tensorflow as tf


def split_cpu(count):
    """Show TensorFlow ``count`` logical CPU devices; only possible before it starts up."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * count
    )


if __name__ == "__main__" and "TF_CONFIG" not in os.environ:  # a script or a notebook
    try:
        split_cpu(2)
    except RuntimeError:  # TensorFlow had already started (a re-run notebook cell)
        pass

# %%
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

from custom_layers import losses, optimizers, training
from lessons import common, mnist_models

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
# `B/R` instead would give `R` times too large a gradient.) This is what
# `training.Trainer` does: `tf.nn.compute_average_loss(losses, global_batch_size=B)`.
# Metrics are sums too (a total and a count), kept per replica and added up when read.
#
# Which examples does each replica get? Let the strategy distribute a dataset whose
# examples are just their own numbers, 0 … 7, in global batches of 4:


# %%
def replica_shares(strategy, n_examples=8, global_batch=4):
    """The example numbers each local replica receives, batch by batch."""
    data = tf.data.Dataset.range(n_examples).batch(global_batch)
    batches = [
        [part.numpy().tolist() for part in strategy.experimental_local_results(batch)]
        for batch in strategy.experimental_distribute_dataset(data)
    ]
    return [list(share) for share in zip(*batches, strict=True)]  # batch by replica -> by replica


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
# would differ by design, and we want to *see* that they are the same computation.
#
# `train` is the whole recipe, and it is the same for the three runs: build the model,
# the optimizer and the metrics inside `strategy.scope()` (their variables become
# *mirrored* variables, one copy per replica), then call the training loop.


# %%
def load_data(args):
    """MNIST images (float32 in [0, 1]) and labels, and the training pixels' mean and std."""
    limit = 2_000 if args.quick else args.examples
    return mnist_models.load_splits(train_limit=limit, test_limit=2_000 if args.quick else None)


def training_data(data, args):
    """A fresh pipeline of shuffled global batches (each run gets its own, like a new process:
    a dataset reshuffles every time it is iterated, so a reused one gives a different order)."""
    return mnist_models.make_dataset(
        data["x_train"], data["y_train"], args.batch_size, shuffle=True, seed=args.seed
    )


def build_model(data):
    """Lesson 05's MLP without dropout (see above)."""
    return mnist_models.build_mlp(data["mean"], data["std"], dropout=0.0)


def train(strategy, data, args, checkpoint_dir=None, crash_at_step=None):
    """Train the MLP under ``strategy``; returns weights, history, seconds, examples/s.

    The throughput leaves out the first step, which traces the step function and pays
    TensorFlow's one-time start-up costs: it measures the steady pace of training.
    """
    keras.utils.set_random_seed(args.seed)  # the same initial weights in every run
    with strategy.scope():
        model = build_model(data)
        trainer = training.Trainer(
            model,
            loss=losses.SparseCategoricalCrossentropy(from_logits=True),
            optimizer=optimizers.Adam(args.learning_rate),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )
    if crash_at_step is not None:
        trainer.train_step = crash_before(trainer.train_step, trainer.optimizer, crash_at_step)
    step_times = []
    trainer.train_step = timed(trainer.train_step, step_times)
    started = time.perf_counter()
    history = trainer.fit(
        training_data(data, args), epochs=args.epochs, checkpoint_dir=checkpoint_dir, verbose=0
    )
    seconds = time.perf_counter() - started
    after_first_step = args.epochs * len(data["y_train"]) - args.batch_size
    return {
        "weights": model.get_weights(),
        "history": history,
        "seconds": seconds,
        "examples_per_second": after_first_step / (step_times[-1] - step_times[0]),
        "replicas": strategy.num_replicas_in_sync,
        "shares": replica_shares(strategy),
    }


def timed(train_step, step_times):
    """A train step that records when each step has finished (the loop waits for it)."""

    def timed_train_step(batch):
        results = train_step(batch)
        step_times.append(time.perf_counter())
        return results

    return timed_train_step


def crash_before(train_step, optimizer, step):
    """A train step that kills this process before optimizer step ``step`` (a failure drill)."""

    def crashing_train_step(batch):
        if int(optimizer.iterations.numpy()) == step:
            print(f"Simulated failure: this worker dies before step {step}.", flush=True)
            os._exit(3)  # no clean-up, no goodbye: like a machine losing power
        return train_step(batch)

    return crashing_train_step


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
# replicas' slices of every global batch, so the global batch stays the one you asked
# for. Only the chief writes checkpoints (to `checkpoint_dir`, which must be storage
# every worker sees); the others save into a temporary folder that is deleted right
# away (saving can need every worker's participation), and all of them resume from the
# chief's checkpoints when the job is started again.
#
# Here both "machines" are processes on this one: each gets a free port on 127.0.0.1
# (we bind a socket to port 0 and the operating system picks an unused one), and the
# lesson starts them with `subprocess` and waits for them. A distributed job must never
# leave processes behind, whatever happens: each worker runs in its own process group,
# and a `try/finally` kills the groups if anything goes wrong — a worker fails (its
# partner would otherwise wait forever in a collective), the job runs past its time
# limit, or you press Ctrl-C. A worker also sets an alarm that ends it after the same
# limit, in case the lesson itself is killed.
#
# (TensorFlow's gRPC server listens on the given port on all of the machine's network
# interfaces, not only 127.0.0.1; on a machine reachable by others, a firewall should
# keep those ports private — the workers' messages are not authenticated.)


# %%
class WorkerError(RuntimeError):
    """A worker process failed or the job ran past its time limit."""


def free_ports(count):
    """``count`` distinct unused TCP ports on 127.0.0.1 (binding to port 0 picks one)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:  # all bound at once, so the same port is not given twice
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def tf_config(cluster, index):
    """The ``TF_CONFIG`` of worker ``index``: the whole cluster, and who this process is."""
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


def worker_command(args, folder, checkpoint_dir=None, crash_at_step=None):
    """The command line of every worker of a job: the same program, the same arguments."""
    command = [
        sys.executable,
        "-m",
        "lessons.lesson_10_scaling_out",
        "--worker",
        "--out",
        str(folder),
        "--seed",
        str(args.seed),
        "--epochs",
        str(args.epochs),
        "--examples",
        str(args.examples),
        "--batch-size",
        str(args.batch_size),
        "--learning-rate",
        str(args.learning_rate),
        "--timeout",
        str(args.timeout),
    ]
    if args.quick:
        command.append("--quick")
    if checkpoint_dir is not None:
        command += ["--checkpoint-dir", str(checkpoint_dir)]
    if crash_at_step is not None:
        command += ["--crash-at-step", str(crash_at_step)]
    return command


def run_job(command, folder, workers=2, timeout=600.0, multi_worker=True):
    """Run ``command`` as ``workers`` processes; wait for all; stop them whatever happens.

    Each process gets its own ``TF_CONFIG`` (with ``multi_worker=False``, none) and writes
    its output to ``folder/worker-<index>.log``. Returns the job's wall time in seconds.
    Raises :class:`WorkerError`, naming the worker and quoting the end of its log, if one
    fails or if the job takes longer than ``timeout`` seconds.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(workers)]}
    processes, logs = [], []
    started = time.perf_counter()
    try:
        for index in range(workers):
            env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
            env["TF_CPP_MIN_LOG_LEVEL"] = "2"  # TensorFlow's errors only
            if multi_worker:
                env["TF_CONFIG"] = tf_config(cluster, index)  # set before the child imports TF
            logs.append(open(folder / f"worker-{index}.log", "w"))
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=common.REPO_ROOT,
                    env=env,
                    stdout=logs[-1],
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: killable as a whole
                )
            )
        wait_for(processes, folder, timeout)
    finally:
        for process in processes:  # whatever happened: nothing keeps running
            stop(process)
        for log in logs:
            log.close()
    return time.perf_counter() - started


def train_on_workers(
    args, folder, workers=2, multi_worker=True, checkpoint_dir=None, crash_at_step=None
):
    """Run :func:`train` as a job of worker processes; returns their results and the wall time."""
    for old in Path(folder).glob("worker-*.npz"):
        old.unlink()
    command = worker_command(args, folder, checkpoint_dir, crash_at_step)
    seconds = run_job(command, folder, workers, args.timeout, multi_worker)
    return [load_result(Path(folder) / f"worker-{i}.npz") for i in range(workers)], seconds


def wait_for(processes, folder, timeout):
    """Wait until every process exits with 0; raise WorkerError on a failure or a timeout."""
    deadline = time.monotonic() + timeout
    while True:
        codes = [process.poll() for process in processes]
        for index, code in enumerate(codes):
            if code not in (None, 0):
                raise WorkerError(
                    f"worker {index} exited with code {code}; the end of its log "
                    f"({folder / f'worker-{index}.log'}):\n{log_tail(folder, index)}"
                )
        if all(code == 0 for code in codes):
            return
        if time.monotonic() > deadline:
            running = [i for i, code in enumerate(codes) if code is None]
            raise WorkerError(
                f"the job timed out after {timeout} s (still running: workers {running}); "
                f"the end of worker {running[0]}'s log:\n{log_tail(folder, running[0])}"
            )
        time.sleep(0.1)


def stop(process):
    """Kill a worker's whole process group if it is still running, and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def log_tail(folder, index, lines=12):
    """The last lines of a worker's log, without TensorFlow's informational chatter."""
    path = Path(folder) / f"worker-{index}.log"
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    kept = [line for line in text if not line.startswith(("I0000", "W0000", "WARNING: All"))]
    return "\n".join(kept[-lines:]) or "(empty)"


def save_result(result, path):
    """Write :func:`train`'s result atomically (a killed worker leaves no partial file)."""
    meta = {k: v for k, v in result.items() if k != "weights"}
    tmp = Path(path).with_suffix(".tmp.npz")
    np.savez(tmp, *result["weights"], meta=json.dumps(meta))
    os.replace(tmp, path)


def load_result(path):
    with np.load(path) as saved:
        result = json.loads(str(saved["meta"]))
        result["weights"] = [saved[f"arr_{i}"] for i in range(len(saved.files) - 1)]
    return result


# %% [markdown]
# A worker is this same file, started with `--worker`: it creates the strategy
# first (it reads `TF_CONFIG` and connects to the others before anything else runs on
# TensorFlow), then runs the same `train` as the other two runs, and saves what it got.


# %%
def worker_main(args):
    """One worker of a job: MultiWorkerMirroredStrategy if TF_CONFIG is set, else Mirrored."""
    signal.alarm(max(1, round(args.timeout)))  # never outlive the job's time limit
    if "TF_CONFIG" in os.environ:
        ring = tf.distribute.experimental.CommunicationImplementation.RING
        strategy = tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=tf.distribute.experimental.CommunicationOptions(
                implementation=ring
            )
        )
        index = strategy.cluster_resolver.task_id
        last = strategy.cluster_resolver.cluster_spec().num_tasks("worker") - 1
    else:
        strategy = tf.distribute.MirroredStrategy(
            [device.name for device in tf.config.list_logical_devices("CPU")]
        )
        index = last = 0
    common.start("10", args)  # seeds, op determinism
    crash = args.crash_at_step if index == last and index > 0 else None
    result = train(strategy, load_data(args), args, args.checkpoint_dir, crash)
    result["tf_config"] = os.environ.get("TF_CONFIG")
    save_result(result, args.out / f"worker-{index}.npz")


# %% [markdown]
# ## 4. Comparing the runs
#
# All three runs start from the same weights and see the same global batches in the
# same order, so they compute the same thing. They are not *bit*-identical: two
# replicas each sum half of the batch's gradient and the all-reduce adds the two halves,
# while one device sums the whole batch in one go. float32 addition is not associative
# (its relative precision is about 6e-8), so the last bits differ, and every later
# step — Adam's division by `√v̂` especially — carries those differences along. The
# report prints how large they get, and how the mirrored and the multi-worker runs
# (the same two halves, added the same way) compare with each other. We accept
# weights within `WEIGHT_TOLERANCE` of the one-device run and final losses within
# `LOSS_TOLERANCE` (relative).

# %%
WEIGHT_TOLERANCE = 1e-5
LOSS_TOLERANCE = 1e-5


def max_weight_diff(weights, reference):
    return max(float(np.abs(w - r).max()) for w, r in zip(weights, reference, strict=True))


def accuracy_on_test_set(weights, data):
    """Accuracy of the MLP with these weights on the test images (one device)."""
    model = build_model(data)
    model.set_weights(weights)
    logits = model.predict(data["x_test"], batch_size=1000, verbose=0)
    return float((logits.argmax(axis=1) == data["y_test"]).mean())


def plot_runs(runs, reference, out):
    """Throughput of each run, and how far each weight tensor is from the one-device run."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    names = list(runs)
    speeds = [runs[n]["examples_per_second"] for n in names]
    left.bar(names, speeds, color=["tab:blue", "tab:orange", "tab:green"][: len(names)])
    for i, speed in enumerate(speeds):
        left.text(i, speed, f"{speed:,.0f}", ha="center", va="bottom")
    left.set_ylabel("training examples / s")
    left.set_title("Throughput on this machine")
    tensors = np.arange(len(reference))
    for offset, name in ((-0.2, "mirrored"), (0.2, "multi-worker")):
        if name in runs:
            diffs = [
                max(float(np.abs(w - r).max()), 1e-10)
                for w, r in zip(runs[name]["weights"], reference, strict=True)
            ]
            right.bar(tensors + offset, diffs, width=0.4, label=name)
    right.axhline(WEIGHT_TOLERANCE, color="k", linestyle="--", label="tolerance")
    right.set_yscale("log")
    right.set_xticks(
        tensors,
        [f"{'bias' if w.ndim == 1 else 'kernel'} {i // 2 + 1}" for i, w in enumerate(reference)],
        rotation=30,
    )
    right.set_ylabel("max |w − w_one device|  (0 drawn at 1e-10)")
    right.set_title("Distance from the one-device weights")
    right.legend()
    return common.save_figure(fig, out, "scaling_out.png")


# %% [markdown]
# ## 5. A worker dies: stop, start again, resume
#
# (Default run only.) We start the two-worker job again with a checkpoint folder, and
# make worker 1 die halfway through epoch 2. Worker 0 is then stuck in a collective,
# waiting for a partner that will never answer; the lesson notices worker 1's exit,
# kills worker 0 and reports the failure. Starting the job again (no code changes, the
# same command) finds the chief's checkpoint of epoch 1, restores the model, the
# optimizer's moments and its step counter, replays the data order up to epoch 2, and
# finishes: the weights end up the same as those of the uninterrupted run.


# %%
def failure_drill(args, out, steps_per_epoch):
    """Crash worker 1 in epoch 2, restart the job.

    Returns the launcher's report of the failure, the chief's last checkpoint after it,
    the resumed job's chief result and the resumed job's wall time.
    """
    folder = out / "failure-drill"
    checkpoint_dir = folder / "checkpoints"
    shutil.rmtree(checkpoint_dir, ignore_errors=True)  # a fresh drill every time
    crash_at = steps_per_epoch + steps_per_epoch // 2
    try:
        train_on_workers(args, folder, checkpoint_dir=checkpoint_dir, crash_at_step=crash_at)
        raise AssertionError("the failure drill's worker did not fail")
    except WorkerError as error:  # "worker 1 exited with code 3; …" + the end of its log
        lines = str(error).splitlines()
        message = f"{lines[0].split(';')[0]} (its log ends: {lines[-1]!r})"
    saved = tf.train.latest_checkpoint(str(checkpoint_dir))
    (resumed, _), seconds = train_on_workers(args, folder, checkpoint_dir=checkpoint_dir)
    return message, saved, resumed, seconds


# %% [markdown]
# ## 6. Run it
#
# On this 2-core machine, expect the distributed runs to be **slower** than one device,
# and by a good margin. Nothing is gained by splitting two cores into two "devices"
# or two "machines": the same cores do the same arithmetic (one device already uses
# both cores for its matrix products), and on top of that every step now adds up the
# gradients of every weight between the replicas (the report prints how many bytes)
# and waits for both replicas to get there. The mirrored run does that through
# memory; the workers do it through gRPC messages over loopback, several round trips
# per step (the gradients, the global example count for the loss, the loss itself,
# and the data iterator's check that every worker still has a batch), and each worker
# first starts its own Python and TensorFlow (the job's wall time includes that
# start-up; the throughput counts the training steps after the first only). On real
# hardware each replica brings its own compute (a GPU, a machine), and the
# communication is the price of R times the arithmetic.
#
# What changes on a real cluster: each machine gets its own `TF_CONFIG` (same cluster,
# its own index), the cluster lists real host names, and `checkpoint_dir` points to
# shared storage (a network file system or a bucket) — usually set by the cluster's
# job launcher, not by hand. What does not change: the model, the data pipeline (still
# batched with the global batch size), the optimizer, and the training loop — the code
# above, line for line.


# %%
def main(argv=None):
    def extra(parser):
        parser.add_argument(
            "--examples",
            type=int,
            default=20_000,
            help="training images (default 20 000; --quick 2 000)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=128, help="the GLOBAL batch size (default 128)"
        )
        parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's η")
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help="seconds a worker job may take (default 600; --quick 180)",
        )
        parser.add_argument(
            "--worker",
            action="store_true",
            help="run as one worker of a job (started by the lesson)",
        )
        parser.add_argument(
            "--checkpoint-dir",
            type=Path,
            default=None,
            help="(worker) the chief's checkpoint folder",
        )
        parser.add_argument(
            "--crash-at-step",
            type=int,
            default=None,
            help="(worker) the last worker dies before this step (a drill)",
        )

    args = common.parse_args(argv, "Lesson 10: scaling out", epochs=2, extra=extra)
    if args.quick:
        args.epochs = min(args.epochs, 1)
    args.timeout = args.timeout or (180 if args.quick else 600)
    if args.worker:
        return worker_main(args)

    out = common.start("10", args)
    data = load_data(args)
    examples, steps = len(data["y_train"]), int(training_data(data, args).cardinality())
    print(
        f"{examples:,} training images, global batch {args.batch_size} ({steps} steps per "
        f"epoch), {args.epochs} epoch(s), Adam η = {args.learning_rate}, seed {args.seed}."
    )
    runs = {}

    print("\n(a) One device.")
    runs["one device"] = train(tf.distribute.get_strategy(), data, args)

    print("(b) MirroredStrategy on two logical CPU devices of this process.")
    cpus = tf.config.list_logical_devices("CPU")
    if len(cpus) >= 2:
        runs["mirrored"] = train(
            tf.distribute.MirroredStrategy([d.name for d in cpus[:2]]), data, args
        )
    else:  # TensorFlow started before this file could split the CPU (e.g. imported by
        # a test): run the mirrored part in a fresh process, where the split works.
        print(
            "    (TensorFlow already started with one CPU device: running it in a child process.)"
        )
        (runs["mirrored"],), _ = train_on_workers(
            args, out / "mirrored", workers=1, multi_worker=False
        )
    print(
        f"    replica 0 got examples {runs['mirrored']['shares'][0]}, "
        f"replica 1 got {runs['mirrored']['shares'][1]} (global batches of 4)."
    )

    print("(c) MultiWorkerMirroredStrategy: two worker processes on 127.0.0.1.")
    workers, job_seconds = train_on_workers(args, out / "multi-worker")
    runs["multi-worker"] = workers[0]  # the chief's copy
    for index, worker in enumerate(workers):
        print(f"    worker {index} got examples {worker['shares'][0]} of each global batch of 4")
    copies_diff = max_weight_diff(workers[1]["weights"], workers[0]["weights"])
    print(
        f"    the two workers' copies of the weights differ by at most {copies_diff:.1g}; "
        f"job wall time {job_seconds:.1f} s, of which training {workers[0]['seconds']:.1f} s."
    )

    reference = runs["one device"]["weights"]
    parameters = sum(int(np.prod(w.shape)) for w in build_model(data).trainable_weights)
    print(
        f"Every distributed step all-reduces the gradient of {parameters:,} weights "
        f"({4 * parameters / 1e6:.1f} MB of float32)."
    )
    halves_diff = max_weight_diff(runs["mirrored"]["weights"], runs["multi-worker"]["weights"])
    print(
        f"\n{'run':<14}{'replicas':>9}{'final loss':>14}{'max |Δw|':>11}"
        f"{'test acc.':>11}{'train s':>9}{'examples/s':>12}"
    )
    metrics = {}
    for name, run in runs.items():
        key = {"one device": "single", "mirrored": "mirrored", "multi-worker": "multiworker"}[name]
        diff = max_weight_diff(run["weights"], reference)
        accuracy = accuracy_on_test_set(run["weights"], data)
        loss = run["history"]["loss"][-1]
        print(
            f"{name:<14}{run['replicas']:>9}{loss:>14.8f}{diff:>11.1e}{accuracy:>11.4f}"
            f"{run['seconds']:>9.1f}{run['examples_per_second']:>12,.0f}"
        )
        metrics.update(
            {
                f"{key}_loss": loss,
                f"{key}_weight_diff": diff,
                f"{key}_test_accuracy": accuracy,
                f"{key}_examples_per_second": round(run["examples_per_second"], 1),
                f"{key}_train_seconds": round(run["seconds"], 2),
            }
        )
    metrics["max_weight_diff"] = max(
        metrics["mirrored_weight_diff"], metrics["multiworker_weight_diff"]
    )
    metrics["max_loss_rel_diff"] = max(
        abs(metrics[f"{k}_loss"] - metrics["single_loss"]) / metrics["single_loss"]
        for k in ("mirrored", "multiworker")
    )
    metrics["same_within_tolerance"] = bool(
        metrics["max_weight_diff"] <= WEIGHT_TOLERANCE
        and metrics["max_loss_rel_diff"] <= LOSS_TOLERANCE
    )
    metrics.update(
        multiworker_job_seconds=round(job_seconds, 2),
        multiworker_copies_diff=copies_diff,
        examples=examples,
        epochs=args.epochs,
        global_batch_size=args.batch_size,
    )
    metrics.update(mirrored_vs_multiworker_diff=halves_diff, parameters=parameters)
    verdict = "the same" if metrics["same_within_tolerance"] else "NOT the same"
    print(
        f"Largest weight difference {metrics['max_weight_diff']:.1e} (tolerance "
        f"{WEIGHT_TOLERANCE:g}), largest relative loss difference "
        f"{metrics['max_loss_rel_diff']:.1e} (tolerance {LOSS_TOLERANCE:g}): {verdict}."
    )
    if halves_diff == 0:
        print(
            "The mirrored and multi-worker weights are identical: both runs add the same two "
            "halves the same way."
        )
    else:
        print(f"The mirrored and multi-worker weights differ by at most {halves_diff:.1g}.")
    speed = {name: run["examples_per_second"] for name, run in runs.items()}
    print(
        "Throughput relative to one device: "
        + ", ".join(
            f"{name} {speed[name] / speed['one device']:.2f}×"
            for name in ("mirrored", "multi-worker")
        )
        + " (the same cores, plus the communication: see section 6)."
    )

    print(
        "\nWorker 0's TF_CONFIG in this run (worker 1's differs only in its index):\n    "
        + workers[0]["tf_config"]
    )

    if not args.quick and args.epochs >= 2:
        print("\nFailure drill: worker 1 dies in epoch 2; the job is started again.")
        message, saved, resumed, seconds = failure_drill(args, out, steps)
        drill_diff = max_weight_diff(resumed["weights"], runs["multi-worker"]["weights"])
        print(f"    first start: {message};")
        print("    the lesson then killed worker 0, stuck waiting for worker 1 in a collective.")
        print(f"    the chief's last checkpoint: {Path(saved).name}")
        print(
            f"    second start resumed and finished in {seconds:.1f} s; its weights differ from "
            f"the uninterrupted job's by at most {drill_diff:.1g}."
        )
        metrics.update(resume_weight_diff=drill_diff, resume_checkpoint=Path(saved).name)

    plot_runs(runs, reference, out)
    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
