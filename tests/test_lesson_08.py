"""Lesson 08 (audio spectrograms): its helpers, and the whole lesson in --quick mode."""

import json

import numpy as np
import pytest

from datasets import cache
from lessons import lesson_08_audio_spectrograms as lesson


def test_confusion_matrix_and_accuracy_by_group():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    matrix = lesson.confusion_matrix(y_true, y_pred, classes=3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert matrix.sum() == 6 and np.trace(matrix) == 4
    correct = y_true == y_pred
    assert lesson.accuracy_by(["a", "a", "b", "b", "c", "c"], correct) == {
        "a": 0.5,
        "b": 1.0,
        "c": 0.5,
    }


def test_front_end_matches_keras_on_speech_like_audio():
    t = np.arange(16000) / 16000
    chirp = 0.3 * np.sin(2 * np.pi * (200 + 1500 * t) * t) * np.hanning(16000)
    waves = np.stack([chirp, 0.5 * chirp[::-1]]).astype(np.float32)
    assert lesson.compare_with_keras(waves) < 1e-2  # dB, within 80 dB of each clip's peak


def test_classifier_shapes_and_spec_augment_only_in_training():
    front_end = lesson.make_front_end()
    frames = front_end.num_frames(16000)
    assert frames == 98
    classifier = lesson.make_classifier(frames, 40, seed=0)
    features = front_end(np.random.default_rng(0).normal(0, 0.1, (3, 16000)).astype(np.float32))
    assert tuple(features.shape) == (3, 98, 40)
    np.testing.assert_allclose(classifier(features).numpy(), classifier(features).numpy())
    assert tuple(classifier(features).shape) == (3, 10)
    masked = classifier.layers[0](features, training=True).numpy()
    assert (masked == 0).any() and not (features.numpy() == 0).any()


def test_quick_run(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tmp_path / "data"))  # a tiny synthesized set
    out = tmp_path / "out"
    metrics = lesson.main(["--quick", "--out", str(out)])
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == pytest.approx(metrics)
    for name in (
        "digits.png",
        "training.png",
        "confusion.png",
        "per_voice.png",
        "spoken_digits.keras",
    ):
        assert (out / name).stat().st_size > 0
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["seconds"] > 0
    assert metrics["test_voices"] == 4 and metrics["test_clips"] == 40
    voices = {k: v for k, v in metrics.items() if k.startswith("voice_accuracy/")}
    assert sorted(voices) == [
        "voice_accuracy/en+Denis",
        "voice_accuracy/en+steph",
        "voice_accuracy/en-US+Denis",
        "voice_accuracy/en-US+steph",
    ]
    assert np.mean(list(voices.values())) == pytest.approx(metrics["test_accuracy"])
    assert metrics["reload_max_abs_diff"] == 0.0
    assert metrics["keras_melspectrogram_max_abs_diff_db"] < 1e-2
