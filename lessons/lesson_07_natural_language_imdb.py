# %% [markdown]
# # Lesson 07 — Natural language: IMDB sentiment from raw text
#
# The article's second application: reading text. We teach a network to tell a positive
# movie review from a negative one, starting from the raw review strings of the IMDB
# data set (Maas et al., 2011: 25 000 reviews to train on, 25 000 different ones to test).
#
# **What you will learn**
#
# - how raw text becomes numbers: `keras.layers.TextVectorization` builds a vocabulary
#   from the *training* reviews only and turns each review into word ids;
# - that an embedding layer is a table lookup (a *gather*) of one learned vector per word,
#   and why the mean over a review's words must skip the padding (*masking*);
# - why an embedding's gradient is *sparse* (`tf.IndexedSlices`, with repeated word ids),
#   and what goes wrong when an optimizer squares those pieces one by one instead of
#   adding them up first: our Adam against Keras 3's built-in Adam, measured;
# - the classic strong baseline, NBSVM (Wang & Manning, 2012), rebuilt as a neural network:
#   naive-Bayes log-count ratios of word n-grams scaling a logistic layer, with its
#   settings chosen on validation reviews and the test set read once.

# %%
import keras
import numpy as np
import tensorflow as tf

from custom_layers import optimizers
from lessons import common, imdb_models, imdb_pipeline, imdb_report, nbsvm, sparse_adam
from lessons.ngram_features import NgramBags, first_columns, tokenize

# %% tags=["parameters"]
args = common.setup("07", "Lesson 07: IMDB sentiment from raw text", epochs=3)
quick = args.quick
EPOCHS = 1 if quick else args.epochs  # --quick: one epoch of the embedding model
TRAIN_LIMIT, TEST_LIMIT = (2000, 1000) if quick else (None, None)
WORDS, STEPS = (5000, 128) if quick else (20_000, 256)
EMBEDDING_DIM, HIDDEN_UNITS, LEARNING_RATE, BATCH_SIZE = 32, 32, 1e-3, 64
metrics = {}

# %% [markdown]
# ## 1. The reviews
#
# `datasets.imdb.as_dataset` gives a `tf.data` pipeline of `(text, label)` pairs: the
# review as a string (HTML line breaks removed) and 1 for positive, 0 for negative. We never
# look at the test split until the very end. To choose settings we need reviews the models do
# not train on, so every 5th training review is held out as a **validation** set (20 %; the
# training split is sorted by label, so both classes stay balanced).

# %%
train_reviews, validation_reviews, test_reviews = imdb_pipeline.load_reviews(
    TRAIN_LIMIT, TEST_LIMIT
)
text, label = next(iter(train_reviews))
print(
    f"Training reviews: {imdb_pipeline.count(train_reviews)} "
    f"(+ {imdb_pipeline.count(validation_reviews)} for validation); "
    f"test reviews: {imdb_pipeline.count(test_reviews)}."
)
print(f'First training review (label {int(label)}): "{text.numpy().decode()[:110]}..."')

# %% [markdown]
# ## 2. From text to word ids
#
# `TextVectorization` lower-cases a review, strips punctuation and splits it into words.
# `adapt` counts the words of the training reviews and keeps the `max_tokens` most frequent:
# id 2 is the most frequent word, id 3 the next, ...; id 1 stands for any word not in the
# vocabulary and id 0 is padding. Each review is cut or padded to a fixed number of words,
# so a batch is one rectangular array of ids. (`imdb_models.standardize` also turns odd
# Unicode spaces into spaces: its docstring says why.) The ids are computed once inside
# the `tf.data` pipeline and cached; only the training pipeline is shuffled.

