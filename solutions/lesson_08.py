"""Reference solutions of lesson 08's exercises.

Grade them with ``python -m grading 08 --answers solutions/lesson_08.py``.
"""

import numpy as np


def frame(signal, frame_length, frame_step):
    signal = np.asarray(signal)
    count = max(0, 1 + (len(signal) - frame_length) // frame_step)  # whole frames only
    starts = np.arange(count) * frame_step
    # an index grid: row t holds the positions t·step … t·step + length − 1
    return signal[starts[:, None] + np.arange(frame_length)[None, :]].reshape(count, frame_length)


def mu_law_compress(x, mu=255.0):
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)  # log1p: exact for tiny |x|


def mu_law_expand(y, mu=255.0):
    y = np.asarray(y, dtype=np.float64)
    return np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu  # (1 + μ)^|y| − 1, accurately


def mel_filterbank(num_mel_bins, num_spectrogram_bins, sample_rate, fmin, fmax):
    def mel(f):
        return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)

    frequencies = np.linspace(0.0, sample_rate / 2.0, num_spectrogram_bins)
    edges = np.linspace(mel(fmin), mel(fmax), num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    bins = mel(frequencies)[:, None]
    rising = (bins - lower) / (center - lower)
    falling = (upper - bins) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0] = 0.0  # the DC bin carries no pitch
    return weights
