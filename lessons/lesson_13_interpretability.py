# %% [markdown]
# # Lesson 13 — Interpretability: saliency maps and integrated gradients
#
# The article lists **interpretability** among the trends: a network that decides should be
# able to say *why*. This chapter asks our two trained models, the MNIST CNN of lesson 05 and
# the IMDB embedding model of lesson 07, which parts of their input their answer rests on, and
# checks the answers with numbers rather than with how convincing the pictures look.
#
# **What you will learn**
#
# - **saliency** `|∂F/∂x_i|`, one `tf.GradientTape` call, and **integrated gradients**
#   (Sundararajan, Taly & Yan, 2017): the gradient averaged along a path from a baseline;
# - the **completeness** check `Σ_i IG_i = F(x) − F(x')`, and how its error shrinks with steps;
# - **deletion curves** under baselines that do not favour one method, and the
#   **model-randomization test** (Adebayo et al., 2018): maps that survive random weights
#   cannot be explaining the weights;
# - attributions for text: one number per word, shown in colour, and why saliency is flat there.

# %%
import numpy as np
import tensorflow as tf

import datasets.imdb
from lessons import attribution, attribution_plots, common, mnist_models, saved_models
from lessons import word_attribution as words

# %% tags=["parameters"]
args = common.setup("13", "Lesson 13: saliency and integrated gradients", epochs=1)
epochs = 3 if args.quick else args.epochs
count, deletion_images, randomized_images, deletion_reviews, shown_per_group = (
    (4, 24, 4, 64, 1) if args.quick else (8, 100, 16, 200, 2)
)
MAP_STEPS = 256  # the m of the heat maps and word colours
rng = np.random.default_rng(args.seed)
metrics = {"ig_steps": MAP_STEPS}

# %% [markdown]
# ## 1. Two attribution methods
#
# Take a model output `F(x)`: one class's **logit** for one input `x`. **Saliency** asks how
# much `F` changes when input `i` wiggles, `S_i = |∂F/∂x_i|`: cheap and local (a ReLU network
# is piecewise linear, so the gradient says nothing about how `x` got its score).
#
# **Integrated gradients** (IG) compare `x` with a **baseline** `x'` meaning "no information"
# and add up the gradient along the straight path between them:
#
# `IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂F(x' + α(x − x'))/∂x_i dα`
#
# By the fundamental theorem of calculus for path integrals the attributions add up to the
# change of the output, **completeness**: `Σ_i IG_i(x) = F(x) − F(x')`. The integral is
# computed on `m` steps `α_k = k/m` with the **trapezoid rule**, `(1/m)·[g(α_0)/2 + g(α_1) +
# … + g(α_m)/2]` (or the left Riemann sum `(1/m) Σ_{k<m} g(α_k)`). The path's points form one
# batch, so one backward pass gives every gradient: the gradient of the *sum* of the batch's
# outputs with respect to a row is that row's own gradient.

# %%
common.show_source(attribution.integrated_gradients)
common.show_source(attribution.gradients_at)

# %% [markdown]
# ## 2. The MNIST CNN
#
# Lesson 05's CNN is loaded from `outputs/lesson-05/cnn.keras` if that lesson has been run;
# otherwise (and always with `--quick`) the chapter trains one here with the same builder and
# says so. The output explained is the logit of the **predicted** digit; for a mistake also
# that of the **true** digit. The baseline is the black image `x' = 0`, so a black pixel gets
# exactly 0 and IG only speaks about the ink.

# %%
limits = {"train_limit": 2560, "test_limit": 1000} if args.quick else {}
data = mnist_models.load_splits(**limits)
model, _, how = saved_models.load_or_train_cnn(
    data, args.out, quick=args.quick, epochs=epochs, seed=args.seed
)
logits = attribution.compile_class_logits(model, mnist_models.IMAGE_SHAPE)
x_test, y_test = data["x_test"], data["y_test"]
predicted = model.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1)
metrics["mnist_test_accuracy"] = float(np.mean(predicted == y_test))
metrics["mnist_model_source"] = "lesson-05" if how.startswith("loaded") else "trained here"
print(f"{model.count_params():,} weights; {how}")
print(f"test accuracy {metrics['mnist_test_accuracy']:.2%} on {len(y_test)} images")
right, wrong = attribution.choose_examples(y_test, predicted, count, rng)
chosen = np.concatenate([right, wrong])
metrics["mnist_explained_images"] = int(len(chosen))
black = np.zeros(mnist_models.IMAGE_SHAPE, np.float32)


