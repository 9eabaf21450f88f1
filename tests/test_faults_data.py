"""Faults in the data cache, injected on fixture caches in temporary folders (never ``data/``).

Each test breaks something the way it breaks in life (a flipped byte, a truncated shard, a
garbage JSON file, a swapped file, an oversized download) and checks the promise: it is
detected, reported in one line, repaired, and nothing is lost or left behind.
``python -m tests.fault_table`` lists them.
"""

from __future__ import annotations

import gzip
import json
import warnings

import numpy as np
import pytest

from datasets import __main__ as datasets_main
from datasets import cache, imdb, mnist
from tests._netguard import FakeOpener, leftovers, make_tar
from tests.test_tfds_builders import make_tiny_cache

tfds = pytest.importorskip("tensorflow_datasets")
import datasets.tfds_builders as builders  # noqa: E402

pytestmark = pytest.mark.fault


@pytest.fixture
def tiny_cache(tmp_path, monkeypatch):
    """A course cache in tmp_path: tiny MNIST (7 + 3) and IMDB (4 + 2), as in test_tfds_builders."""
    return make_tiny_cache(tmp_path, monkeypatch)


def one_warning(record) -> str:
    """The single CacheWarning in ``record``, as text."""
    messages = [str(w.message) for w in record if issubclass(w.category, cache.CacheWarning)]
    assert len(messages) == 1, messages
    return messages[0]


def tfds_examples(name: str, split: str) -> list:
    return [
        {k: v.numpy().tobytes() for k, v in example.items()}
        for example in tfds.load(name, split=split, download=False)
    ]


# --------------------------------------------------------------------------- raw cache
def test_a_garbage_manifest_is_reported_as_unreadable(tiny_cache, fault_seen):
    """fault: garbage MANIFEST.json | expected: warned as unreadable (not missing), rebuilt"""
    directory = tiny_cache["root"] / "mnist"
    (directory / cache.MANIFEST).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.warns(cache.CacheWarning) as record:
        (x_train, _), _ = mnist.load_data(sources=[tiny_cache["mnist_source"]])
    message = one_warning(record)
    fault_seen(message)
    assert "unreadable" in message and "missing" not in message
    np.testing.assert_array_equal(x_train, tiny_cache["arrays"]["train-images-idx3-ubyte"])
    assert cache.check_cached(directory, mnist.FILES) == [] and leftovers(directory) == []


def test_a_deleted_manifest_is_rebuilt_with_a_warning(tiny_cache, fault_seen):
    """fault: MANIFEST.json deleted, files kept | expected: warned (not silent), rebuilt"""
    directory = tiny_cache["root"] / "mnist"
    (directory / cache.MANIFEST).unlink()
    with pytest.warns(cache.CacheWarning) as record:
        mnist.load_data(sources=[tiny_cache["mnist_source"]])
    message = one_warning(record)
    fault_seen(message)
    assert "MANIFEST.json is missing" in message
    assert cache.read_manifest(directory)["source"].startswith("npm package")


def test_a_file_swapped_with_its_manifest_is_caught_by_the_pinned_sha256(
    tiny_cache,
    fault_seen,
):
    """fault: a file and its manifest swapped together | expected: pinned sha256 fails, rebuilt"""
    directory = tiny_cache["root"] / "mnist"
    forged = mnist.write_idx(np.zeros((3, 28, 28), np.uint8))
    (directory / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(forged))
    cache.write_manifest(directory, mnist.FILES, dataset="mnist", source="forged")  # consistent
    with pytest.warns(cache.CacheWarning) as record:
        _, (x_test, _) = mnist.load_data(sources=[tiny_cache["mnist_source"]])
    message = one_warning(record)
    fault_seen(message)
    assert "pinned" in message and "t10k-images" in message
    np.testing.assert_array_equal(x_test, tiny_cache["arrays"]["t10k-images-idx3-ubyte"])
    assert cache.read_manifest(directory)["source"] != "forged"


def test_the_real_pins_reject_a_consistent_substitution(tmp_path, fault_seen):
    """fault: a source gives other IMDB reviews | expected: pinned sha256 refuses them, no file"""
    splits = {"train": {"text": ["a"], "label": [0]}, "test": {"text": ["b"], "label": [1]}}

    def build(staging):
        (staging / imdb.FILE).write_bytes(gzip.compress(json.dumps(splits).encode()))

    with pytest.raises(cache.DataUnavailableError) as caught:
        imdb.prepare(root=tmp_path, sources=[cache.Source("substitute", build)])
    fault_seen(caught.value.attempts[-1][1])
    assert "not the pinned" in caught.value.attempts[-1][1]
    assert sorted(p.name for p in (tmp_path / "imdb").iterdir()) == [".lock"]


def test_downloads_and_archives_are_bounded(tmp_path, monkeypatch, fault_seen):
    """fault: oversized download or archive | expected: TooLargeError, nothing written"""
    opener = FakeOpener(b"x" * 5000)
    with pytest.raises(cache.TooLargeError) as caught:
        cache.fetch_url(
            "https://host/big", tmp_path / "big", "0" * 64, opener=opener, max_bytes=4096
        )

    def unsized(url, timeout=None):  # a server that does not say the length
        response = opener(url, timeout)
        response.headers = {}
        return response

    with pytest.raises(cache.TooLargeError, match="sent more than"):
        cache.fetch_url(
            "https://host/big", tmp_path / "big", "0" * 64, opener=unsized, max_bytes=4096
        )
    archive = make_tar(
        tmp_path / "bomb.tgz", {"package/a": b"\0" * 3000, "package/b": b"\0" * 3000}
    )
    with pytest.raises(cache.TooLargeError):
        cache.safe_extract(archive, tmp_path / "out", max_bytes=5000)
    with pytest.raises(cache.TooLargeError):
        list(cache.iter_tar_files(archive, max_bytes=5000))
    fault_seen(str(caught.value))
    assert not (tmp_path / "big").exists() and list((tmp_path / "out").rglob("*")) == []
    assert cache.MAX_DOWNLOAD_BYTES >= 100 * 2**20 and cache.MAX_EXTRACT_BYTES >= 2**30


