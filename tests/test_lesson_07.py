"""Lesson 07 (IMDB from raw text) runs end to end in --quick mode, in-process."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from lessons import imdb_models  # noqa: F401  (registers TfIdf for loading the n-gram model)
from lessons import lesson_07_natural_language_imdb as lesson


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson07")
    metrics = lesson.main(["--quick", "--out", str(out)])
    return out, metrics


def test_quick_run_writes_its_report(quick_run):
    out, metrics = quick_run
    for name in [
        "metrics.json",
        "training_curves.png",
        "word_scores.png",
        "embedding_model.keras",
        "ngram_model.keras",
    ]:
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "metrics.json").read_text()) == metrics
    for key in [
        "test_accuracy",
        "embedding_model_test_accuracy",
        "embedding_model_builtin_adam_test_accuracy",
        "ngram_model_test_accuracy",
    ]:
        assert 0.5 < metrics[key] <= 1.0, key  # better than chance even on the small subset
    assert metrics["test_accuracy"] == max(
        metrics["embedding_model_test_accuracy"], metrics["ngram_model_test_accuracy"]
    )
    assert metrics["test_reviews"] == 1000 and metrics["quick"] is True
    assert metrics["reload_max_diff"] == 0.0


def test_sparse_adam_figures(quick_run):
    _, metrics = quick_run
    # the gradient really has repeated rows
    assert metrics["sparse_gradient_entries"] > metrics["sparse_gradient_distinct_rows"] > 0
    # ours follows the textbook formula on the densified gradient (float32 vs float64) ...
    assert metrics["sparse_adam_custom_vs_numpy_max_diff"] < 1e-6
    assert metrics["sparse_adam_keras_dense_vs_numpy_max_diff"] < 1e-6
    # ... the built-in fed the IndexedSlices does not, by a fair share of a step
    assert (
        metrics["sparse_adam_keras_sparse_vs_numpy_max_diff"]
        > 0.05 * metrics["sparse_adam_largest_step"]
    )
    assert metrics["sparse_adam_keras_sparse_rows_off"] > 0


def test_saved_models_read_raw_strings(quick_run):
    out, _ = quick_run
    reviews = tf.constant(["A great film, I loved it.", "Awful. A waste of time.", ""])
    for name in ["embedding_model", "ngram_model"]:
        model = keras.saving.load_model(out / f"{name}.keras", safe_mode=True)
        probabilities = model.predict(reviews, verbose=0)
        assert probabilities.shape == (3, 1)
        assert np.all(np.isfinite(probabilities))
        assert np.all((probabilities > 0) & (probabilities < 1))
