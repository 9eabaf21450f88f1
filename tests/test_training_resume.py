"""Exact resume in a fresh process: random layers, data order, a kill and a Ctrl-C.

Each run is a new Python process (the script below), like a learner rerunning a lesson:
3 epochs uninterrupted must give exactly the numbers of 1 epoch + a resumed run of 2, and
of a run killed (SIGKILL) or interrupted (Ctrl-C on its terminal) in epoch 2 and rerun.
"""

import json
import os
import pty
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import pytest
import tensorflow as tf

from custom_layers.training import checkpoints

REPO = Path(__file__).resolve().parent.parent
STEPS_PER_EPOCH = 6  # 96 examples in batches of 16
PAUSE_AT = STEPS_PER_EPOCH + 3  # the 3rd step of epoch 2: after epoch 1's checkpoint
TIMEOUT = 300  # seconds per run; a healthy one takes a fraction of it

SCRIPT = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import tensorflow as tf
    tf.config.experimental.enable_op_determinism()
    import keras
    from custom_layers import optimizers, training

    out, checkpoint_dir = sys.argv[1:3]
    epochs, pause_at = int(sys.argv[3]), int(sys.argv[4])
    keras.utils.set_random_seed(0)
    layers = keras.layers
    model = keras.Sequential([  # every kind of random layer Keras ships, and dropout 0.3
        keras.Input((8, 8, 1)), layers.RandomFlip("horizontal"), layers.RandomRotation(0.1),
        layers.GaussianNoise(0.1), layers.Conv2D(4, 3, activation="relu"),
        layers.SpatialDropout2D(0.2), layers.Flatten(), layers.Dense(16, activation="relu"),
        layers.Dropout(0.3), layers.GaussianDropout(0.2), layers.AlphaDropout(0.1),
        layers.Dense(1),
    ])
    rng = np.random.RandomState(1)
    x = rng.normal(size=(96, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > 0).astype("float32")[:, None]
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(96, seed=7).batch(16)
    trainer = training.Trainer(model, loss=keras.losses.BinaryCrossentropy(from_logits=True),
                               optimizer=optimizers.Adam(0.01),
                               metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
    if pause_at:  # wait before that step, for the test to kill or interrupt this process
        step, calls = trainer.train_step, []
        def pausing_step(batch):
            calls.append(1)
            if len(calls) == pause_at:
                print("PAUSED", flush=True)
                time.sleep(TIMEOUT)
            return step(batch)
        trainer.train_step = pausing_step
    resumed = []
    history = trainer.fit(data, epochs=epochs, validation_data=data.take(2), verbose=0,
                          checkpoint_dir=None if checkpoint_dir == "-" else checkpoint_dir,
                          on_resume=resumed.append)
    with open(out, "w") as file:
        json.dump({"history": history, "resumed": resumed,
                   "weights": [w.tolist() for w in model.get_weights()]}, file)
""").replace("TIMEOUT", str(TIMEOUT))


def _command(out, checkpoint_dir, epochs, pause_at=0):
    args = [str(out), str(checkpoint_dir), str(epochs), str(pause_at)]
    return [sys.executable, "-c", SCRIPT, *args]


_ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def _run(out, checkpoint_dir="-", epochs=3):
    done = subprocess.run(
        _command(out, checkpoint_dir, epochs),
        cwd=REPO,
        env=_ENV,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(Path(out).read_text())


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("uninterrupted") / "run.json")


def _assert_same_run(result, expected):
    assert result["history"] == expected["history"]  # every epoch's numbers, exactly
    assert result["weights"] == expected["weights"]


@pytest.mark.fault
def test_resume_in_a_new_process_is_exact_with_random_layers(tmp_path, uninterrupted):
    """fault: stopped after epoch 1, rerun in a new process | expected: dropout masks,
    noise, flips and data order continue, so the numbers equal an uninterrupted run's."""
    first = _run(tmp_path / "first.json", tmp_path / "checkpoints", epochs=1)
    assert first["resumed"] == []
    resumed = _run(tmp_path / "resumed.json", tmp_path / "checkpoints", epochs=3)
    assert resumed["resumed"] == [
        f"Resuming from {tmp_path / 'checkpoints' / 'ckpt-1'} (epoch 1 done)."
    ]
    _assert_same_run(resumed, uninterrupted)


def _read_until(read, marker, seconds):
    """Read a child's output (``read()`` -> bytes, b"" at the end) until ``marker`` appears."""
    seen, deadline = b"", time.monotonic() + seconds
    while marker not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {marker!r} within {seconds} s; output: {seen[-2000:]!r}")
        chunk = read()
        if chunk == b"":
            raise AssertionError(f"the run ended before {marker!r}; output: {seen[-2000:]!r}")
        seen += chunk
    return seen


@pytest.mark.fault
def test_a_run_killed_mid_epoch_resumes_exactly(tmp_path, uninterrupted):
    """fault: SIGKILL in the middle of epoch 2 (no clean-up) | expected: the rerun resumes
    from epoch 1's checkpoint and ends with the uninterrupted run's numbers."""
    checkpoint_dir = tmp_path / "checkpoints"
    process = subprocess.Popen(
        _command(tmp_path / "killed.json", checkpoint_dir, 3, pause_at=PAUSE_AT),
        cwd=REPO,
        env=_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        _read_until(lambda: process.stdout.read1(4096), b"PAUSED", TIMEOUT)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert tf.train.latest_checkpoint(str(checkpoint_dir)).endswith("ckpt-1")
    assert not (tmp_path / "killed.json").exists()
    _assert_same_run(_run(tmp_path / "rerun.json", checkpoint_dir), uninterrupted)


@pytest.mark.fault
def test_ctrl_c_on_the_terminal_then_rerun_resumes_exactly(tmp_path, uninterrupted):
    """fault: Ctrl-C typed on the run's terminal in epoch 2 (the terminal driver sends
    SIGINT) | expected: KeyboardInterrupt stops it; the rerun ends with the same numbers."""
    checkpoint_dir = tmp_path / "checkpoints"
    command = _command(tmp_path / "interrupted.json", checkpoint_dir, 3, pause_at=PAUSE_AT)
    pid, terminal = pty.fork()  # the child: a new session whose terminal is this pty
    if pid == 0:
        try:
            # as a shell starts a foreground job: a test runner (a background job, a pytest
            # worker) may have SIGINT ignored, which the child would inherit
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.chdir(REPO)
            os.execve(command[0], command, _ENV)
        finally:
            os._exit(127)

    def read():
        ready, _, _ = select.select([terminal], [], [], 1.0)
        if not ready:
            return b"."  # nothing yet; keep waiting (the deadline still applies)
        try:
            return os.read(terminal, 4096)
        except OSError:  # EIO: the child closed the terminal
            return b""

    try:
        _read_until(read, b"PAUSED", TIMEOUT)
        os.write(terminal, b"\x03")  # Ctrl-C, typed: the driver signals the foreground group
        output = _read_until(read, b"KeyboardInterrupt", 60)
        _, status = os.waitpid(pid, 0)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(terminal)
    # Python re-raises SIGINT at exit after an uncaught KeyboardInterrupt.
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT, output[-2000:]
    assert tf.train.latest_checkpoint(str(checkpoint_dir)).endswith("ckpt-1")
    _assert_same_run(_run(tmp_path / "rerun.json", checkpoint_dir), uninterrupted)


def test_the_checkpoint_finds_every_random_layer_state():
    layers = keras.layers
    random_layers = [
        layers.Dropout(0.3),
        layers.GaussianNoise(0.1),
        layers.GaussianDropout(0.1),
        layers.AlphaDropout(0.1),
        layers.SpatialDropout2D(0.1),
        layers.RandomFlip(),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
        layers.RandomTranslation(0.1, 0.1),
        layers.RandomContrast(0.1),
    ]
    model = keras.Sequential([keras.Input((8, 8, 1)), *random_layers, layers.Flatten()])
    states = checkpoints.seed_states(model)
    assert len(states) == len(random_layers)
    assert len({id(s) for s in states}) == len(states)