def explain(i, digit, steps=MAP_STEPS, class_logits=logits):
    """IG of test image ``i`` for the logit of ``digit``, from the black baseline."""
    f = attribution.class_logit(class_logits, digit)
    return attribution.integrated_gradients(f, x_test[i], black, steps)


def saliency_of(i, digit, class_logits=logits):
    return attribution.saliency(attribution.class_logit(class_logits, digit), x_test[i])


# %% [markdown]
# ## 3. Completeness, measured
#
# For each explained image: IG with `m = 4 … 1024` steps and both rules, and the relative
# error `|Σ IG − (F(x) − F(x'))| / |F(x) − F(x')|` (one batch of 1 025 gradients serves every
# column). For a smooth integrand the left sum's error falls like `1/m` and the trapezoid's
# like `1/m²`; a ReLU network has a kink wherever a unit switches, and each kink costs an
# error of order `1/m` again. The fitted order `p` (error ∝ `m^−p`) shows the regime.

# %%
mnist_table, mnist_ig = attribution.completeness_table(
    lambda n: attribution.class_logit(logits, predicted[chosen[n]]),
    x_test[chosen],
    [black] * len(chosen),
)
print(f"MNIST, {len(chosen)} test images: max relative completeness error")
print("\n".join(attribution.completeness_lines(mnist_table)))
metrics["ig_completeness_error_mnist"] = mnist_table[("trapezoid", MAP_STEPS)]

# %% [markdown]
# ## 4. Heat maps
#
# Saliency in grey (it has no sign); IG on a diverging scale centred on zero (red: the pixel's
# ink raised the logit; blue: lowered it), each map scaled to its own largest |value|.

# %%
ig_maps = [a[("trapezoid", MAP_STEPS)] for a in mnist_ig]
saliencies = [saliency_of(i, predicted[i]) for i in chosen]
titles = [f"{y_test[i]} → {predicted[i]}" for i in chosen]
k = len(right)
fig = attribution_plots.digit_attributions(
    x_test[right], titles[:k], [saliencies[:k], ig_maps[:k]], ["saliency", "IG"], [False, True]
)
common.show(fig, "mnist_attributions_correct.png")
fig = attribution_plots.digit_attributions(
    x_test[wrong],
    titles[k:],
    [saliencies[k:], ig_maps[k:], [explain(i, y_test[i]) for i in wrong]],
    ["saliency (pred.)", "IG (predicted)", "IG (true digit)"],
    [False, True, True],
)
common.show(fig, "mnist_attributions_mistakes.png")

# %% [markdown]
# ## 5. Sanity check 1: deletion curves, under three baselines
#
# Delete the ink pixels a map ranks highest and watch the explained logit: if the map is
# right about what the model uses, the logit must fall faster than when random ink pixels are
# deleted. But *deleted to what?* Setting pixels to black walks the very path IG integrates
# along, so that test favours IG by construction. So we delete to three images: black, the
# **mean training image**, and a **blurred copy** of the digit (Gaussian, σ = 2 pixels). The
# ink pixels are ranked by IG (most positive first), by saliency, and at random; the *area* is
# the mean logit over 0 … 50 % deleted (the smaller, the faster the logit fell).

