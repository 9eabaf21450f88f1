"""The real-voice test set (datasets.real_voices): pinned files, sources without root, offline."""

import hashlib
import stat
import warnings

import numpy as np
import pytest

from datasets import cache, real_voices

HAVE_REAL = all(
    (cache.data_root() / folder / "MANIFEST.json").is_file()
    for folder, *_ in real_voices.SETS.values()
)


def test_every_file_of_both_sets_is_pinned():
    names = [f for name in real_voices.SETS for f in real_voices.files_of(name)]
    assert sorted(names) == sorted(real_voices.SHA256) and len(names) == 22
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in real_voices.SHA256.values())
    assert real_voices.LABELS[-1] == 0 and real_voices.WORDS[-1] == "oh"


def _fake_folder(folder, name, content=b"not a recording"):
    folder.mkdir(parents=True, exist_ok=True)
    for f in real_voices.files_of(name):
        (folder / f).write_bytes(content + f.encode())
    return folder


def _pin_to(monkeypatch, folder, name):
    pins = dict(real_voices.SHA256)
    for f in real_voices.files_of(name):
        pins[f] = hashlib.sha256((folder / f).read_bytes()).hexdigest()
    monkeypatch.setattr(real_voices, "SHA256", pins)


def test_installed_copy_is_verified_before_use(tmp_path, monkeypatch):
    folder = _fake_folder(tmp_path / "installed", "8 kHz")
    source = real_voices.installed_source("8 kHz", [tmp_path / "absent", folder])
    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(cache.ChecksumError, match=r"0\.wav has sha256"):
        source.build(staging)  # the real pins: a different file is refused
    _pin_to(monkeypatch, folder, "8 kHz")
    source.build(staging)
    assert sorted(p.name for p in staging.iterdir()) == sorted(real_voices.files_of("8 kHz"))
    with pytest.raises(FileNotFoundError, match="not installed"):
        real_voices.installed_source("8 kHz", [tmp_path / "absent"]).build(staging)


def _script(path, body):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_apt_download_and_unpack_with_fake_tools(tmp_path, monkeypatch):
    """The apt route, with stand-ins for apt-get and dpkg-deb (no network, no root)."""
    package = real_voices.SETS["16 kHz"][1]
    content = _fake_folder(tmp_path / "deb-content" / real_voices.PACKAGE_DIR, "16 kHz")
    _pin_to(monkeypatch, content, "16 kHz")
    apt = _script(tmp_path / "apt-get", f'[ "$1" = download ] && touch "{package}_1.0_all.deb"\n')
    dpkg = _script(
        tmp_path / "dpkg-deb", f'mkdir -p "$3" && cp -r "{tmp_path}/deb-content/." "$3"\n'
    )
    staging = tmp_path / "staging"
    staging.mkdir()
    real_voices.apt_source("16 kHz", apt_get=apt, dpkg_deb=dpkg).build(staging)
    assert sorted(p.name for p in staging.iterdir()) == sorted(real_voices.files_of("16 kHz"))

    failing = _script(tmp_path / "apt-fails", "echo 'E: Unable to locate package' >&2; exit 100\n")
    with pytest.raises(RuntimeError, match="Unable to locate package"):
        real_voices.apt_source("16 kHz", apt_get=failing, dpkg_deb=dpkg).build(staging)
    with pytest.raises(FileNotFoundError, match="not installed"):
        real_voices.apt_source("16 kHz", apt_get=str(tmp_path / "none")).build(staging)


def test_when_every_source_fails_the_error_says_how_to_get_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")  # the apt route is skipped: no network in tests
    monkeypatch.setattr(real_voices, "INSTALLED_DIRS", (str(tmp_path / "absent"),))
    monkeypatch.setattr(
        real_voices,
        "sources",
        lambda name: [
            real_voices.installed_source(name, real_voices.INSTALLED_DIRS),
            real_voices.apt_source(name),
        ],
    )
    with pytest.raises(cache.DataUnavailableError) as caught:
        real_voices.load("8 kHz", root=tmp_path / "data")
    message = str(caught.value)
    assert "not installed" in message and "skipped because COURSE_OFFLINE" in message
    assert "apt-get download asterisk-core-sounds-en-wav" in message and "dpkg-deb -x" in message
    found, missing = real_voices.load_all(root=tmp_path / "data")
    assert found == {} and set(missing) == {"8 kHz", "16 kHz"}


def test_g722_decoding_round_trip():
    g722 = pytest.importorskip("G722")
    t = np.arange(16000) / 16000
    tone = np.round(8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    coded = bytes(g722.G722(16000, 64000).encode(tone))
    assert len(coded) == 8000  # 64 kbit/s: one byte per two samples
    decoded = np.asarray(g722.G722(16000, 64000).decode(coded), np.float64)
    # the codec delays the signal by a few samples; compare at the best lag
    lag = int(np.argmax([np.dot(decoded[k : k + 8000], tone[:8000]) for k in range(40)]))
    error = decoded[lag : lag + 8000] - tone[:8000]
    assert np.sqrt(np.mean(error**2)) < 0.05 * np.sqrt(np.mean(tone.astype(float) ** 2))


@pytest.mark.skipif(not HAVE_REAL, reason="real voices not prepared (make data)")
def test_real_sets_are_the_same_takes_at_two_rates(monkeypatch):
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")  # verified files only: never apt-get in a test
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a verified cache loads without re-preparing
        found, missing = real_voices.load_all()
    assert missing == {}
    (x8, y8, words), (x16, _, _) = found["8 kHz"], found["16 kHz"]
    assert x8.shape == x16.shape == (11, 16000) and x8.dtype == np.float32
    np.testing.assert_array_equal(y8, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
    assert words[-1] == "oh"
    np.testing.assert_allclose(np.abs(x8).max(axis=1), 0.5, atol=1e-4)
    # the same takes: each 16 kHz file lasts as long as its 8 kHz twin (within 1 ms)
    folders = {name: real_voices.ensure(name) for name in real_voices.SETS}
    for wav, g722 in zip(*(real_voices.files_of(n) for n in real_voices.SETS), strict=True):
        narrow, rate8 = real_voices.read_samples(folders["8 kHz"] / wav)
        wide, rate16 = real_voices.read_samples(folders["16 kHz"] / g722)
        assert (rate8, rate16) == (8000, 16000) and abs(len(wide) - 2 * len(narrow)) <= 16
