"""The spectrogram front end (custom_layers.audio) against NumPy and keras.layers.MelSpectrogram."""

import keras
import numpy as np
import pytest
import scipy.fft
import tensorflow as tf

from custom_layers.audio import (
    FormantShift,
    FrequencyWarp,
    LogMelSpectrogram,
    PitchWarp,
    SpecAugment,
    envelope,
)

RATE = 16000


def tone(frequency, seconds=1.0, rate=RATE, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def noise(shape, seed=0):
    return np.random.default_rng(seed).normal(0.0, 0.1, shape).astype(np.float32)


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize(
    "samples,frame_length,frame_step", [(16000, 400, 160), (8000, 256, 128), (1000, 512, 100)]
)
def test_shape_arithmetic(samples, frame_length, frame_step, center):
    layer = LogMelSpectrogram(
        frame_length=frame_length, frame_step=frame_step, num_mel_bins=24, center=center
    )
    expected = 1 + samples // frame_step if center else 1 + (samples - frame_length) // frame_step
    out = layer(noise((3, samples)))
    assert tuple(out.shape) == (3, expected, 24)
    assert layer.compute_output_shape((None, samples)) == (None, expected, 24)
    assert layer.fft_length == 1 << (frame_length - 1).bit_length()  # the next power of two


def test_spectrogram_matches_numpy_stft():
    x = noise((2, 4000), seed=1)
    layer = LogMelSpectrogram(frame_length=400, frame_step=160, fft_length=512, power=1.0)
    ours = layer.spectrogram(x).numpy()
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)  # periodic Hann
    frames = 1 + (4000 - 400) // 160
    reference = np.stack(
        [
            np.abs(
                np.fft.rfft(
                    np.stack([x[b, t * 160 : t * 160 + 400] * window for t in range(frames)]), n=512
                )
            )
            for b in range(2)
        ]
    )
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)


def test_mel_matrix_is_htk_triangles():
    layer = LogMelSpectrogram(num_mel_bins=10, fmin=100.0, fmax=4000.0)
    matrix = layer.mel_matrix.numpy()
    assert matrix.shape == (257, 10)
    np.testing.assert_allclose(matrix.max(axis=0), 1.0, atol=0.1)  # each triangle peaks near 1
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    edges = np.linspace(mel(100.0), mel(4000.0), 12)
    bin_mel = mel(np.arange(257) * RATE / 512)
    lower = (bin_mel[:, None] - edges[None, :-2]) / (edges[1:-1] - edges[:-2])[None]
    upper = (edges[None, 2:] - bin_mel[:, None]) / (edges[2:] - edges[1:-1])[None]
    reference = np.maximum(0.0, np.minimum(lower, upper))
    reference[0] = 0.0  # the DC bin is left out
    np.testing.assert_allclose(matrix, reference, atol=1e-5)


@pytest.mark.parametrize("frequency", [300.0, 1000.0, 3150.0])
def test_pure_tone_lands_in_its_bins(frequency):
    layer = LogMelSpectrogram(num_mel_bins=40, fmin=20.0, fmax=8000.0)
    x = tone(frequency)[None]
    spectrum = layer.spectrogram(x).numpy()[0].mean(axis=0)
    assert spectrum.argmax() == round(frequency * layer.fft_length / RATE)
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    centres = np.linspace(mel(20.0), mel(8000.0), 42)[1:-1]
    expected_band = np.abs(centres - mel(frequency)).argmin()
    assert layer(x).numpy()[0].mean(axis=0).argmax() == expected_band


