"""The Flite voices (datasets.flite_voices): the plan, the sources without root, the cache."""

import hashlib
import json
import stat
import sys

import numpy as np
import pytest

from datasets import cache, flite_voices, spoken_digits
from lessons import audio_model

SMALL = flite_voices.Config(renditions=1, voices=("kal", "rms", "slt"))

# A stand-in for the flite program: its version, its voices, and a WAV whose tone encodes the
# request (voice, digit, pitch), so the test can check which clip landed where.
FAKE_FLITE = """#!{python}
import io, sys, wave
import numpy as np
args = sys.argv[1:]
if args == ["--version"]:
    print("  version: flite-2.2-current Sep 2018 (http://cmuflite.org)")
    sys.exit(1)  # as Flite 2.2 does
elif args == ["-lv"]:
    print("Voices available: {voices}")
else:
    opts = dict(zip(args[::2], args[1::2]))
    words = ["zero","one","two","three","four","five","six","seven","eight","nine"]
    digit = words.index(opts["-t"].rstrip(".?!,"))
    pitch = float([v for v in args if v.startswith("int_f0_target_mean=")][0].split("=")[1])
    rate = 8000 if opts["-voice"] == "kal" else 16000
    t = np.arange(int(0.4 * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * (pitch + 50 * digit) * t) * np.hanning(len(t))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    sys.stdout.buffer.write(out.getvalue())
"""


def _script(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def _fake_flite(folder, voices="kal awb_time kal16 awb rms slt"):
    folder.mkdir(parents=True, exist_ok=True)
    return _script(folder / "flite", FAKE_FLITE.format(python=sys.executable, voices=voices))


def test_plan_is_seeded_and_covers_every_voice_rendition_and_digit():
    clips = flite_voices.plan(SMALL)
    assert clips == flite_voices.plan(SMALL) and clips != flite_voices.plan(
        flite_voices.Config(seed=1, renditions=1, voices=SMALL.voices)
    )
    assert len(clips) == 3 * 1 * 10 and [c["digit"] for c in clips[:10]] == list(range(10))
    assert [c["voice"] for c in clips[::10]] == ["kal", "rms", "slt"]  # voice-major order
    for clip in clips:
        base = flite_voices.VOICES[clip["voice"]][0]
        assert 0.8 <= clip["stretch"] <= 1.4 and 0.75 * base <= clip["pitch"] <= 1.35 * base
        assert clip["ending"] in flite_voices.ENDINGS
    assert set(flite_voices.VALIDATION_VOICES) < set(flite_voices.VOICES)
    assert all(len(h) == 64 for h in flite_voices.PACKAGES.values())


def test_installed_flite_makes_a_deterministic_cache_split_by_voice(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_flite(tmp_path / 'bin').parent}:/usr/bin:/bin")
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    (x, y, voice), names = flite_voices.load_data(root=tmp_path / "a", config=SMALL)
    assert x.shape == (30, spoken_digits.CLIP_SAMPLES) and x.dtype == np.float32
    assert names == list(SMALL.voices) and np.abs(x).max() == pytest.approx(0.5, abs=1e-4)
    np.testing.assert_array_equal(y, np.tile(np.arange(10), 3))
    # the 8 kHz voice was resampled to 16 kHz: the same 0.4 s of tone, as many samples
    lengths = (np.abs(x) > 0).sum(axis=1)
    assert abs(np.median(lengths[voice == 0]) - np.median(lengths[voice == 1])) < 400
    train, held = flite_voices.split((x, y, voice), names)
    assert set(np.array(names)[held[2]]) == {"rms"} and "rms" not in np.array(names)[train[2]]
    assert len(train[0]) + len(held[0]) == 30
    flite_voices.prepare(root=tmp_path / "b", config=SMALL)
    for f in ("clips.npy", "index.npz"):  # synthesized twice, the same bytes
        digests = {
            hashlib.sha256((tmp_path / r / flite_voices.NAME / f).read_bytes()).hexdigest()
            for r in ("a", "b")
        }
        assert len(digests) == 1
    stored = json.loads((tmp_path / "a" / flite_voices.NAME / "config.json").read_text())
    assert stored == SMALL.to_json()


def test_a_flite_without_a_voice_is_refused_by_name(tmp_path):
    flite = flite_voices.Flite(str(_fake_flite(tmp_path, voices="kal awb")))
    with pytest.raises(RuntimeError, match=r"lacks the voices \['kal16', 'rms', 'slt'\]"):
        flite.check(flite_voices.VOICES)


def test_apt_route_verifies_both_packages_before_unpacking(tmp_path):
    apt = _script(
        tmp_path / "apt-get",
        '#!/bin/sh\n[ "$1" = download ] && echo "not a package" > "$2_2.2-5_amd64.deb"\n',
    )
    dpkg = _script(tmp_path / "dpkg-deb", "#!/bin/sh\necho unpacked >> dpkg.log\n")
    staging = tmp_path / "staging"
    staging.mkdir()
    source = flite_voices.apt_source(SMALL, apt_get=str(apt), dpkg_deb=str(dpkg))
    with pytest.raises(cache.ChecksumError, match=r"flite_2\.2-5_amd64\.deb has sha256"):
        source.build(staging)
    assert not list(staging.rglob("dpkg.log"))  # refused before dpkg-deb ran
    with pytest.raises(FileNotFoundError, match="not installed"):
        flite_voices.apt_source(SMALL, apt_get=str(tmp_path / "none")).build(staging)


def test_without_flite_the_error_says_how_and_the_lesson_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")  # the apt route is skipped: no network in tests
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tmp_path / "data"))
    with pytest.raises(cache.DataUnavailableError) as caught:
        flite_voices.load_data()
    message = str(caught.value)
    assert "no `flite` on the PATH" in message and "skipped because COURSE_OFFLINE" in message
    assert "apt-get download flite libflite1" in message
    flite, why = audio_model.load_flite()
    assert flite is None and "flite" in why and "\n" not in why


@pytest.mark.fault
def test_a_corrupt_flite_cache_is_synthesized_again(tmp_path, monkeypatch, fault_seen):
    """fault: Flite cache's clips.npy truncated | expected: warned, synthesized again, same bytes"""
    monkeypatch.setenv("PATH", f"{_fake_flite(tmp_path / 'bin').parent}:/usr/bin:/bin")
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    (x, _, _), _ = flite_voices.load_data(root=tmp_path, config=SMALL)
    clips = tmp_path / flite_voices.NAME / "clips.npy"
    clips.write_bytes(clips.read_bytes()[:1000])
    with pytest.warns(cache.CacheWarning, match="failed verification") as record:
        (again, _, _), _ = flite_voices.load_data(root=tmp_path, config=SMALL)
    fault_seen(record[0].message)
    np.testing.assert_array_equal(again, x)
