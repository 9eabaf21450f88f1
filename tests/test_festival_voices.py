"""Festival's ked voice (datasets.festival_voices): plan, program, sources, cache."""

import hashlib
import json

import numpy as np
import pytest

from datasets import cache, festival_voices, flite_voices, spoken_digits
from tests.fake_synthesizers import fake_festival

SMALL = festival_voices.Config(renditions=2)


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
    monkeypatch.setenv("PATH", f"{fake_festival(tmp_path / 'bin').parent}:/usr/bin:/bin")
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
    lacking = festival_voices.Festival(str(fake_festival(tmp_path / "a", voices="kal_diphone")))
    with pytest.raises(RuntimeError, match=r"lacks the voices \['ked'\]"):
        lacking.check(["ked"], tmp_path)
    old = festival_voices.Festival(str(fake_festival(tmp_path / "b", version="1.96:beta")))
    with pytest.raises(RuntimeError, match="is not Festival 2.5"):
        old.check(["ked"], tmp_path)
    with pytest.raises(RuntimeError, match="festival failed .*unbound variable : voice_nope"):
        old.run("(voice_nope)\n", tmp_path)  # Festival exits 0 on some errors: its words count