def test_log_and_normalization():
    x = noise((2, 8000), seed=2)
    plain = LogMelSpectrogram(log_offset=0.0)
    # a gain g adds log(g^2) to every value of a power log-mel (power=2) ...
    np.testing.assert_allclose(plain(10.0 * x).numpy() - plain(x).numpy(), np.log(100.0), atol=1e-4)
    # ... which per-utterance normalization removes: zero mean, unit variance per clip
    norm = LogMelSpectrogram(log_offset=0.0, normalize="utterance")
    out = norm(x).numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2)), 1.0, atol=1e-4)
    np.testing.assert_allclose(norm(10.0 * x).numpy(), out, atol=1e-4)
    channel = LogMelSpectrogram(normalize="channel")(x).numpy()
    np.testing.assert_allclose(channel.mean(axis=1), 0.0, atol=1e-4)
    with pytest.raises(ValueError):
        LogMelSpectrogram(normalize="batch")
    with pytest.raises(ValueError):
        LogMelSpectrogram(frame_length=600, fft_length=512)


# Measured: at most 6e-6 dB apart on these inputs (values -13 … +19 dB), i.e. mel powers
# within 1.3e-6 relative; the test allows 1e-4 dB.
KERAS_DB_TOLERANCE = 1e-4


@pytest.mark.parametrize("frame_length,fft_length", [(512, 512), (400, 512)])
def test_equals_keras_mel_spectrogram(frame_length, fft_length):
    """Same settings: Keras centres frames (reflect padding), uses power and dB, puts time last."""
    x = noise((3, 16000), seed=3)
    keras_layer = keras.layers.MelSpectrogram(
        fft_length=fft_length,
        sequence_length=frame_length,
        sequence_stride=160,
        sampling_rate=RATE,
        num_mel_bins=40,
        min_freq=20.0,
        max_freq=8000.0,
        window="hann",
        power_to_db=True,
        top_db=1e9,
        mag_exp=2.0,
        min_power=1e-30,
        ref_power=1.0,
    )
    ours = LogMelSpectrogram(
        frame_length=frame_length,
        frame_step=160,
        fft_length=fft_length,
        num_mel_bins=40,
        fmin=20.0,
        fmax=8000.0,
        power=2.0,
        log_offset=0.0,
        center=True,
    )
    reference = np.swapaxes(
        keras_layer(x).numpy(), 1, 2
    )  # (batch, mel, time) -> (batch, time, mel)
    ours_db = ours(x).numpy() * (10.0 / np.log(10.0))  # natural log -> decibels
    assert ours_db.shape == reference.shape
    np.testing.assert_allclose(ours_db, reference, atol=KERAS_DB_TOLERANCE, rtol=0)


def test_saved_model_takes_raw_waveforms(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4000,))
    features = LogMelSpectrogram(num_mel_bins=16, fmax=6000.0, normalize="utterance")(inputs)
    hidden = keras.layers.Reshape((-1, 16, 1))(features)
    hidden = keras.layers.Conv2D(4, 3, activation="relu")(hidden)
    hidden = keras.layers.GlobalAveragePooling2D()(hidden)
    model = keras.Model(inputs, keras.layers.Dense(10)(hidden))
    x = noise((5, 4000), seed=4)
    path = tmp_path / "front_end.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    layer = loaded.layers[1]
    assert isinstance(layer, LogMelSpectrogram)
    assert layer.get_config() == model.layers[1].get_config()
    assert layer.fmax == 6000.0 and layer.normalize == "utterance"


def test_works_in_tf_data_and_tf_function():
    layer = LogMelSpectrogram(num_mel_bins=8)
    ds = tf.data.Dataset.from_tensor_slices(noise((6, 2000))).batch(3).map(layer)
    eager = layer(noise((6, 2000))).numpy()
    np.testing.assert_allclose(np.concatenate([b.numpy() for b in ds]), eager, atol=1e-5)


