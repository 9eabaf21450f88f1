"""Offline-first, checksummed data for the course: MNIST, IMDB, spoken digits, the toy problem.

Spoken digits come from synthesizers to train on (eSpeak NG, :mod:`datasets.spoken_digits`;
voices made from recorded people: Flite's, :mod:`datasets.flite_voices`, Festival's ``ked``,
:mod:`datasets.festival_voices`, MBROLA's, :mod:`datasets.mbrola_voices`), a neural voice to
validate on (Piper's ``joe``, :mod:`datasets.piper_voices`) and, for testing only, five real
speakers (:mod:`datasets.real_voices`).

Each data set is a module with ``prepare()`` (fill and verify the cache; returns a small
info dict), ``load_data()`` (NumPy arrays) and ``as_dataset(split, batch_size, ...)``
(a ``tf.data`` pipeline)::

    from datasets import mnist, imdb
    (x_train, y_train), (x_test, y_test) = mnist.load_data()    # like keras.datasets.mnist
    train = mnist.as_dataset("train", batch_size=128, normalize=True, channel_axis=True)
    (texts, labels), _ = imdb.load_data()                         # raw review texts, 0/1

The prepared files live in ``data/`` at the repository root (``COURSE_DATA_DIR`` moves it);
``python -m datasets prepare`` (``make data``) prepares everything, and the loaders prepare
what is missing on first use. :mod:`datasets.cache` holds the shared machinery (sources
tried in order, sha256 checks, atomic writes, safe extraction).

``import datasets.tfds_builders`` registers the ``tensorflow-datasets`` builders
``course_mnist`` and ``course_imdb_reviews`` (kept out of this file so that importing
``datasets`` stays light).
"""

from datasets.cache import DataUnavailableError, data_root

__all__ = ["DataUnavailableError", "data_root"]
