"""The Flite voices (datasets.flite_voices): the plan, the sources without root, the cache."""

import hashlib
import json

import numpy as np
import pytest

from datasets import cache, flite_voices, spoken_digits
from tests.fake_synthesizers import fake_flite

SMALL = flite_voices.Config(renditions=1, voices=("kal", "rms", "slt"))


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
    monkeypatch.setenv("PATH", f"{fake_flite(tmp_path / 'bin').parent}:/usr/bin:/bin")
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
    flite = flite_voices.Flite(str(fake_flite(tmp_path, voices="kal awb")))
    with pytest.raises(RuntimeError, match=r"lacks the voices \['kal16', 'rms', 'slt'\]"):
        flite.check(flite_voices.VOICES)
