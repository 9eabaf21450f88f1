"""The course's data sets as ``tensorflow-datasets`` builders, offline.

Importing this module registers three builders (their names do not clash with TFDS' own
``mnist`` and ``imdb_reviews``)::

    import datasets.tfds_builders  # course_mnist, course_imdb_reviews, course_spoken_digits
    import tensorflow_datasets as tfds

    train = tfds.load("course_mnist", split="train", as_supervised=True)
    reviews, info = tfds.load("course_imdb_reviews", split="test", with_info=True)

A builder never uses the network or TFDS' download manager: it reads the course cache
through :func:`datasets.mnist.load_data` / :func:`datasets.imdb.load_data` (which verify the
checksums and, if the cache is empty, prepare it from the course's own sources). Its
``data_dir`` defaults to ``<course cache>/tfds`` (``data/tfds/``, or ``$COURSE_DATA_DIR/tfds``),
not ``~/tensorflow_datasets``; pass ``data_dir=`` to put it elsewhere. The examples keep
the loaders' order (``disable_shuffling``), so ``split="train"`` starts with the digits
5 0 4 1 9 2 1 3 1 4.

:func:`prepare` (``make data``) records the sha256 of every file it builds in
``<data_dir>/<builder>/<version>/MANIFEST.json``; :func:`verify` checks them, and a deleted,
truncated or flipped shard or a garbage ``dataset_info.json`` is reported and built again
(TFDS alone would fail part-way through reading it). The builds are byte-for-byte
reproducible (:func:`deterministic_serialization`: the same cache gives the same files).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
import warnings
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from datasets import cache, imdb, mnist, spoken_digits


def default_data_dir() -> str:
    """Where the builders write their TFRecord files unless told otherwise."""
    return str(cache.data_root() / "tfds")


class _CourseBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """A builder whose ``data_dir`` defaults to the course cache."""

    def __init__(self, *, data_dir: str | os.PathLike | None = None, **kwargs):
        super().__init__(
            data_dir=data_dir if data_dir is not None else default_data_dir(), **kwargs
        )


class CourseMnist(_CourseBuilder):
    """MNIST (60 000 train / 10 000 test 28×28 grey digits) from the course cache."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "The original LeCun & Cortes files, read from the course cache."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description="MNIST handwritten digits, checksummed and prepared offline by the course.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(*mnist.IMAGE_SHAPE, 1)),
                    "label": tfds.features.ClassLabel(num_classes=mnist.NUM_CLASSES),
                }
            ),
            supervised_keys=("image", "label"),
            disable_shuffling=True,
            homepage="https://yann.lecun.com/exdb/mnist/",
            citation=mnist.CITATION,
            license="CC BY-SA 3.0",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # the course cache, never a download
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
        return {
            "train": self._generate_examples(x_train, y_train),
            "test": self._generate_examples(x_test, y_test),
        }

    def _generate_examples(self, images, labels):
        from PIL import Image  # Pillow (a matplotlib dependency) encodes PNG ~20x faster than TFDS

        for index, (image, label) in enumerate(zip(images, labels, strict=True)):
            yield index, {"image": Image.fromarray(image, mode="L"), "label": int(label)}


class CourseImdbReviews(_CourseBuilder):
    """IMDB movie reviews (25 000 train / 25 000 test, neg/pos) from the course cache."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Maas et al.'s reviews with <br /> turned into newlines."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description="IMDB movie reviews for binary sentiment classification "
            "(raw text, <br /> replaced by newlines), prepared offline by the course.",
            features=tfds.features.FeaturesDict(
                {
                    "text": tfds.features.Text(),
                    "label": tfds.features.ClassLabel(names=list(imdb.CLASS_NAMES)),
                }
            ),
            supervised_keys=("text", "label"),
            disable_shuffling=True,
            homepage="https://ai.stanford.edu/~amaas/data/sentiment/",
            citation=imdb.CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # the course cache, never a download
        (x_train, y_train), (x_test, y_test) = imdb.load_data()
        return {
            "train": self._generate_examples(x_train, y_train),
            "test": self._generate_examples(x_test, y_test),
        }

    def _generate_examples(self, texts, labels):
        for index, (text, label) in enumerate(zip(texts, labels, strict=True)):
            yield index, {"text": text, "label": int(label)}


class CourseSpokenDigits(_CourseBuilder):
    """Spoken digits by eSpeak NG voices, split by voice variant, from the course cache."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "89 variants x 8 accents; 18 variants held out for test."}
    CONFIG = spoken_digits.Config()  # what load_data synthesizes (tests use a tiny one)

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            description="The words zero ... nine synthesized by eSpeak NG in 712 voices "
            "(8 English accents x 89 voice variants); the test split's 18 "
            "variants are never heard in training.",
            features=tfds.features.FeaturesDict(
                {
                    # a plain Tensor: tfds.features.Audio would store 8 bytes per sample
                    "audio": tfds.features.Tensor(
                        shape=(spoken_digits.CLIP_SAMPLES,),
                        dtype=np.int16,
                        encoding=tfds.features.Encoding.ZLIB,
                        doc=f"1 second of 16-bit mono audio at {spoken_digits.SAMPLE_RATE} Hz",
                    ),
                    "label": tfds.features.ClassLabel(names=list(spoken_digits.DIGITS)),
                    "voice": tfds.features.Text(),
                }
            ),
            supervised_keys=("audio", "label"),
            disable_shuffling=True,
            metadata=tfds.core.MetadataDict(sample_rate=spoken_digits.SAMPLE_RATE),
            citation=spoken_digits.CITATION,
            license="GPL-3.0-or-later (eSpeak NG's voice data)",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # the course cache, never a download
        train, test, voices = spoken_digits.load_data(config=self.CONFIG)
        return {
            "train": self._generate_examples(train, voices),
            "test": self._generate_examples(test, voices),
        }

    def _generate_examples(self, split, voices):
        x, y, voice = split
        for index in range(len(x)):
            yield (
                index,
                {
                    "audio": np.round(x[index] * 32767.0).astype(np.int16),
                    "label": int(y[index]),
                    "voice": voices[voice[index]],
                },
            )