# --------------------------------------------------------------------------- TFDS builds
@pytest.fixture
def built(tiny_cache):
    """The tiny course_mnist TFDS build, its checksums recorded, and its test examples."""
    info = builders.prepare("mnist")
    directory = builders.version_dir("mnist")
    return {"info": info, "dir": directory, "test": tfds_examples("course_mnist", "test")}


def shard(directory, split="test"):
    (path,) = directory.glob(f"course_mnist-{split}.tfrecord-*")
    return path


@pytest.mark.parametrize(
    "damage", ["deleted shard", "flipped byte", "truncated shard", "garbage info"]
)
def test_a_damaged_tfds_build_is_detected_and_rebuilt(built, damage, fault_seen):
    """fault: TFDS build, {damage} | expected: warned, rebuilt, tfds.load gets every example"""
    directory = built["dir"]
    if damage == "deleted shard":
        shard(directory).unlink()
    elif damage == "flipped byte":
        data = bytearray(shard(directory).read_bytes())
        data[len(data) // 2] ^= 0x01
        shard(directory).write_bytes(bytes(data))
    elif damage == "truncated shard":
        shard(directory).write_bytes(shard(directory).read_bytes()[:-100])
    else:
        (directory / "dataset_info.json").write_bytes(b"\x89PNG\xff\xfe garbage")
    with pytest.warns(cache.CacheWarning) as record:
        info = builders.prepare("mnist")
    message = one_warning(record)
    fault_seen(message)
    assert "failed verification" in message and "building them again" in message
    assert info["examples"] == {"train": 7, "test": 3} and builders.verify("mnist") == []
    assert tfds_examples("course_mnist", "test") == built["test"]  # nothing lost
    assert not list(directory.parent.glob("incomplete.*"))


def test_tfds_builds_are_byte_for_byte_reproducible(built, fault_seen):
    """fault: the same data built again (--force) | expected: identical shard bytes (sorted keys)"""
    import tensorflow as tf

    for record in tf.data.TFRecordDataset(str(shard(built["dir"], "train"))):
        raw = record.numpy()
        canonical = tf.train.Example.FromString(raw).SerializeToString(deterministic=True)
        assert raw == canonical  # keys sorted: no hash order in the bytes

    def files():
        return {p.name: p.read_bytes() for p in built["dir"].glob("*") if p.name != "MANIFEST.json"}

    before = files()
    with warnings.catch_warnings():
        warnings.simplefilter("error", cache.CacheWarning)  # an intact build: nothing to report
        builders.prepare("mnist", force=True)
    after = files()
    assert {name: after[name] for name in before} == before  # (TFDS adds a metadata.json "{}")
    assert builders.verify("mnist") == []
    fault_seen(f"{len(before)} files byte-for-byte identical after the rebuild")


def test_a_killed_tfds_build_leaves_nothing_after_the_next_run(built, fault_seen):
    """fault: TFDS incomplete.* and staging left by a kill | expected: removed by the next run"""
    folder = built["dir"].parent
    debris = folder / "incomplete.ABC123_1.0.0"
    debris.mkdir()
    (debris / "course_mnist-train.tfrecord-00000-of-00001").write_bytes(b"half a shard")
    (folder / ".staging-x1y2").mkdir()
    with pytest.warns(cache.CacheWarning) as record:
        builders.prepare("mnist")
    fault_seen(one_warning(record))
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "1.0.0"]


def test_prepare_goes_on_after_a_failure_and_exits_non_zero(
    tiny_cache, monkeypatch, capsys, fault_seen
):
    """fault: a data set crashes, a TFDS build fails | expected: one line each, rest done, exit 1"""

    def crash(**kwargs):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(mnist, "prepare", crash)
    real_build = builders.prepare
    calls = []

    def build(name, **kwargs):
        calls.append(name)
        if name == "imdb":
            raise OSError("disk full")
        return real_build(name, **kwargs)

    monkeypatch.setattr(builders, "prepare", build)
    status = datasets_main.prepare(["mnist", "imdb", "toy"])
    out, err = capsys.readouterr()
    assert status == 1 and calls == ["imdb"]
    assert (
        "mnist          FAILED: UnicodeDecodeError" in err
        and "FAILED (imdb): OSError: disk full" in err
    )
    assert "imdb           ready" in out and "toy" in out  # the others were still prepared
    fault_seen(err.strip().splitlines()[0])


def test_the_prepare_command_repairs_a_garbage_dataset_info(tiny_cache, capsys, fault_seen):
    """fault: garbage dataset_info.json, then prepare | expected: one warning, rebuilt, exit 0"""
    builders.prepare("mnist")
    (builders.version_dir("mnist") / "dataset_info.json").write_bytes(b"\xff\xfe\xfd")
    with warnings.catch_warnings():
        status = datasets_main.main(["prepare", "mnist"])
    out, err = capsys.readouterr()
    assert status == 0, err
    (line,) = [x for x in err.splitlines() if x.startswith("warning:")]
    fault_seen(line)
    assert "course_mnist" in line and "dataset_info.json" in line
    assert "tfds" in out and "train 7" in out and builders.verify("mnist") == []
