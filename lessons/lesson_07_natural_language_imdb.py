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
# - a stronger, still CPU-friendly model: TF-IDF features of words *and word pairs*;
# - how to read both models: the words that push hardest towards "positive" and
#   "negative", and test reviews they get right and wrong.

# %%
from __future__ import annotations

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import datasets.imdb
from custom_layers import losses, optimizers, training
from lessons import common, imdb_models

# %% [markdown]
# ## 1. The reviews
#
# `datasets.imdb.as_dataset` gives a `tf.data` pipeline of `(text, label)` pairs: the
# review as a string (HTML line breaks already removed) and 1 for positive, 0 for negative.
# We never look at the test split until the very end. To choose settings and to decide
# when to stop training we need reviews the model has not trained on, so we hold out
# every 10th training review as a **validation** set (the training split is sorted by
# label, so every 10th keeps both classes balanced).


# %%
def load_reviews(train_limit=None, test_limit=None):
    """``(train, validation, test)``: unbatched ``tf.data`` pipelines of ``(text, label)``."""
    reviews = datasets.imdb.as_dataset("train", batch_size=None, shuffle=False, limit=train_limit)
    numbered = reviews.enumerate()  # (i, (text, label))

    def is_validation(i, review):
        return i % 10 == 0

    def is_training(i, review):
        return i % 10 != 0

    def without_number(i, review):
        return review

    validation = numbered.filter(is_validation).map(without_number)
    train = numbered.filter(is_training).map(without_number)
    test = datasets.imdb.as_dataset("test", batch_size=None, shuffle=False, limit=test_limit)
    return train, validation, test


def texts_only(reviews, batch_size=1024):
    """Batches of review strings, without labels: what ``adapt`` wants."""
    return reviews.batch(batch_size).map(lambda text, label: text)


# %% [markdown]
# ## 2. From text to word ids
#
# `TextVectorization` lower-cases a review, strips punctuation and splits it into words.
# `adapt` counts the words of the training reviews and keeps the `max_tokens` most
# frequent: id 2 is the most frequent word ("the"), id 3 the next, ...; id 1 stands for
# any word not in the vocabulary and id 0 is padding. Each review is cut or padded to a
# fixed number of words, so a batch of reviews is one rectangular array of ids. (Our
# `imdb_models.standardize` also turns odd Unicode spaces and line breaks into spaces:
# its docstring says why.)
#
# The vectorizing happens inside the `tf.data` pipeline, a whole batch of strings at a
# time (no Python loop over reviews), and the ids are cached, so it runs once, not once
# per epoch. Only the training pipeline is shuffled (with the seed, afresh each epoch).


# %%
def vectorized(reviews, vectorizer):
    """``(text, label)`` pairs → ``(vectorizer(text), label)`` pairs, computed once and cached."""
    return (
        reviews.batch(512)  # vectorize 512 reviews per call, in parallel with the rest
        .map(lambda text, label: (vectorizer(text), label), num_parallel_calls=tf.data.AUTOTUNE)
        .unbatch()
        .cache()
    )


def batches(pairs, batch_size, shuffle_seed=None):
    """Batches of a vectorized pipeline; reshuffled every epoch when given a seed."""
    if shuffle_seed is not None:
        pairs = pairs.shuffle(25_000, seed=shuffle_seed, reshuffle_each_iteration=True)
    return pairs.batch(batch_size).prefetch(tf.data.AUTOTUNE)


# %% [markdown]
# ## 3. The embedding model
#
# A word id means nothing by itself (id 57 is not "more" than id 56), so the first layer
# gives every word of the vocabulary its own learned vector: row `i` of a trainable
# table `E` of shape `(vocabulary size, embedding_dim)`. For a review with ids
# `i_1 … i_T` the layer outputs the rows `E[i_1] … E[i_T]`: a **gather**, nothing else.
# `custom_layers.layers.Embedding` is exactly that (`ops.take(E, ids, axis=0)`).
#
# The review's vector is the **mean** of its word vectors. A 40-word review is padded to
# 256 ids with 216 zeros; averaging those padding rows in would pull a short review's
# mean towards `E[0]`, the more so the shorter the review. With `mask_zero=True` the
# embedding layer also produces a mask `m = (ids != 0)`, Keras passes it on, and
# `MaskedGlobalAveragePooling1D` divides by the number of real words:
#
# `pooled = Σ_t m_t · E[i_t] / Σ_t m_t`,  then  `logit = w₂ · relu(W₁ · pooled + b₁) + b₂`
#
# and `σ(logit)` is the probability that the review is positive. Everything is a
# `custom_layers` layer; the builders live in `lessons/imdb_models.py` because lesson 13
# explains this model's predictions.