BUILDERS = {"mnist": CourseMnist, "imdb": CourseImdbReviews, "spoken_digits": CourseSpokenDigits}


def version_dir(name: str, data_dir: str | os.PathLike | None = None) -> Path:
    """Where the TFDS files of ``name`` (a ``BUILDERS`` key) live: ``<data_dir>/<builder>/<v>``."""
    builder = BUILDERS[name]
    return (
        Path(data_dir if data_dir is not None else default_data_dir())
        / builder.name
        / str(builder.VERSION)
    )


def verify(name: str, data_dir: str | os.PathLike | None = None) -> list[str]:
    """Problems with the built TFDS files of ``name`` ([] means every one is intact).

    :func:`prepare` records the sha256 and size of every file of a build (shards,
    ``dataset_info.json``, ...) in ``MANIFEST.json`` next to them; a deleted, truncated,
    flipped or garbage file, or a build without that record, is a problem. Reads only.
    """
    directory = version_dir(name, data_dir)
    if not directory.is_dir():
        return [f"{directory} is missing"]
    manifest = cache.read_manifest(directory)
    if manifest is None:
        return [f"{directory / cache.MANIFEST} is missing or unreadable (no checksum record)"]
    files = sorted(manifest["files"])
    if "dataset_info.json" not in files or not any(".tfrecord-" in f for f in files):
        return [f"{directory / cache.MANIFEST} does not list the build's files"]
    return cache.check_cached(directory, files)


@contextlib.contextmanager
def deterministic_serialization():
    """Make TFDS write the same bytes for the same examples, build after build.

    TFDS serializes each example with ``SerializeToString()``, which writes a
    ``tf.train.Example``'s feature map in hash order: the same examples give shards whose
    bytes differ from run to run (the content is the same). Protobuf's
    ``deterministic=True`` writes the map sorted by key; readers do not care about the order.
    """
    from tensorflow_datasets.core import example_serializer

    serializer = example_serializer.ExampleSerializer
    original = serializer.serialize_example

    def serialize_example(self, example):
        return self.get_tf_example(example).SerializeToString(deterministic=True)

    serializer.serialize_example = serialize_example
    try:
        yield
    finally:
        serializer.serialize_example = original


def prepare(name: str, data_dir: str | os.PathLike | None = None, force: bool = False) -> dict:
    """Build the TFDS files of ``name`` (a key of ``BUILDERS``) unless intact; return an info dict.

    Under a lock on ``<data_dir>/<builder>/``: leftovers of a killed build are removed, the
    files are checked (:func:`verify`), and a damaged build is reported (a
    :class:`datasets.cache.CacheWarning`) and built again, its checksums recorded in
    ``MANIFEST.json``. A read-only folder whose build verifies is used as it is.
    """
    builder_class = BUILDERS[name]
    root = Path(data_dir if data_dir is not None else default_data_dir())
    folder = cache.dataset_dir(builder_class.name, root)
    directory = version_dir(name, root)
    with cache.locked(folder) as writable:
        if writable:
            cache.clean_stale(folder, also=["incomplete.*"])  # TFDS' folders of a killed build
        problems = verify(name, root)
        if problems or force:
            if not writable:
                why = "; ".join(problems) or "--force"
                raise cache.CacheNotWritableError(builder_class.name, directory, why)
            if problems and directory.exists():
                warnings.warn(
                    f"The TFDS files of {builder_class.name!r} in {directory} failed verification "
                    f"({'; '.join(problems)}); building them again.",
                    cache.CacheWarning,
                    stacklevel=2,
                )
                # of no use, and TFDS cannot even open a folder with a garbage dataset_info.json
                shutil.rmtree(directory)
            started = time.perf_counter()
            builder = builder_class(data_dir=str(root))
            mode = tfds.download.GenerateMode
            config = tfds.download.DownloadConfig(
                try_download_gcs=False,
                # --force on an intact build: TFDS keeps the old files until the new ones are done
                download_mode=mode.FORCE_REDOWNLOAD
                if directory.exists()
                else mode.REUSE_DATASET_IF_EXISTS,
            )
            with (
                contextlib.redirect_stdout(io.StringIO()),  # TFDS prints; only progress bars show
                deterministic_serialization(),
            ):
                builder.download_and_prepare(download_config=config)
            files = sorted(
                str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()
            )
            cache.write_manifest(
                directory,
                files,
                dataset=builder_class.name,
                version=str(builder_class.VERSION),
                built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                seconds=round(time.perf_counter() - started, 1),
            )
        builder = builder_class(data_dir=str(root))  # reads the verified dataset_info.json
    manifest = cache.read_manifest(directory) or {"files": {}}
    return {
        "name": builder.name,
        "path": str(builder.data_dir),
        "bytes": sum(entry["bytes"] for entry in manifest["files"].values()),
        "examples": {split: info.num_examples for split, info in builder.info.splits.items()},
        "verified": True,
    }
