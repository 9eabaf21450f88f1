"""The real-voice test set (datasets.real_voices): pinned files, sources without root, offline."""

import hashlib
import io
import stat
import sys
import warnings
import wave
import zipfile

import numpy as np
import pytest

from datasets import cache, real_voices, spoken_digits

HAVE_REAL = all(
    (cache.data_root() / folder / "MANIFEST.json").is_file()
    for folder, *_ in real_voices.SETS.values()
)


def test_every_file_of_every_set_is_pinned():
    digits = [str(d) for d in range(10)]
    assert real_voices.files_of("8 kHz") == tuple(f"{w}.wav" for w in [*digits, "oh"])
    assert real_voices.files_of("16 kHz") == tuple(f"{w}.g722" for w in [*digits, "oh"])
    assert real_voices.files_of("spokennumbers") == tuple(f"{w}.wav" for w in digits)
    assert real_voices.files_of("tuxpaint-gb") == tuple(f"{w}_en_GB.ogg" for w in digits)
    assert real_voices.files_of("tuxpaint") == tuple(f"{w}.ogg" for w in digits)
    assert real_voices.files_of("saytime") == tuple(f"{w}.au" for w in [*digits, "oh"])
    pins = [h for name in real_voices.SETS for h in real_voices.SHA256[name].values()]
    assert len(pins) == len(set(pins)) == 63  # Allison Smith 11 + 11, 10 + 10 + 10, saytime 11
    assert set(real_voices.SHA256) == set(real_voices.SETS)
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in pins)
    assert real_voices.LABELS[-1] == 0 and real_voices.WORDS[-1] == "oh"
    for name in ("spokennumbers", "tuxpaint-gb", "tuxpaint"):  # no "oh" in these
        assert real_voices.words_of(name) == real_voices.WORDS[:10]
    assert real_voices.words_of("saytime") == real_voices.WORDS
    speakers = {recorded.speaker for recorded in real_voices.SETS.values()}
    assert len(speakers) == 5  # Allison Smith's two sets are one speaker


def _fake_folder(folder, name, content=b"not a recording"):
    folder.mkdir(parents=True, exist_ok=True)
    for f in real_voices.files_of(name):
        (folder / f).write_bytes(content + f.encode())
    return folder


def _pin_to(monkeypatch, folder, name):
    pins = {set_name: dict(files) for set_name, files in real_voices.SHA256.items()}
    for f in real_voices.files_of(name):
        pins[name][f] = hashlib.sha256((folder / f).read_bytes()).hexdigest()
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


@pytest.mark.parametrize("name", ["16 kHz", "tuxpaint-gb", "saytime"])
def test_apt_download_and_unpack_with_fake_tools(tmp_path, monkeypatch, name):
    """The apt route, with stand-ins for apt-get and dpkg-deb (no network, no root)."""
    package = real_voices.SETS[name].package
    content = _fake_folder(tmp_path / "deb-content" / real_voices.SETS[name].inside, name)
    _pin_to(monkeypatch, content, name)
    apt = _script(tmp_path / "apt-get", f'[ "$1" = download ] && touch "{package}_1.0_all.deb"\n')
    dpkg = _script(
        tmp_path / "dpkg-deb", f'mkdir -p "$3" && cp -r "{tmp_path}/deb-content/." "$3"\n'
    )
    staging = tmp_path / "staging"
    staging.mkdir()
    real_voices.apt_source(name, apt_get=apt, dpkg_deb=dpkg).build(staging)
    assert sorted(p.name for p in staging.iterdir()) == sorted(real_voices.files_of(name))

    failing = _script(tmp_path / "apt-fails", "echo 'E: Unable to locate package' >&2; exit 100\n")
    with pytest.raises(RuntimeError, match="Unable to locate package"):
        real_voices.apt_source(name, apt_get=failing, dpkg_deb=dpkg).build(staging)
    with pytest.raises(FileNotFoundError, match="not installed"):
        real_voices.apt_source(name, apt_get=str(tmp_path / "none")).build(staging)


