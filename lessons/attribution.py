"""Attribution methods and the checks that keep them honest (lesson 13).

Saliency ``|∂F/∂x_i|``; integrated gradients ``IG_i = (x_i − x'_i) ∫₀¹ ∂F(x' + α(x − x'))/∂x_i dα``
on a grid of ``α`` (trapezoid or left Riemann rule) with its completeness error; deletion
curves (delete the top-ranked inputs, replaced by a chosen image, and watch the logit); and the
model-randomization test of Adebayo et al. (2018): re-initialize the layers top down and
measure, by Spearman rank correlation, how much the maps change.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

STEP_COUNTS = (4, 16, 64, 256, 1024)


def path_points(x, baseline, alphas):
    """``x' + α (x − x')`` for each α: a batch of shape ``(len(alphas), *x.shape)``."""
    alphas = tf.reshape(tf.constant(alphas, tf.float32), [-1] + [1] * len(x.shape))
    return baseline[None] + alphas * (x - baseline)[None]


def gradients_at(f, points, batch_size=128):
    """``∂f/∂points`` for a batch of points; ``f`` maps a batch to one scalar per row."""
    chunks = []
    for start in range(0, points.shape[0], batch_size):
        chunk = points[start : start + batch_size]
        with tf.GradientTape() as tape:
            tape.watch(chunk)
            outputs = f(chunk)
        chunks.append(tape.gradient(outputs, chunk))  # d(Σ outputs)/d row = d(output)/d row
    return tf.concat(chunks, axis=0)


def integration_grid(steps, rule="trapezoid"):
    """The points ``α_k`` and weights ``w_k`` of ``∫₀¹ g(α) dα ≈ Σ_k w_k g(α_k)``."""
    if rule == "trapezoid":
        alphas = np.linspace(0.0, 1.0, steps + 1)
        weights = np.full(steps + 1, 1.0 / steps)
        weights[[0, -1]] = 0.5 / steps
    elif rule == "left":
        alphas = np.arange(steps) / steps
        weights = np.full(steps, 1.0 / steps)
    else:
        raise ValueError(f'rule must be "trapezoid" or "left", not {rule!r}')
    return alphas, weights


def integrated_gradients(f, x, baseline, steps=64, rule="trapezoid"):
    """``IG_i = (x_i − x'_i) · ∫₀¹ ∂f(x' + α(x − x'))/∂x_i dα``, shape of ``x``.

    ``f`` maps a batch of inputs shaped like ``x`` to one scalar per input. The ``m + 1``
    points of the path are one batch: one backward pass gives every gradient at once.
    """
    x = tf.convert_to_tensor(x, tf.float32)
    baseline = tf.convert_to_tensor(baseline, tf.float32)
    alphas, weights = integration_grid(steps, rule)
    gradients = gradients_at(f, path_points(x, baseline, alphas))
    average_gradient = tf.tensordot(tf.constant(weights, tf.float32), gradients, axes=1)
    return ((x - baseline) * average_gradient).numpy()


def saliency(f, x):
    """``|∂f/∂x_i|`` at ``x``."""
    x = tf.convert_to_tensor(x, tf.float32)
    return np.abs(gradients_at(f, x[None])[0].numpy())


def completeness_error(f, x, baseline, attributions):
    """``|Σ IG − (F(x) − F(x'))| / |F(x) − F(x')|`` (sums in float64)."""
    values = f(tf.stack([tf.cast(x, tf.float32), tf.cast(baseline, tf.float32)])).numpy()
    change = float(values[0]) - float(values[1])
    total = float(np.sum(attributions, dtype=np.float64))
    return abs(total - change) / max(abs(change), 1e-12)


def integrated_gradients_by_steps(f, x, baseline, steps_list=STEP_COUNTS):
    """``{(rule, m): IG}`` for every ``m`` in ``steps_list`` and both rules, from one batch.

    The points ``α_k = k/m`` of ``m`` steps are every ``(M/m)``-th point of the finest grid
    (``M = max(steps_list)``, a multiple of each ``m``), so its ``M + 1`` gradients serve every
    ``m``: the same numbers :func:`integrated_gradients` gives.
    """
    finest = max(steps_list)
    x = tf.convert_to_tensor(x, tf.float32)
    baseline = tf.convert_to_tensor(baseline, tf.float32)
    alphas, _ = integration_grid(finest)
    gradients = gradients_at(f, path_points(x, baseline, alphas)).numpy()
    difference = (x - baseline).numpy()
    results = {}
    for steps in steps_list:
        for rule in ("left", "trapezoid"):
            _, weights = integration_grid(steps, rule)
            on_grid = gradients[:: finest // steps][: len(weights)]
            results[(rule, steps)] = difference * np.tensordot(weights, on_grid, axes=1)
    return results


def completeness_table(f_for, inputs, baselines, steps_list=STEP_COUNTS):
    """``({(rule, m): max relative completeness error over the inputs}, attributions)``.

    ``f_for(n)`` is the function explaining input ``n``; ``attributions[n]`` is its
    ``{(rule, m): IG}``.
    """
    pairs = list(zip(inputs, baselines, strict=True))
    attributions = [
        integrated_gradients_by_steps(f_for(n), x, baseline, steps_list)
        for n, (x, baseline) in enumerate(pairs)
    ]
    table = {}
    for key in attributions[0]:
        errors = [
            completeness_error(f_for(n), x, baseline, attributions[n][key])
            for n, (x, baseline) in enumerate(pairs)
        ]
        table[key] = float(max(errors))
    return table, attributions


def convergence_order(table, rule, first=16, last=256):
    """``p`` in ``error ∝ m^−p``, from the errors at ``m = first`` and ``m = last``."""
    return float(np.log(table[(rule, first)] / table[(rule, last)]) / np.log(last / first))


def completeness_lines(table, steps_list=STEP_COUNTS):
    """The completeness table as text lines: one row per rule, one column per ``m``."""
    lines = ["   m        " + "".join(f"{m:>11d}" for m in steps_list) + "   order p"]
    for rule in ("left", "trapezoid"):
        errors = "".join(f"{table[(rule, m)]:11.2e}" for m in steps_list)
        lines.append(f"   {rule:9s}{errors}{convergence_order(table, rule):10.2f}")
    return lines


# --- the MNIST model's logits ------------------------------------------------------------


def compile_class_logits(model, input_shape):
    """``logits(images, digit)``: the model's logit for ``digit``, one scalar per image.

    A ``tf.function`` traced once (any batch size, any digit): ``GradientTape`` differentiates
    through it with a compiled backward pass, which makes hundreds of gradients fast on a CPU.
    """
    return tf.function(
        lambda images, digit: tf.gather(model(images, training=False), digit, axis=1),
        input_signature=[
            tf.TensorSpec([None, *input_shape], tf.float32),
            tf.TensorSpec([], tf.int32),
        ],
    )


def class_logit(logits, digit):
    """``F(images) = z_digit(images)``, the function integrated gradients explains."""
    digit = tf.constant(int(digit), tf.int32)
    return lambda images: logits(images, digit)


def choose_examples(y_true, y_pred, count, rng):
    """``count`` correctly classified and ``count`` misclassified test images (random)."""
    right = np.flatnonzero(y_pred == y_true)
    wrong = np.flatnonzero(y_pred != y_true)
    return (
        np.sort(rng.choice(right, min(count, right.size), replace=False)),
        np.sort(rng.choice(wrong, min(count, wrong.size), replace=False)),
    )


# --- deletion curves -----------------------------------------------------------------------

DELETE_FRACTIONS = np.linspace(0.0, 0.5, 11)


def blur(images, sigma=2.0):
    """Each image convolved with a Gaussian of standard deviation ``sigma`` pixels."""
    radius = int(3 * sigma)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel = np.outer(taps, taps) / taps.sum() ** 2  # separable, sums to 1
    kernel = tf.constant(kernel[:, :, None, None], tf.float32)
    return tf.nn.conv2d(tf.constant(images, tf.float32), kernel, 1, "SAME").numpy()


def ink_rankings(images, ig_maps, saliency_maps, rng):
    """For each image, its ink pixels (``x_i > 0``) ordered by IG, by saliency and at random."""
    rankings = {"integrated gradients": [], "saliency": [], "random": []}
    for image, ig, sal in zip(images, ig_maps, saliency_maps, strict=True):
        ink = np.flatnonzero(image.reshape(-1) > 0)
        rankings["integrated gradients"].append(
            ink[np.argsort(-ig.reshape(-1)[ink], kind="stable")]
        )
        rankings["saliency"].append(ink[np.argsort(-sal.reshape(-1)[ink], kind="stable")])
        rankings["random"].append(rng.permutation(ink))
    return rankings


def deletion_curves(model, images, classes, rankings, replacement, fractions=DELETE_FRACTIONS):
    """Mean logit of ``classes`` and share of unchanged predictions, per fraction deleted.

    ``rankings[name][n]`` lists image ``n``'s pixels (flat indices), most important first; a
    deleted pixel takes its value in ``replacement[n]`` (black, the mean image, a blur …).
    """
    curves = {}
    for name, ranking in rankings.items():
        batch = []
        for image, order, fill in zip(images, ranking, replacement, strict=True):
            for fraction in fractions:
                flat, chosen = image.reshape(-1).copy(), order[: int(round(fraction * len(order)))]
                flat[chosen] = fill.reshape(-1)[chosen]
                batch.append(flat.reshape(image.shape))
        logits = model.predict(np.stack(batch), batch_size=1024, verbose=0)
        logits = logits.reshape(len(images), len(fractions), -1)
        explained = logits[np.arange(len(images)), :, classes]  # (images, fractions)
        kept = logits.argmax(axis=-1) == classes[:, None]
        curves[name] = {"logit": explained.mean(axis=0), "kept": kept.mean(axis=0)}
    return curves


# --- model randomization (Adebayo et al., 2018) ---------------------------------------------


def spearman(a, b):
    """Spearman's rank correlation: the Pearson correlation of the ranks (ties averaged)."""
    ranks_a, ranks_b = _ranks(np.ravel(a)), _ranks(np.ravel(b))
    ranks_a, ranks_b = ranks_a - ranks_a.mean(), ranks_b - ranks_b.mean()
    spread = np.sqrt((ranks_a @ ranks_a) * (ranks_b @ ranks_b))
    return float(ranks_a @ ranks_b / spread) if spread > 0 else float("nan")  # nan: a constant


def _ranks(values):
    """Ranks 0 … n−1 of ``values``; equal values share the mean of their ranks."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    first = np.cumsum(counts) - counts  # the rank of each distinct value's first copy
    return (first + (counts - 1) / 2.0)[inverse]


def cascading_randomizations(model, blocks, seed):
    """``[(name, model)]``: copies of ``model`` with its last 1, 2, … ``blocks`` re-initialized.

    ``blocks`` lists ``(name, [layer names])`` from the output down; each copy is a fresh
    ``clone_model`` (new random weights, batch norm reset) given the trained weights of every
    layer not yet randomized: top-down cascading randomization.
    """
    keras.utils.set_random_seed(seed)
    randomized, results = set(), []
    for name, layer_names in blocks:
        randomized |= set(layer_names)
        copy = keras.models.clone_model(model)
        for layer, trained in zip(copy.layers, model.layers, strict=True):
            if layer.name not in randomized:
                layer.set_weights(trained.get_weights())
        results.append((name, copy))
    return results


def layer_blocks(model):
    """``[(name, [layer names])]`` from the output down: each layer with a kernel, together
    with the weighted layers (batch norm) that follow it before the next kernel."""
    blocks = []
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            blocks.append((layer.name, [layer.name]))
        elif layer.weights and blocks:
            blocks[-1][1].append(layer.name)
    return blocks[::-1]


def randomization_correlations(maps, randomized_maps, images):
    """Mean Spearman ρ of ``|maps|`` vs ``|randomized_maps|`` over the images: over all pixels,
    and over the ink pixels (``x > 0``) only."""
    every, ink = [], []
    for a, b, image in zip(maps, randomized_maps, images, strict=True):
        every.append(spearman(np.abs(a), np.abs(b)))
        on = image.reshape(-1) > 0
        ink.append(spearman(np.abs(a).reshape(-1)[on], np.abs(b).reshape(-1)[on]))
    return float(np.mean(every)), float(np.mean(ink))