# %%
words = imdb_models.build_word_vectorizer(WORDS, STEPS)
words.adapt(imdb_pipeline.texts_only(train_reviews))
vocabulary = words.get_vocabulary()
word_ids = imdb_pipeline.vectorized(train_reviews, words)
validation_ids = imdb_pipeline.batches(imdb_pipeline.vectorized(validation_reviews, words), 512)
test_ids = imdb_pipeline.batches(imdb_pipeline.vectorized(test_reviews, words), 512)
lengths = np.concatenate(
    [(x.numpy() > 0).sum(axis=1) for x, _ in imdb_pipeline.batches(word_ids, 4096)]
)
print(f"  as word ids: {words(text[None])[0, :12].numpy().tolist()} ...")
print(f"Vocabulary: {len(vocabulary)} words; most frequent: {', '.join(vocabulary[2:9])}")
print(f"Words per review: median {np.median(lengths):.0f}; {np.mean(lengths >= STEPS):.0%} cut.")

# %% [markdown]
# ## 3. The embedding model
#
# A word id means nothing by itself (id 57 is not "more" than id 56), so the first layer
# gives every word its own learned vector: row `i` of a trainable table `E` of shape
# `(vocabulary size, embedding_dim)`. For a review with ids `i_1 … i_T` the layer outputs
# the rows `E[i_1] … E[i_T]`: a **gather**. The review's vector is the **mean** of its word
# vectors, over the real words only: with `mask_zero=True` the embedding also produces a
# mask `m = (ids != 0)`, and `MaskedGlobalAveragePooling1D` computes
#
# `pooled = Σ_t m_t · E[i_t] / Σ_t m_t`,  then  `logit = w₂ · relu(W₁ · pooled + b₁) + b₂`
#
# and `σ(logit)` is the probability that the review is positive. The builders live in
# `lessons/imdb_models.py` because lesson 13 explains this model's predictions.


# %%
def make_classifier():
    return imdb_models.build_embedding_classifier(
        len(vocabulary), STEPS, EMBEDDING_DIM, HIDDEN_UNITS
    )


classifier = make_classifier()
initial_weights = classifier.get_weights()
print(imdb_report.describe_embedding_model(classifier))

# %% [markdown]
# ## 4. Sparse gradients, and what the optimizer does with them
#
# A batch of 64 reviews touches at most 64 × 256 rows of the table, so TensorFlow returns
# the table's gradient as a `tf.IndexedSlices`: `indices`, the word id at every position of
# the batch, and `values`, the gradient each position sends to its row. A frequent word
# appears many times in `indices`. The table's true gradient `g` is the **sum** of the values
# that share an index (what `tf.convert_to_tensor` computes).
#
# Adam needs `g` and `g²` per weight: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
# `w ← w − α·m/(√v + ε)` with `α = η·√(1−β₂ᵗ)/(1−β₁ᵗ)` (lesson 03's bias-corrected form,
# with `ε` next to `√v` as Keras writes it). Keras 3's built-in Adam, handed the
# `IndexedSlices`, squares each *piece*: it puts `Σ_k g_k²` where the formula has
# `(Σ_k g_k)²`, which differs for every repeated word. Our Adam adds the duplicates up first:

# %%
common.show_source(optimizers.Adam.update_step)


# %% [markdown]
# We measure it on this model: one real batch's gradient, applied for 5 steps by three
# Adams, against the textbook formula in NumPy:


