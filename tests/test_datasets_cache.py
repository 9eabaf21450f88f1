"""datasets.cache: checksums, atomic writes, safe extraction, fetching, and the source policy."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import tarfile
import urllib.error
import urllib.request

import pytest

from datasets import cache
from tests._netguard import FakeOpener, fake_npm, leftovers, make_tar, no_network  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_network")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- the guard itself
def test_network_guard_blocks_connections():
    with pytest.raises(OSError):
        urllib.request.urlopen("http://example.invalid/", timeout=1)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


# --------------------------------------------------------------------------- locations
def test_data_root_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tmp_path / "elsewhere"))
    assert cache.data_root() == (tmp_path / "elsewhere").resolve()
    assert cache.dataset_dir("x").is_dir()
    monkeypatch.delenv(cache.ENV_DATA_DIR)
    assert cache.data_root().name == "data" and (cache.data_root().parent / "datasets").is_dir()


# --------------------------------------------------------------------------- checksums
def test_verify_file_accepts_the_right_file_and_rejects_others(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"hello world")
    assert cache.verify_file(path, sha(b"hello world"), size=11) == path
    assert cache.file_sha256(path, "md5") == hashlib.md5(b"hello world").hexdigest()
    with pytest.raises(cache.ChecksumError, match="sha256"):
        cache.verify_file(path, sha(b"hello there"))
    with pytest.raises(cache.ChecksumError, match="truncated"):
        cache.verify_file(path, sha(b"hello world!"), size=12)
    with pytest.raises(cache.ChecksumError, match="missing"):
        cache.verify_file(tmp_path / "absent", sha(b""))


# --------------------------------------------------------------------------- atomic writes
def test_atomic_writer_replaces_only_on_success(tmp_path):
    path = tmp_path / "out.bin"
    cache.atomic_write_bytes(path, b"first")
    with pytest.raises(RuntimeError), cache.atomic_writer(path) as f:
        f.write(b"half of the second vers")
        raise RuntimeError("interrupted")
    assert path.read_bytes() == b"first"  # the old file is untouched
    assert leftovers(tmp_path) == []  # and no temporary file is left
    cache.atomic_write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)  # normal permissions, not mkstemp's


# --------------------------------------------------------------------------- archives
def test_safe_extract_extracts_plain_files(tmp_path):
    archive = make_tar(tmp_path / "ok.tar.gz", {"package/a.txt": b"A", "package/d/b.txt": b"B"})
    files = cache.safe_extract(archive, tmp_path / "out")
    assert sorted(p.read_bytes() for p in files) == [b"A", b"B"]
    (only,) = cache.safe_extract(archive, tmp_path / "out2", ["package/d/b.txt"])
    assert only.read_bytes() == b"B" and not (tmp_path / "out2/package/a.txt").exists()
    with pytest.raises(KeyError, match="nope"):
        cache.safe_extract(archive, tmp_path / "out3", ["package/nope"])


def hostile_archive(path, kind):
    with tarfile.open(path, "w:gz") as tar:
        good = tarfile.TarInfo("package/ok.txt")
        good.size = 2
        tar.addfile(good, io.BytesIO(b"ok"))
        if kind == "dotdot":
            bad = tarfile.TarInfo("package/../../evil.txt")
        elif kind == "absolute":
            bad = tarfile.TarInfo(str(path.parent / "absolute-evil.txt"))
        elif kind == "symlink":
            bad = tarfile.TarInfo("package/link")
            bad.type, bad.linkname = tarfile.SYMTYPE, "../../outside"
        elif kind == "hardlink":
            bad = tarfile.TarInfo("package/hard")
            bad.type, bad.linkname = tarfile.LNKTYPE, "/etc/passwd"
        elif kind == "device":
            bad = tarfile.TarInfo("package/dev")
            bad.type = tarfile.CHRTYPE
        if bad.isfile():
            bad.size = 4
            tar.addfile(bad, io.BytesIO(b"evil"))
        else:
            tar.addfile(bad)
    return path


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "hardlink", "device"])
def test_safe_extract_rejects_hostile_members_before_writing(tmp_path, kind):
    archive = hostile_archive(tmp_path / "bad.tar.gz", kind)
    out = tmp_path / "deep" / "out"
    with pytest.raises(cache.UnsafeArchiveError):
        cache.safe_extract(archive, out)
    with pytest.raises(cache.UnsafeArchiveError):
        cache.safe_extract(archive, out, ["package/ok.txt"])  # even when not asked for
    with pytest.raises(cache.UnsafeArchiveError):
        list(cache.iter_tar_files(archive))
    assert list(out.rglob("*")) == []  # nothing was written, not even the good member
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "absolute-evil.txt").exists()


def test_iter_tar_files_reads_selected_members(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", {"x/1.txt": b"one", "x/2.bin": b"two"})
    assert list(cache.iter_tar_files(archive, lambda n: n.endswith(".txt"))) == [
        ("x/1.txt", b"one")
    ]


# --------------------------------------------------------------------------- fetching
def test_fetch_url_checks_the_sha256_and_leaves_nothing_on_failure(tmp_path):
    opener = FakeOpener(b"payload")
    path = cache.fetch_url("https://host/f", tmp_path / "f", sha(b"payload"), opener=opener)
    assert path.read_bytes() == b"payload"
    assert (
        opener.calls == [("https://host/f", cache.CONNECT_TIMEOUT)] and cache.CONNECT_TIMEOUT <= 5
    )
    with pytest.raises(cache.ChecksumError):
        cache.fetch_url("https://host/g", tmp_path / "g", sha(b"other"), opener=FakeOpener(b"bad"))
    with pytest.raises(urllib.error.URLError):
        cache.fetch_url(
            "https://host/h",
            tmp_path / "h",
            sha(b""),
            opener=FakeOpener(error=urllib.error.URLError("offline")),
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_npm_pack_runs_npm_pack_and_checks_the_tarball(tmp_path):
    tarball = make_tar(tmp_path / "pkg-1.0.0.tgz", {"package/x": b"x"})
    digest = cache.file_sha256(tarball)
    dest = tmp_path / "dest"
    dest.mkdir()
    got = cache.npm_pack("pkg@1.0.0", dest, digest, npm=fake_npm(tmp_path, tarball))
    assert got == dest / "pkg-1.0.0.tgz" and cache.file_sha256(got) == digest
    got.unlink()
    with pytest.raises(cache.ChecksumError):
        cache.npm_pack("pkg@1.0.0", dest, sha(b"other"), npm=fake_npm(tmp_path, tarball))
    with pytest.raises(RuntimeError, match="E404 not found"):
        cache.npm_pack(
            "pkg@1.0.0", dest, digest, npm=fake_npm(tmp_path, None, fail="E404 not found")
        )
    with pytest.raises(FileNotFoundError, match="Node.js"):
        cache.npm_pack("pkg@1.0.0", dest, digest, npm=str(tmp_path / "no-such-npm"))
    assert list(dest.iterdir()) == []  # the bad tarball and the work folders are gone


# --------------------------------------------------------------------------- the policy
FILES = ("a.bin", "sub/b.bin")


def writer(payloads=None, log=None, name="good"):
    payloads = payloads or {"a.bin": b"A" * 100, "sub/b.bin": b"B" * 50}

    def build(staging):
        if log is not None:
            log.append(name)
        for file, data in payloads.items():
            (staging / file).parent.mkdir(parents=True, exist_ok=True)
            (staging / file).write_bytes(data)
            (staging / "download.tmp").write_bytes(b"scratch")  # sources may leave scratch files

    return cache.Source(name, build)


def failing(name, error):
    def build(staging):
        (staging / "a.bin").write_bytes(b"partial")  # a half-done source ...
        raise error

    return cache.Source(name, build)


def test_ensure_tries_sources_in_order_and_records_the_manifest(tmp_path):
    log = []
    sources = [failing("first", OSError("no route")), writer(log=log, name="second")]
    directory = cache.ensure("toyset", FILES, sources, root=tmp_path)
    assert (directory / "a.bin").read_bytes() == b"A" * 100
    manifest = json.loads((directory / cache.MANIFEST).read_text())
    assert manifest["source"] == "second" and manifest["dataset"] == "toyset"
    assert manifest["files"]["sub/b.bin"] == {"sha256": sha(b"B" * 50), "bytes": 50}
    assert leftovers(directory) == [] and not (directory / "download.tmp").exists()
    # a second call uses the verified cache and calls no source
    cache.ensure("toyset", FILES, [writer(log=log, name="third")], root=tmp_path)
    assert log == ["second"]


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "deleted", "manifest"])
def test_a_damaged_cache_is_reported_and_prepared_again(tmp_path, damage):
    directory = cache.ensure("toyset", FILES, [writer()], root=tmp_path)
    target = directory / "a.bin"
    if damage == "corrupt":
        target.write_bytes(b"X" + target.read_bytes()[1:])  # same size, one byte changed
    elif damage == "truncated":
        target.write_bytes(target.read_bytes()[:10])
    elif damage == "deleted":
        target.unlink()
    else:
        (directory / cache.MANIFEST).write_text("{not json")
    log = []
    with pytest.warns(cache.CacheWarning):
        cache.ensure("toyset", FILES, [writer(log=log, name="refetch")], root=tmp_path)
    assert log == ["refetch"] and target.read_bytes() == b"A" * 100
    assert cache.check_cached(directory, FILES) == [] and leftovers(directory) == []


def test_when_every_source_fails_the_error_lists_each_one(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV_OFFLINE)
    sources = [
        cache.Source(
            "upstream", lambda staging: urllib.request.urlopen("https://x/", timeout=5), online=True
        ),
        failing("npm package", FileNotFoundError("`npm` was not found")),
        writer({"a.bin": b"A"}, name="incomplete"),  # forgets sub/b.bin
    ]
    with pytest.raises(cache.DataUnavailableError) as caught:
        cache.ensure("toyset", FILES, sources, root=tmp_path)
    error = caught.value
    assert [name for name, _ in error.attempts][1:] == ["upstream", "npm package", "incomplete"]
    message = str(error)
    assert "prepared cache" in message and "MANIFEST.json is missing" in message
    blocked = ("run sealed from the network", "Connection refused")  # the seal, or its dead proxy
    assert any(b in message for b in blocked) and "npm` was not found" in message
    assert "did not produce ['sub/b.bin']" in message
    assert "npm" in error.attempts[2][1] and "Node.js" in message and cache.ENV_DATA_DIR in message
    directory = tmp_path / "toyset"
    assert sorted(p.name for p in directory.iterdir()) == [".lock"]  # no partial file at all


def test_offline_mode_skips_online_sources(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    called = []
    online = cache.Source("upstream", lambda staging: called.append(1), online=True)
    cache.ensure("toyset", FILES, [online, writer()], root=tmp_path)
    assert called == []
    with pytest.raises(cache.DataUnavailableError, match="skipped because COURSE_OFFLINE"):
        cache.ensure("other", FILES, [online], root=tmp_path)


def test_force_prepares_again_and_keeps_old_files_if_that_fails(tmp_path):
    directory = cache.ensure("toyset", FILES, [writer()], root=tmp_path)
    with pytest.raises(cache.DataUnavailableError):
        cache.ensure(
            "toyset", FILES, [failing("broken", ValueError("bad"))], root=tmp_path, force=True
        )
    assert (directory / "a.bin").read_bytes() == b"A" * 100  # the failed source changed nothing
    assert cache.check_cached(directory, FILES) == []
