"""The synthesized spoken-digits data set: the split, determinism, the cache, tf.data."""

import hashlib
import json
import time
import wave
from collections import Counter

import numpy as np
import pytest

from datasets import cache, espeak, tfds_builders
from datasets import spoken_digits as sd

# A tiny config: 2 training variants and 1 held-out variant, in 2 accents (60 clips, ~1 s).
TINY = sd.Config(variants=("m3", "f2", "Denis"), accents=("en", "en-US"), train_renditions=1)


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    sd.prepare(root=root, config=TINY, workers=1)
    return root


def test_default_plan_is_balanced_and_split_by_voice():
    clips, voices = sd.plan()
    variants = sd.usable_variants()
    assert len(variants) == 89 and not set(variants) & set(sd.NOVELTY_VARIANTS)
    assert len(voices) == 89 * len(espeak.ENGLISH_ACCENTS)
    split = np.array([voices[c["voice"]]["split"] for c in clips])
    assert (split == "train").sum() == 71 * 8 * 10 and (split == "test").sum() == 18 * 8 * 10
    for name in ("train", "test"):
        counts = Counter(c["digit"] for c, s in zip(clips, split, strict=True) if s == name)
        assert len(set(counts.values())) == 1 and sorted(counts) == list(range(10))  # balanced
    train_variants = {
        voices[c["voice"]]["variant"] for c, s in zip(clips, split, strict=True) if s == "train"
    }
    test_variants = {
        voices[c["voice"]]["variant"] for c, s in zip(clips, split, strict=True) if s == "test"
    }
    assert test_variants == set(sd.TEST_VARIANTS) and not train_variants & test_variants
    assert {voices[c["voice"]]["accent"] for c in clips} == set(espeak.ENGLISH_ACCENTS)
    assert all(110 <= c["rate"] <= 230 and 15 <= c["pitch"] <= 85 for c in clips)
    assert sd.plan() == (clips, voices)  # the same seed, the same plan
    assert sd.plan(sd.Config(seed=1))[0] != clips


def test_test_variants_are_the_documented_random_draw():
    rng = np.random.default_rng(2024)
    drawn = sorted(rng.choice(list(sd.usable_variants()), 18, replace=False).tolist())
    assert tuple(drawn) == sd.TEST_VARIANTS


def test_synthesis_is_deterministic_whatever_came_before():
    # f2 is breathy (noise, seeded by eSpeak from the clock), m1 has pitch flutter
    voices = [{"name": "en-US+f2"}, {"name": "en-GB-scotland+m1"}]
    clip = {"digit": 7, "voice": 0, "rate": 160, "pitch": 60, "range": 40, "seed": 5}
    first = sd.render(clip, voices)
    sd.render({"digit": 3, "voice": 1, "rate": 220, "pitch": 20, "range": 70, "seed": 6}, voices)
    time.sleep(1.05)  # a new second on the clock
    again = sd.render(clip, voices)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, sd.render(dict(clip, seed=6), voices))  # other noise
    assert first.dtype == np.int16 and 2000 < len(first) < sd.CLIP_SAMPLES
    assert abs(np.abs(first).max() / 32767 - sd.PEAK) < 1e-3
    other_rate = sd.render(dict(clip, rate=120), voices)
    assert len(other_rate) > len(first)  # slower speech lasts longer
    with pytest.raises(ValueError):
        espeak.synthesize("one", "xx-nonexistent")