def test_prepare_downloads_a_package_shared_by_two_sets_once(tmp_path, monkeypatch):
    """Tux Paint's two speakers come in one 161 MB .deb: `prepare` fetches it once."""
    inside = real_voices.SETS["tuxpaint"].inside
    tuxpaint = {name: real_voices.SETS[name] for name in ("tuxpaint", "tuxpaint-gb")}
    monkeypatch.setattr(real_voices, "SETS", tuxpaint)
    for name in tuxpaint:
        _pin_to(monkeypatch, _fake_folder(tmp_path / "deb-content" / inside, name), name)
    apt = _script(
        tmp_path / "apt-get",
        f'echo once >> "{tmp_path}/downloads.log"; touch tuxpaint-stamps-default_1_all.deb\n',
    )
    dpkg = _script(
        tmp_path / "dpkg-deb", f'mkdir -p "$3" && cp -r "{tmp_path}/deb-content/." "$3"\n'
    )

    def sources(name, downloads=None):  # the apt route alone, with the fakes, not skipped offline
        route = real_voices.apt_source(name, apt, dpkg, downloads)
        return [cache.Source(route.name, route.build)]

    monkeypatch.setattr(real_voices, "sources", sources)
    info = real_voices.prepare(root=tmp_path / "data")
    assert info["clips"] == 20 and (tmp_path / "downloads.log").read_text() == "once\n"
    assert not list((tmp_path / "data").glob(".real_voices_downloads-*"))  # removed after
    for name, recorded in tuxpaint.items():
        cached = {p.name for p in (tmp_path / "data" / recorded.folder).iterdir()}
        assert set(real_voices.files_of(name)) | {cache.MANIFEST} <= cached


SPOKENNUMBERS_FILES = real_voices.files_of("spokennumbers")
WHEEL_DIR = real_voices.SETS["spokennumbers"].inside  # the clips' folder in the wheel


