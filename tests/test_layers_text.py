"""custom_layers.layers.Embedding and MaskedGlobalAveragePooling1D vs their Keras namesakes,
and the whole IMDB text model (TextVectorization inside) through a .keras round trip."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers.layers import Embedding, MaskedGlobalAveragePooling1D
from lessons import imdb_models

ATOL, RTOL = 1e-6, 1e-5

# Two padded "reviews" of token ids: id 0 is padding; id 3 repeats (sparse-gradient duplicates).
IDS = np.array([[5, 3, 3, 9, 0, 0], [3, 1, 7, 2, 8, 4]], dtype=np.int32)


def twin_embedding(input_dim=10, output_dim=4, **kwargs):
    """Our Embedding and keras.layers.Embedding, built, with the same (our random) table."""
    ours = Embedding(input_dim, output_dim, **kwargs)
    theirs = keras.layers.Embedding(input_dim, output_dim, **kwargs)
    ours.build()
    theirs.build()
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def embedding_gradient(layer, ids, upstream):
    """The gradient of sum(output · upstream) w.r.t. the table, as TensorFlow returns it."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids) * upstream)
    return tape.gradient(loss, layer.trainable_variables)[0]


def test_embedding_values_and_weight_match_keras():
    ours, theirs = twin_embedding()
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["embeddings"]
    assert ours.embeddings.shape == theirs.embeddings.shape == (10, 4)
    table = ours.get_weights()[0]
    np.testing.assert_array_equal(ours(IDS).numpy(), theirs(IDS).numpy())
    np.testing.assert_array_equal(ours(IDS).numpy(), table[IDS])  # a plain row lookup
    # float and int64 ids are cast, as in Keras
    np.testing.assert_array_equal(ours(IDS.astype("float32")).numpy(), table[IDS])
    np.testing.assert_array_equal(ours(IDS.astype("int64")).numpy(), table[IDS])


def test_embedding_default_initializer_draws_like_keras():
    # "uniform" = RandomUniform(−0.05, 0.05); with the same seed, the same table.
    keras.utils.set_random_seed(7)
    ours = Embedding(50, 3)
    ours.build()
    keras.utils.set_random_seed(7)
    theirs = keras.layers.Embedding(50, 3)
    theirs.build()
    np.testing.assert_array_equal(ours.get_weights()[0], theirs.get_weights()[0])
    assert np.abs(ours.get_weights()[0]).max() <= 0.05
    assert np.abs(ours.get_weights()[0]).max() > 0.0


@pytest.mark.parametrize("mask_zero", [True, False])
def test_embedding_mask_matches_keras(mask_zero):
    ours, theirs = twin_embedding(mask_zero=mask_zero)
    assert ours.supports_masking == theirs.supports_masking == mask_zero
    mask, ref_mask = ours.compute_mask(IDS), theirs.compute_mask(IDS)
    if not mask_zero:
        assert mask is None and ref_mask is None
        return
    np.testing.assert_array_equal(mask.numpy(), ref_mask.numpy())
    np.testing.assert_array_equal(mask.numpy(), IDS != 0)


def test_embedding_gradient_is_indexed_slices_like_keras(rng):
    ours, theirs = twin_embedding()
    upstream = rng.normal(size=IDS.shape + (4,)).astype(np.float32)
    grad, ref_grad = (
        embedding_gradient(ours, IDS, upstream),
        embedding_gradient(theirs, IDS, upstream),
    )
    assert isinstance(grad, tf.IndexedSlices) and isinstance(ref_grad, tf.IndexedSlices)
    # one entry per occurrence: id 3 appears three times, with three different values
    np.testing.assert_array_equal(grad.indices.numpy(), IDS.ravel())
    np.testing.assert_array_equal(grad.indices.numpy(), ref_grad.indices.numpy())
    np.testing.assert_array_equal(grad.values.numpy(), ref_grad.values.numpy())
    np.testing.assert_array_equal(grad.values.numpy(), upstream.reshape(-1, 4))
    # densified, duplicates add up: row i's gradient is the sum of upstream where ids == i
    expected = np.zeros((10, 4), np.float32)
    np.add.at(expected, IDS.ravel(), upstream.reshape(-1, 4))
    np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(), expected, atol=ATOL, rtol=RTOL)


