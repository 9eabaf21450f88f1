"""Plausible wrong answers to lesson 08's exercises: each must be rejected by its checker."""

import numpy as np


def frame_count_without_plus_one(signal, frame_length, frame_step):
    count = max(0, (len(signal) - frame_length) // frame_step)  # forgets the first frame
    starts = np.arange(count) * frame_step
    index = starts[:, None] + np.arange(frame_length)[None, :]
    return np.asarray(signal)[index].reshape(count, frame_length)


def frame_padding_the_end(signal, frame_length, frame_step):
    signal = np.asarray(signal, dtype=np.float64)
    count = -(-len(signal) // frame_step)  # ceil(n / step): keeps a zero-padded partial frame
    padded = np.concatenate([signal, np.zeros(count * frame_step + frame_length)])
    return np.stack([padded[t * frame_step : t * frame_step + frame_length] for t in range(count)])


def frame_step_and_length_swapped(signal, frame_length, frame_step):
    count = max(0, 1 + (len(signal) - frame_length) // frame_step)
    index = np.arange(count)[:, None] * frame_length + np.arange(frame_length)[None, :]
    return np.asarray(signal)[np.clip(index, 0, len(signal) - 1)]


def compress_dividing_by_ln_mu(x, mu=255.0):
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.log1p(mu * np.abs(x)) / np.log(mu)  # f(1) is not 1


def compress_losing_the_sign(x, mu=255.0):
    x = np.asarray(x, dtype=np.float64)
    return np.log1p(mu * np.abs(x)) / np.log1p(mu)


def compress_without_the_one(x, mu=255.0):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.sign(x) * np.log(np.maximum(mu * np.abs(x), 1e-300)) / np.log(mu)


def expand_forgetting_minus_one(y, mu=255.0):
    y = np.asarray(y, dtype=np.float64)
    return np.sign(y) * (1.0 + mu) ** np.abs(y) / mu


def expand_with_exp_mu(y, mu=255.0):
    y = np.asarray(y, dtype=np.float64)
    return np.sign(y) * np.expm1(np.abs(y) * mu) / np.expm1(mu)  # e^(μ|y|), not (1 + μ)^|y|


def filterbank_linear_in_hertz(num_mel_bins, num_spectrogram_bins, sample_rate, fmin, fmax):
    frequencies = np.linspace(0.0, sample_rate / 2.0, num_spectrogram_bins)[:, None]
    edges = np.linspace(fmin, fmax, num_mel_bins + 2)  # triangles evenly spaced in Hz
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (frequencies - lower) / (center - lower)
    falling = (upper - frequencies) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0] = 0.0
    return weights


def filterbank_bins_off_by_one(num_mel_bins, num_spectrogram_bins, sample_rate, fmin, fmax):
    def mel(f):
        return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)

    # bin k at k · (sample_rate / 2) / num_spectrogram_bins: the spacing of an FFT of 2·bins
    frequencies = np.arange(num_spectrogram_bins) * (sample_rate / 2.0) / num_spectrogram_bins
    edges = np.linspace(mel(fmin), mel(fmax), num_mel_bins + 2)
    bins = mel(frequencies)[:, None]
    rising = (bins - edges[:-2]) / (edges[1:-1] - edges[:-2])
    falling = (edges[2:] - bins) / (edges[2:] - edges[1:-1])
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0] = 0.0
    return weights


def filterbank_transposed(num_mel_bins, num_spectrogram_bins, sample_rate, fmin, fmax):
    def mel(f):
        return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)

    frequencies = np.linspace(0.0, sample_rate / 2.0, num_spectrogram_bins)
    edges = np.linspace(mel(fmin), mel(fmax), num_mel_bins + 2)
    bins = mel(frequencies)[None, :]
    rising = (bins - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    falling = (edges[2:, None] - bins) / (edges[2:, None] - edges[1:-1, None])
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[:, 0] = 0.0
    return weights  # (num_mel_bins, num_spectrogram_bins)


WRONG = {
    "frame": [frame_count_without_plus_one, frame_padding_the_end, frame_step_and_length_swapped],
    "mu_law_compress": [
        compress_dividing_by_ln_mu,
        compress_losing_the_sign,
        compress_without_the_one,
    ],
    "mu_law_expand": [expand_forgetting_minus_one, expand_with_exp_mu],
    "mel_filterbank": [
        filterbank_linear_in_hertz,
        filterbank_bins_off_by_one,
        filterbank_transposed,
    ],
}