def _stereo_wav(rate=44100, seconds=0.5):
    """A 16-bit stereo tone, the left channel twice as loud as the right."""
    t = np.arange(int(rate * seconds)) / rate
    left = np.round(12000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(np.stack([left, left // 2], axis=1).tobytes())
    return buffer.getvalue(), left


def test_pip_download_route_reads_the_clips_out_of_the_wheel(tmp_path, monkeypatch):
    """The spokennumbers set's online route, with a fake pip that leaves a made-up wheel."""
    recording, _ = _stereo_wav()
    wheel = tmp_path / "spokennumbers-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for f in real_voices.files_of("spokennumbers"):
            z.writestr(f"{WHEEL_DIR}/{f}", recording + f.encode())
        z.writestr("spokennumbers/__init__.py", "raise SystemExit('never imported')\n")
    pip = _script(tmp_path / "pip", f'[ "$1" = download ] && cp "{wheel}" "$6"\n')
    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(cache.ChecksumError, match=r"0\.wav has sha256"):
        real_voices.pip_source([pip]).build(staging)  # the real pins refuse other bytes
    unzipped = tmp_path / "unzipped"
    zipfile.ZipFile(wheel).extractall(unzipped)
    _pin_to(monkeypatch, unzipped / WHEEL_DIR, "spokennumbers")
    real_voices.pip_source([pip]).build(staging)
    assert sorted(p.name for p in staging.iterdir()) == sorted(SPOKENNUMBERS_FILES)
    failing = _script(tmp_path / "pip-fails", "echo 'ERROR: No matching distribution' >&2; exit 1")
    with pytest.raises(RuntimeError, match="No matching distribution"):
        real_voices.pip_source([failing]).build(staging)
    assert real_voices.pip_source().online  # skipped offline, as in every test


def test_installed_wheel_is_found_without_importing_it(tmp_path, monkeypatch):
    package = _fake_folder(tmp_path / "site" / "spokennumbers" / "default", "spokennumbers").parent
    (package / "__init__.py").write_text("raise SystemExit('never imported')\n")
    _pin_to(monkeypatch, package / "default", "spokennumbers")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "site"), *sys.path])
    monkeypatch.delitem(sys.modules, "spokennumbers", raising=False)
    staging = tmp_path / "staging"
    staging.mkdir()
    real_voices.installed_wheel_source().build(staging)
    assert sorted(p.name for p in staging.iterdir()) == sorted(SPOKENNUMBERS_FILES)
    assert "spokennumbers" not in sys.modules


def test_a_stereo_recording_is_read_as_the_mean_of_its_channels(tmp_path):
    recording, left = _stereo_wav()
    (tmp_path / "s.wav").write_bytes(recording)
    samples, rate = real_voices.read_samples(tmp_path / "s.wav")
    assert rate == 44100
    np.testing.assert_allclose(samples, (left + left // 2) / 2)
    clip = spoken_digits.as_clip(samples, rate)
    assert clip.shape == (16000,) and abs(np.abs(clip).max() - 0.5) < 1e-3  # float, peak 0.5
    with wave.open(str(tmp_path / "8bit.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(1), w.setframerate(8000), w.writeframes(bytes(800))
    with pytest.raises(ValueError, match="8bit.wav: expected 16-bit samples, not 8-bit"):
        real_voices.read_samples(tmp_path / "8bit.wav")


def test_ogg_and_mu_law_recordings_are_decoded(tmp_path):
    """Tux Paint's Ogg Vorbis and saytime's μ-law files, on read_wav's 16-bit scale."""
    soundfile = pytest.importorskip("soundfile")
    t = np.arange(11025) / 11025
    tone = 0.4 * np.sin(2 * np.pi * 300 * t)
    soundfile.write(tmp_path / "7.ogg", tone, 11025, format="OGG", subtype="VORBIS")
    samples, rate = real_voices.read_samples(tmp_path / "7.ogg")
    assert rate == 11025 and len(samples) == len(tone)
    # Vorbis is lossy: the tone comes back within a few per cent of its energy
    error = samples / 32768 - tone
    assert np.sqrt(np.mean(error**2)) < 0.05 * np.sqrt(np.mean(tone**2))
    # G.711 μ-law, headerless as saytime's: 0xFF is 0, 0x80 and 0x00 the extremes ±32124
    (tmp_path / "oh.au").write_bytes(bytes([0xFF, 0x80, 0x00, 0x7F]))
    samples, rate = real_voices.read_samples(tmp_path / "oh.au")
    assert rate == 8000
    np.testing.assert_array_equal(samples, [0, 32124, -32124, 0])
    (tmp_path / "broken.ogg").write_bytes(b"OggS" + bytes(60))  # not a decodable stream
    with pytest.raises(ValueError, match="broken.ogg: cannot decode it"):
        real_voices.read_samples(tmp_path / "broken.ogg")
    # the same samples in a Sun .au file with its header
    soundfile.write(tmp_path / "sun.au", samples / 32768, 8000, format="AU", subtype="ULAW")
    again, rate = real_voices.read_samples(tmp_path / "sun.au")
    assert rate == 8000
    np.testing.assert_array_equal(again, samples)


def test_when_every_source_fails_the_error_says_how_to_get_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")  # the apt route is skipped: no network in tests
    monkeypatch.setattr(
        real_voices,
        "sources",
        lambda name, downloads=None: [
            real_voices.installed_source(name, [tmp_path / "absent"]),
            real_voices.apt_source(name),
        ],
    )
    with pytest.raises(cache.DataUnavailableError) as caught:
        real_voices.load("8 kHz", root=tmp_path / "data")
    message = str(caught.value)
    assert "not installed" in message and "skipped because COURSE_OFFLINE" in message
    assert "apt-get download asterisk-core-sounds-en-wav" in message and "dpkg-deb -x" in message
    assert "pip install spokennumbers==1.0.0" in real_voices.hint("spokennumbers")
    found, missing = real_voices.load_all(root=tmp_path / "data")
    assert found == {} and set(missing) == set(real_voices.SETS)
    tuxpaint = real_voices.hint("tuxpaint-gb")
    assert "apt-get download tuxpaint-stamps-default" in tuxpaint
    assert "symbols/math/{0_en_GB.ogg,1_en_GB.ogg," in tuxpaint  # a shell expands it


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
    folders = {name: real_voices.ensure(name) for name in ("8 kHz", "16 kHz")}
    for wav, g722 in zip(*(real_voices.files_of(n) for n in folders), strict=True):
        narrow, rate8 = real_voices.read_samples(folders["8 kHz"] / wav)
        wide, rate16 = real_voices.read_samples(folders["16 kHz"] / g722)
        assert (rate8, rate16) == (8000, 16000) and abs(len(wide) - 2 * len(narrow)) <= 16
    for name in ("spokennumbers", "tuxpaint-gb", "tuxpaint", "saytime"):  # the other speakers
        x, y, words = found[name]
        n = 11 if name == "saytime" else 10  # saytime has "oh" too
        assert x.shape == (n, 16000) and words == list(real_voices.WORDS[:n])
        np.testing.assert_array_equal(y, real_voices.LABELS[:n])
        np.testing.assert_allclose(np.abs(x).max(axis=1), 0.5, atol=1e-4)
    for name, recorded in real_voices.SETS.items():  # the rate the lesson prints is the files'
        first = real_voices.ensure(name) / real_voices.files_of(name)[0]
        assert real_voices.read_samples(first)[1] == recorded.rate