def test_resample_keeps_frequencies_and_durations():
    rate_in = 22050
    t = np.arange(rate_in // 2) / rate_in
    x = np.sin(2 * np.pi * 1000 * t) * np.hanning(len(t))
    y = sd.resample(x, rate_in, 16000)
    assert len(y) == 8000
    spectrum = np.abs(np.fft.rfft(y))
    assert spectrum.argmax() == 1000 * len(y) // 16000  # 1 kHz is still 1 kHz
    np.testing.assert_allclose(np.sqrt(np.mean(y**2)), np.sqrt(np.mean(x**2)), rtol=1e-3)


def test_tiny_cache_shapes_and_split(tiny_root):
    (x_train, y_train, v_train), (x_test, y_test, v_test), voices = sd.load_data(
        root=tiny_root, config=TINY
    )
    assert x_train.shape == (40, sd.CLIP_SAMPLES) and x_test.shape == (20, sd.CLIP_SAMPLES)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int32
    assert Counter(y_train.tolist()) == {d: 4 for d in range(10)}
    assert Counter(y_test.tolist()) == {d: 2 for d in range(10)}
    assert {voices[v].split("+")[1] for v in v_train} == {"m3", "f2"}
    assert {voices[v].split("+")[1] for v in v_test} == {"Denis"}
    np.testing.assert_allclose(np.abs(x_train).max(axis=1), sd.PEAK, atol=1e-3)
    # the word is centred: as much silence before as after (within a sample)
    for clip in x_test:
        loud = np.flatnonzero(clip)
        assert abs(loud[0] - (sd.CLIP_SAMPLES - 1 - loud[-1])) <= 161


def test_same_config_gives_the_same_bytes(tiny_root, tmp_path):
    again = sd.prepare(root=tmp_path, config=TINY, workers=1)
    first = cache.read_manifest(tiny_root / sd.cache_name(TINY))["files"]
    second = cache.read_manifest(again["path"])["files"]
    assert first == second
    assert again["train_clips"] == 40 and again["test_clips"] == 20 and again["test_voices"] == 2


def test_corrupt_cache_is_detected_and_rebuilt(tmp_path):
    info = sd.prepare(root=tmp_path, config=TINY, workers=1)
    clips = tmp_path / sd.cache_name(TINY) / "clips.npy"
    original = hashlib.sha256(clips.read_bytes()).hexdigest()
    data = bytearray(clips.read_bytes())
    data[len(data) // 2] ^= 0xFF
    clips.write_bytes(bytes(data))
    assert cache.check_cached(info["path"], sd.FILES)  # the flipped byte is noticed
    with pytest.warns(cache.CacheWarning, match="failed verification"):
        sd.load_data(root=tmp_path, config=TINY)
    assert hashlib.sha256(clips.read_bytes()).hexdigest() == original


def test_each_config_has_its_own_cache_and_a_changed_one_is_rebuilt(tmp_path):
    first = sd.prepare(root=tmp_path, config=TINY, workers=1)
    other = sd.Config(variants=("m3", "Denis"), accents=("en",), train_renditions=1)
    info = sd.prepare(root=tmp_path, config=other, workers=1)
    assert info["train_clips"] == 10 and info["test_clips"] == 10
    assert info["path"] != first["path"] and sd.cache_name() == "spoken_digits"
    assert not cache.check_cached(first["path"], sd.FILES)  # the first one is still there
    # a cache whose config.json no longer matches (another version of the code) is rebuilt
    config_file = tmp_path / sd.cache_name(other) / "config.json"
    stored = json.loads(config_file.read_text())
    config_file.write_text(json.dumps(dict(stored, version=0)))
    cache.write_manifest(config_file.parent, sd.FILES)
    sd.prepare(root=tmp_path, config=other, workers=1)
    assert json.loads(config_file.read_text()) == stored


def test_parallel_synthesis_equals_serial(tmp_path, monkeypatch):
    serial = sd.prepare(root=tmp_path / "serial", config=TINY, workers=1)
    monkeypatch.setattr(sd, "PARALLEL_MIN_CLIPS", 0)  # use the worker processes even for 60 clips
    parallel = sd.prepare(root=tmp_path / "parallel", config=TINY, workers=2)
    assert (
        cache.read_manifest(serial["path"])["files"]
        == cache.read_manifest(parallel["path"])["files"]
    )


def test_augment_identity_and_determinism():
    import tensorflow as tf

    x = np.random.default_rng(0).normal(0, 0.1, (4, 3000)).astype(np.float32)
    seeds = tf.constant([1, 2], tf.int64)
    same = sd.augment(
        x, seeds, max_shift=0, speed=(1.0, 1.0), gain_db=(0.0, 0.0), noise_probability=0.0
    )
    np.testing.assert_allclose(same.numpy(), x, atol=1e-6)
    a, b = sd.augment(x, seeds).numpy(), sd.augment(x, seeds).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, sd.augment(x, tf.constant([3, 4], tf.int64)).numpy())


def test_as_dataset(tiny_root):
    train = sd.as_dataset("train", batch_size=16, seed=0, root=tiny_root, config=TINY)
    batches = list(train)
    assert [int(b[0].shape[0]) for b in batches] == [16, 16, 8]
    assert batches[0][0].shape[1] == sd.CLIP_SAMPLES and batches[0][0].dtype.name == "float32"
    again = list(sd.as_dataset("train", batch_size=16, seed=0, root=tiny_root, config=TINY))
    np.testing.assert_array_equal(batches[0][0].numpy(), again[0][0].numpy())  # same seed
    second_epoch = list(train)
    assert not np.array_equal(batches[0][0].numpy(), second_epoch[0][0].numpy())  # new epoch
    test = sd.as_dataset(
        "test", batch_size=8, shuffle=False, root=tiny_root, config=TINY, with_voice=True
    )
    x, y, v = (
        np.concatenate(parts)
        for parts in zip(*[(b[0].numpy(), b[1].numpy(), b[2].numpy()) for b in test], strict=True)
    )
    (_, _, _), (x_test, y_test, v_test), _ = sd.load_data(root=tiny_root, config=TINY)
    np.testing.assert_array_equal(x, x_test)  # the test split is not augmented
    np.testing.assert_array_equal(y, y_test)
    np.testing.assert_array_equal(v, v_test)
    with pytest.raises(ValueError):
        sd.as_dataset("validation", root=tiny_root, config=TINY)


def test_real_digits_are_optional(tmp_path):
    assert sd.load_real_digits([tmp_path / "absent"]) is None
    folder = tmp_path / "digits"
    folder.mkdir()
    for d in range(10):  # even digits 8 kHz mono, odd ones 44.1 kHz stereo: any rate, any layout
        rate, channels = (8000, 1) if d % 2 == 0 else (44100, 2)
        t = np.arange(rate // 2) / rate
        tone = 8000 * np.sin(2 * np.pi * (300 + 50 * d) * t) * np.hanning(len(t))
        samples = np.repeat(tone.astype(np.int16)[:, None], channels, axis=1)
        with wave.open(str(folder / f"{d}.wav"), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(samples.tobytes())
    x, y = sd.load_real_digits([tmp_path / "absent", folder])
    assert x.shape == (10, sd.CLIP_SAMPLES) and list(y) == list(range(10))
    np.testing.assert_allclose(np.abs(x).max(axis=1), sd.PEAK, atol=1e-3)


def test_tfds_builder_reads_the_course_cache(tiny_root, tmp_path, monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tiny_root))
    builder_class = tfds_builders.CourseSpokenDigits
    monkeypatch.setattr(builder_class, "CONFIG", TINY)
    info = tfds_builders.prepare("spoken_digits", data_dir=tmp_path / "tfds")
    assert info["name"] == "course_spoken_digits" and info["examples"] == {"train": 40, "test": 20}
    test, ds_info = tfds.load(
        "course_spoken_digits",
        split="test",
        data_dir=tmp_path / "tfds",
        with_info=True,
        download=False,
    )
    assert ds_info.features["label"].names == list(sd.DIGITS)
    assert ds_info.metadata["sample_rate"] == sd.SAMPLE_RATE
    examples = list(test.as_numpy_iterator())
    (_, _, _), (x_test, y_test, v_test), voices = sd.load_data(root=tiny_root, config=TINY)
    audio = np.stack([e["audio"] for e in examples])
    assert audio.dtype == np.int16 and audio.shape == (20, sd.CLIP_SAMPLES)
    np.testing.assert_array_equal((audio / 32767.0).astype(np.float32), x_test)
    assert [e["label"] for e in examples] == y_test.tolist()
    assert [e["voice"].decode() for e in examples] == [voices[v] for v in v_test]