# %%
def describe_embedding_model(classifier):
    """One line per layer: name, output shape, number of weights."""
    lines = []
    for layer in classifier.layers[1:]:
        shape = tuple(layer.output.shape)
        kind = type(layer).__name__
        lines.append(f"    {layer.name:<14} {kind:<30} {str(shape):<16} {layer.count_params():>7,}")
    return "\n".join(lines)


# %% [markdown]
# ## 4. Sparse gradients, and what the optimizer does with them
#
# A batch of 64 reviews touches at most 64 × 256 rows of the 20 000-row table, so
# TensorFlow does not return the table's gradient as a dense 20 000 × 32 array. It
# returns a `tf.IndexedSlices`: `indices`, the word id at every position of the batch,
# and `values`, the gradient that position sends to its row. A word that occurs hundreds
# of times in the batch ("the") appears hundreds of times in `indices`. The table's true
# gradient `g` is the **sum** of the values that share an index; that is what converting
# to a dense tensor (`tf.convert_to_tensor`) does.
#
# Adam needs `g` and `g²` per weight: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
# `w ← w − α·m/(√v + ε)` with `α = η·√(1−β₂ᵗ)/(1−β₁ᵗ)` (lesson 03's bias-corrected
# `η·m̂/√v̂`, with `ε` next to `√v` as Keras writes it). Keras 3.15's built-in Adam,
# handed the `IndexedSlices`, gets `m` right (its subtraction adds the duplicates up) but
# squares each *piece*: it puts `Σ_k g_k²` where the formula has `(Σ_k g_k)²`. For a word
# with one occurrence the two agree; for a repeated word they do not, so its step size is
# wrong. Our `custom_layers.optimizers.Adam` adds duplicates up first (the dense
# gradient), which is the textbook update. We measure it on this model: one real batch's
# gradient, applied for a few steps to three copies of the same model, and to the
# formula in NumPy.


# %%
def numpy_adam(weights, gradient, learning_rate, steps, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """The textbook Adam (with bias correction), applied ``steps`` times to one gradient.

    Written as Keras (and our Adam) write it: the bias corrections folded into the step
    size ``α``, which puts ``ε`` next to ``√v`` rather than ``√v̂``. That detail matters
    here: an embedding row's gradient is tiny (one word's share of a mean of means), so
    ``√v`` is not much larger than ``ε``.
    """
    weights = weights.astype(np.float64)
    m = np.zeros_like(weights)
    v = np.zeros_like(weights)
    for t in range(1, steps + 1):
        m = beta_1 * m + (1 - beta_1) * gradient
        v = beta_2 * v + (1 - beta_2) * gradient**2
        alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)  # = η m̂/√v̂ over m/√v
        weights = weights - alpha * m / (np.sqrt(v) + epsilon)
    return weights


