"""One worker of lesson 10's jobs: ``python -m lessons.multiworker --out FOLDER [options]``.

Started by the chapter (through ``lessons.worker_jobs``), never by hand: with ``TF_CONFIG``
set it joins a ``MultiWorkerMirroredStrategy`` job; without it, it runs ``MirroredStrategy``
on two logical CPU devices of its own. Either way it runs the same ``train`` as the chapter
(``lessons.scaling_runs``) and saves its weights and measurements to
``FOLDER/worker-<index>.npz``. Being its own module, a worker never re-runs the chapter.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from pathlib import Path

import tensorflow as tf

from lessons import scaling_runs, worker_jobs


def parse(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lessons.multiworker", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--checkpoint-dir", type=Path, default=None)
    parser.add_argument("--crash-at-step", type=int, default=None, help="the last worker dies")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    signal.alarm(max(1, round(args.timeout)))  # never outlive the job's time limit
    if "TF_CONFIG" in os.environ:
        # The strategy comes first: it reads TF_CONFIG, starts this worker's gRPC server and
        # connects to the others before anything else runs on TensorFlow.
        ring = tf.distribute.experimental.CommunicationImplementation.RING
        strategy = tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=tf.distribute.experimental.CommunicationOptions(
                implementation=ring
            )
        )
        index = strategy.cluster_resolver.task_id
        last = strategy.cluster_resolver.cluster_spec().num_tasks("worker") - 1
        own_address = json.loads(os.environ["TF_CONFIG"])["cluster"]["worker"][index]
        listening = worker_jobs.listening_addresses(int(own_address.rsplit(":", 1)[1]))
    else:
        scaling_runs.split_cpu(2)
        strategy = tf.distribute.MirroredStrategy(
            [device.name for device in tf.config.list_logical_devices("CPU")]
        )
        index = last = 0
        listening = []
    tf.config.experimental.enable_op_determinism()
    crash = args.crash_at_step if index == last and index > 0 else None
    data = scaling_runs.load_data(args.quick, args.examples)
    result = scaling_runs.train(strategy, data, args, args.checkpoint_dir, crash)
    result["tf_config"] = os.environ.get("TF_CONFIG")
    result["listening_addresses"] = listening
    args.out.mkdir(parents=True, exist_ok=True)
    worker_jobs.save_result(result, args.out / f"worker-{index}.npz")


if __name__ == "__main__":
    main()