def test_spec_augment_masks_bands_only_when_training():
    x = np.random.default_rng(5).normal(1.0, 0.1, (4, 98, 40)).astype(np.float32)
    layer = SpecAugment(time_masks=2, time_mask_width=10, freq_masks=1, freq_mask_width=6, seed=3)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: unchanged
    out = layer(x, training=True).numpy()
    for example, original in zip(out, x, strict=True):
        masked = example == 0.0
        rows, cols = masked.all(axis=1), masked.all(axis=0)  # whole frames, whole bins
        assert masked.sum() == (rows[:, None] | cols[None, :]).sum()  # nothing else is touched
        assert rows.sum() <= 2 * 10 and cols.sum() <= 6
        np.testing.assert_array_equal(example[~masked], original[~masked])
    assert (out == 0).any()
    again = SpecAugment(time_masks=2, time_mask_width=10, freq_masks=1, freq_mask_width=6, seed=3)
    np.testing.assert_array_equal(again(x, training=True).numpy(), out)  # same seed, same masks


def test_spec_augment_round_trips_in_a_saved_model(tmp_path):
    inputs = keras.Input((2000,))
    features = LogMelSpectrogram(num_mel_bins=8)(inputs)
    masked = SpecAugment(time_mask_width=3, freq_mask_width=2, seed=1)(features)
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(masked)))
    path = tmp_path / "masked.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = noise((2, 2000), seed=6)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert loaded.layers[2].get_config() == model.layers[2].get_config()


