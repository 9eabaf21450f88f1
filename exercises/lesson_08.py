"""Lesson 08 exercises: the pieces of an audio front end, by hand, in NumPy.

Fill in each function, then grade them with ``make exercise-08`` (or
``python -m grading 08``). Each checker compares your answer with an independent reference
(TensorFlow's ``tf.signal``, NumPy) on small named cases. Solutions: ``solutions/lesson_08.py``.
"""


def frame(signal, frame_length, frame_step):
    """Cut a 1-D signal into overlapping frames: a ``(frames, frame_length)`` array.

    Frame ``t`` is ``signal[t·frame_step : t·frame_step + frame_length]``; only whole frames
    count, so ``frames = 1 + (len(signal) − frame_length) // frame_step`` (0 if the signal is
    shorter than one frame). 16 000 samples, frames of 400 every 160: 98 frames.
    """
    raise NotImplementedError


def mu_law_compress(x, mu=255.0):
    """μ-law companding of ``x`` in [-1, 1]: ``sign(x) · ln(1 + μ|x|) / ln(1 + μ)``.

    Quiet values are stretched, loud ones squeezed; the result is in [-1, 1] and keeps the sign.
    """
    raise NotImplementedError


def mu_law_expand(y, mu=255.0):
    """The inverse of :func:`mu_law_compress`: ``sign(y) · ((1 + μ)^|y| − 1) / μ``."""
    raise NotImplementedError


def mel_filterbank(num_mel_bins, num_spectrogram_bins, sample_rate, fmin, fmax):
    """The ``(num_spectrogram_bins, num_mel_bins)`` matrix of HTK triangular mel filters.

    Spectrogram bin ``k`` (0 … num_spectrogram_bins − 1) is the frequency
    ``f_k = k · (sample_rate / 2) / (num_spectrogram_bins − 1)``; ``mel(f) = 1127 · ln(1 + f/700)``.
    Take ``num_mel_bins + 2`` edges evenly spaced in mel from ``mel(fmin)`` to ``mel(fmax)``;
    filter ``m`` rises linearly (in mel) from edge ``m`` to 1 at edge ``m + 1`` and falls back
    to 0 at edge ``m + 2``: ``weight = max(0, min(rising, falling))``. Bin 0 (DC) gets 0 weights.
    The same matrix as ``tf.signal.linear_to_mel_weight_matrix``.
    """
    raise NotImplementedError
