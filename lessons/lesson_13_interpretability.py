# %% [markdown]
# # Lesson 13 — Interpretability: saliency maps and integrated gradients
#
# The article lists **interpretability** among the trends: a network that decides
# should be able to say *why*. This lesson asks our two trained models, the MNIST CNN
# of lesson 05 and the IMDB embedding model of lesson 07, which parts of their input
# their answer rests on, and checks the answers with numbers rather than with how
# convincing the pictures look.
#
# **What you will learn**
#
# - **saliency**: `|∂F/∂x_i|`, the sensitivity of the output `F` to each input, one
#   `tf.GradientTape` call;
# - **integrated gradients** (Sundararajan, Taly & Yan, 2017): the gradient averaged
#   along the straight path from a baseline `x'` to the input `x`, times `x − x'`;
#   written with `GradientTape`, batched over the path, integrated with the trapezoid
#   rule;
# - the **completeness** check: the attributions add up to `F(x) − F(x')`, and how the
#   error shrinks with the number of integration steps;
# - attributions for text: integrated gradients over a review's word *vectors*, one
#   number per word, shown as coloured text; and why plain saliency tells nothing there;
# - a **sanity check** that the maps mean something: deleting the pixels (or words) they
#   rank highest must hurt the model faster than deleting random ones.

# %%
import html

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.colors import TwoSlopeNorm

import datasets.imdb
from custom_layers import losses, optimizers, training
from lessons import common, imdb_models, mnist_models

# %% [markdown]
# ## 1. Two attribution methods
#
# Take a model output `F(x)`: one class's **logit** (before the softmax or sigmoid,
# which would squash it) for one input `x`.
#
# **Saliency** asks how much `F` changes when input `i` wiggles: `S_i = |∂F/∂x_i|` at
# `x`. It is cheap and local: a ReLU network is piecewise linear, so the gradient says
# what happens in a tiny neighbourhood of `x` and nothing about how `x` got its score.
#
# **Integrated gradients** (IG) compare `x` with a **baseline** `x'` that means "no
# information" (a black image; a review of all-zero word vectors) and add up the
# gradient along the straight path between them:
#
# `IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂F(x' + α(x − x')) / ∂x_i dα`
#
# By the fundamental theorem of calculus for path integrals, the attributions add up
# exactly to the change of the output, **completeness**:
#
# `Σ_i IG_i(x) = F(x) − F(x')`
#
# so every unit of the logit is accounted to some input. The integral is computed
# numerically on `m` steps, `α_k = k/m`, with the **trapezoid rule**
#
# `∫₀¹ g(α) dα ≈ (1/m) · [g(α_0)/2 + g(α_1) + … + g(α_{m−1}) + g(α_m)/2]`
#
# (the left Riemann sum, `(1/m) Σ_{k<m} g(α_k)`, is the other common choice; we
# measure both). The `m + 1` points of the path form one batch (cut into chunks of 128
# to bound the memory): one forward and one backward pass under `tf.GradientTape` give
# every gradient of a chunk at once, since the gradient of the *sum* of the batch's
# outputs with respect to each row is that row's own gradient (the rows do not interact
# at inference).


# %%
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

    ``f`` maps a batch of inputs shaped like ``x`` to one scalar per input.
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


# %% [markdown]
# ## 2. The MNIST CNN
#
# If lesson 05 has been run, we load its CNN from `outputs/lesson-05/cnn.keras` (with
# `safe_mode=True`: our layers are registered classes, so no arbitrary code is loaded);
# otherwise (and always with `--quick`) we train one here with the same builder, our
# Adam and our `GradientTape` loop (one epoch on the 55 000 training images by default,
# `--epochs` to change it; a narrower CNN on 2 560 images with `--quick`), save it and
# load it back the same way.
#
# The output we explain is the logit of the **predicted** digit, `F(x) = z_c(x)`; for a
# mistake we also explain the logit of the **true** digit, to see what the model missed.
# The baseline is the black image `x' = 0` (the background of every MNIST digit): a
# pixel that is black in `x` gets an attribution of exactly 0, so IG only ever speaks
# about the ink. Red means the pixel's ink raised the logit, blue that it lowered it.