def test_embedding_regularizer_and_config_round_trip():
    kwargs = dict(
        embeddings_initializer=keras.initializers.RandomNormal(seed=1),
        embeddings_regularizer=keras.regularizers.L2(0.01),
        embeddings_constraint=keras.constraints.MaxNorm(1.5),
        mask_zero=True,
    )
    ours, theirs = twin_embedding(**kwargs)
    np.testing.assert_allclose(float(ours.losses[0]), float(theirs.losses[0]), atol=ATOL, rtol=RTOL)
    config = ours.get_config()
    for key in ("input_dim", "output_dim", "mask_zero"):
        assert config[key] == theirs.get_config()[key]
    clone = Embedding.from_config(config)
    assert clone.get_config() == config
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 3)


def masked_inputs(rng, batch=3, steps=5, features=4):
    x = rng.normal(size=(batch, steps, features)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 1]], dtype=bool)
    return x, mask


def pooled_and_gradient(layer, x, mask, upstream):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, mask=mask)
        loss = tf.reduce_sum(y * upstream)
    return y.numpy(), tape.gradient(loss, x).numpy()


def test_masked_pooling_matches_keras_values_and_gradients(rng):
    x, mask = masked_inputs(rng)
    upstream = rng.normal(size=(3, 4)).astype(np.float32)
    y, grad = pooled_and_gradient(MaskedGlobalAveragePooling1D(), x, mask, upstream)
    ref_y, ref_grad = pooled_and_gradient(keras.layers.GlobalAveragePooling1D(), x, mask, upstream)
    np.testing.assert_allclose(y, ref_y, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(grad, ref_grad, atol=ATOL, rtol=RTOL)
    # padding does not dilute the mean: row 0 is the mean of its first two steps only
    np.testing.assert_allclose(y[0], x[0, :2].mean(axis=0), atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(grad[0, :2], np.tile(upstream[0] / 2, (2, 1)), atol=ATOL)
    np.testing.assert_array_equal(grad[0, 2:], 0.0)  # masked steps get no gradient
    # without a mask: the plain mean, as Keras
    y, grad = pooled_and_gradient(MaskedGlobalAveragePooling1D(), x, None, upstream)
    ref_y, ref_grad = pooled_and_gradient(keras.layers.GlobalAveragePooling1D(), x, None, upstream)
    np.testing.assert_allclose(y, ref_y, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(grad, ref_grad, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_masked_pooling_data_format_and_keepdims(data_format, keepdims, rng):
    x, mask = masked_inputs(rng)
    if data_format == "channels_first":
        x = np.transpose(x, (0, 2, 1))
    ours = MaskedGlobalAveragePooling1D(data_format=data_format, keepdims=keepdims)
    theirs = keras.layers.GlobalAveragePooling1D(data_format=data_format, keepdims=keepdims)
    y, ref_y = ours(x, mask=mask).numpy(), theirs(x, mask=mask).numpy()
    assert y.shape == ref_y.shape == ours.compute_output_shape(x.shape)
    np.testing.assert_allclose(y, ref_y, atol=ATOL, rtol=RTOL)
    assert MaskedGlobalAveragePooling1D.from_config(ours.get_config()).get_config() == (
        ours.get_config()
    )


def test_masked_pooling_all_padding_gives_zero_not_nan(rng):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    mask = np.array([[0, 0, 0], [1, 0, 1]], dtype=bool)
    y = MaskedGlobalAveragePooling1D()(x, mask=mask).numpy()
    np.testing.assert_array_equal(y[0], 0.0)  # Keras gives 0/0 = NaN here
    assert np.isnan(keras.layers.GlobalAveragePooling1D()(x, mask=mask).numpy()[0]).all()
    np.testing.assert_allclose(y[1], x[1, [0, 2]].mean(axis=0), atol=ATOL, rtol=RTOL)


def test_mask_flows_from_embedding_to_pooling_in_a_model():
    """In a functional model Keras hands the Embedding's mask to the pooling by itself."""
    ours_emb, keras_emb = twin_embedding(mask_zero=True)
    ids = keras.Input((6,), dtype="int32")
    ours = keras.Model(ids, MaskedGlobalAveragePooling1D()(ours_emb(ids)))
    ids = keras.Input((6,), dtype="int32")
    theirs = keras.Model(ids, keras.layers.GlobalAveragePooling1D()(keras_emb(ids)))
    y = ours.predict(IDS, verbose=0)
    np.testing.assert_allclose(y, theirs.predict(IDS, verbose=0), atol=ATOL, rtol=RTOL)
    table = ours_emb.get_weights()[0]
    np.testing.assert_allclose(y[0], table[[5, 3, 3, 9]].mean(axis=0), atol=ATOL, rtol=RTOL)


# --- the lesson-07 text models, from raw strings -----------------------------------------

REVIEWS = [
    "A wonderful, moving film. The acting is great and the story is great too.",
    "Awful. A boring, stupid plot and terrible acting; I want my two hours back.",
    "Not bad at all: a fun little movie.",
    "The worst film I have seen this year.",
    "",  # an empty review is all padding
    "Odd characters: \x85 a NEL\u2028and a line separator\u00a0(as in real IMDB reviews).",
]


def test_standardize_is_keras_default_plus_unicode_spaces():
    ascii_texts = tf.constant(REVIEWS[:5] + ["It's <b>BOLD</b> -- 7/10!\tTab\nnewline"])
    keras_default = keras.layers.TextVectorization(output_mode="int")
    keras_default.adapt(ascii_texts)
    ours = imdb_models.build_word_vectorizer(max_tokens=100, sequence_length=30)
    ours.adapt(ascii_texts)
    assert ours.get_vocabulary() == keras_default.get_vocabulary()
    odd = imdb_models.standardize(tf.constant([REVIEWS[-1]])).numpy()[0].decode()
    assert (
        odd.split() == "odd characters a nel and a line separator as in real imdb reviews".split()
    )


def round_trip(model, tmp_path, name):
    path = tmp_path / name
    model.save(path)
    return keras.saving.load_model(path, safe_mode=True)


def test_embedding_text_model_round_trips_with_its_vectorizer(tmp_path):
    keras.utils.set_random_seed(3)
    vectorizer = imdb_models.build_word_vectorizer(max_tokens=40, sequence_length=12)
    vectorizer.adapt(tf.constant(REVIEWS))
    classifier = imdb_models.build_embedding_classifier(40, 12, embedding_dim=5, hidden_units=4)
    classifier.get_layer("embedding").embeddings.assign(
        np.random.default_rng(0).normal(size=(40, 5)).astype("float32")
    )
    model = imdb_models.build_text_model(vectorizer, classifier)
    texts = tf.constant(REVIEWS)
    expected = model.predict(texts, verbose=0)
    assert expected.shape == (len(REVIEWS), 1) and np.all((expected > 0) & (expected < 1))

    loaded = round_trip(model, tmp_path, "embedding_model.keras")
    np.testing.assert_array_equal(loaded.predict(texts, verbose=0), expected)
    np.testing.assert_array_equal(
        loaded(tf.constant(["great acting"])).numpy(), model(tf.constant(["great acting"])).numpy()
    )
    inner = loaded.get_layer("embedding_classifier")
    assert isinstance(inner.get_layer("embedding"), Embedding)
    assert isinstance(inner.get_layer("mean_of_words"), MaskedGlobalAveragePooling1D)
    assert loaded.get_layer("word_ids").get_vocabulary() == vectorizer.get_vocabulary()
    # logit_from_vectors (for lesson 13) gives the classifier's own logit
    ids = vectorizer(texts[:4])
    vectors = inner.get_layer("embedding")(ids)
    np.testing.assert_allclose(
        imdb_models.logit_from_vectors(inner, vectors, mask=ids != 0).numpy(),
        inner(ids).numpy(),
        atol=ATOL,
        rtol=RTOL,
    )


def test_tfidf_matches_numpy_and_the_ngram_text_model_round_trips(tmp_path):
    keras.utils.set_random_seed(4)
    texts = tf.constant(REVIEWS)
    vectorizer = imdb_models.build_ngram_vectorizer(max_tokens=60)
    vectorizer.adapt(texts)
    classifier = imdb_models.build_ngram_classifier(60, hidden_units=6)
    tfidf = classifier.get_layer("tf_idf")
    tfidf.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(2).map(vectorizer))

    counts = tf.sparse.to_dense(vectorizer(texts)).numpy()
    df = (counts > 0).sum(axis=0)
    idf = np.log(1 + len(REVIEWS) / (1 + df))
    np.testing.assert_allclose(tfidf.idf.numpy(), idf, rtol=RTOL)
    weights = np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0) * idf
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    expected = np.divide(weights, norms, out=np.zeros_like(weights), where=norms > 0)
    features = tf.sparse.to_dense(tfidf(vectorizer(texts))).numpy()
    np.testing.assert_allclose(features, expected, atol=ATOL, rtol=RTOL)

    model = imdb_models.build_text_model(vectorizer, classifier, name="ngram_model")
    expected = model.predict(texts, verbose=0)
    loaded = round_trip(model, tmp_path, "ngram_model.keras")
    np.testing.assert_array_equal(loaded.predict(texts, verbose=0), expected)
    np.testing.assert_array_equal(
        loaded.get_layer("ngram_classifier").get_layer("tf_idf").idf.numpy(), tfidf.idf.numpy()
    )
