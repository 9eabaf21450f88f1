"""The IMDB sentiment models of lesson 07, kept here so that lesson 13 can rebuild and reuse them.

Two text classifiers, both ending in one logit ``z`` (the probability of "positive" is
``σ(z)``), both built from ``custom_layers``:

* the **embedding model**: word ids → :class:`custom_layers.layers.Embedding` (one learned
  vector per word) → :class:`custom_layers.layers.MaskedGlobalAveragePooling1D` (the mean
  of the review's word vectors, padding left out) → ``Dense(relu)`` → ``Dense(1)``;
* the **n-gram model**: counts of words and word pairs → :class:`TfIdf` →
  ``Dense(relu)`` → dropout → ``Dense(1)``.

Each classifier takes numbers (token ids or counts); :func:`build_text_model` puts its
``keras.layers.TextVectorization`` in front and a sigmoid behind, giving one model that
reads raw review strings and saves to a single ``.keras`` file.

Loading a saved model needs this module imported first (``import lessons.imdb_models``),
so that Keras knows :func:`standardize` and :class:`TfIdf`.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from custom_layers import activations, layers

# --- the vectorizers: text -> numbers, fitted (adapted) on the training reviews only ------

_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'  # Keras's own list


@keras.saving.register_keras_serializable(package="imdb_models")
def standardize(text):
    """Keras's ``"lower_and_strip_punctuation"``, and every Unicode space or control character
    becomes a plain space.

    Why the second step: Keras splits words on ASCII whitespace only, and saves a vocabulary
    one word per line. IMDB reviews contain U+0085 ("next line"), which Python reads as a
    line break, so a vocabulary word holding it would come back from a ``.keras`` file as
    two words, and the file would not load.
    """
    text = tf.strings.lower(text)
    text = tf.strings.regex_replace(text, _PUNCTUATION, "")
    return tf.strings.regex_replace(text, r"[\pZ\p{Cc}]", " ")


def build_word_vectorizer(max_tokens=20_000, sequence_length=256):
    """Text → ``sequence_length`` word ids (0 = padding, 1 = a word not in the vocabulary).

    After ``adapt``, id 2 is the most frequent training word, id 3 the next, and so on;
    reviews are lower-cased, stripped of punctuation, split on spaces, then cut or padded
    with zeros to ``sequence_length`` words.
    """
    return keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize=standardize,
        output_mode="int",
        output_sequence_length=sequence_length,
        name="word_ids",
    )


def build_ngram_vectorizer(max_tokens=100_000):
    """Text → counts of its words and word pairs (bigrams), as a sparse ``(batch, max_tokens)``.

    Column 0 counts out-of-vocabulary n-grams; the vocabulary keeps the ``max_tokens − 1``
    most frequent unigrams and bigrams of the training reviews.
    """
    return keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize=standardize,
        ngrams=2,
        output_mode="count",
        sparse=True,
        pad_to_max_tokens=True,  # always max_tokens columns, even if fewer n-grams were seen
        name="ngram_counts",
    )


# --- the embedding model -----------------------------------------------------------------


def build_embedding_classifier(vocabulary_size, sequence_length, embedding_dim=32, hidden_units=32):
    """Word ids ``(batch, sequence_length)`` → logit ``(batch, 1)``.

    ``logit = w₂ · relu(W₁ · mean_t(E[ids_t]) + b₁) + b₂``, the mean over the words that are
    not padding (``mask_zero=True``).
    """
    ids = keras.Input((sequence_length,), dtype="int32", name="token_ids")
    vectors = layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True, name="embedding")(
        ids
    )
    pooled = layers.MaskedGlobalAveragePooling1D(name="mean_of_words")(vectors)
    hidden = layers.Dense(hidden_units, activation="relu", name="hidden")(pooled)
    logit = layers.Dense(1, name="logit")(hidden)
    return keras.Model(ids, logit, name="embedding_classifier")


def logit_from_vectors(classifier, vectors, mask=None):
    """The embedding classifier's logit, starting from word vectors instead of word ids.

    ``vectors``: ``(batch, steps, embedding_dim)``; ``mask``: ``(batch, steps)``, True for
    real words. For integrated gradients over word embeddings (lesson 13), and for scoring
    single words (a one-word review is ``vectors = E[w][None, None, :]``).
    """
    pooled = classifier.get_layer("mean_of_words")(vectors, mask=mask)
    return classifier.get_layer("logit")(classifier.get_layer("hidden")(pooled))


# --- the n-gram model --------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="imdb_models")
class TfIdf(keras.layers.Layer):
    """Counts → sublinear TF-IDF features, each review scaled to unit length.

    For the count ``c`` of n-gram ``j`` in a review (a sparse ``(batch, vocabulary_size)``)::

        x_j = (1 + log c) · idf_j,    idf_j = log(1 + N / (1 + df_j)),    x ← x / ‖x‖₂

    ``df_j`` is the number of the ``N`` training reviews that contain n-gram ``j`` (so rare
    n-grams weigh more, words in every review almost nothing: the same ``idf`` as
    ``TextVectorization(output_mode="tf_idf")``). ``1 + log c`` instead of ``c`` stops a word
    repeated ten times from counting ten times as much, and the unit length makes a long
    review and a short one comparable. ``idf`` is a non-trainable weight set by
    :meth:`adapt`, so it is saved with the model.
    """

    def __init__(self, vocabulary_size, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size

    def build(self, input_shape=None):
        self.idf = self.add_weight(
            name="idf", shape=(self.vocabulary_size,), initializer="ones", trainable=False
        )

    def adapt(self, count_batches):
        """Set ``idf`` from a ``tf.data.Dataset`` of sparse count batches of training reviews."""
        if not self.built:
            self.build()
        document_frequency = tf.zeros([self.vocabulary_size], tf.float64)
        documents = 0
        for counts in count_batches:
            # Each stored entry of a count matrix is one (review, n-gram) pair with c > 0.
            document_frequency += tf.math.bincount(
                tf.cast(counts.indices[:, 1], tf.int32),
                minlength=self.vocabulary_size,
                maxlength=self.vocabulary_size,
                dtype=tf.float64,
            )
            documents += int(counts.dense_shape[0])
        idf = tf.math.log(1.0 + documents / (1.0 + document_frequency))
        self.idf.assign(tf.cast(idf, self.idf.dtype))

    def call(self, counts):
        if not isinstance(counts, tf.SparseTensor):
            counts = tf.sparse.from_dense(counts)
        counts = tf.sparse.reorder(counts)
        rows, columns = counts.indices[:, 0], counts.indices[:, 1]
        values = (1.0 + tf.math.log(tf.cast(counts.values, self.compute_dtype))) * tf.gather(
            self.idf, columns
        )
        # ‖x‖₂ of each review: sum the squares of its entries (a segment sum over rows).
        squared_norms = tf.math.unsorted_segment_sum(
            tf.square(values), rows, num_segments=counts.dense_shape[0]
        )
        values = values * tf.gather(tf.math.rsqrt(tf.maximum(squared_norms, 1e-12)), rows)
        return tf.SparseTensor(counts.indices, values, counts.dense_shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size}


def build_ngram_classifier(vocabulary_size, hidden_units=64, dropout=0.5):
    """Sparse n-gram counts ``(batch, vocabulary_size)`` → logit ``(batch, 1)``."""
    counts = keras.Input((vocabulary_size,), sparse=True, name="ngram_counts")
    features = TfIdf(vocabulary_size, name="tf_idf")(counts)
    hidden = layers.Dense(hidden_units, activation="relu", name="hidden")(features)
    hidden = keras.layers.Dropout(dropout, name="dropout")(hidden)
    logit = layers.Dense(1, name="logit")(hidden)
    return keras.Model(counts, logit, name="ngram_classifier")


# --- from raw text -----------------------------------------------------------------------


def build_text_model(vectorizer, classifier, name="text_model"):
    """Raw review strings ``(batch,)`` → probability of "positive" ``(batch, 1)``.

    ``σ(classifier(vectorizer(text)))``: the adapted vectorizer (its vocabulary, and the
    classifier's weights, are saved with the model), the classifier, and a sigmoid.
    """
    text = keras.Input((), dtype="string", name="review")
    logit = classifier(vectorizer(text))
    probability = keras.layers.Activation(activations.sigmoid, name="probability")(logit)
    return keras.Model(text, probability, name=name)