def _numpy_warp(x, alpha, fmin, fmax):
    """Reference: band j of the output = the input at c_j / alpha, interpolated on the mel scale."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    bins = x.shape[-1]
    edges = np.linspace(mel(fmin), mel(fmax), bins + 2)
    centres_hz = 700 * (10 ** (edges[1:-1] / 2595) - 1)
    out = np.empty_like(x)
    for i, a in enumerate(alpha):
        source = (mel(centres_hz / a) - edges[0]) / (edges[1] - edges[0]) - 1
        for t in range(x.shape[1]):
            out[i, t] = np.interp(source, np.arange(bins), x[i, t])  # clamps at the edges
    return out


def test_frequency_warp_matches_numpy_reference_and_is_identity_at_one():
    x = np.random.default_rng(2).normal(size=(3, 7, 40)).astype(np.float32)
    layer = FrequencyWarp(0.15, fmin=20.0, fmax=4000.0, seed=0)
    alpha = np.float32([0.87, 1.0, 1.13])
    np.testing.assert_allclose(
        layer.warp(x, alpha).numpy(), _numpy_warp(x, alpha, 20, 4000), atol=1e-4
    )
    np.testing.assert_allclose(layer.warp(x, np.ones(3, np.float32)).numpy(), x, atol=1e-4)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: unchanged
    out = layer(x, training=True).numpy()
    assert out.shape == x.shape and not np.allclose(out, x, atol=1e-3)
    again = FrequencyWarp(0.15, fmin=20.0, fmax=4000.0, seed=0)(x, training=True).numpy()
    np.testing.assert_array_equal(again, out)  # same seed, same warps


def test_frequency_warp_moves_a_tone_as_a_longer_or_shorter_vocal_tract_would():
    front = LogMelSpectrogram(num_mel_bins=40, fmax=8000.0)
    t = np.arange(RATE) / RATE
    tone = lambda hz: front(np.sin(2 * np.pi * hz * t)[None].astype(np.float32)).numpy()  # noqa: E731
    warped = FrequencyWarp(0.2, fmin=20.0, fmax=8000.0).warp(tone(1000.0), np.float32([1.2]))
    # the warped 1 kHz tone peaks in the band where a 1.2 kHz tone does
    assert warped.numpy()[0].mean(0).argmax() == tone(1200.0)[0].mean(0).argmax()
    assert tone(1000.0)[0].mean(0).argmax() != tone(1200.0)[0].mean(0).argmax()


def test_frequency_warp_round_trips_and_refuses_a_bad_factor(tmp_path):
    inputs = keras.Input((5, 8))
    warped = FrequencyWarp(0.1, fmin=20.0, fmax=4000.0, seed=2)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(warped)))
    model.save(tmp_path / "warp.keras")
    loaded = keras.saving.load_model(tmp_path / "warp.keras", safe_mode=True)
    x = np.random.default_rng(3).normal(size=(2, 5, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    with pytest.raises(ValueError, match="max_warp must be in"):
        FrequencyWarp(1.5)


def _numpy_envelope(x, coefficients):
    cepstrum = scipy.fft.dct(x, type=2, norm="ortho", axis=-1)
    cepstrum[..., coefficients:] = 0.0
    return scipy.fft.idct(cepstrum, type=2, norm="ortho", axis=-1)


def test_pitch_warp_matches_numpy_reference_and_is_identity_at_one(tmp_path):
    x = np.random.default_rng(5).normal(size=(3, 7, 40)).astype(np.float32)
    np.testing.assert_allclose(envelope(x, 12).numpy(), _numpy_envelope(x, 12), atol=1e-5)
    layer = PitchWarp(0.2, fmin=20.0, fmax=4000.0, seed=0)
    alpha = np.float32([0.85, 1.0, 1.2])
    smooth = _numpy_envelope(x, 12)
    expected = smooth + _numpy_warp(x - smooth, alpha, 20, 4000)
    np.testing.assert_allclose(layer.warp(x, alpha).numpy(), expected, atol=1e-4)
    np.testing.assert_allclose(layer.warp(x, np.ones(3, np.float32)).numpy(), x, atol=1e-4)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: unchanged
    out = layer(x, training=True).numpy()
    again = PitchWarp(0.2, fmin=20.0, fmax=4000.0, seed=0)(x, training=True).numpy()
    np.testing.assert_array_equal(again, out)  # same seed, same warps
    assert not np.allclose(out, x, atol=1e-3)
    inputs = keras.Input((7, 40))
    model = keras.Model(inputs, PitchWarp(0.1, fmax=4000.0, seed=1, coefficients=10)(inputs))
    model.save(tmp_path / "pitch.keras")
    loaded = keras.saving.load_model(tmp_path / "pitch.keras", safe_mode=True)
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    assert loaded.layers[1].coefficients == 10
    with pytest.raises(ValueError, match="coefficients must be >= 1"):
        PitchWarp(0.1, coefficients=0)


def test_pitch_warp_moves_the_harmonics_over_the_same_formants():
    """A vowel at 150 Hz, pitch-warped by 1.2, comes nearer the same vowel at 180 Hz (same
    formants); a formant warp by 1.2 (FrequencyWarp) moves it further away."""
    front = LogMelSpectrogram(num_mel_bins=40, fmax=4000.0, normalize=None)
    t = np.arange(RATE) / RATE

    def vowel(f0):
        # two formants, at 700 and 1800 Hz, over a floor; harmonics of f0 up to 3.9 kHz
        harmonics = np.arange(1, int(3900 / f0))[:, None] * f0
        level = np.exp(-(((harmonics - 700) / 300) ** 2)) + 0.5 * np.exp(
            -(((harmonics - 1800) / 400) ** 2)
        )
        wave = ((level + 0.05) * np.sin(2 * np.pi * harmonics * t)).sum(0)
        return front(wave[None].astype(np.float32)).numpy()

    low, high, alpha = vowel(150.0), vowel(180.0), np.float32([1.2])
    pitched = PitchWarp(0.2, fmin=20.0, fmax=4000.0).warp(low, alpha).numpy()
    formants = FrequencyWarp(0.2, fmin=20.0, fmax=4000.0).warp(low, alpha).numpy()
    distance = lambda a: np.abs(a.mean(1) - high.mean(1)).mean()  # noqa: E731
    assert distance(pitched) < 0.9 * distance(low) < distance(formants)


def test_formant_shift_is_one_fixed_warp_in_training_and_inference(tmp_path):
    x = np.random.default_rng(4).normal(size=(3, 7, 40)).astype(np.float32)
    shift = FormantShift(1.07, fmin=20.0, fmax=4000.0)
    expected = _numpy_warp(x, np.full(3, 1.07), 20, 4000)
    np.testing.assert_allclose(shift(x).numpy(), expected, atol=1e-4)
    np.testing.assert_array_equal(shift(x, training=True).numpy(), shift(x).numpy())
    np.testing.assert_array_equal(FormantShift(1.0)(x).numpy(), x)  # exactly the input
    inputs = keras.Input((7, 40))
    model = keras.Model(inputs, shift(inputs))
    model.save(tmp_path / "shift.keras")
    loaded = keras.saving.load_model(tmp_path / "shift.keras", safe_mode=True)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert loaded.layers[1].get_config() == shift.get_config()
    with pytest.raises(ValueError, match="factor must be > 0"):
        FormantShift(0.0)


# ---------------------------------------------------------------- channel simulation (lesson 08)
def test_mu_law_round_trip_has_256_levels_and_relative_error():
    from datasets.spoken_digits import mu_law

    x = np.linspace(-1, 1, 20001).astype(np.float32)
    coded = mu_law(x).numpy()
    assert len(np.unique(coded)) <= 256  # a sign bit and 7 bits
    np.testing.assert_allclose(mu_law(np.float32([-1, 0, 1])).numpy(), [-1, 0, 1], atol=1e-6)
    # the step grows with the level: quiet samples keep fine detail, loud ones coarse
    quiet, loud = np.abs(x) < 0.01, np.abs(x) > 0.5
    assert np.abs(coded - x)[quiet].max() < 1e-3 < np.abs(coded - x)[loud].max() < 0.025


def _band_energy(x, low, high):
    spectrum = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    f = np.fft.rfftfreq(x.shape[-1], 1 / RATE)
    return spectrum[..., (f >= low) & (f < high)].sum(axis=-1)


def test_telephone_channel_keeps_the_phone_band_only():
    from datasets.spoken_digits import simulate_channel

    x = noise((4, RATE), seed=3)
    seeds = tf.constant([5, 6], tf.int64)
    phone = simulate_channel(x, seeds, telephone=1.0, equalize_db=0.0).numpy()
    inside = _band_energy(phone, 500, 3000) / _band_energy(x, 500, 3000)
    above = _band_energy(phone, 4500, 8000) / _band_energy(x, 4500, 8000)
    below = _band_energy(phone, 20, 100) / _band_energy(x, 20, 100)
    assert np.all(inside > 0.8) and np.all(below < 1e-2)
    assert np.all(above < 0.05)  # what is left up there is the μ-law coding noise, broadband
    # nothing asked, nothing done; the same seeds give the same channel
    same = simulate_channel(x, seeds, telephone=0.0, equalize_db=0.0).numpy()
    np.testing.assert_allclose(same, x, atol=1e-5)
    again = simulate_channel(x, seeds, telephone=1.0, equalize_db=0.0).numpy()
    np.testing.assert_array_equal(again, phone)


def test_equalization_and_reverberation():
    from datasets.spoken_digits import simulate_channel

    x = noise((8, RATE), seed=4)
    seeds = tf.constant([1, 2], tf.int64)
    coloured = simulate_channel(x, seeds, telephone=0.0, equalize_db=6.0).numpy()
    gain_db = 10 * np.log10(_band_energy(coloured, 200, 7000) / _band_energy(x, 200, 7000))
    assert np.all(np.abs(gain_db) < 12.5) and np.ptp(gain_db) > 0.1  # each clip its own tilt
    click = np.zeros((8, RATE), np.float32)
    click[:, 1000] = 1.0
    echo = simulate_channel(click, seeds, telephone=0.0, equalize_db=0.0, reverb=1.0).numpy()
    assert np.allclose(echo[:, :1000], 0, atol=1e-4)  # causal: nothing before the sound
    np.testing.assert_allclose(echo[:, 1000], 1.0, atol=0.2)  # the direct sound first
    tail = np.abs(echo[:, 1100:9000]).sum(axis=1)
    assert np.all(tail > 0.01)  # then the room
