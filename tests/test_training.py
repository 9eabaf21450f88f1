"""custom_layers.training: the loop vs model.fit, resume, the NaN guard, tf.distribute."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import optimizers, training

REPO = Path(__file__).resolve().parent.parent


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Dense(
                8, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-3)
            ),
            keras.layers.Dense(1),
        ]
    )


def _data(n=100, seed=1):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, 10)).astype("float32")
    y = (x[:, :3].sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def _dataset(batch_size=16, shuffle_seed=None, with_weights=False):
    x, y = _data()
    tensors = (x, y, np.linspace(0.5, 1.5, len(x)).astype("float32")) if with_weights else (x, y)
    dataset = tf.data.Dataset.from_tensor_slices(tensors)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed)  # reshuffled every epoch
    return dataset.batch(batch_size)  # 100 = 6 × 16 + 4: a partial last batch


def _max_diff(a, b):
    return max(
        float(np.abs(np.asarray(u) - np.asarray(v)).max()) for u, v in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("with_weights", [False, True], ids=["plain", "sample_weight"])
def test_fit_equals_model_fit(with_weights):
    train, validation = _dataset(with_weights=with_weights), _dataset(batch_size=32)
    ours = _model()
    history = training.fit(
        ours,
        train,
        loss=keras.losses.MeanSquaredError(),
        optimizer=optimizers.Adam(0.01),
        epochs=3,
        validation_data=validation,
        metrics=[keras.metrics.BinaryAccuracy()],
        verbose=0,
    )
    reference = _model()
    # Our loop weights the metrics by the sample weights: Keras's `weighted_metrics`.
    reference.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="mse",
        weighted_metrics=[keras.metrics.BinaryAccuracy()],
    )
    expected = reference.fit(train, epochs=3, validation_data=validation, verbose=0, shuffle=False)
    expected = expected.history

    assert set(history) == {"loss", "binary_accuracy", "val_loss", "val_binary_accuracy"}
    for name, values in expected.items():
        np.testing.assert_allclose(history[name], values, rtol=1e-6, err_msg=name)
    assert _max_diff(ours.get_weights(), reference.get_weights()) < 1e-6


def test_use_ema_ends_with_the_moving_average_like_model_fit():
    """Keras's optimizers average the weights with use_ema=True; fit ends with the averages."""
    ours, reference = _model(), _model()
    history = training.fit(
        ours,
        _dataset(),
        loss=keras.losses.MeanSquaredError(),
        optimizer=optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9),
        epochs=3,
        validation_data=_dataset(batch_size=32),
        verbose=0,
    )
    reference.compile(
        optimizer=keras.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9), loss="mse"
    )
    expected = reference.fit(
        _dataset(), epochs=3, validation_data=_dataset(batch_size=32), verbose=0, shuffle=False
    )
    np.testing.assert_allclose(history["val_loss"], expected.history["val_loss"], rtol=1e-6)
    assert _max_diff(ours.get_weights(), reference.get_weights()) < 1e-6
    raw = _model()  # without the averages the weights end elsewhere: the test can fail
    training.fit(raw, _dataset(), loss="mse", optimizer=optimizers.Adam(0.05), epochs=3, verbose=0)
    assert _max_diff(ours.get_weights(), raw.get_weights()) > 1e-3


def test_evaluate_equals_model_evaluate():
    model, data = _model(), _dataset(batch_size=32)
    model.compile(loss="mse", metrics=[keras.metrics.BinaryAccuracy()])
    expected = model.evaluate(data, verbose=0, return_dict=True)
    results = training.evaluate(
        model, data, loss=keras.losses.MeanSquaredError(), metrics=[keras.metrics.BinaryAccuracy()]
    )
    assert results == pytest.approx(expected, rel=1e-6)


def test_jit_compile_gives_the_same_training():
    results = []
    for jit in (False, True):
        model = _model()
        training.fit(
            model,
            _dataset(),
            loss=keras.losses.MeanSquaredError(),
            optimizer=optimizers.SGD(0.05, momentum=0.9),
            epochs=2,
            jit_compile=jit,
            verbose=0,
        )
        results.append(model.get_weights())
    assert _max_diff(*results) < 1e-5


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path, capsys):
    def run(epochs, checkpoint_dir=None, scramble=False):
        model = _model()  # (re)seeds everything: a new process running the same script
        if scramble:  # a resumed run must not depend on the fresh initialization
            model.set_weights([np.full_like(w, 0.5) for w in model.get_weights()])
        history = training.fit(
            model,
            _dataset(shuffle_seed=7),
            loss=keras.losses.MeanSquaredError(),
            optimizer=optimizers.Adam(0.01),
            epochs=epochs,
            metrics=[keras.metrics.BinaryAccuracy()],
            checkpoint_dir=checkpoint_dir,
            verbose=1,
        )
        return model.get_weights(), history

    uninterrupted, full_history = run(4)
    run(2, tmp_path)  # "killed" after epoch 2, in a new process (fresh objects)
    capsys.readouterr()
    resumed, history = run(4, tmp_path, scramble=True)
    printed = capsys.readouterr().out
    assert "Resuming from" in printed and "Epoch 3/4" in printed and "Epoch 1/4" not in printed
    assert _max_diff(uninterrupted, resumed) == 0.0  # same shuffles, same slots, same steps
    assert history == full_history
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-4")


