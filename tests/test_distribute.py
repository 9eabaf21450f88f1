"""custom_layers.training under tf.distribute: mirrored (2 logical CPUs) and multi-worker.

The multi-worker jobs are started with lesson 10's launcher (``run_job``): loopback
addresses, free ports, a time limit, and every process stopped whatever happens.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import optimizers, training
from lessons import worker_jobs as lesson
from tests.test_training import _dataset, _max_diff, _model

REPO = Path(__file__).resolve().parent.parent
EPOCHS, STEPS_PER_EPOCH = 4, 7  # 100 examples in batches of 16: 6 full + 1 of 4
JOB_TIMEOUT = 240  # seconds; a healthy job takes a fraction of it


def _children():
    """This process's child processes still alive (or unreaped), from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


@pytest.fixture
def no_leftover_processes():
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to list child processes")
    before = _children()
    yield
    assert _children() <= before, "a worker process was left running"


# --------------------------------------------------------------------------- mirrored

MIRRORED_SCRIPT = textwrap.dedent("""
    import json, sys, tempfile
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    sys.path.insert(0, "tests")
    import keras
    from custom_layers import optimizers, training
    from test_training import _dataset, _max_diff, _model

    def run(strategy, make_optimizer, epochs=3, checkpoint_dir=None):
        with strategy.scope():
            model = _model()
            history = training.fit(model, _dataset(shuffle_seed=3, with_weights=True),
                                   loss=keras.losses.MeanSquaredError(),
                                   optimizer=make_optimizer(), epochs=epochs,
                                   metrics=[keras.metrics.BinaryAccuracy()],
                                   checkpoint_dir=checkpoint_dir, verbose=0)
        return model.get_weights(), history

    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    results = {"replicas": mirrored.num_replicas_in_sync}
    for name, make in [("sgd", lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True)),
                       ("adam", lambda: optimizers.Adam(0.01))]:
        single, single_history = run(tf.distribute.get_strategy(), make)
        weights, history = run(mirrored, make)
        results[name] = {
            "weights": _max_diff(single, weights),
            "history": max(abs(a - b) for k in history
                           for a, b in zip(history[k], single_history[k], strict=True)),
            "trained": single_history["loss"][-1] < single_history["loss"][0],
        }
    with tempfile.TemporaryDirectory() as folder:  # stopped after epoch 2, started again
        run(mirrored, lambda: optimizers.Adam(0.01), epochs=2, checkpoint_dir=folder)
        resumed, _ = run(mirrored, lambda: optimizers.Adam(0.01), epochs=3, checkpoint_dir=folder)
    results["resumed"] = _max_diff(resumed, weights)  # weights: the uninterrupted Adam run
    print(json.dumps(results))
""")


def test_mirrored_equals_one_device_for_the_custom_optimizers():
    """Two logical CPUs must be set before TensorFlow starts: a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT],
        cwd=REPO,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    for name in ("sgd", "adam"):  # uneven last batch, sample weights, L2 regularization
        assert result[name]["trained"], name
        assert result[name]["weights"] < 1e-6, name
        assert result[name]["history"] < 1e-6, name
    assert result["resumed"] == 0.0


# --------------------------------------------------------------------------- multi-worker

WORKER_SCRIPT = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import tensorflow as tf
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG; first thing
    sys.path.insert(0, "tests")
    import keras
    from custom_layers import optimizers, training
    from test_training import _dataset, _model

    out, checkpoint_dir, crash_at, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), 4
    index = strategy.cluster_resolver.task_id
    tf.config.experimental.enable_op_determinism()
    with strategy.scope():
        model = _model()
        trainer = training.Trainer(model, loss=keras.losses.MeanSquaredError(),
                                   optimizer=optimizers.Adam(0.01),
                                   metrics=[keras.metrics.BinaryAccuracy()])
    if crash_at and index == 1:  # worker 1 dies before this optimizer step
        train_step = trainer.train_step
        def crashing_train_step(batch):
            if int(trainer.optimizer.iterations.numpy()) == crash_at:
                print("Simulated failure.", flush=True)
                os._exit(3)
            return train_step(batch)
        trainer.train_step = crashing_train_step
    history = trainer.fit(_dataset(shuffle_seed=7, with_weights=True), epochs=epochs,
                          validation_data=_dataset(batch_size=32),
                          checkpoint_dir=checkpoint_dir, verbose=1)
    np.savez(os.path.join(out, f"weights-{index}.npz"), *model.get_weights())
    with open(os.path.join(out, f"history-{index}.json"), "w") as file:
        json.dump({"history": history, "replicas": strategy.num_replicas_in_sync}, file)
""")


def _job(folder, crash_at=0):
    command = [
        sys.executable,
        "-c",
        WORKER_SCRIPT,
        str(folder),
        str(folder / "checkpoints"),
        str(crash_at),
    ]
    return lesson.run_job(command, folder, workers=2, timeout=JOB_TIMEOUT)


def _weights(folder, index):
    with np.load(folder / f"weights-{index}.npz") as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


def _history(folder, index):
    return json.loads((folder / f"history-{index}.json").read_text())