# %%
sample = rng.choice(np.flatnonzero(predicted == y_test), deletion_images, replace=False)
images, classes = x_test[sample], predicted[sample]
ig_sample = [explain(i, predicted[i], 64) for i in sample]
saliency_sample = [saliency_of(i, predicted[i]) for i in sample]
rankings = attribution.ink_rankings(images, ig_sample, saliency_sample, rng)
fills = {
    "black": np.zeros_like(images),
    "mean image": np.broadcast_to(data["x_train"].mean(axis=0), images.shape),
    "blurred digit": attribution.blur(images),
}
curves = {
    baseline: attribution.deletion_curves(model, images, classes, rankings, fill)
    for baseline, fill in fills.items()
}
at = int(np.argmin(np.abs(attribution.DELETE_FRACTIONS - 0.2)))
before = float(curves["black"]["random"]["logit"][0])
print(f"{deletion_images} correct test digits, mean logit before deletion {before:.2f}")
print(f"{'deleted to':14s} {'ranked by':21s} {'logit at 20%':>12s} {'area':>6s} {'unchanged':>10s}")
for baseline, by_method in curves.items():
    key = baseline.split()[0]
    for name, curve in by_method.items():
        short = {"integrated gradients": "ig"}.get(name, name)
        area = float(np.mean(curve["logit"]))
        logit_20, kept_20 = float(curve["logit"][at]), float(curve["kept"][at])
        print(f"{baseline:14s} {name:21s} {logit_20:12.2f} {area:6.2f} {kept_20:10.1%}")
        metrics[f"deletion_{key}_logit_after_20pct_{short}"] = logit_20
        metrics[f"deletion_{key}_unchanged_after_20pct_{short}"] = kept_20
        metrics[f"deletion_{key}_area_{short}"] = area
    steepest = min(by_method, key=lambda n: np.mean(by_method[n]["logit"]))
    print(f"   deleted to {baseline}: the logit falls fastest when ranked by {steepest}")
    metrics[f"deletion_{key}_steepest"] = steepest
for short in ("ig", "saliency", "random"):  # the black-baseline figures, under their old names
    metrics[f"deletion_logit_before_{short}"] = before
    for what in ("logit", "unchanged"):
        old_key = f"deletion_{what}_after_20pct_{short}"
        metrics[old_key] = metrics[f"deletion_black_{what}_after_20pct_{short}"]
fig = attribution_plots.deletion(curves, attribution.DELETE_FRACTIONS)
common.show(fig, "mnist_deletion_curves.png")

# %% [markdown]
# ## 6. Sanity check 2: randomize the model
#
# Adebayo et al. (2018) found popular maps that barely change when the network's weights are
# replaced by random ones: such a map shows the *input* (its edges, its ink), not what the
# model learned. The test: re-initialize the layers from the top down (the logits layer, then
# the hidden dense layer, then each convolution with its batch norm), recompute the maps of
# several test digits, and compare them with the trained model's by **Spearman's rank
# correlation** `ρ` of the `|attribution|` maps: the Pearson correlation of their ranks, ties
# sharing their mean rank. `ρ` near 1: the ranking survived; near 0: it changed. IG from a
# black baseline is 0 on every black pixel whatever the weights, which alone makes two maps
# agree, so `ρ` is also computed over the ink pixels only. We call a map *changed* when its mean
# `ρ` with the fully randomized model is below 0.5 (our threshold; the paper gives none).

# %%
common.show_source(attribution.spearman)
probe = sample[:randomized_images]
stages = attribution.cascading_randomizations(
    model, attribution.layer_blocks(model), seed=args.seed + 1
)
print(f"{len(probe)} test digits; Spearman ρ of |maps| with the trained model's")
print(
    f"{'randomized':13s} {'accuracy':>8s} {'saliency':>9s} {'(ink)':>7s} {'IG':>7s} {'(ink)':>7s}"
)
columns = {
    "saliency": "saliency, all pixels",
    "saliency_ink": "saliency, ink only",
    "ig": "IG, all pixels",
    "ig_ink": "IG, ink only",
}
for depth, (stage, copy) in enumerate(stages, start=1):
    copy_logits = attribution.compile_class_logits(copy, mnist_models.IMAGE_SHAPE)
    sal = [saliency_of(i, predicted[i], copy_logits) for i in probe]
    ig = [explain(i, predicted[i], 64, copy_logits) for i in probe]
    rhos = attribution.randomization_correlations(
        saliency_sample[: len(probe)], sal, x_test[probe]
    ) + attribution.randomization_correlations(ig_sample[: len(probe)], ig, x_test[probe])
    guesses = [
        copy(x_test[j : j + 1000], training=False).numpy() for j in range(0, len(x_test), 1000)
    ]
    accuracy = float(np.mean(np.concatenate(guesses).argmax(axis=1) == y_test))
    label = ("top " if depth == 1 else "+ ") + stage
    print(f"{label:13s} {accuracy:8.1%} {rhos[0]:9.3f} " + " ".join(f"{r:7.3f}" for r in rhos[1:]))
    metrics[f"randomization_accuracy_{depth}"] = accuracy
    for name, rho in zip(columns, rhos, strict=True):
        metrics[f"randomization_spearman_{name}_{depth}"] = rho
