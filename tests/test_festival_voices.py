"""Festival's ked voice (datasets.festival_voices): plan, program, sources, cache."""

import hashlib
import json
import stat
import sys

import numpy as np
import pytest

from datasets import cache, festival_voices, flite_voices, spoken_digits
from lessons import audio_model

SMALL = festival_voices.Config(renditions=2)

# A stand-in for festival -b: reads the Scheme program it is given, answers the version and
# voice queries, and writes for each (say ...) a WAV whose tone encodes the digit and pitch.
FAKE_FESTIVAL = """#!{python}
import re, sys, wave
import numpy as np
program = open(sys.argv[sys.argv.index("-b") + 1]).read()
if "festival_version" in program:
    print('"{version}"')
if "(voice.list)" in program:
    print("({voices})")
if "(voice_nope)" in program:
    print("SIOD ERROR: unbound variable : voice_nope")
words = ["zero","one","two","three","four","five","six","seven","eight","nine"]
said = r'\\(say \\(Utterance Text "(\\w+)[.?!,]"\\) ([\\d.]+) ([\\d.]+) ([\\d.]+) "([^"]+)"\\)'
for word, stretch, pitch, spread, path in re.findall(said, program):
    t = np.arange(int(0.3 * float(stretch) * 16000)) / 16000
    tone = float(pitch) + 50 * words.index(word)
    x = 0.3 * np.sin(2 * np.pi * tone * t) * np.hanning(len(t))
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes((x * 32767).astype("<i2").tobytes())
"""


def _script(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def _fake_festival(folder, voices="kal_diphone ked_diphone", version="2.5.0:release"):
    folder.mkdir(parents=True, exist_ok=True)
    text = FAKE_FESTIVAL.format(python=sys.executable, voices=voices, version=version)
    return _script(folder / "festival", text)


def test_plan_draws_flites_ranges_for_festivals_voice_and_the_program_says_each_clip():
    clips = festival_voices.plan(SMALL)
    assert (
        clips
        == festival_voices.plan(SMALL)
        != festival_voices.plan(festival_voices.Config(seed=1, renditions=2))
    )
    assert len(clips) == 2 * 10 and [c["digit"] for c in clips[:10]] == list(range(10))
    for clip in clips:
        assert clip["voice"] == "ked" and 0.8 <= clip["stretch"] <= 1.4
        assert 0.75 * 105 <= clip["pitch"] <= 1.35 * 105 and clip["ending"] in flite_voices.ENDINGS
    program = festival_voices.script(clips[:3], festival_voices.Path("/out"))
    assert program.count("(voice_ked_diphone)") == 1  # selected once: it resets the settings
    first = clips[0]
    # the words are written in place: `Utterance` does not evaluate a variable holding them
    assert f'(say (Utterance Text "zero{first["ending"]}") {first["stretch"]} ' in program
    assert '"/out/2.wav")' in program and "/out/3.wav" not in program
    assert all(len(h) == 64 for h in festival_voices.PACKAGES.values())


def test_installed_festival_makes_a_deterministic_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_festival(tmp_path / 'bin').parent}:/usr/bin:/bin")
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    (x, y, voice), names = festival_voices.load_data(root=tmp_path / "a", config=SMALL)
    assert x.shape == (20, spoken_digits.CLIP_SAMPLES) and x.dtype == np.float32
    assert names == ["ked"] and set(voice.tolist()) == {0}
    assert np.abs(x).max() == pytest.approx(0.5, abs=1e-4)
    np.testing.assert_array_equal(y, np.tile(np.arange(10), 2))
    # clip i is the i-th planned one, though two processes each said every other clip
    plan = festival_voices.plan(SMALL)
    lengths = (np.abs(x) > 1e-3).sum(axis=1) / 16000
    expected = np.array([0.3 * c["stretch"] for c in plan])
    np.testing.assert_allclose(lengths, expected, atol=0.06)
    festival_voices.prepare(root=tmp_path / "b", config=SMALL)
    for f in ("clips.npy", "index.npz"):  # synthesized twice, the same bytes
        digests = {
            hashlib.sha256((tmp_path / r / festival_voices.NAME / f).read_bytes()).hexdigest()
            for r in ("a", "b")
        }
        assert len(digests) == 1
    stored = json.loads((tmp_path / "a" / festival_voices.NAME / "config.json").read_text())
    assert stored == SMALL.to_json()


def test_a_festival_without_the_voice_or_of_another_version_is_refused_by_name(tmp_path):
    lacking = festival_voices.Festival(str(_fake_festival(tmp_path / "a", voices="kal_diphone")))
    with pytest.raises(RuntimeError, match=r"lacks the voices \['ked'\]"):
        lacking.check(["ked"], tmp_path)
    old = festival_voices.Festival(str(_fake_festival(tmp_path / "b", version="1.96:beta")))
    with pytest.raises(RuntimeError, match="is not Festival 2.5"):
        old.check(["ked"], tmp_path)
    with pytest.raises(RuntimeError, match="festival failed .*unbound variable : voice_nope"):
        old.run("(voice_nope)\n", tmp_path)  # Festival exits 0 on some errors: its words count


def test_apt_route_verifies_every_package_before_unpacking(tmp_path):
    apt = _script(
        tmp_path / "apt-get",
        '#!/bin/sh\n[ "$1" = download ] && echo "not a package" > "$2_2.5.0-9_amd64.deb"\n',
    )
    dpkg = _script(tmp_path / "dpkg-deb", "#!/bin/sh\necho unpacked >> dpkg.log\n")
    staging = tmp_path / "staging"
    staging.mkdir()
    source = festival_voices.apt_source(SMALL, apt_get=str(apt), dpkg_deb=str(dpkg))
    with pytest.raises(cache.ChecksumError, match=r"festival_2\.5\.0-9_amd64\.deb has sha256"):
        source.build(staging)
    assert not list(staging.rglob("dpkg.log"))  # refused before dpkg-deb ran
    with pytest.raises(FileNotFoundError, match="not installed"):
        festival_voices.apt_source(SMALL, apt_get=str(tmp_path / "none")).build(staging)


def test_without_festival_the_error_says_how_and_the_lesson_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")  # the apt route is skipped: no network in tests
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tmp_path / "data"))
    with pytest.raises(cache.DataUnavailableError) as caught:
        festival_voices.load_data()
    message = str(caught.value)
    assert "no `festival` on the PATH" in message and "skipped because COURSE_OFFLINE" in message
    assert "apt-get install festival festvox-kdlpc16k" in message
    festival, why = audio_model.load_festival()
    assert festival is None and "festival" in why and "\n" not in why


@pytest.mark.fault
def test_a_corrupt_festival_cache_is_synthesized_again(tmp_path, monkeypatch, fault_seen):
    """fault: Festival cache's clips.npy cut short | expected: warned, made again, same bytes"""
    monkeypatch.setenv("PATH", f"{_fake_festival(tmp_path / 'bin').parent}:/usr/bin:/bin")
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    (x, _, _), _ = festival_voices.load_data(root=tmp_path, config=SMALL)
    clips = tmp_path / festival_voices.NAME / "clips.npy"
    clips.write_bytes(clips.read_bytes()[:1000])
    with pytest.warns(cache.CacheWarning, match="failed verification") as record:
        (again, _, _), _ = festival_voices.load_data(root=tmp_path, config=SMALL)
    fault_seen(record[0].message)
    np.testing.assert_array_equal(again, x)