def _one_device():
    model = _model()
    history = training.fit(
        model,
        _dataset(shuffle_seed=7, with_weights=True),
        loss=keras.losses.MeanSquaredError(),
        optimizer=optimizers.Adam(0.01),
        epochs=EPOCHS,
        validation_data=_dataset(batch_size=32),
        metrics=[keras.metrics.BinaryAccuracy()],
        verbose=0,
    )
    return model.get_weights(), history


@pytest.fixture(scope="module")
def uninterrupted_job(tmp_path_factory):
    """A two-worker job on loopback, run once for the tests below (~15-30 s)."""
    folder = tmp_path_factory.mktemp("uninterrupted")
    before = _children()
    seconds = _job(folder)
    return folder, seconds, _children() - before


def test_two_workers_train_like_one_device(uninterrupted_job):
    folder, seconds, leftovers = uninterrupted_job
    assert not leftovers and seconds < JOB_TIMEOUT
    assert _history(folder, 0)["replicas"] == 2
    chief, other = _weights(folder, 0), _weights(folder, 1)
    assert _max_diff(chief, other) == 0.0  # the replicas stay in sync
    weights, history = _one_device()
    assert _max_diff(chief, weights) < 1e-6  # only the all-reduce's summation order differs
    for index in (0, 1):  # metrics are reduced across workers: both report the global ones
        for name, values in _history(folder, index)["history"].items():
            np.testing.assert_allclose(values, history[name], rtol=1e-6, err_msg=name)


def test_only_the_chief_writes_and_prints(uninterrupted_job):
    folder = uninterrupted_job[0]
    checkpoints = folder / "checkpoints"
    assert tf.train.latest_checkpoint(str(checkpoints)).endswith(f"ckpt-{EPOCHS}")
    assert not list(checkpoints.glob("workertemp_*"))  # the other worker's copies are gone
    assert len(json.loads((checkpoints / "history.json").read_text())["loss"]) == EPOCHS
    assert f"Epoch {EPOCHS}/{EPOCHS}" in (folder / "worker-0.log").read_text()
    assert "Epoch" not in (folder / "worker-1.log").read_text()


def test_killed_job_resumes_from_the_chief_checkpoint(
    uninterrupted_job, tmp_path, no_leftover_processes
):
    crash_at = STEPS_PER_EPOCH + 3  # in epoch 2, after epoch 1's checkpoint
    with pytest.raises(lesson.WorkerError) as error:
        _job(tmp_path, crash_at=crash_at)
    message = str(error.value)
    assert "worker 1 exited with code 3" in message and "Simulated failure." in message
    checkpoints = tmp_path / "checkpoints"
    assert tf.train.latest_checkpoint(str(checkpoints)).endswith("ckpt-1")
    assert not (tmp_path / "weights-0.npz").exists()  # worker 0 was stopped, not finished

    _job(tmp_path)  # the same command again
    assert "Resuming from" in (tmp_path / "worker-0.log").read_text()
    expected = _weights(uninterrupted_job[0], 0)
    assert _max_diff(_weights(tmp_path, 0), expected) < 1e-6
    assert _max_diff(_weights(tmp_path, 1), expected) < 1e-6
    assert _history(tmp_path, 0) == _history(uninterrupted_job[0], 0)


# --------------------------------------------------------------------------- the launcher


def _python(code):
    return [sys.executable, "-c", textwrap.dedent(code)]


FAIL_OR_SLEEP = _python("""
    import json, os, sys, time
    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    if index == 1:
        print("worker 1 gives up: something useful to read", flush=True)
        sys.exit(5)
    time.sleep(120)
""")


def test_a_failing_worker_is_reported_and_the_others_stopped(tmp_path, no_leftover_processes):
    started = time.monotonic()
    with pytest.raises(lesson.WorkerError, match="worker 1 exited with code 5") as error:
        lesson.run_job(FAIL_OR_SLEEP, tmp_path, workers=2, timeout=60)
    assert "something useful to read" in str(error.value)
    assert time.monotonic() - started < 30


def test_a_job_past_its_time_limit_is_stopped(tmp_path, no_leftover_processes):
    started = time.monotonic()
    with pytest.raises(lesson.WorkerError, match=r"timed out after 1.5 s.*workers \[0, 1\]"):
        lesson.run_job(_python("import time; time.sleep(120)"), tmp_path, workers=2, timeout=1.5)
    assert time.monotonic() - started < 15


def test_ctrl_c_stops_the_workers(tmp_path, monkeypatch, no_leftover_processes):
    calls = []

    def interrupted_sleep(seconds):
        calls.append(seconds)
        if len(calls) == 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(lesson.time, "sleep", interrupted_sleep)
    with pytest.raises(KeyboardInterrupt):
        lesson.run_job(_python("import time; time.sleep(120)"), tmp_path, workers=2, timeout=60)


def test_tf_config_and_free_ports():
    ports = lesson.free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    config = json.loads(lesson.tf_config(cluster, 2))
    assert config == {"cluster": cluster, "task": {"type": "worker", "index": 2}}
