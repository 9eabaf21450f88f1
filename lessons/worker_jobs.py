"""Lesson 10's launcher: start a job of worker processes on this machine, wait, never leak one.

Each worker is ``python -m lessons.multiworker`` with its own ``TF_CONFIG`` (the cluster on
127.0.0.1, free ports, its own index), in its own process group, logging to
``<folder>/worker-<index>.log``. Whatever happens — a worker fails (its partner would
otherwise wait forever in a collective), the job runs past its time limit, Ctrl-C — every
group is killed and reaped before :func:`run_job` returns or raises.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

REPO_ROOT = Path(__file__).resolve().parent.parent


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


def listening_addresses(port):
    """The local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp{,6}).

    "0.0.0.0" or "::" means every network interface of the machine; "127.0.0.1" or "::1"
    loopback only. Empty where /proc is not available.
    """
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)  # the kernel writes each 32-bit word little-endian
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.append(socket.inet_ntop(family, raw))
    return sorted(set(found))


def worker_command(args, folder, checkpoint_dir=None, crash_at_step=None):
    """The command line of every worker of a job: the same program, the same arguments."""
    command = [sys.executable, "-m", "lessons.multiworker", "--out", str(folder)]
    for option in ("seed", "epochs", "examples", "batch_size", "learning_rate", "timeout"):
        command += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
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
                    cwd=REPO_ROOT,
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
    """Write a worker's result atomically (a killed worker leaves no partial file)."""
    meta = {k: v for k, v in result.items() if k != "weights"}
    tmp = Path(path).with_suffix(".tmp.npz")
    np.savez(tmp, *result["weights"], meta=json.dumps(meta))
    os.replace(tmp, path)


def load_result(path):
    """A worker's result: its weights and what it measured."""
    with np.load(path) as saved:
        result = json.loads(str(saved["meta"]))
        result["weights"] = [saved[f"arr_{i}"] for i in range(len(saved.files) - 1)]
    return result


def train_on_workers(
    args, folder, workers=2, multi_worker=True, checkpoint_dir=None, crash_at_step=None
):
    """Run the recipe as a job of worker processes; returns their results and the wall time."""
    for old in Path(folder).glob("worker-*.npz"):
        old.unlink()
    command = worker_command(args, folder, checkpoint_dir, crash_at_step)
    seconds = run_job(command, folder, workers, args.timeout, multi_worker)
    return [load_result(Path(folder) / f"worker-{i}.npz") for i in range(workers)], seconds


def failure_drill(args, out, steps_per_epoch):
    """Crash worker 1 in epoch 2, then start the same job again.

    Returns the launcher's report of the failure, the chief's last checkpoint after it,
    the resumed job's chief result and the resumed job's wall time.
    """
    folder = Path(out) / "failure-drill"
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