print("with every layer random (changed: mean ρ < 0.5):")
for (name, label), rho in zip(columns.items(), rhos, strict=True):
    metrics[f"randomization_spearman_{name}_all"] = rho
    verdict = "changed" if rho < 0.5 else "did NOT change: it fails the test"
    print(f"   {label:21s} ρ = {rho:.3f}: the map {verdict}")
metrics["randomized_images"] = int(len(probe))
fig = attribution_plots.digit_attributions(
    x_test[probe[:4]],
    [f"digit {predicted[i]}" for i in probe[:4]],
    [ig_sample[:4], ig[:4], sal[:4]],
    ["IG, trained", "IG, random", "saliency, random"],
    [True, True, False],
)
common.show(fig, "mnist_randomization.png")

# %% [markdown]
# ## 7. The IMDB model: attributions per word
#
# Lesson 07's embedding model turns a review into word ids `i_1 … i_T` (0 = padding), looks up
# one vector per word `e_t = E[i_t]`, and computes
# `F(e) = w₂ · relu(W₁ · (Σ_t m_t e_t / Σ_t m_t) + b₁) + b₂` with `m_t = [i_t ≠ 0]`. Ids are
# integers, so the gradient starts at the vectors: IG runs over them from the baseline "every
# word vector zero", and a word's attribution is `A_t = Σ_d IG_{t,d}`, so completeness reads
# `Σ_t A_t = F(e) − F(0)`. Saliency is useless here, and the formula says why: `∂F/∂e_t =
# (1/Σ_t m_t) · ∂F/∂pooled` is the **same vector for every word**; IG multiplies it by `e_t`.
# Lesson 07's saved model is loaded if present; otherwise one is trained here, briefly.

# %%
rng = np.random.default_rng([args.seed, 13])  # the IMDB part's draws, whatever MNIST drew
(train_texts, train_labels), (test_texts, test_labels) = datasets.imdb.load_data()
vectorizer, classifier, imdb_how = saved_models.load_or_train_imdb(
    train_texts, train_labels, quick=args.quick, seed=args.seed
)
table = classifier.get_layer("embedding").embeddings
review_logits = words.compile_review_logit(classifier)
vocabulary = np.array(vectorizer.get_vocabulary())
subset = np.sort(rng.choice(len(test_texts), 1000 if args.quick else 5000, replace=False))
test_ids = vectorizer(tf.constant(test_texts[subset].tolist())).numpy()
test_labels = test_labels[subset].astype(int)
test_logits = classifier.predict(test_ids, batch_size=1000, verbose=0)[:, 0]
zero_vectors = tf.zeros((1, test_ids.shape[1], table.shape[1]))
baseline_logit = float(review_logits(zero_vectors, test_ids[0] != 0)[0])
metrics["imdb_test_accuracy"] = float(np.mean((test_logits > 0) == (test_labels == 1)))
metrics["imdb_model_source"] = "lesson-07" if imdb_how.startswith("loaded") else "trained here"
metrics["imdb_baseline_logit"] = baseline_logit
print(f"{imdb_how}\ntest accuracy {metrics['imdb_test_accuracy']:.2%} on {len(subset)} reviews")
print(f"the baseline (every word vector zero) has logit F(0) = {baseline_logit:+.3f}")
shown = words.choose_reviews(test_ids, test_labels, test_logits, shown_per_group, rng)
imdb_table, _ = attribution.completeness_table(
    lambda n: words.review_logit(review_logits, test_ids[shown[n]] != 0),
    [tf.gather(table, test_ids[i]) for i in shown],
    [zero_vectors[0]] * len(shown),
)
print(f"IMDB, {len(shown)} test reviews: max relative completeness error")
print("\n".join(attribution.completeness_lines(imdb_table)))
metrics["ig_completeness_error_imdb"] = imdb_table[("trapezoid", MAP_STEPS)]
metrics["imdb_explained_reviews"] = len(shown)
for name, completeness in [("mnist", mnist_table), ("imdb", imdb_table)]:
    for (rule, steps), value in completeness.items():
        metrics[f"ig_completeness_error_{name}_{rule}_m{steps}"] = value