# %%
def load_or_train_cnn(data, out, *, quick, epochs, seed):
    """``(model, how we got it)``: lesson 05's saved CNN, or one trained here."""
    if not quick and mnist_models.LESSON_05_CNN.exists():
        model = keras.saving.load_model(mnist_models.LESSON_05_CNN, safe_mode=True)
        return model, f"loaded lesson 05's trained CNN from {mnist_models.LESSON_05_CNN}"
    model = mnist_models.train_cnn(data, quick=quick, epochs=epochs, seed=seed)
    reloaded, difference = mnist_models.save_and_reload(
        model, out / "cnn.keras", data["x_test"][:256]
    )
    reason = "--quick" if quick else f"{mnist_models.LESSON_05_CNN} not found"
    trained = f"{epochs} epoch{'s' if epochs != 1 else ''} on {len(data['y_train'])} images"
    return reloaded, (
        f"trained here ({trained}; {reason}); "
        f"saved and reloaded with safe_mode=True: predictions differ by "
        f"{difference:.1e}"
    )


def compile_class_logits(model):
    """``logits(images, digit)``: the model's logit for ``digit``, one scalar per image.

    A ``tf.function`` traced once (any batch size, any digit): ``GradientTape``
    differentiates through it and runs a compiled backward pass, which makes the
    hundreds of gradients below fast on a CPU.
    """
    return tf.function(
        lambda images, digit: tf.gather(model(images, training=False), digit, axis=1),
        input_signature=[
            tf.TensorSpec([None, *mnist_models.IMAGE_SHAPE], tf.float32),
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


# %% [markdown]
# ## 3. Completeness, measured
#
# For each explained image we compute IG with `m = 4, 16, 64, 256, 1024` steps and
# both rules, and the relative completeness error
# `|Σ_i IG_i − (F(x) − F(x'))| / |F(x) − F(x')|`. The grid of `m` steps is every
# `(1024/m)`-th point of the finest one, so one batch of 1 025 gradients serves every
# column of the table.
#
# How fast the error shrinks depends on how smooth `F` is along the path. For a smooth
# `g(α)` the left sum's error falls like `1/m` and the trapezoid rule's like `1/m²`. A
# ReLU network is piecewise linear: along the path, `F` has a kink wherever a unit
# switches on or off (or a max-pool changes its winner), its gradient jumps there, and
# each jump costs both rules an error of order `1/m` again. A CNN with thousands of
# ReLUs has many kinks; the IMDB model's single hidden layer has few. The table prints
# the fitted order `p` (error ∝ `m^−p`) so you can see which regime each model is in.
# The paper's advice: check completeness, and expect 20 to 300 steps to bring the
# error within 5 %.


# %%
STEP_COUNTS = (4, 16, 64, 256, 1024)
MAP_STEPS = 256  # the m of the heat maps and word colours


def integrated_gradients_by_steps(f, x, baseline, steps_list=STEP_COUNTS):
    """``{(rule, m): IG}`` for every ``m`` in ``steps_list`` and both rules, from one batch.

    The points ``α_k = k/m`` of ``m`` steps are every ``(M/m)``-th point of the finest
    grid (``M = max(steps_list)``, a multiple of each ``m``), so the ``M + 1`` gradients
    computed there serve every ``m``: the same numbers ``integrated_gradients`` gives.
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

    ``f_for(n)`` is the function explaining input ``n`` (its class, its mask);
    ``attributions[n]`` is input ``n``'s ``{(rule, m): IG}``.
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


def print_completeness(name, table):
    print(f"   {name}: max relative completeness error |ΣIG − (F(x) − F(x'))| / |F(x) − F(x')|")
    print("      m        " + "".join(f"{m:>11d}" for m in STEP_COUNTS) + "   order p")
    for rule in ("left", "trapezoid"):
        print(
            f"      {rule:9s}"
            + "".join(f"{table[(rule, m)]:11.2e}" for m in STEP_COUNTS)
            + f"{convergence_order(table, rule):10.2f}"
        )
    print("      (order p: error ∝ m^−p, fitted between m = 16 and m = 256)")
    print(
        f"      The maps use the trapezoid rule with m = {MAP_STEPS}: error at most "
        f"{table[('trapezoid', MAP_STEPS)]:.1e}."
    )


# %% [markdown]
# ## 4. Heat maps
#
# Saliency is drawn in grey (it has no sign); IG with a diverging colour scale centred
# on zero, each map scaled to its own largest absolute value.


# %%
def plot_digit_attributions(images, titles, rows, row_names):
    """A grid: the images on top, then one row per attribution map."""
    columns = len(images)
    size = (1.55 * columns, 1.7 * (1 + len(rows)))
    fig, axes = plt.subplots(1 + len(rows), columns, figsize=size, squeeze=False)
    for j in range(columns):
        axes[0, j].imshow(images[j][:, :, 0], cmap="gray_r")
        axes[0, j].set_title(titles[j], fontsize=8)
        for r, maps in enumerate(rows, start=1):
            values = maps[j][:, :, 0]
            if r == 1:  # saliency: magnitude only
                axes[r, j].imshow(values, cmap="gray_r")
            else:
                limit = max(np.abs(values).max(), 1e-12)
                axes[r, j].imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for r in range(1 + len(rows)):
            axes[r, j].set_xticks([])
            axes[r, j].set_yticks([])
    for r, name in enumerate(["input", *row_names]):
        axes[r, 0].set_ylabel(name, fontsize=8)
    fig.tight_layout()
    return fig


# %% [markdown]
# ## 5. Sanity check: deletion curves
#
# A map that only *looks* plausible (edges of the digit, say) might have little to do
# with the model (Adebayo et al., 2018, found several popular methods that survive
# randomizing the model's weights). A computable test: delete the pixels a map ranks
# highest (set them to the baseline, black) and watch the explained logit. If the map
# is right about what the model uses, the logit must fall faster than when the same
# number of random ink pixels is deleted. We rank the ink pixels (`x_i > 0`) by IG
# (most positive first), by saliency (largest first), and at random, and delete 0 … 50 %
# of them.


# %%
DELETE_FRACTIONS = np.linspace(0.0, 0.5, 11)


def deletion_curves(model, images, classes, rankings, fractions=DELETE_FRACTIONS):
    """Mean logit of ``classes`` and share of unchanged predictions, per fraction deleted.

    ``rankings[name][n]`` lists image ``n``'s ink pixels (flat indices), most important first.
    """
    curves = {}
    for name, ranking in rankings.items():
        batch = []
        for image, order in zip(images, ranking, strict=True):
            for fraction in fractions:
                flat = image.reshape(-1).copy()
                flat[order[: int(round(fraction * len(order)))]] = 0.0  # the baseline
                batch.append(flat.reshape(image.shape))
        logits = model.predict(np.stack(batch), batch_size=1024, verbose=0)
        logits = logits.reshape(len(images), len(fractions), -1)
        explained = logits[np.arange(len(images)), :, classes]  # (images, fractions)
        kept = logits.argmax(axis=-1) == classes[:, None]
        curves[name] = {"logit": explained.mean(axis=0), "kept": kept.mean(axis=0)}
    return curves


def ink_rankings(images, ig_maps, saliency_maps, rng):
    """For each image, its ink pixels ordered by IG, by saliency and at random."""
    rankings = {"integrated gradients": [], "saliency": [], "random": []}
    for image, ig, sal in zip(images, ig_maps, saliency_maps, strict=True):
        ink = np.flatnonzero(image.reshape(-1) > 0)
        by_ig = np.argsort(-ig.reshape(-1)[ink], kind="stable")
        by_saliency = np.argsort(-sal.reshape(-1)[ink], kind="stable")
        rankings["integrated gradients"].append(ink[by_ig])
        rankings["saliency"].append(ink[by_saliency])
        rankings["random"].append(rng.permutation(ink))
    return rankings


def plot_deletion(
    curves,
    fractions=DELETE_FRACTIONS,
    ylabel="mean logit of the predicted digit",
    xlabel="fraction of ink pixels deleted",
):
    """The explained logit and the share of unchanged predictions vs the fraction deleted."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, curve in curves.items():
        axes[0].plot(100 * fractions, curve["logit"], "-o", ms=3, label=name)
        axes[1].plot(100 * fractions, 100 * curve["kept"], "-o", ms=3, label=name)
    axes[0].set(xlabel=f"{xlabel} (%)", ylabel=ylabel, title="deletion curve")
    axes[1].set(xlabel=f"{xlabel} (%)", ylabel="%", title="prediction unchanged")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# %% [markdown]
# ## 6. The IMDB model: attributions per word
#
# Lesson 07's embedding model reads raw text: `TextVectorization` turns a review into
# word ids `i_1 … i_T` (0 = padding), the `Embedding` layer looks up one vector per word,
# `e_t = E[i_t]`, and the rest is differentiable:
#
# `F(e) = w₂ · relu(W₁ · (Σ_t m_t e_t / Σ_t m_t) + b₁) + b₂`,  `m_t = [i_t ≠ 0]`
#
# Word ids are integers, so there is no gradient with respect to them; the gradient
# starts at the word vectors. So we split the model in two: token ids → vectors (the
# embedding table, a lookup) and vectors → logit (`imdb_models.logit_from_vectors`, the
# same layers the model uses, fed vectors and the padding mask). IG runs over the
# vectors, with the baseline "every word vector zero" (the mask unchanged), and a word's
# attribution is the sum over its vector's components:
# `A_t = Σ_d IG_{t,d}`. Completeness becomes `Σ_t A_t = F(e) − F(0)`.
#
# Plain saliency is useless here, and we can see why from the formula: the gradient of
# `F` with respect to `e_t` is `(1 / Σ_t m_t) · ∂F/∂pooled`, the **same vector for every
# word**. Every word of a review gets exactly the same saliency; IG multiplies by
# `e_t − 0`, and that is where the words differ.
#
# If lesson 07 has been run we load its `outputs/lesson-07/embedding_model.keras` (raw
# text in, probability out) and take its `word_ids` and `embedding_classifier` layers;
# otherwise we build and train the same model here, briefly.

# %%
LESSON_07_MODEL = common.REPO_ROOT / "outputs" / "lesson-07" / "embedding_model.keras"


def train_imdb_model(
    train_texts, train_labels, *, words, steps, epochs, learning_rate, batch_size, seed
):
    """Lesson 07's embedding model, trained here: ``(vectorizer, classifier)``."""
    vectorizer = imdb_models.build_word_vectorizer(words, steps)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(1024))
    classifier = imdb_models.build_embedding_classifier(vectorizer.vocabulary_size(), steps)
    ids = vectorizer(tf.constant(train_texts)).numpy()
    data = (
        tf.data.Dataset.from_tensor_slices((ids, train_labels.astype(np.float32)[:, None]))
        .shuffle(len(ids), seed=seed)
        .batch(batch_size)
    )
    training.fit(
        classifier,
        data,
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(learning_rate),
        epochs=epochs,
        verbose=0,
    )
    return vectorizer, classifier


def load_or_train_imdb(train_texts, train_labels, *, quick, seed):
    """``(vectorizer, classifier, how we got them)``."""
    if not quick and LESSON_07_MODEL.exists():
        text_model = keras.saving.load_model(LESSON_07_MODEL, safe_mode=True)
        return (
            text_model.get_layer("word_ids"),
            text_model.get_layer("embedding_classifier"),
            f"loaded lesson 07's model from {LESSON_07_MODEL}",
        )
    size = 2560 if quick else len(train_texts)  # 2560 = 20 whole batches: one trace
    chosen = np.sort(np.random.default_rng(seed).permutation(len(train_texts))[:size])
    settings = (
        dict(words=5000, steps=128, epochs=3, learning_rate=1e-2, batch_size=128)
        if quick
        else dict(words=20_000, steps=256, epochs=3, learning_rate=1e-3, batch_size=64)
    )
    vectorizer, classifier = train_imdb_model(
        train_texts[chosen].tolist(), train_labels[chosen], seed=seed, **settings
    )
    reason = "--quick" if quick else f"{LESSON_07_MODEL} not found"
    return (
        vectorizer,
        classifier,
        (
            f"trained here ({settings['epochs']} epochs on {size} reviews, "
            f"{settings['words']} words; {reason})"
        ),
    )


def compile_review_logit(classifier):
    """``logit(vectors, mask)``: the classifier from word vectors on, compiled once."""
    steps = classifier.input_shape[1]
    dim = classifier.get_layer("embedding").output_dim

    def logit(vectors, mask):
        batch_mask = tf.repeat(mask[None], tf.shape(vectors)[0], axis=0)  # one mask per row
        return imdb_models.logit_from_vectors(classifier, vectors, batch_mask)[:, 0]

    return tf.function(
        logit,
        input_signature=[
            tf.TensorSpec([None, steps, dim], tf.float32),
            tf.TensorSpec([steps], tf.bool),
        ],
    )


def review_logit(logit, mask):
    """``F(vectors)`` for one review (its padding mask fixed), for a batch of vector sequences."""
    mask = tf.constant(mask, tf.bool)
    return lambda vectors: logit(vectors, mask)


def word_attributions(classifier, logit, ids, steps=64):
    """Per-word IG ``A_t`` and saliency ``‖∂F/∂e_t‖`` of one review (real words only)."""
    mask = ids != 0
    vectors = tf.gather(classifier.get_layer("embedding").embeddings, ids)
    f = review_logit(logit, mask)
    ig = integrated_gradients(f, vectors, tf.zeros_like(vectors), steps)
    gradient = gradients_at(f, vectors[None])[0].numpy()
    return ig.sum(axis=1)[mask], np.linalg.norm(gradient, axis=1)[mask], ig


# %% [markdown]
# ## 7. Words in colour
#
# Each word is drawn on a background coloured by its attribution: green pushed the
# logit towards "positive", red towards "negative", white did nothing (scaled per
# review to its largest |A_t|). The same is written as an HTML page.


# %%
def wrap_words(words, width):
    """Greedy line breaking: ``[(line, column)]`` for each word, at most ``width`` characters."""
    places, line, column = [], 0, 0
    for word in words:
        if column and column + len(word) > width:
            line, column = line + 1, 0
        places.append((line, column))
        column += len(word) + 1
    return places


def plot_reviews(reviews, width=110):
    """The reviews' words as coloured boxes (a monospace font: positions from character counts)."""
    layouts = [wrap_words(r["words"], width) for r in reviews]
    heights = [layout[-1][0] + 1 + 2 for layout in layouts]  # lines + title + gap
    total = sum(heights)
    fig_width = 13.0
    fig = plt.figure(figsize=(fig_width, 0.22 * total + 0.3))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_xlim(0, width)
    ax.set_ylim(total, 0)
    ax.axis("off")
    # A monospace character is 0.6 em wide: pick the font size that fits `width` of them.
    font_size = 0.98 * fig_width * 72 / (width * 0.602) * 0.97
    cmap = plt.get_cmap("RdYlGn")
    row = 0
    for review, layout, height in zip(reviews, layouts, heights, strict=True):
        ax.text(
            0,
            row + 0.5,
            review["title"],
            fontsize=font_size,
            family="monospace",
            weight="bold",
            va="center",
        )
        limit = max(np.abs(review["scores"]).max(), 1e-12)
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
        for word, score, (line, column) in zip(
            review["words"], review["scores"], layout, strict=True
        ):
            ax.text(
                column,
                row + 1.5 + line,
                word,
                fontsize=font_size,
                family="monospace",
                va="center",
                bbox=dict(facecolor=cmap(norm(score)), edgecolor="none", pad=0.6),
            )
        row += height
    return fig


def reviews_html(reviews):
    """The same, as a small HTML page (one <span> per word, background by attribution)."""
    cmap = plt.get_cmap("RdYlGn")
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Lesson 13: word attributions</title>",
        "<body style='font-family: sans-serif; max-width: 60em'>",
        "<h1>Integrated gradients per word (green: towards positive, red: towards negative)</h1>",
    ]
    for review in reviews:
        limit = max(np.abs(review["scores"]).max(), 1e-12)
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
        parts.append(f"<h3>{html.escape(review['title'])}</h3><p style='line-height: 1.8'>")
        for word, score in zip(review["words"], review["scores"], strict=True):
            r, g, b, _ = (int(255 * c) for c in cmap(norm(score)))
            parts.append(
                f"<span title='{score:+.4f}' style='background: rgb({r},{g},{b}); "
                f"padding: 1px 2px'>{html.escape(word)}</span> "
            )
        parts.append("</p>")
    parts.append("</body>")
    return "\n".join(parts)


