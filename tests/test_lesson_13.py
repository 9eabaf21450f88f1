"""Lesson 13 (interpretability): integrated gradients and saliency against exact answers,
completeness, the IMDB word attributions, the randomization test's pieces, and the --quick
chapter end to end."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers.layers import Dense
from datasets import imdb, mnist
from lessons import attribution, imdb_models, mnist_models
from lessons import attribution as lesson
from lessons import word_attribution as words
from tests._netguard import real_data
from tests.lesson_run import run_lesson


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
    logit = words.compile_review_logit(classifier)
    scores, word_saliency, _ = words.word_attributions(classifier, logit, ids, steps=1024)
    assert scores.shape == (7,) and word_saliency.shape == (7,)
    full = float(classifier(ids[None])[0, 0])
    zero = float(imdb_models.logit_from_vectors(classifier, tf.zeros((1, 1, 4)))[0, 0])
    assert scores.sum() == pytest.approx(full - zero, rel=1e-3, abs=1e-4)
    assert scores[1] == pytest.approx(scores[2], rel=1e-5)  # the same word, the same attribution
    np.testing.assert_allclose(word_saliency, word_saliency[0], rtol=1e-5)  # mean pooling


def test_spearman_against_the_textbook_formula(rng):
    # without ties: ρ = 1 − 6 Σ d² / (n (n² − 1)), d the difference of the two ranks
    a, b = rng.normal(size=40), rng.normal(size=40)
    d = np.argsort(np.argsort(a)) - np.argsort(np.argsort(b))
    assert attribution.spearman(a, b) == pytest.approx(1 - 6 * np.sum(d**2) / (40 * (40**2 - 1)))
    assert attribution.spearman(a, np.exp(a)) == pytest.approx(1.0)  # any increasing map
    assert attribution.spearman(a, -(a**3)) == pytest.approx(-1.0)


def test_spearman_averages_tied_ranks():
    # ranks of [1, 2, 2, 3] are [0, 1.5, 1.5, 3]; of [1, 2, 3, 4] [0, 1, 2, 3]
    a, b = np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0])
    ranks = np.array([0, 1.5, 1.5, 3]) - 1.5
    expected = ranks @ (np.arange(4) - 1.5) / np.sqrt((ranks @ ranks) * 5.0)
    assert attribution.spearman(a, b) == pytest.approx(expected)
    assert np.isnan(attribution.spearman(np.ones(5), np.arange(5.0)))  # a constant has no ranks


def test_cascading_randomization_replaces_only_the_top_blocks():
    keras.utils.set_random_seed(0)
    model = mnist_models.build_cnn(0.13, 0.31, filters=(4, 8), units=8)
    blocks = attribution.layer_blocks(model)
    assert [name for name, _ in blocks][0] == "logits" and len(blocks) == 4
    assert any("batch_normalization" in n for n in blocks[-1][1])  # BN goes with its conv
    stages = attribution.cascading_randomizations(model, blocks, seed=1)
    for depth, (_, copy) in enumerate(stages, start=1):
        randomized = {n for _, names in blocks[:depth] for n in names}
        for layer, trained in zip(copy.layers, model.layers, strict=True):
            if not hasattr(layer, "kernel"):
                continue
            same = np.array_equal(layer.kernel.numpy(), trained.kernel.numpy())
            assert same == (layer.name not in randomized), (depth, layer.name)


def test_blur_keeps_a_constant_image_and_spreads_a_point():
    flat = np.full((1, 28, 28, 1), 0.5, np.float32)
    np.testing.assert_allclose(attribution.blur(flat)[0, 10:18, 10:18], 0.5, rtol=1e-6)
    point = np.zeros((1, 28, 28, 1), np.float32)
    point[0, 14, 14] = 1.0
    blurred = attribution.blur(point)
    assert blurred.sum() == pytest.approx(1.0, rel=1e-5) and blurred.max() < 0.1


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    real_data(mnist)  # prepare the caches (offline sources only) if a bare machine lacks them
    real_data(imdb)
    out = tmp_path_factory.mktemp("lesson13")
    metrics, printed, _ = run_lesson(13, "--quick", out=out)
    return out, metrics, printed


def test_quick_run_writes_its_report(quick_run):
    out, metrics, printed = quick_run
    for name in [
        "mnist_attributions_correct.png",
        "mnist_attributions_mistakes.png",
        "mnist_deletion_curves.png",
        "mnist_randomization.png",
        "imdb_word_attributions.png",
        "imdb_word_attributions.html",
        "cnn.keras",
    ]:
        assert (out / name).stat().st_size > 0, name
    assert metrics["mnist_model_source"] == "trained here" and "--quick" in printed
    assert metrics["mnist_test_accuracy"] > 0.6 and metrics["imdb_test_accuracy"] > 0.6


def test_quick_run_completeness(quick_run):
    _, metrics, _ = quick_run
    assert metrics["ig_completeness_error_mnist"] < 0.05  # m = 256, trapezoid
    assert metrics["ig_completeness_error_imdb"] < 0.01
    for name in ("mnist", "imdb"):
        for rule in ("left", "trapezoid"):
            coarse = metrics[f"ig_completeness_error_{name}_{rule}_m16"]
            fine = metrics[f"ig_completeness_error_{name}_{rule}_m1024"]
            assert fine < coarse / 5, (name, rule)
    assert metrics["imdb_saliency_relative_spread"] < 1e-4


def test_quick_run_deletion_under_every_baseline(quick_run):
    _, metrics, printed = quick_run
    for baseline in ("black", "mean", "blurred"):
        for what in ("logit_after_20pct", "unchanged_after_20pct", "area"):
            for method in ("ig", "saliency", "random"):
                assert np.isfinite(metrics[f"deletion_{baseline}_{what}_{method}"])
        # the verdict printed is the method with the smallest area, computed by the run
        areas = {
            m: metrics[f"deletion_{baseline}_area_{k}"]
            for m, k in (
                ("integrated gradients", "ig"),
                ("saliency", "saliency"),
                ("random", "random"),
            )
        }
        assert metrics[f"deletion_{baseline}_steepest"] == min(areas, key=areas.get)
    # deleting the pixels IG ranks highest to black hurts more than deleting random ones
    assert metrics["deletion_logit_after_20pct_ig"] < metrics["deletion_logit_after_20pct_random"]
    assert (
        metrics["deletion_logit_after_20pct_ig"] == metrics["deletion_black_logit_after_20pct_ig"]
    )
    assert "falls fastest when ranked by" in printed
    assert metrics["word_deletion_flip_rate_ig"] > metrics["word_deletion_flip_rate_random"]


def test_quick_run_randomization(quick_run):
    _, metrics, printed = quick_run
    stages = 4  # logits, dense, conv 2 (+ batch norm), conv 1 (+ batch norm)
    for depth in range(1, stages + 1):
        assert metrics[f"randomization_accuracy_{depth}"] < 0.5  # random weights: near chance
    for name in ("saliency", "saliency_ink", "ig", "ig_ink"):
        rho = metrics[f"randomization_spearman_{name}_all"]
        assert rho == metrics[f"randomization_spearman_{name}_{stages}"] and -1 <= rho <= 1
        verdict = "changed" if rho < 0.5 else "did NOT change"
        assert f"ρ = {rho:.3f}: the map {verdict}" in printed
    # IG from black is 0 on black pixels for any model: over all pixels it agrees more than
    # over the ink alone
    assert metrics["randomization_spearman_ig_all"] > metrics["randomization_spearman_ig_ink_all"]
