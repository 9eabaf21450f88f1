"""Checkers for lesson 08's exercises.

References: NumPy's ``sliding_window_view`` (framing), ``tf.signal.linear_to_mel_weight_matrix``
(the mel filterbank), and for μ-law the closed forms at known points plus properties (range,
odd symmetry, monotonicity, and that expanding undoes compressing).
"""

import numpy as np

from grading import check, close, exercise


@exercise("frame", hint="frames = 1 + (n − frame_length) // frame_step (0 if n < frame_length).")
def check_frame(frame):
    rng = np.random.default_rng(8)
    cases = {
        "16000 samples, 400 every 160 (98 frames)": (rng.normal(size=16000), 400, 160),
        "frames that do not overlap": (np.arange(12.0), 4, 4),
        "a last partial frame is dropped": (np.arange(11.0), 4, 3),
        "step longer than a frame": (np.arange(20.0), 3, 7),
        "exactly one frame": (np.arange(5.0), 5, 2),
        "shorter than a frame: no frames": (np.arange(3.0), 5, 2),
    }
    for name, (signal, length, step) in cases.items():
        if len(signal) >= length:
            expected = np.lib.stride_tricks.sliding_window_view(signal, length)[::step]
        else:
            expected = np.zeros((0, length))
        yield close(name, frame(signal, length, step), expected, rtol=0, atol=0)


def _mu_law(x, mu):
    return np.sign(x) * np.log(1 + mu * np.abs(x)) / np.log(1 + mu)


@exercise("mu_law_compress", hint="sign(x) · ln(1 + μ|x|) / ln(1 + μ): keep the sign.")
def check_mu_law_compress(mu_law_compress):
    x = np.array([-1.0, -0.5, -1e-3, 0.0, 1e-3, 0.1, 0.5, 1.0])
    yield close("μ = 255 at known points", mu_law_compress(x, 255.0), _mu_law(x, 255.0))
    yield close("μ = 15", mu_law_compress(x, 15.0), _mu_law(x, 15.0))
    yield close("±1 map to ±1, 0 to 0", mu_law_compress(np.array([-1.0, 0.0, 1.0])), [-1, 0, 1])
    dense = np.linspace(-1, 1, 2001)
    y = np.asarray(mu_law_compress(dense), dtype=np.float64)
    yield check("odd: f(−x) = −f(x)", np.allclose(y, -y[::-1]), "an odd function", "not odd")
    yield check("increasing", bool(np.all(np.diff(y) > 0)), "strictly increasing", "not")
    yield close(
        "a tiny value, 1e-9 (use log1p)",
        mu_law_compress(np.array([1e-9])),
        _mu_law(np.array([1e-9]), 255.0),
        rtol=1e-6,
        atol=0,
    )


@exercise("mu_law_expand", hint="sign(y) · ((1 + μ)^|y| − 1) / μ, the inverse of compressing.")
def check_mu_law_expand(mu_law_expand):
    x = np.array([-1.0, -0.25, -1e-4, 0.0, 1e-4, 0.3, 0.8, 1.0])
    for mu in (255.0, 15.0):
        yield close(
            f"undoes compressing, μ = {mu:g}",
            mu_law_expand(_mu_law(x, mu), mu),
            x,
            rtol=1e-6,
            atol=1e-9,
        )
    yield close("±1 and 0", mu_law_expand(np.array([-1.0, 0.0, 1.0])), [-1, 0, 1])
    y = np.array([0.5, -0.5])
    yield close("y = ±0.5, μ = 255: ±(√256 − 1)/255", mu_law_expand(y), [15 / 255, -15 / 255])


@exercise("mel_filterbank", hint="num_mel_bins + 2 edges evenly spaced in mel; slopes in mel.")
def check_mel_filterbank(mel_filterbank):
    cases = {
        "40 bands, 257 bins, 16 kHz, 20–8000 Hz": (40, 257, 16000, 20.0, 8000.0),
        "10 bands, telephone 300–3400 Hz at 8 kHz": (10, 129, 8000, 300.0, 3400.0),
        "one band over everything": (1, 33, 16000, 0.0, 8000.0),
        "more bands than bins can resolve": (30, 33, 16000, 100.0, 8000.0),
    }
    for name, (bands, bins, rate, low, high) in cases.items():
        got = mel_filterbank(bands, bins, rate, low, high)  # first: a stub stops before TF loads
        import tensorflow as tf

        expected = tf.signal.linear_to_mel_weight_matrix(bands, bins, rate, low, high).numpy()
        yield close(name, got, expected, rtol=1e-4, atol=1e-5)