def choose_reviews(ids, labels, logits, count, rng, shortest=25, longest=70):
    """Short test reviews to show: ``count`` right per class and ``count`` wrong (random)."""
    lengths = (ids != 0).sum(axis=1)
    short = (lengths >= shortest) & (lengths <= longest)
    predicted = (logits > 0).astype(int)
    groups = [
        short & (predicted == labels) & (labels == 1),
        short & (predicted == labels) & (labels == 0),
        short & (predicted != labels),
    ]
    chosen = []
    for group in groups:
        members = np.flatnonzero(group)
        chosen += list(rng.choice(members, min(count, members.size), replace=False))
    return chosen


def word_deletion(classifier, ids, logits, attributions, k, rng):
    """Share of predictions flipped by removing ``k`` words: the top-k by IG vs k random ones.

    "Top" means the words that most support the current prediction (largest ``A_t`` for a
    positive prediction, smallest for a negative one); ``attributions[n]`` lists review
    ``n``'s real words in order. Removing a word drops it from the masked mean.
    """
    vectors = tf.gather(classifier.get_layer("embedding").embeddings, ids)
    flipped = {}
    for name in ("integrated gradients", "random"):
        masks = ids != 0
        for n, (logit, scores) in enumerate(zip(logits, attributions, strict=True)):
            positions = np.flatnonzero(ids[n] != 0)
            if name == "random":
                removed = rng.choice(positions, k, replace=False)
            else:
                removed = positions[np.argsort(-np.sign(logit) * scores, kind="stable")[:k]]
            masks[n, removed] = False
        new_logits = imdb_models.logit_from_vectors(classifier, vectors, masks).numpy()[:, 0]
        flipped[name] = float(np.mean(np.sign(new_logits) != np.sign(logits)))
    return flipped