# %%
def numpy_adam(weights, gradient, learning_rate, steps, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """The textbook Adam, ε next to √v as Keras writes it, applied ``steps`` times."""
    weights = weights.astype(np.float64)
    m, v = np.zeros_like(weights), np.zeros_like(weights)
    for t in range(1, steps + 1):
        m = beta_1 * m + (1 - beta_1) * gradient
        v = beta_2 * v + (1 - beta_2) * gradient**2
        alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        weights = weights - alpha * m / (np.sqrt(v) + epsilon)
    return weights


ids, labels = next(iter(imdb_pipeline.batches(word_ids, BATCH_SIZE, shuffle_seed=args.seed)))
report = sparse_adam.compare_sparse_adam(
    make_classifier, initial_weights, ids, labels, LEARNING_RATE, numpy_adam
)
sparse_adam.print_report(report, vocabulary, LEARNING_RATE)
metrics.update(
    sparse_gradient_entries=report["entries"],
    sparse_gradient_distinct_rows=report["distinct_rows"],
    sparse_gradient_repeated_rows=report["repeated_rows"],
    sparse_adam_largest_step=report["largest_step"],
    sparse_adam_custom_vs_numpy_max_diff=report["custom_vs_numpy"],
    sparse_adam_keras_dense_vs_numpy_max_diff=report["keras_dense_vs_numpy"],
    sparse_adam_keras_sparse_vs_numpy_max_diff=report["keras_sparse_vs_numpy"],
    sparse_adam_keras_sparse_rows_off=report["keras_sparse_rows_off"],
)

# %% [markdown]
# ## 5. Training the embedding model with each Adam
#
# Both runs train with `custom_layers.training` (lesson 04's loop) on the binary
# cross-entropy of the logit, from the same initial weights, on the same batches, for the
# same number of epochs; the validation accuracy is measured after each epoch.

# %%
histories, test_logits = {}, {}
for name, optimizer in [
    ("custom Adam", optimizers.Adam(LEARNING_RATE)),
    ("Keras Adam", keras.optimizers.Adam(LEARNING_RATE)),
]:
    print(f"The embedding model with {name}, {EPOCHS} epoch(s):")
    model = classifier if name == "custom Adam" else make_classifier()
    model.set_weights(initial_weights)
    train_batches = imdb_pipeline.batches(word_ids, BATCH_SIZE, shuffle_seed=args.seed)
    histories[name] = imdb_pipeline.train(model, train_batches, validation_ids, optimizer, EPOCHS)
    test_logits[name], test_labels = imdb_pipeline.logits_and_labels(model, test_ids)
common.show(imdb_report.plot_curves(histories), "training_curves.png")

# %% [markdown]
# ## 6. NBSVM as a neural network
#
# Word order is lost in a mean of word vectors: "not good" and "good, not" look the same.
# Wang & Manning's NBSVM (2012) is the classic strong baseline on IMDB (91.22 % with word
# pairs). It reads a review as a **binary bag of n-grams**: `x̂_j = 1` if the review contains
# n-gram `j` ("waste", "waste of", "a waste of") at least once. Each n-gram gets its
# naive-Bayes **log-count ratio**, from the training reviews' bags and labels:
#
# `p = α + Σ_{y=1} x̂`,  `q = α + Σ_{y=0} x̂`,  `r = log((p/‖p‖₁) / (q/‖q‖₁))`
#
# and the model is a logistic regression on the scaled bag, `logit = w · (r ⊙ x̂) + b`:
# a `ScaleByRatio` layer, then `custom_layers.layers.Dense(1)` reading the sparse input,
# trained with our Adam from `w = 0`. Finally NBSVM pulls the weights towards their mean
# magnitude, `w ← β·w + (1 − β)·w̄` with `w̄ = ‖w‖₁/|V|` (β → 0 gives naive Bayes). The
# n-gram bags come from `lessons/ngram_features.py`, which encodes each n-gram as one
# integer and builds the bags of all the reviews with whole-array NumPy operations.

# %%
common.show_source(nbsvm.log_count_ratios)
train_texts, train_labels = imdb_pipeline.texts_and_labels(train_reviews)
validation_texts, validation_labels = imdb_pipeline.texts_and_labels(validation_reviews)
train_words, validation_words = tokenize(train_texts), tokenize(validation_texts)
bags = NgramBags(train_words, max_n=3, min_reviews=2)
validation_bags = bags.transform(validation_words)
print(
    f"n-grams in ≥ 2 training reviews: {bags.size(1)} words, {bags.size(2) - bags.size(1)} "
    f"pairs, {bags.size(3) - bags.size(2)} triples; a training review holds "
    f"{bags.train_bags[0].size / len(train_words):.0f} of them on average."
)

# %% [markdown]
# **Choosing the settings on validation.** Three choices: n-grams up to `n` = 1, 2 or 3
# words, the number of epochs (1 to 3), and β ∈ {0.25, 0.5, 0.75, 1}. Each `n` is one model
# trained for 3 epochs; after each epoch every β is tried on the validation reviews. The
# best combination is kept (ties go to the simpler: smaller `n`, fewer epochs, β first in
# the list).

# %%
BETAS, NBSVM_EPOCHS, NBSVM_LEARNING_RATE = (0.25, 0.5, 0.75, 1.0), 3, 0.01
best = None
print("validation accuracy  " + "  ".join(f"β={beta:<5g}" for beta in BETAS))
for n in (1, 2, 3):
    columns = bags.size(n)
    rows, cols = first_columns(bags.train_bags, columns)
    ratios = nbsvm.log_count_ratios(rows, cols, train_labels, columns)
    model = nbsvm.build_nbsvm(ratios)
    train_sparse = nbsvm.sparse_bags(rows, cols, len(train_words), columns)
    val_sparse = nbsvm.sparse_bags(
        *first_columns(validation_bags, columns), len(validation_words), columns
    )
    for epoch in nbsvm.train_epochs(
        model,
        train_sparse,
        train_labels,
        epochs=NBSVM_EPOCHS,
        learning_rate=NBSVM_LEARNING_RATE,
        seed=args.seed,
    ):
        scores = [
            imdb_pipeline.accuracy(
                nbsvm.interpolated_logits(model, val_sparse, beta), validation_labels
            )
            for beta in BETAS
        ]
        print(f"  n ≤ {n}, epoch {epoch}:     " + "  ".join(f"{s:.4f} " for s in scores))
        for beta, score in zip(BETAS, scores, strict=True):
            if best is None or score > best["validation"]:
                best = dict(n=n, epochs=epoch, beta=beta, validation=score)
print(
    f"Chosen: n-grams up to {best['n']} words, {best['epochs']} epoch(s), β = {best['beta']:g} "
    f"(validation accuracy {best['validation']:.4f})."
)
metrics.update({f"nbsvm_{k}": v for k, v in best.items() if k != "validation"})
metrics["nbsvm_validation_accuracy"] = best["validation"]

# %% [markdown]
# **The final model.** With the settings fixed, the n-gram vocabulary, the ratios `r` and
# the weights are fitted again on all the training reviews (training + validation), and the
# test reviews are read for the first and only time.

# %%
all_words = train_words + validation_words
all_labels = np.concatenate([train_labels, validation_labels])
final_bags = NgramBags(all_words, max_n=best["n"], min_reviews=2)
rows, cols = final_bags.train_bags
features = final_bags.keys.size
nbsvm_model = nbsvm.build_nbsvm(nbsvm.log_count_ratios(rows, cols, all_labels, features))
for _ in nbsvm.train_epochs(
    nbsvm_model,
    nbsvm.sparse_bags(rows, cols, len(all_words), features),
    all_labels,
    epochs=best["epochs"],
    learning_rate=NBSVM_LEARNING_RATE,
    seed=args.seed,
):
    pass
test_texts, nbsvm_test_labels = imdb_pipeline.texts_and_labels(test_reviews)
test_words = tokenize(test_texts)
test_sparse = nbsvm.sparse_bags(*final_bags.transform(test_words), len(test_words), features)
test_logits["NBSVM"] = nbsvm.interpolated_logits(nbsvm_model, test_sparse, best["beta"])
assert np.array_equal(nbsvm_test_labels, test_labels)  # the same reviews, in the same order

# %% [markdown]
# ## 7. The test set, once

# %%
test_accuracy = {name: imdb_pipeline.accuracy(z, test_labels) for name, z in test_logits.items()}
print(f"Test accuracy on {test_labels.size} test reviews:")
for name, value in test_accuracy.items():
    print(f"    {name:<28} {value:.4f}")
NBSVM_BIGRAMS = 0.9122  # Wang & Manning (2012), NBSVM-bi, same 25k/25k split
gap = 100 * (test_accuracy["NBSVM"] - NBSVM_BIGRAMS)
print(f"Our NBSVM vs the published NBSVM-bi (91.22 %): {gap:+.2f} points.")
metrics.update(
    test_accuracy=max(test_accuracy.values()),
    test_accuracy_nbsvm=test_accuracy["NBSVM"],
    embedding_model_test_accuracy=test_accuracy["custom Adam"],
    embedding_model_builtin_adam_test_accuracy=test_accuracy["Keras Adam"],
    nbsvm_features=features,
    test_reviews=int(test_labels.size),
)

# %% [markdown]
# ## 8. What the models learned
#
# Which words push a review hardest towards "positive" or "negative"? For the embedding
# model, feed it a review made of one word alone: its mean vector is that word's vector
# `E[w]`, so the score is the head applied to each row of the table (real reviews average
# many words, so these logits can be far larger than a real review's). For NBSVM the presence
# of n-gram `j` adds `w_j · r_j` to the logit (before the interpolation). Look for ratings
# among them: stripping punctuation turns "7/10" into "710".

# %%
word_lists = {
    "embedding model: words": imdb_report.word_scores(classifier, vocabulary),
    "NBSVM: n-grams": imdb_report.nbsvm_scores(nbsvm_model, final_bags),
}
imdb_report.print_word_lists(word_lists)
common.show(imdb_report.plot_word_scores(word_lists), "word_scores.png")

# %% [markdown]
# And a few test reviews, as NBSVM sees them: the most confident right and wrong ones, and
# the one it is least sure about.

# %%
print(
    imdb_report.example_reviews(
        test_texts,
        test_labels,
        imdb_report.sigmoid(test_logits["NBSVM"]),
        imdb_report.sigmoid(test_logits["custom Adam"]),
    )
)

# %% [markdown]
# ## 9. Saving the embedding model
#
# The vectorizer, the classifier and a sigmoid make one Keras model that reads raw strings
# and gives the probability of "positive"; it is saved as one `.keras` file (lesson 13 loads
# it) and reloaded with `safe_mode=True`.

# %%
sample = tf.constant(test_texts[:: max(1, test_texts.size // 64)][:64])
metrics["reload_max_diff"] = imdb_report.save_text_model(
    args.out / "embedding_model.keras", words, classifier, sample
)
print(
    f"Saved embedding_model.keras; reloaded, its predictions change by at most "
    f"{metrics['reload_max_diff']:.1e}."
)

# %% [markdown]
# ## Summary
#
# - Text becomes numbers through a vocabulary fitted on the training reviews only.
# - An embedding is a gather; its gradient is an `IndexedSlices` with repeated rows, and an
#   optimizer must add the repeats up before squaring them (section 4 measured the
#   difference).
# - NBSVM's log-count ratios turn naive Bayes into features for a logistic layer; every
#   setting was chosen on validation reviews, and the test set was read once:

# %%
best_name = max(test_accuracy, key=test_accuracy.get)
print(
    f"Best on the test reviews: {best_name} ({test_accuracy[best_name]:.4f}); the embedding "
    f"model with our Adam {test_accuracy['custom Adam']:.4f}, with Keras's "
    f"{test_accuracy['Keras Adam']:.4f}."
)
metrics["best_model"] = best_name

# %%
common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are graded by `make exercise-07` (it checks your code in
# `exercises/lesson_07.py`); the solutions:
# [solutions/lesson_07.py](../solutions/lesson_07.py).
#
# 1. **n-grams** (`ngrams`): list the n-grams of a list of words, in order.
# 2. **Log-count ratios** (`log_count_ratios`): compute `r` from binary bags and labels,
#    with smoothing `α`.
# 3. **TF-IDF** (`tf_idf`): the sublinear TF-IDF of a count matrix, `(1 + log c)·idf`,
#    `idf = log(1 + N/(1 + df))`, each row scaled to unit length.
# 4. *Experiment*: run `make lesson-07 ARGS="--quick"` after changing `min_reviews=2` to 1 in
#    `NgramBags(...)`. Predict first: more n-grams, better or worse validation accuracy? Then
#    measure it, and the time it takes.
# 5. *Question*: the built-in Adam's sparse update differs from ours only on repeated words.
#    Which words of a review are repeated most, and would you expect the difference to
#    matter more for a small or a large batch? Check with `compare_sparse_adam`.