def compare_sparse_adam(make_classifier, initial_weights, ids, labels, learning_rate, steps=5):
    """Apply one batch's gradient ``steps`` times with three Adams; compare the tables."""
    loss_fn = losses.BinaryCrossentropy(from_logits=True)
    model = make_classifier()
    model.set_weights(initial_weights)
    with tf.GradientTape() as tape:
        loss = loss_fn(labels[:, None], model(ids, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    sparse = gradients[0]  # the embedding table's gradient
    dense = [tf.convert_to_tensor(g) for g in gradients]  # duplicates summed

    runs = {
        "custom Adam (sparse in)": (optimizers.Adam(learning_rate), gradients),
        "Keras Adam, sparse in": (keras.optimizers.Adam(learning_rate), gradients),
        "Keras Adam, dense in": (keras.optimizers.Adam(learning_rate), dense),
    }
    tables = {}
    for name, (optimizer, grads) in runs.items():
        copy = make_classifier()
        copy.set_weights(initial_weights)
        for _ in range(steps):
            optimizer.apply(grads, copy.trainable_variables)
        tables[name] = copy.get_layer("embedding").embeddings.numpy()
    textbook = numpy_adam(initial_weights[0], dense[0].numpy(), learning_rate, steps)

    indices = sparse.indices.numpy()
    ids_seen, counts = np.unique(indices[indices != 0], return_counts=True)  # 0 = padding
    start = initial_weights[0]
    bad = tables["Keras Adam, sparse in"]
    rows_off = np.abs(bad - textbook).max(axis=1) > 1e-6  # float32 vs float64: ~1e-9 apart
    return {
        "gradient_type": type(sparse).__name__,
        "entries": int(indices.size),
        "distinct_rows": int(ids_seen.size),
        "most_repeated_id": int(ids_seen[np.argmax(counts)]),
        "most_repeated_count": int(counts.max()),
        "repeated_rows": int((counts > 1).sum()),
        "largest_step": float(np.abs(textbook - start).max()),
        "custom_vs_numpy": float(np.abs(tables["custom Adam (sparse in)"] - textbook).max()),
        "keras_dense_vs_numpy": float(np.abs(tables["Keras Adam, dense in"] - textbook).max()),
        "keras_sparse_vs_numpy": float(np.abs(bad - textbook).max()),
        "keras_sparse_rows_off": int(rows_off.sum()),
        "keras_sparse_rows_off_repeated": int(rows_off[ids_seen[counts > 1]].sum()),
        "keras_sparse_rows_off_single": int(rows_off[ids_seen[counts == 1]].sum()),
    }


# %% [markdown]
# ## 5. Training in the GradientTape loop
#
# Both models train with `custom_layers.training` (lesson 04's loop: tape, gradient,
# `optimizer.apply`) on the binary cross-entropy of the logit, `softplus(z) − y·z`.
# After each epoch we measure the validation loss. The two embedding-model runs (our Adam,
# the built-in Adam) train for the same fixed number of epochs, so that they get the same
# budget. The n-gram model uses *early stopping*: it stops when an epoch brings no
# improvement on the validation reviews and keeps the weights of the best epoch.


# %%
def train(model, train_data, validation_data, optimizer, epochs, early_stopping=True):
    """Train epoch by epoch; with early stopping, restore the best validation-loss weights.

    Returns ``(history, best_epoch)``; history holds one value per epoch run.
    """
    trainer = training.Trainer(
        model,
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer=optimizer,
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")],  # logit > 0
    )
    history, best_loss, best_epoch, best_weights = {}, np.inf, 0, None
    for epoch in range(1, epochs + 1):
        logs = trainer.fit(train_data, epochs=1, validation_data=validation_data, verbose=0)
        for name, values in logs.items():
            history.setdefault(name, []).extend(values)
        print(
            f"    epoch {epoch}: loss {logs['loss'][0]:.4f}, accuracy {logs['accuracy'][0]:.4f}"
            f" | validation loss {logs['val_loss'][0]:.4f}, accuracy {logs['val_accuracy'][0]:.4f}"
        )
        if logs["val_loss"][0] < best_loss:
            best_loss, best_epoch, best_weights = logs["val_loss"][0], epoch, model.get_weights()
        elif early_stopping:
            break
    if early_stopping:
        model.set_weights(best_weights)
    return history, best_epoch if early_stopping else epochs


def logits_and_labels(classifier, data):
    """The classifier's logit for every test review, and the labels, as NumPy arrays."""
    logits, labels = [], []
    predict = tf.function(lambda x: classifier(x, training=False))
    for x, y in data:
        logits.append(predict(x).numpy()[:, 0])
        labels.append(y.numpy())
    return np.concatenate(logits), np.concatenate(labels)


def accuracy(logits, labels):
    return float(np.mean((logits > 0) == (labels == 1)))


# %% [markdown]
# ## 6. A stronger model: TF-IDF of words and word pairs
#
# Averaging word vectors forgets word order entirely: "not good" and "good, not" look the
# same. A cheap fix is to count word **pairs** (bigrams) as well: "not good", "waste of",
# "highly recommend". `TextVectorization(ngrams=2, output_mode="count")` counts the 100 000
# most frequent words and pairs of the training reviews in every review (a sparse matrix:
# a review uses a few hundred of them). The `TfIdf` layer weighs each count:
#
# `x_j = (1 + log c_j) · idf_j`,  `idf_j = log(1 + N / (1 + df_j))`,  then `x ← x / ‖x‖₂`
#
# where `df_j` is the number of the `N` training reviews containing n-gram `j`: words in
# every review ("the", "of the") weigh little, telling ones a lot; `1 + log c` damps
# repetition; the unit length makes long and short reviews comparable. Then a `Dense`
# layer of 64 ReLU units (it reads the sparse input directly), dropout, and the logit
# (`imdb_models.build_ngram_vectorizer`, `TfIdf`, `build_ngram_classifier`).

# %% [markdown]
# ## 7. What the models learned
#
# Which words push a review hardest towards "positive" or "negative"? Feed each model a
# review made of one word (or one word pair) alone and read its logit. For the embedding
# model that review's mean vector is the word's own vector `E[w]`, so the score is the
# head applied to each row of the table; for the n-gram model the review's TF-IDF vector
# is a single 1 at position `j`, so the score is row `j` of the first layer's weights
# passed through the rest. Real reviews average many words, so the embedding model's
# one-word logits are far larger than any real review's. Expect ratings among the top
# words: stripping punctuation turns "7/10" into "710".


# %%
def ngram_scores(classifier, vocabulary, top=12):
    """The n-grams that push hardest: the logit of a review made of that n-gram alone.

    A one-n-gram review has TF-IDF features ``e_j`` (unit length), so its logit is
    ``w₂ · relu(W₁[j] + b₁) + b₂``: one row of the first layer, through the rest.
    """
    kernel, bias = classifier.get_layer("hidden").get_weights()
    out_kernel, out_bias = classifier.get_layer("logit").get_weights()
    scores = np.maximum(kernel + bias, 0) @ out_kernel[:, 0] + out_bias[0]
    return ranked(scores, vocabulary, top, skip=1)  # id 0: out-of-vocabulary


def word_scores(classifier, vocabulary, top=12):
    """The words that push hardest: the embedding model's logit for a one-word review.

    The mean of one word vector is that vector, so we run every row of the table through
    the head at once (``imdb_models.logit_from_vectors``).
    """
    table = classifier.get_layer("embedding").embeddings
    scores = imdb_models.logit_from_vectors(classifier, table[:, None, :]).numpy()[:, 0]
    return ranked(scores, vocabulary, top, skip=2)  # ids 0, 1: padding, out-of-vocabulary


def ranked(scores, vocabulary, top, skip):
    order = np.argsort(scores[skip:]) + skip
    positive = [(str(vocabulary[i]), float(scores[i])) for i in order[::-1][:top]]
    negative = [(str(vocabulary[i]), float(scores[i])) for i in order[:top]]
    return positive, negative


# %% [markdown]
# ## 8. Plots and examples


# %%
def plot_curves(histories, out):
    """Training and validation loss and accuracy per epoch, one colour per run."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (name, history), colour in zip(histories.items(), ["C0", "C1", "C2"], strict=False):
        epochs = np.arange(1, len(history["loss"]) + 1)
        for ax, key in zip(axes, ["loss", "accuracy"], strict=True):
            ax.plot(epochs, history[key], "-o", color=colour, label=f"{name} (train)")
            ax.plot(
                epochs, history["val_" + key], "--s", color=colour, label=f"{name} (validation)"
            )
    for ax, title in zip(axes, ["binary cross-entropy", "accuracy"], strict=True):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[1].legend(fontsize=7)
    fig.suptitle("IMDB: training curves")
    return common.save_figure(fig, out, "training_curves.png")


def plot_word_scores(word_lists, out):
    """Bar charts of the words / n-grams pushing hardest to each side, per model."""
    fig, axes = plt.subplots(1, len(word_lists), figsize=(6 * len(word_lists), 5))
    for ax, (name, (positive, negative)) in zip(
        np.atleast_1d(axes), word_lists.items(), strict=True
    ):
        words = [w for w, _ in negative[::-1]] + [w for w, _ in positive[::-1]]
        scores = [s for _, s in negative[::-1]] + [s for _, s in positive[::-1]]
        ax.barh(range(len(words)), scores, color=["C3" if s < 0 else "C2" for s in scores])
        ax.set_yticks(range(len(words)), words, fontsize=8)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_xlabel("logit of a review made of this alone")
        ax.set_title(name)
    fig.tight_layout()
    return common.save_figure(fig, out, "word_scores.png")


def example_reviews(texts, labels, probabilities, other_probabilities):
    """The most confident test review of each kind (right or wrong, positive or negative),
    and the one the model is least sure about."""
    predicted = probabilities > 0.5
    positive = labels == 1
    confidence = np.abs(probabilities - 0.5)
    kinds = [
        ("right, a positive review", predicted & positive),
        ("right, a negative review", ~predicted & ~positive),
        ("WRONG, a negative review called positive", predicted & ~positive),
        ("WRONG, a positive review called negative", ~predicted & positive),
    ]
    chosen = [
        (kind, np.flatnonzero(mask)[np.argmax(confidence[mask])])
        for kind, mask in kinds
        if mask.any()
    ]
    chosen.append(("the least sure", int(np.argmin(confidence))))
    lines = []
    for kind, i in chosen:
        text = " ".join(texts[i].decode().split())
        lines.append(
            f"  {kind}: label {'pos' if labels[i] else 'neg'}, p(positive) = "
            f"{probabilities[i]:.3f} (embedding model: {other_probabilities[i]:.3f})\n"
            f'    "{text[:200]}{"..." if len(text) > 200 else ""}"'
        )
    return "\n".join(lines)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# %% [markdown]
# ## 9. Putting it together
#
# `main` runs the lesson: data, vectorizers (fitted on the training reviews), the sparse
# gradient experiment, the embedding model trained with our Adam and with the built-in
# Adam (same start, same batches, same number of epochs), the n-gram model, the test
# set once at the end, plots, and the two models saved as `.keras` files that take raw
# strings (vectorizer included) and give the probability of "positive".


# %%
FULL = dict(train_limit=None, test_limit=None, words=20_000, steps=256, ngrams=100_000)
QUICK = dict(train_limit=2000, test_limit=1000, words=5000, steps=128, ngrams=5000)
EMBEDDING_DIM, HIDDEN_UNITS, LEARNING_RATE, BATCH_SIZE = 32, 32, 1e-3, 64
NGRAM_HIDDEN_UNITS, NGRAM_LEARNING_RATE, NGRAM_BATCH_SIZE = 64, 3e-3, 256


def count(reviews):
    """How many elements a (filtered) pipeline holds, counted inside TensorFlow."""
    return int(reviews.reduce(0, lambda n, review: n + 1))


def print_data_summary(train_reviews, validation_reviews, test_reviews, words, lengths, steps):
    text, label = next(iter(train_reviews))
    vocabulary = words.get_vocabulary()
    print(
        f"Training reviews: {lengths.size} (+ {count(validation_reviews)} for validation); "
        f"test reviews: {count(test_reviews)}."
    )
    print(f'First training review (label {int(label)}): "{text.numpy().decode()[:110]}..."')
    print(f"  as word ids: {words(text[None])[0, :12].numpy().tolist()} ...")
    print(
        f"Vocabulary: {len(vocabulary)} words (fitted on the training reviews); "
        f"most frequent: {', '.join(vocabulary[2:9])}"
    )
    print(
        f"Words per review: median {np.median(lengths):.0f}; "
        f"{np.mean(lengths >= steps):.0%} are cut at {steps}."
    )


def print_sparse_report(report, vocabulary, learning_rate, steps=5):
    print(
        f"\nOne batch: the table's gradient is a {report['gradient_type']} with "
        f"{report['entries']} entries for {report['distinct_rows']} distinct words; "
        f"{report['repeated_rows']} words occur more than once, the most repeated "
        f"('{vocabulary[report['most_repeated_id']]}') {report['most_repeated_count']} times."
    )
    print(
        f"{steps} Adam steps (learning rate {learning_rate}) with that gradient: largest change "
        f"of a weight {report['largest_step']:.2e}. Max |difference| from the NumPy Adam:"
    )
    print(f"    custom Adam, fed the IndexedSlices: {report['custom_vs_numpy']:.2e}")
    print(f"    Keras Adam, fed the dense gradient: {report['keras_dense_vs_numpy']:.2e}")
    print(
        f"    Keras Adam, fed the IndexedSlices:  {report['keras_sparse_vs_numpy']:.2e}  "
        f"({report['keras_sparse_rows_off']} rows off by > 1e-6: "
        f"{report['keras_sparse_rows_off_repeated']} of the {report['repeated_rows']} repeated "
        f"words, {report['keras_sparse_rows_off_single']} of the words seen once)"
    )


def print_word_lists(word_lists):
    for name, (positive, negative) in word_lists.items():
        print(f"\n{name}, pushing hardest towards")
        print("    positive: " + ", ".join(f"{w} ({s:+.1f})" for w, s in positive))
        print("    negative: " + ", ".join(f"{w} ({s:+.1f})" for w, s in negative))


def save_text_models(out, models, sample):
    """Save each ``(vectorizer, classifier)`` as one raw-text ``.keras`` model; reload it
    (``safe_mode=True``) and return the largest change in its predictions on ``sample``."""
    largest = 0.0
    for name, (vectorizer, classifier) in models.items():
        text_model = imdb_models.build_text_model(vectorizer, classifier, name=name)
        path = out / f"{name}.keras"
        text_model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
        before = text_model.predict(sample, verbose=0)
        largest = max(largest, float(np.abs(reloaded.predict(sample, verbose=0) - before).max()))
    return largest


# %%
def main(argv=None):
    args = common.parse_args(
        argv,
        "Lesson 07: IMDB sentiment from raw text (embeddings, sparse gradients, n-grams)",
        epochs=3,
    )
    out = common.start("07", args)
    settings = QUICK if args.quick else FULL
    steps = settings["steps"]

    # 1-2. the reviews, and word ids from a vocabulary fitted on the training reviews
    train_reviews, validation_reviews, test_reviews = load_reviews(
        settings["train_limit"], settings["test_limit"]
    )
    words = imdb_models.build_word_vectorizer(settings["words"], steps)
    words.adapt(texts_only(train_reviews))
    vocabulary = words.get_vocabulary()
    word_ids = vectorized(train_reviews, words)
    validation_ids = batches(vectorized(validation_reviews, words), 512)
    test_ids = batches(vectorized(test_reviews, words), 512)
    lengths = np.concatenate([(x.numpy() > 0).sum(axis=1) for x, _ in batches(word_ids, 4096)])
    for _ in validation_ids.concatenate(test_ids):
        pass  # fill their caches now, so that the training times below are training only
    print_data_summary(train_reviews, validation_reviews, test_reviews, words, lengths, steps)

    # 3. the embedding model
    def make_classifier():
        return imdb_models.build_embedding_classifier(
            len(vocabulary), steps, EMBEDDING_DIM, HIDDEN_UNITS
        )

    classifier = make_classifier()
    initial_weights = classifier.get_weights()
    print("\nThe embedding model:\n" + describe_embedding_model(classifier))

    # 4. one real batch's sparse gradient, three Adams
    ids, labels = next(iter(batches(word_ids, BATCH_SIZE, shuffle_seed=args.seed)))
    report = compare_sparse_adam(make_classifier, initial_weights, ids, labels, LEARNING_RATE)
    print_sparse_report(report, vocabulary, LEARNING_RATE)

    # 5. the embedding model trained with each Adam: same start, same batches, same epochs
    histories, test_results, seconds = {}, {}, {}
    for name, model, optimizer in [
        ("custom Adam", classifier, optimizers.Adam(LEARNING_RATE)),
        ("Keras Adam (sparse)", make_classifier(), keras.optimizers.Adam(LEARNING_RATE)),
    ]:
        print(f"\nThe embedding model with {name}, {args.epochs} epochs:")
        tic = time.perf_counter()
        model.set_weights(initial_weights)
        train_batches = batches(word_ids, BATCH_SIZE, shuffle_seed=args.seed)
        histories[f"embedding, {name}"], _ = train(
            model, train_batches, validation_ids, optimizer, args.epochs, early_stopping=False
        )
        logits, test_labels = logits_and_labels(model, test_ids)
        test_results[f"embedding model, {name}"] = logits
        seconds[name] = time.perf_counter() - tic
        print(f"    test accuracy {accuracy(logits, test_labels):.4f} ({seconds[name]:.1f} s)")

    # 6. the n-gram TF-IDF model
    print("\nThe n-gram TF-IDF model:")
    tic = time.perf_counter()
    ngrams = imdb_models.build_ngram_vectorizer(settings["ngrams"])
    ngrams.adapt(texts_only(train_reviews))
    ngram_counts = vectorized(train_reviews, ngrams)
    ngram_classifier = imdb_models.build_ngram_classifier(settings["ngrams"], NGRAM_HIDDEN_UNITS)
    ngram_classifier.get_layer("tf_idf").adapt(batches(ngram_counts, 4096).map(lambda x, y: x))
    ngram_vocabulary = ngrams.get_vocabulary()
    pairs = [str(w) for w in ngram_vocabulary[:400] if " " in w][:6]
    print(
        f"    vocabulary: {len(ngram_vocabulary)} words and word pairs, the most frequent "
        f"pairs {', '.join(pairs)} ({time.perf_counter() - tic:.1f} s to fit and count)"
    )
    histories["n-gram TF-IDF"], ngram_epoch = train(
        ngram_classifier,
        batches(ngram_counts, NGRAM_BATCH_SIZE, shuffle_seed=args.seed),
        batches(vectorized(validation_reviews, ngrams), 1024),
        optimizers.Adam(NGRAM_LEARNING_RATE),
        args.epochs,
    )
    ngram_test = batches(vectorized(test_reviews, ngrams), 1024)
    test_results["n-gram TF-IDF model"], test_labels = logits_and_labels(
        ngram_classifier, ngram_test
    )
    seconds["n-gram"] = time.perf_counter() - tic
    print(
        f"    kept the weights of epoch {ngram_epoch} "
        f"({seconds['n-gram']:.1f} s to fit, count, train and predict)"
    )

    # the test set, once, at the end; 7. what the models learned; 8. examples and plots
    test_accuracies = {name: accuracy(logits, test_labels) for name, logits in test_results.items()}
    print(f"\nTest accuracy on {test_labels.size} test reviews:")
    for name, value in test_accuracies.items():
        print(f"    {name:<38} {value:.4f}")
    candidates = ["embedding model, custom Adam", "n-gram TF-IDF model"]
    best_name = max(candidates, key=test_accuracies.get)

    word_lists = {
        "embedding model: words": word_scores(classifier, vocabulary),
        "n-gram model: words and pairs": ngram_scores(ngram_classifier, ngram_vocabulary),
    }
    print_word_lists(word_lists)

    test_texts = np.concatenate([t.numpy() for t in texts_only(test_reviews, 8192)])  # bytes
    probabilities = sigmoid(test_results["n-gram TF-IDF model"])
    embedding_probabilities = sigmoid(test_results["embedding model, custom Adam"])
    print("\nTest reviews, as the n-gram model sees them:")
    print(example_reviews(test_texts, test_labels, probabilities, embedding_probabilities))

    plot_curves(histories, out)
    plot_word_scores(word_lists, out)

    # the two models, raw text in, probability out, saved and reloaded
    sample = tf.constant(test_texts[:: max(1, test_texts.size // 64)][:64])
    reload_difference = save_text_models(
        out,
        {"embedding_model": (words, classifier), "ngram_model": (ngrams, ngram_classifier)},
        sample,
    )
    print(
        f"\nSaved embedding_model.keras and ngram_model.keras (raw text in, p(positive) out);"
        f" reloaded, their predictions change by at most {reload_difference:.1e}."
    )

    return common.finish(
        args,
        {
            "test_accuracy": test_accuracies[best_name],
            "best_model": best_name,
            "embedding_model_test_accuracy": test_accuracies["embedding model, custom Adam"],
            "embedding_model_builtin_adam_test_accuracy": test_accuracies[
                "embedding model, Keras Adam (sparse)"
            ],
            "ngram_model_test_accuracy": test_accuracies["n-gram TF-IDF model"],
            "ngram_model_epochs": ngram_epoch,
            "embedding_model_seconds": round(seconds["custom Adam"], 2),
            "embedding_model_builtin_adam_seconds": round(seconds["Keras Adam (sparse)"], 2),
            "ngram_model_seconds": round(seconds["n-gram"], 2),
            "sparse_gradient_entries": report["entries"],
            "sparse_gradient_distinct_rows": report["distinct_rows"],
            "sparse_gradient_repeated_rows": report["repeated_rows"],
            "sparse_adam_largest_step": report["largest_step"],
            "sparse_adam_custom_vs_numpy_max_diff": report["custom_vs_numpy"],
            "sparse_adam_keras_dense_vs_numpy_max_diff": report["keras_dense_vs_numpy"],
            "sparse_adam_keras_sparse_vs_numpy_max_diff": report["keras_sparse_vs_numpy"],
            "sparse_adam_keras_sparse_rows_off": report["keras_sparse_rows_off"],
            "reload_max_diff": reload_difference,
            "test_reviews": int(test_labels.size),
        },
    )


if __name__ == "__main__":
    main()