# %% [markdown]
# ## 8. Run it
#
# Default: 8 correct and 8 misclassified test digits explained, the deletion curves over
# 100 test digits, 6 short test reviews shown and the word deletion over 200.
# `--quick`: small models trained in a few seconds, 4 + 4 digits, 24 digits and 64
# reviews for the sanity checks.


# %%
def main(argv=None):
    args = common.parse_args(argv, "Lesson 13: saliency and integrated gradients", epochs=1)
    out = common.start("13", args)
    rng = np.random.default_rng(args.seed)  # the MNIST part's random choices
    if args.quick:
        args.epochs = 3
        data = mnist_models.load_splits(train_limit=2560, test_limit=1000)
        count, deletion_images, deletion_reviews, shown_per_group = 4, 24, 64, 1
    else:
        data = mnist_models.load_splits()
        count, deletion_images, deletion_reviews, shown_per_group = 8, 100, 200, 2

    # --- MNIST: the model, completeness, heat maps ----------------------------------
    print("1. The MNIST CNN")
    model, how = load_or_train_cnn(data, out, quick=args.quick, epochs=args.epochs, seed=args.seed)
    logits = compile_class_logits(model)
    x_test, y_test = data["x_test"], data["y_test"]
    predicted = model.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1)
    mnist_accuracy = float(np.mean(predicted == y_test))
    print(
        f"   {model.count_params():,} weights; {how}\n   test accuracy "
        f"{100 * mnist_accuracy:.2f}% on {len(y_test)} images"
    )
    right, wrong = choose_examples(y_test, predicted, count, rng)
    chosen = np.concatenate([right, wrong])
    black = np.zeros(mnist_models.IMAGE_SHAPE, np.float32)  # the baseline x'

    print("\n2. Completeness of integrated gradients (baseline: the black image)")
    mnist_table, mnist_attributions = completeness_table(
        lambda n: class_logit(logits, predicted[chosen[n]]), x_test[chosen], [black] * len(chosen)
    )
    print_completeness(
        f"MNIST, {len(chosen)} test images ({len(right)} right, {len(wrong)} wrong)", mnist_table
    )

    def explain(i, digit, steps):
        return integrated_gradients(class_logit(logits, digit), x_test[i], black, steps)

    ig_predicted = [a[("trapezoid", MAP_STEPS)] for a in mnist_attributions]
    ig_true = [explain(i, y_test[i], MAP_STEPS) for i in wrong]
    saliencies = [saliency(class_logit(logits, predicted[i]), x_test[i]) for i in chosen]
    titles = [f"{y_test[i]} → {predicted[i]}" for i in chosen]
    k = len(right)
    common.save_figure(
        plot_digit_attributions(
            x_test[right], titles[:k], [saliencies[:k], ig_predicted[:k]], ["saliency", "IG"]
        ),
        out,
        "mnist_attributions_correct.png",
    )
    common.save_figure(
        plot_digit_attributions(
            x_test[wrong],
            titles[k:],
            [saliencies[k:], ig_predicted[k:], ig_true],
            ["saliency (pred.)", "IG (predicted)", "IG (true digit)"],
        ),
        out,
        "mnist_attributions_mistakes.png",
    )

    # --- MNIST: the sanity check ------------------------------------------------------
    print(
        f"\n3. Sanity check: deleting ink pixels from {deletion_images} correctly classified "
        "test digits"
    )
    sample = rng.choice(np.flatnonzero(predicted == y_test), deletion_images, replace=False)
    ig_maps = [explain(i, predicted[i], 64) for i in sample]
    saliency_maps = [saliency(class_logit(logits, predicted[i]), x_test[i]) for i in sample]
    curves = deletion_curves(
        model,
        x_test[sample],
        predicted[sample],
        ink_rankings(x_test[sample], ig_maps, saliency_maps, rng),
    )
    at = int(np.argmin(np.abs(DELETE_FRACTIONS - 0.2)))
    print(
        f"   {'pixels deleted first':22s} {'mean logit: before':>19s} {'after 20%':>10s} "
        f"{'after 50%':>10s} {'unchanged after 20%':>20s}"
    )
    for name, curve in curves.items():
        print(
            f"   {name:22s} {curve['logit'][0]:19.2f} {curve['logit'][at]:10.2f} "
            f"{curve['logit'][-1]:10.2f} {100 * curve['kept'][at]:19.1f}%"
        )
    common.save_figure(plot_deletion(curves), out, "mnist_deletion_curves.png")

    # --- IMDB: the model, completeness, words in colour ---------------------------------
    print("\n4. The IMDB embedding model")
    rng = np.random.default_rng([args.seed, 13])  # the IMDB part's, whatever MNIST drew
    (train_texts, train_labels), (test_texts, test_labels) = datasets.imdb.load_data()
    vectorizer, classifier, imdb_how = load_or_train_imdb(
        train_texts, train_labels, quick=args.quick, seed=args.seed
    )
    table = classifier.get_layer("embedding").embeddings
    review_logits = compile_review_logit(classifier)
    vocabulary = np.array(vectorizer.get_vocabulary())
    subset = np.sort(rng.choice(len(test_texts), 1000 if args.quick else 5000, replace=False))
    test_ids = vectorizer(tf.constant(test_texts[subset].tolist())).numpy()
    test_labels = test_labels[subset].astype(int)
    test_logits = classifier.predict(test_ids, batch_size=1000, verbose=0)[:, 0]
    imdb_accuracy = float(np.mean((test_logits > 0) == (test_labels == 1)))
    zero_vectors = tf.zeros((1, test_ids.shape[1], table.shape[1]))
    baseline_logit = float(review_logits(zero_vectors, test_ids[0] != 0)[0])
    print(
        f"   {imdb_how}\n   test accuracy {100 * imdb_accuracy:.2f}% on {len(subset)} test "
        f"reviews; the baseline (all word vectors zero) has logit F(0) = {baseline_logit:+.3f}"
    )

    shown = choose_reviews(test_ids, test_labels, test_logits, shown_per_group, rng)
    imdb_table, _ = completeness_table(
        lambda n: review_logit(review_logits, test_ids[shown[n]] != 0),
        [tf.gather(table, test_ids[i]) for i in shown],
        [zero_vectors[0]] * len(shown),
    )
    print()
    print_completeness(f"IMDB, {len(shown)} test reviews", imdb_table)

    reviews, spreads = [], []
    for i in shown:
        scores, word_saliency, _ = word_attributions(
            classifier, review_logits, test_ids[i], MAP_STEPS
        )
        spreads.append(float(word_saliency.std() / word_saliency.mean()))
        words = [str(w) for w in vocabulary[test_ids[i][test_ids[i] != 0]]]
        verdict = "right" if (test_logits[i] > 0) == (test_labels[i] == 1) else "WRONG"
        reviews.append(
            {
                "words": words,
                "scores": scores,
                "title": (
                    f"label {'positive' if test_labels[i] else 'negative'}, logit "
                    f"{test_logits[i]:+.2f} ({verdict}); ΣA = {scores.sum():+.2f}, "
                    f"F(x) − F(0) = {test_logits[i] - baseline_logit:+.2f}"
                ),
            }
        )
        strongest = {}  # a repeated word has the same vector, so the same attribution
        for t in np.argsort(-np.abs(scores), kind="stable"):
            strongest.setdefault(words[t], scores[t])
        print(
            f"   {reviews[-1]['title']}\n      strongest words: "
            + ", ".join(f"{w} ({a:+.2f})" for w, a in list(strongest.items())[:5])
        )
    print(
        f"   Saliency ‖∂F/∂e_t‖ is the same for every word of a review: its relative spread "
        f"(std / mean over the words) is at most {max(spreads):.1e}."
    )
    common.save_figure(plot_reviews(reviews), out, "imdb_word_attributions.png")
    (out / "imdb_word_attributions.html").write_text(reviews_html(reviews), encoding="utf-8")

    # --- IMDB: the sanity check ---------------------------------------------------------
    removed = 5
    sample = rng.choice(
        np.flatnonzero((test_ids != 0).sum(axis=1) >= 2 * removed), deletion_reviews, replace=False
    )
    attributions = [
        word_attributions(classifier, review_logits, test_ids[i], 32)[0] for i in sample
    ]
    flips = word_deletion(
        classifier, test_ids[sample], test_logits[sample], attributions, removed, rng
    )
    print(
        f"\n5. Sanity check: removing {removed} words from each of {deletion_reviews} test "
        f"reviews flips the prediction of {100 * flips['integrated gradients']:.1f}% of them "
        f"when they are the {removed} words that support it most by IG, of "
        f"{100 * flips['random']:.1f}% when they are random"
    )

    metrics = {
        "mnist_model_source": "lesson-05" if how.startswith("loaded") else "trained here",
        "imdb_model_source": "lesson-07" if imdb_how.startswith("loaded") else "trained here",
        "mnist_test_accuracy": mnist_accuracy,
        "mnist_explained_images": int(len(chosen)),
        "imdb_test_accuracy": imdb_accuracy,
        "imdb_explained_reviews": len(shown),
        "imdb_baseline_logit": baseline_logit,
        "imdb_saliency_relative_spread": max(spreads),
        "ig_steps": MAP_STEPS,
        "ig_completeness_error_mnist": mnist_table[("trapezoid", MAP_STEPS)],
        "ig_completeness_error_imdb": imdb_table[("trapezoid", MAP_STEPS)],
    }
    for name, completeness in [("mnist", mnist_table), ("imdb", imdb_table)]:
        for (rule, steps), value in completeness.items():
            metrics[f"ig_completeness_error_{name}_{rule}_m{steps}"] = value
    for name, key in [
        ("integrated gradients", "ig"),
        ("saliency", "saliency"),
        ("random", "random"),
    ]:
        metrics[f"deletion_logit_before_{key}"] = float(curves[name]["logit"][0])
        metrics[f"deletion_logit_after_20pct_{key}"] = float(curves[name]["logit"][at])
        metrics[f"deletion_unchanged_after_20pct_{key}"] = float(curves[name]["kept"][at])
    metrics["word_deletion_words"] = removed
    metrics["word_deletion_flip_rate_ig"] = flips["integrated gradients"]
    metrics["word_deletion_flip_rate_random"] = flips["random"]
    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