def _poisoned_dataset(bad_batch):
    x, y = _data()
    # The target carries the NaN: a NaN input can vanish in a ReLU (oneDNN's fused
    # matmul + bias + ReLU gives 0 for it on some CPUs), leaving a finite loss and NaN weights.
    y[16 * (bad_batch - 1) + 3, 0] = np.nan
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def test_nan_guard_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    model, optimizer = _model(), optimizers.Adam(0.01)
    loss = keras.losses.MeanSquaredError()
    training.fit(
        model,
        _dataset(),
        loss=loss,
        optimizer=optimizer,
        epochs=2,
        checkpoint_dir=tmp_path,
        verbose=0,
    )
    good_weights = model.get_weights()
    files = {p: p.read_bytes() for p in tmp_path.iterdir()}

    with pytest.raises(training.NonFiniteLossError) as error:
        training.fit(
            model,
            _poisoned_dataset(bad_batch=3),
            loss=loss,
            optimizer=optimizer,
            epochs=4,
            checkpoint_dir=tmp_path,
            verbose=0,
        )
    message = str(error.value)
    assert isinstance(error.value, FloatingPointError)
    # The step at which it happened (7 steps per epoch: 2 × 7 + 3), read before the rollback.
    assert "loss = nan at epoch 3, step 3 (optimizer step 17)" in message
    assert "restored from the last good checkpoint" in message
    assert "ckpt-2 (after epoch 2); it is kept" in message
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == files  # nothing saved
    assert _max_diff(model.get_weights(), good_weights) == 0.0  # rolled back in memory too


def test_nan_guard_stops_on_weights_that_overflow_while_the_loss_is_still_finite():
    # The loss of step 1 is of the initial weights (finite); the update makes them infinite.
    with pytest.raises(training.NonFiniteLossError) as error:
        training.fit(
            _model(),
            _dataset(),
            loss=keras.losses.MeanSquaredError(),
            optimizer=optimizers.SGD(1e39),  # inf in float32
            epochs=1,
            verbose=0,
        )
    assert "non-finite weights at epoch 1, step 1 (optimizer step 1)" in str(error.value)


def test_nan_guard_without_checkpoints_says_what_the_weights_hold():
    model = _model()
    with pytest.raises(training.NonFiniteLossError) as error:
        training.fit(
            model,
            _poisoned_dataset(bad_batch=2),
            loss=keras.losses.MeanSquaredError(),
            optimizer=optimizers.SGD(0.1),
            epochs=1,
            verbose=0,
        )
    message = str(error.value)
    assert "loss = nan at epoch 1, step 2 (optimizer step 2)" in message
    assert "No checkpoint was saved" in message
    # It says the weights in memory are the bad ones, and so they are.
    assert "the weights in memory are those after the bad update (not restored)" in message
    assert not all(np.isfinite(w).all() for w in model.get_weights())
    assert "was not saved" not in message


def test_tensorboard_scalars_match_the_history(tmp_path):
    history = training.fit(
        _model(),
        _dataset(),
        loss=keras.losses.MeanSquaredError(),
        optimizer=optimizers.RMSprop(0.01),
        epochs=2,
        validation_data=_dataset(),
        log_dir=tmp_path,
        verbose=0,
    )
    for folder, prefix in (("train", ""), ("validation", "val_")):
        logged = {}
        for event_file in (tmp_path / folder).iterdir():
            for record in tf.data.TFRecordDataset(str(event_file)):
                event = tf.compat.v1.Event.FromString(record.numpy())
                for value in event.summary.value:
                    scalar = tf.make_ndarray(value.tensor)
                    logged.setdefault(value.tag, []).append(float(scalar))
        np.testing.assert_allclose(logged["epoch_loss"], history[prefix + "loss"], rtol=1e-6)


MIRRORED_SCRIPT = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    sys.path.insert(0, "tests")
    import keras
    from custom_layers import optimizers, training
    from test_training import _dataset, _max_diff, _model

    def run(strategy):
        with strategy.scope():
            model = _model()
            optimizer = optimizers.Adam(0.01)
            metrics = [keras.metrics.BinaryAccuracy()]
            history = training.fit(model, _dataset(with_weights=True),
                                   loss=keras.losses.MeanSquaredError(), optimizer=optimizer,
                                   epochs=3, validation_data=_dataset(batch_size=32),
                                   metrics=metrics, verbose=0)
        return model.get_weights(), history

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    single_weights, single_history = run(tf.distribute.get_strategy())
    mirrored_weights, mirrored_history = run(strategy)
    with strategy.scope():
        try:
            training.Trainer(_model(), loss=keras.losses.MeanSquaredError(), jit_compile=True)
            jit_error = ""
        except ValueError as error:
            jit_error = str(error)
    print(json.dumps({
        "jit_error": jit_error,
        "replicas": strategy.num_replicas_in_sync,
        "weights": _max_diff(single_weights, mirrored_weights),
        "history": max(abs(a - b) for k in single_history
                       for a, b in zip(single_history[k], mirrored_history[k])),
        "loss": single_history["loss"],
    }))
""")


def test_mirrored_strategy_on_two_cpus_equals_one_device():
    """Logical devices must be set before TensorFlow starts: run in a fresh process."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["loss"][-1] < result["loss"][0]  # it trained
    assert result["weights"] < 1e-6  # 2 replicas, uneven last batch, sample weights
    assert result["history"] < 1e-6
    assert "jit_compile=True needs a single device" in result["jit_error"]


def test_a_checkpoint_of_another_model_is_refused_clearly(tmp_path):
    training.fit(
        _model(),
        _dataset(),
        loss="mse",
        optimizer="adam",
        epochs=1,
        checkpoint_dir=tmp_path,
        verbose=0,
    )
    keras.utils.set_random_seed(0)
    # The same weights plus a dropout layer: like a checkpoint written before the loop saved
    # random-layer states, its seed state (and the data position) has nothing to restore.
    layers = [keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.2)]
    other = keras.Sequential([keras.Input((10,)), *layers, keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="does not match this run.*delete"):
        training.fit(
            other, _dataset(), loss="mse", optimizer="adam", epochs=2, checkpoint_dir=tmp_path
        )
