"""Lesson 07 (IMDB from raw text): the n-gram bags and NBSVM pieces against plain Python, and
the chapter run in --quick mode as a learner runs it."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lessons import (
    imdb_models,  # noqa: F401  (registers standardize for loading the model)
    nbsvm,
    ngram_features,
)
from tests.lesson_run import run_lesson

CORPUS = [
    "Not good. Not good at all!",
    "A good film, a very good film.",
    "not bad at all",
    "Good grief, not again",
]


def _python_ngrams(words, n):
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_binary_bags_equal_sets_of_ngram_strings():
    words = ngram_features.tokenize(np.array(CORPUS, dtype=object))
    assert words[0] == ["not", "good", "not", "good", "at", "all"]
    bags = ngram_features.NgramBags(words, max_n=3, min_reviews=1)
    rows, columns = bags.train_bags
    for review, review_words in enumerate(words):
        expected = set().union(*(_python_ngrams(review_words, n) for n in (1, 2, 3)))
        got = [bags.text(c) for c in columns[rows == review]]
        assert len(got) == len(set(got)) and set(got) == expected  # each n-gram once
    # the columns are ordered unigrams, bigrams, trigrams
    assert all(" " not in bags.text(c) for c in range(bags.size(1)))
    assert all(bags.text(c).count(" ") == 1 for c in range(bags.size(1), bags.size(2)))


def test_min_reviews_and_unseen_words():
    words = ngram_features.tokenize(np.array(CORPUS, dtype=object))
    bags = ngram_features.NgramBags(words, max_n=2, min_reviews=2)
    kept = {bags.text(c) for c in range(bags.keys.size)}
    # by reviews, not occurrences: "not good" twice in one review, "a film" in one, are left out
    assert kept == {"not", "good", "at", "all", "at all"}
    rows, columns = bags.transform([["not", "good", "zzz", "good"], []])
    assert sorted(bags.text(c) for c in columns) == ["good", "not"]
    assert set(rows) == {0}


def test_log_count_ratios_and_interpolation():
    rows, columns = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 2, 2])
    labels = np.array([1, 0, 1])
    r = nbsvm.log_count_ratios(rows, columns, labels, 3, alpha=1.0)
    p, q = np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 2.0])  # α + per-class counts
    np.testing.assert_allclose(r, np.log((p / p.sum()) / (q / q.sum())), rtol=1e-6)
    model = nbsvm.build_nbsvm(r)
    model.get_layer("logistic").kernel.assign([[0.5], [-1.0], [2.0]])
    bags = nbsvm.sparse_bags(rows, columns, 3, 3)
    dense = tf.sparse.to_dense(bags).numpy()
    np.testing.assert_allclose(
        nbsvm.interpolated_logits(model, bags, 1.0), model(bags).numpy()[:, 0], rtol=1e-6
    )
    np.testing.assert_allclose(
        nbsvm.interpolated_logits(model, bags, 0.0), (dense * r) @ np.full(3, 3.5 / 3), rtol=1e-6
    )


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson07")
    return (out, *run_lesson(7, "--quick", out=out))


def test_quick_run_writes_its_report(quick_run):
    out, metrics, stdout, _ = quick_run
    for name in ["training_curves.png", "word_scores.png", "embedding_model.keras"]:
        assert (out / name).stat().st_size > 0, name
    for key in [
        "test_accuracy",
        "test_accuracy_nbsvm",
        "embedding_model_test_accuracy",
        "embedding_model_builtin_adam_test_accuracy",
    ]:
        assert 0.5 < metrics[key] <= 1.0, key  # better than chance even on the small subset
    assert metrics["test_accuracy"] == max(
        metrics["test_accuracy_nbsvm"],
        metrics["embedding_model_test_accuracy"],
        metrics["embedding_model_builtin_adam_test_accuracy"],
    )
    assert metrics["nbsvm_n"] in (1, 2, 3) and 1 <= metrics["nbsvm_epochs"] <= 3
    assert metrics["test_reviews"] == 1000 and metrics["quick"] is True
    assert metrics["reload_max_diff"] == 0.0
    assert f"Chosen: n-grams up to {metrics['nbsvm_n']} words" in stdout
    assert stdout.count("n ≤ ") == 9  # the validation table: 3 n × 3 epochs


def test_sparse_adam_figures(quick_run):
    _, metrics, _, _ = quick_run
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


def test_saved_model_reads_raw_strings(quick_run):
    out, _, _, _ = quick_run
    reviews = tf.constant(["A great film, I loved it.", "Awful. A waste of time.", ""])
    model = keras.saving.load_model(out / "embedding_model.keras", safe_mode=True)
    probabilities = model.predict(reviews, verbose=0)
    assert probabilities.shape == (3, 1)
    assert np.all(np.isfinite(probabilities))
    assert np.all((probabilities > 0) & (probabilities < 1))
