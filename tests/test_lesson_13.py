"""Lesson 13 (interpretability): integrated gradients and saliency against exact answers,
completeness, the IMDB word attributions, and the --quick run end to end."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers.layers import Dense
from datasets import imdb, mnist
from lessons import imdb_models
from lessons import lesson_13_interpretability as lesson
from tests._netguard import real_data


def linear_model(rng, inputs=6):
    weights = rng.normal(size=inputs).astype(np.float32)
    bias = np.float32(0.3)
    return (lambda x: tf.linalg.matvec(x, weights) + bias), weights


@pytest.mark.parametrize("rule", ["trapezoid", "left"])
@pytest.mark.parametrize("steps", [1, 7, 64])
def test_ig_of_a_linear_model_is_input_times_weights(rng, rule, steps):
    f, weights = linear_model(rng)
    x = rng.normal(size=6).astype(np.float32)
    baseline = rng.normal(size=6).astype(np.float32)
    ig = lesson.integrated_gradients(f, x, baseline, steps, rule)
    np.testing.assert_allclose(ig, (x - baseline) * weights, rtol=1e-5, atol=1e-6)


def test_saliency_of_a_linear_model_is_abs_weights(rng):
    f, weights = linear_model(rng)
    x = rng.normal(size=6).astype(np.float32)
    np.testing.assert_allclose(lesson.saliency(f, x), np.abs(weights), rtol=1e-6)


def test_ig_of_a_sum_of_squares_by_hand(rng):
    # F(x) = Σ x_i², baseline 0: ∂F/∂x_i = 2αx_i on the path, so IG_i = x_i · ∫ 2αx_i dα = x_i².
    # The integrand is linear in α, so the trapezoid rule is exact for any m.
    x = rng.normal(size=(3, 4)).astype(np.float32)
    ig = lesson.integrated_gradients(
        lambda v: tf.reduce_sum(v**2, axis=[1, 2]), x, np.zeros_like(x), steps=3
    )
    np.testing.assert_allclose(ig, x**2, rtol=1e-5)


def test_integration_grid():
    for steps in (1, 4, 16):
        for rule in ("trapezoid", "left"):
            alphas, weights = lesson.integration_grid(steps, rule)
            assert weights.sum() == pytest.approx(1.0)
            assert alphas.min() == 0.0
        alphas, weights = lesson.integration_grid(steps, "trapezoid")
        assert alphas.max() == 1.0 and len(alphas) == steps + 1
        assert np.dot(weights, 3 * alphas + 2) == pytest.approx(3.5)  # ∫₀¹ (3α + 2) dα, exact
    with pytest.raises(ValueError):
        lesson.integration_grid(4, "simpson")


def small_network(seed=0):
    """A tiny smooth network from the course's Dense layers: 5 → 8 (tanh) → 1."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((5,)), Dense(8, activation="tanh"), Dense(1)])
    return lambda x: model(x)[:, 0]


def test_completeness_on_a_small_network_converges(rng):
    f = small_network()
    x = rng.normal(size=5).astype(np.float32) * 2
    baseline = np.zeros(5, np.float32)
    errors = {}
    for rule in ("left", "trapezoid"):
        for steps in (16, 64, 256):
            ig = lesson.integrated_gradients(f, x, baseline, steps, rule)
            errors[(rule, steps)] = lesson.completeness_error(f, x, baseline, ig)
    assert errors[("trapezoid", 256)] < 1e-4
    # smooth integrand: the left sum converges like 1/m, the trapezoid rule like 1/m²
    assert errors[("left", 16)] / errors[("left", 64)] == pytest.approx(4, rel=0.3)
    assert errors[("trapezoid", 16)] / errors[("trapezoid", 64)] > 10
    assert errors[("trapezoid", 64)] < errors[("left", 64)]


def test_one_batch_serves_every_step_count(rng):
    f = small_network(1)
    x = rng.normal(size=5).astype(np.float32)
    baseline = rng.normal(size=5).astype(np.float32)
    by_steps = lesson.integrated_gradients_by_steps(f, x, baseline, (4, 16, 64))
    for (rule, steps), ig in by_steps.items():
        np.testing.assert_allclose(
            ig, lesson.integrated_gradients(f, x, baseline, steps, rule), rtol=1e-5, atol=1e-7
        )


def test_word_attributions_complete_and_saliency_is_flat(rng):
    keras.utils.set_random_seed(3)
    classifier = imdb_models.build_embedding_classifier(50, 12, embedding_dim=4, hidden_units=6)
    for weights in classifier.trainable_weights:  # larger weights than at initialization
        weights.assign(rng.normal(size=weights.shape).astype(np.float32))
    ids = np.array([5, 9, 9, 17, 2, 33, 41, 0, 0, 0, 0, 0], np.int32)  # 7 words, then padding
    logit = lesson.compile_review_logit(classifier)
    scores, word_saliency, _ = lesson.word_attributions(classifier, logit, ids, steps=1024)
    assert scores.shape == (7,) and word_saliency.shape == (7,)
    full = float(classifier(ids[None])[0, 0])
    zero = float(imdb_models.logit_from_vectors(classifier, tf.zeros((1, 1, 4)))[0, 0])
    assert scores.sum() == pytest.approx(full - zero, rel=1e-3, abs=1e-4)
    assert scores[1] == pytest.approx(scores[2], rel=1e-5)  # the same word, the same attribution
    np.testing.assert_allclose(word_saliency, word_saliency[0], rtol=1e-5)  # mean pooling


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    real_data(mnist)  # prepare the caches (offline sources only) if a bare machine lacks them
    real_data(imdb)
    out = tmp_path_factory.mktemp("lesson13")
    metrics = lesson.main(["--quick", "--out", str(out)])
    return out, metrics


def test_quick_run_writes_its_report(quick_run):
    out, metrics = quick_run
    assert json.loads((out / "metrics.json").read_text()) == metrics
    for name in [
        "mnist_attributions_correct.png",
        "mnist_attributions_mistakes.png",
        "mnist_deletion_curves.png",
        "imdb_word_attributions.png",
        "imdb_word_attributions.html",
        "cnn.keras",
    ]:
        assert (out / name).stat().st_size > 0, name
    assert metrics["mnist_model_source"] == "trained here"
    assert metrics["mnist_test_accuracy"] > 0.6 and metrics["imdb_test_accuracy"] > 0.6


def test_quick_run_completeness(quick_run):
    _, metrics = quick_run
    assert metrics["ig_completeness_error_mnist"] < 0.05  # m = 256, trapezoid
    assert metrics["ig_completeness_error_imdb"] < 0.01
    for name in ("mnist", "imdb"):
        for rule in ("left", "trapezoid"):
            coarse = metrics[f"ig_completeness_error_{name}_{rule}_m16"]
            fine = metrics[f"ig_completeness_error_{name}_{rule}_m1024"]
            assert fine < coarse / 5, (name, rule)
    assert metrics["imdb_saliency_relative_spread"] < 1e-4


def test_quick_run_sanity_checks(quick_run):
    _, metrics = quick_run
    # deleting the pixels IG ranks highest hurts the logit more than deleting random ones
    assert metrics["deletion_logit_after_20pct_ig"] < metrics["deletion_logit_after_20pct_random"]
    assert (
        metrics["deletion_unchanged_after_20pct_ig"]
        < metrics["deletion_unchanged_after_20pct_random"]
    )
    assert metrics["word_deletion_flip_rate_ig"] > metrics["word_deletion_flip_rate_random"]