# %% [markdown]
# ## 8. Words in colour
#
# Each word on a background coloured by its attribution: green pushed the logit towards
# "positive", red towards "negative", white did nothing (scaled per review to its largest
# |A_t|). The same is written as an HTML page, `imdb_word_attributions.html`.

# %%
reviews, spreads = [], []
for i in shown:
    scores, word_saliency, _ = words.word_attributions(
        classifier, review_logits, test_ids[i], MAP_STEPS
    )
    spreads.append(float(word_saliency.std() / word_saliency.mean()))
    review_words = [str(w) for w in vocabulary[test_ids[i][test_ids[i] != 0]]]
    verdict = "right" if (test_logits[i] > 0) == (test_labels[i] == 1) else "WRONG"
    title = (
        f"label {'positive' if test_labels[i] else 'negative'}, logit {test_logits[i]:+.2f} "
        f"({verdict}); ΣA = {scores.sum():+.2f}, F(x) − F(0) = "
        f"{test_logits[i] - baseline_logit:+.2f}"
    )
    reviews.append({"words": review_words, "scores": scores, "title": title})
    strongest = {}  # a repeated word has the same vector, so the same attribution
    for t in np.argsort(-np.abs(scores), kind="stable"):
        strongest.setdefault(review_words[t], scores[t])
    top = ", ".join(f"{w} ({a:+.2f})" for w, a in list(strongest.items())[:5])
    print(f"{title}\n   strongest words: {top}")
print(
    "saliency ‖∂F/∂e_t‖ is the same for every word of a review: its relative spread "
    f"(std / mean over the words) is at most {max(spreads):.1e}"
)
metrics["imdb_saliency_relative_spread"] = max(spreads)
common.show(attribution_plots.reviews(reviews), "imdb_word_attributions.png")
html = attribution_plots.reviews_html(reviews)
(args.out / "imdb_word_attributions.html").write_text(html, encoding="utf-8")

# %% [markdown]
# The deletion check for words: remove from each review the 5 words that support its
# prediction most by IG (they drop out of the masked mean), or 5 random words, and count the
# predictions that flip.

# %%
removed = 5
long_enough = np.flatnonzero((test_ids != 0).sum(axis=1) >= 2 * removed)
sample = rng.choice(long_enough, deletion_reviews, replace=False)
scores = [words.word_attributions(classifier, review_logits, test_ids[i], 32)[0] for i in sample]
flips = words.word_deletion(classifier, test_ids[sample], test_logits[sample], scores, removed, rng)
print(
    f"removing {removed} words from each of {deletion_reviews} test reviews flips "
    f"{flips['integrated gradients']:.1%} of the predictions when they are the top {removed} "
    f"by IG, {flips['random']:.1%} when they are random"
)
metrics.update(
    word_deletion_words=removed,
    word_deletion_flip_rate_ig=flips["integrated gradients"],
    word_deletion_flip_rate_random=flips["random"],
)

# %% [markdown]
# ## Summary
#
# - Saliency is one gradient; integrated gradients average the gradient along the path from
#   a baseline and satisfy completeness, whose error the tables above measure per step count.
# - A map must pass tests, not just look right: the deletion curves (under three deletion
#   baselines, so that none is IG's own) and the model-randomization test, whose verdicts above
#   are computed from this run's correlations.
# - For text, IG over word vectors gives one number per word; saliency is flat there, because
#   mean pooling gives every word the same gradient.

# %%
common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# 1. **(graded)** `integrated_gradients(grad_f, x, baseline, steps)`: IG by the midpoint
#    Riemann sum `α_k = (k + ½)/m`, for any function whose gradient you are given.
#    `make exercise-13`
# 2. **(graded)** `spearman(a, b)`: Spearman's rank correlation with ties sharing their mean
#    rank, in NumPy. `make exercise-13`
# 3. Explain the first digits with IG from the *mean image* or a *blurred* baseline instead
#    of black (change `black` in §2). Predict first: does the deletion ranking of §5 change?
# 4. §6 randomizes the layers top down. Randomize only the first convolution instead: which
#    method's maps change more, and why would the answer differ from the cascade's?
#
# Solutions: [solutions/lesson_13.py](../solutions/lesson_13.py).
