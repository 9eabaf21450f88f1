"""Spectrogram front ends: raw waveforms in, log-mel spectrograms out, inside the model.

A spectrogram is the short-time Fourier transform (STFT) of a signal: cut it into frames
of ``frame_length`` samples every ``frame_step`` samples, multiply each by a Hann window
``w[n] = 0.5 - 0.5 cos(2πn / frame_length)``, and take the FFT of ``fft_length`` points::

    X[t, k] = Σ_n x[t·frame_step + n] · w[n] · exp(-2πi·k·n / fft_length),   k = 0 … fft_length/2

Bin ``k`` is the frequency ``k · sample_rate / fft_length``. The mel scale
``mel(f) = 2595 · log10(1 + f / 700)`` spaces filters the way pitch perception does:
``num_mel_bins`` triangular filters, evenly spaced in mel between ``fmin`` and ``fmax``
(each peaking at 1, the HTK convention of ``tf.signal.linear_to_mel_weight_matrix``),
sum the spectrum ``|X|^power`` into bands, and the log compresses their huge dynamic range::

    S[t, m] = log(Σ_k |X[t, k]|^power · M[k, m] + log_offset)

Because the layer is part of the model, a saved model takes raw waveforms: no separate
preprocessing to get wrong at inference time. ``SpecAugment`` and ``FrequencyWarp`` perturb
log-mels while training and pass them through at inference (``PitchWarp`` too: it moves the
harmonics and keeps the formants); ``FormantShift`` applies one fixed
warp always, to average a model's answers over a few vocal-tract lengths at inference.
"""

from __future__ import annotations

import keras
import tensorflow as tf

NORMALIZATIONS = (None, "utterance", "channel")


@keras.saving.register_keras_serializable(package="custom_layers")
class LogMelSpectrogram(keras.layers.Layer):
    """Waveforms ``(batch, samples)`` → log-mel spectrograms ``(batch, frames, num_mel_bins)``.

    Args:
        sample_rate: samples per second of the input.
        frame_length: samples per STFT frame (400 = 25 ms at 16 kHz).
        frame_step: samples between frames (160 = 10 ms at 16 kHz).
        fft_length: FFT size (≥ frame_length; default: the next power of two).
        num_mel_bins: number of mel bands.
        fmin, fmax: lowest and highest frequency of the mel filters, in Hz
            (``fmax`` defaults to ``sample_rate / 2``).
        power: 1.0 sums magnitudes ``|X|``, 2.0 sums powers ``|X|²``.
        log_offset: added before the log, so silence gives ``log(log_offset)``, not ``-inf``.
        center: pad ``frame_length // 2`` reflected samples on both sides, so frame ``t`` is
            centred on sample ``t · frame_step`` (librosa's and ``keras.layers.MelSpectrogram``'s
            convention); then ``frames = 1 + samples // frame_step``, otherwise
            ``frames = 1 + (samples - frame_length) // frame_step``.
        normalize: ``None``; ``"utterance"``: subtract the mean and divide by the standard
            deviation of all of one clip's values (so loudness and recording level drop
            out); ``"channel"``: the same per mel band, over time.
    """

    def __init__(
        self,
        sample_rate=16000,
        frame_length=400,
        frame_step=160,
        fft_length=None,
        num_mel_bins=40,
        fmin=20.0,
        fmax=None,
        power=2.0,
        log_offset=1e-6,
        center=False,
        normalize=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if fft_length is None:
            fft_length = 1 << (int(frame_length) - 1).bit_length()
        if fft_length < frame_length:
            raise ValueError(f"fft_length ({fft_length}) must be ≥ frame_length ({frame_length})")
        if normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {NORMALIZATIONS}, not {normalize!r}")
        self.sample_rate = int(sample_rate)
        self.frame_length = int(frame_length)
        self.frame_step = int(frame_step)
        self.fft_length = int(fft_length)
        self.num_mel_bins = int(num_mel_bins)
        self.fmin = float(fmin)
        self.fmax = float(fmax) if fmax is not None else self.sample_rate / 2.0
        if not 0.0 <= self.fmin < self.fmax <= self.sample_rate / 2.0:
            raise ValueError(
                f"need 0 ≤ fmin < fmax ≤ sample_rate / 2, got {self.fmin}, {self.fmax}"
            )
        self.power = float(power)
        self.log_offset = float(log_offset)
        self.center = bool(center)
        self.normalize = normalize
        # (fft_length // 2 + 1, num_mel_bins): a constant of the settings, not a weight
        self.mel_matrix = tf.signal.linear_to_mel_weight_matrix(
            self.num_mel_bins, self.fft_length // 2 + 1, self.sample_rate, self.fmin, self.fmax
        )

    def num_frames(self, num_samples):
        """Frames produced from ``num_samples`` samples (None stays None)."""
        if num_samples is None:
            return None
        if self.center:
            return 1 + num_samples // self.frame_step
        return 1 + (num_samples - self.frame_length) // self.frame_step

    def spectrogram(self, waveforms):
        """``|X[t, k]|^power``: ``(batch, frames, fft_length // 2 + 1)``."""
        x = tf.cast(waveforms, tf.float32)
        if self.center:
            pad = self.frame_length // 2
            x = tf.pad(x, [[0, 0], [pad, pad]], mode="REFLECT")
        stft = tf.signal.stft(
            x,
            self.frame_length,
            self.frame_step,
            self.fft_length,
            window_fn=tf.signal.hann_window,
            pad_end=False,
        )
        magnitude = tf.abs(stft)
        return magnitude if self.power == 1.0 else tf.pow(magnitude, self.power)

    def call(self, waveforms):
        mel = tf.tensordot(self.spectrogram(waveforms), self.mel_matrix, axes=1)
        features = tf.math.log(mel + self.log_offset)
        if self.normalize is not None:
            axes = [1, 2] if self.normalize == "utterance" else [1]
            mean, variance = tf.nn.moments(features, axes=axes, keepdims=True)
            features = (features - mean) * tf.math.rsqrt(variance + 1e-6)
        return tf.cast(features, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_frames(input_shape[-1]), self.num_mel_bins)

    def get_config(self):
        config = super().get_config()
        config.update(
            sample_rate=self.sample_rate,
            frame_length=self.frame_length,
            frame_step=self.frame_step,
            fft_length=self.fft_length,
            num_mel_bins=self.num_mel_bins,
            fmin=self.fmin,
            fmax=self.fmax,
            power=self.power,
            log_offset=self.log_offset,
            center=self.center,
            normalize=self.normalize,
        )
        return config


@keras.saving.register_keras_serializable(package="custom_layers")
class SpecAugment(keras.layers.Layer):
    """Training-time masking of spectrograms ``(batch, frames, bins)`` (Park et al., 2019).

    When ``training=True``, each example gets ``time_masks`` bands of ``w ~ U{0 … time_mask_width}``
    consecutive frames and ``freq_masks`` bands of ``w ~ U{0 … freq_mask_width}`` consecutive
    bins, each at a uniformly random start, set to ``mask_value`` (0: the mean of a
    normalized log-mel). The model has to recognize the word with a bit of it missing,
    so it cannot lean on any one band or instant. At inference it passes inputs through.
    """

    def __init__(
        self,
        time_masks=2,
        time_mask_width=10,
        freq_masks=2,
        freq_mask_width=6,
        mask_value=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.time_masks = int(time_masks)
        self.time_mask_width = int(time_mask_width)
        self.freq_masks = int(freq_masks)
        self.freq_mask_width = int(freq_mask_width)
        self.mask_value = float(mask_value)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _bands(self, batch, size, count, max_width):
        """``(batch, size)`` booleans: True inside any of ``count`` random bands per example."""
        positions = tf.range(size)[tf.newaxis, :]
        masked = tf.zeros([batch, size], tf.bool)
        for _ in range(count):
            width = keras.random.randint([batch, 1], 0, max_width + 1, seed=self.seed_generator)
            start = keras.random.randint([batch, 1], 0, 2**30, seed=self.seed_generator)
            start = start % tf.maximum(size - width + 1, 1)
            masked |= (positions >= start) & (positions < start + width)
        return masked

    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = tf.shape(inputs)
        time = self._bands(shape[0], shape[1], self.time_masks, self.time_mask_width)
        freq = self._bands(shape[0], shape[2], self.freq_masks, self.freq_mask_width)
        masked = time[:, :, tf.newaxis] | freq[:, tf.newaxis, :]
        return tf.where(masked, tf.cast(self.mask_value, inputs.dtype), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            time_masks=self.time_masks,
            time_mask_width=self.time_mask_width,
            freq_masks=self.freq_masks,
            freq_mask_width=self.freq_mask_width,
            mask_value=self.mask_value,
            seed=self.seed,
        )
        return config


def _hz_to_mel(hz):
    return 2595.0 * tf.math.log(1.0 + hz / 700.0) / tf.math.log(10.0)


def _mel_to_hz(mel):
    return 700.0 * (tf.pow(10.0, mel / 2595.0) - 1.0)


def warp_bands(inputs, alpha, fmin, fmax):
    """Log-mels ``(batch, frames, bins)`` with example ``i``'s formants moved by ``alpha[i]``.

    Mel band ``j``, centred at ``c_j`` Hz, takes the value the input has at ``c_j / α``, read
    between the two nearest bands by linear interpolation on the mel scale (bands beyond the
    edges repeat the edge band): content at ``f`` moves to ``α·f``. ``fmin``/``fmax`` are the
    front end's, so that band ``j`` means the same frequency here.
    """
    bins = tf.shape(inputs)[2]
    low, high = _hz_to_mel(fmin), _hz_to_mel(fmax)
    step = (high - low) / tf.cast(bins + 1, tf.float32)
    centres = _mel_to_hz(low + step * tf.range(1, bins + 1, dtype=tf.float32))
    source = _hz_to_mel(centres[tf.newaxis, :] / tf.cast(alpha, tf.float32)[:, tf.newaxis])
    # the fractional input band each output band reads: (batch, bins)
    position = tf.clip_by_value((source - low) / step - 1.0, 0.0, tf.cast(bins - 1, tf.float32))
    left = tf.minimum(tf.cast(tf.floor(position), tf.int32), bins - 2)
    frac = tf.cast(position - tf.cast(left, tf.float32), inputs.dtype)[:, tf.newaxis, :]
    below = tf.gather(inputs, left, axis=2, batch_dims=1)
    above = tf.gather(inputs, left + 1, axis=2, batch_dims=1)
    return below + frac * (above - below)


@keras.saving.register_keras_serializable(package="custom_layers")
class FrequencyWarp(keras.layers.Layer):
    """Training-time vocal-tract-length perturbation of log-mels ``(batch, frames, bins)``.

    A shorter vocal tract puts every formant higher by one factor: content at ``f`` moves to
    ``α·f`` (Jaitly & Hinton, 2013). When ``training=True`` each example draws
    ``α ~ U(1 − max_warp, 1 + max_warp)`` and is warped by :func:`warp_bands`. Unlike a
    speed change, the timing and the pitch contour stay as they were. ``fmin``/``fmax`` must
    be the front end's. At inference it passes inputs through.
    """

    def __init__(self, max_warp=0.1, fmin=20.0, fmax=8000.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(max_warp) < 1.0:
            raise ValueError(f"max_warp must be in [0, 1), got {max_warp}")
        self.max_warp = float(max_warp)
        self.fmin, self.fmax = float(fmin), float(fmax)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def warp(self, inputs, alpha):
        """``inputs`` with example ``i`` warped by ``alpha[i]``."""
        return warp_bands(inputs, alpha, self.fmin, self.fmax)

    def call(self, inputs, training=False):
        if not training or self.max_warp == 0.0:
            return inputs
        alpha = keras.random.uniform(
            [tf.shape(inputs)[0]],
            1.0 - self.max_warp,
            1.0 + self.max_warp,
            seed=self.seed_generator,
        )
        return self.warp(inputs, alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(max_warp=self.max_warp, fmin=self.fmin, fmax=self.fmax, seed=self.seed)
        return config


def envelope(inputs, coefficients=12):
    """The smooth part of log-mels ``(..., bins)``: the spectral envelope a vocal tract makes.

    The DCT-II along the bands (orthonormal, so its inverse is the DCT-III) gives the cepstrum
    ``c = DCT(S)``; the first ``coefficients`` terms vary slowly across frequency (formants,
    the ones MFCCs keep), the rest quickly (the harmonics of the pitch, noise). Zeroing the rest
    and transforming back keeps the envelope: ``E = DCT⁻¹(c · [q < coefficients])``.
    """
    cepstrum = tf.signal.dct(inputs, type=2, norm="ortho")
    keep = tf.cast(tf.range(tf.shape(inputs)[-1]) < coefficients, inputs.dtype)
    return tf.signal.idct(cepstrum * keep, type=2, norm="ortho")


@keras.saving.register_keras_serializable(package="custom_layers")
class PitchWarp(FrequencyWarp):
    """Training-time pitch perturbation of log-mels: the harmonics move, the formants stay.

    The source-filter split of speech: a log spectrum is the vocal tract's envelope ``E`` (see
    :func:`envelope`) plus the fine structure of the vocal folds' harmonics, ``S − E``. A
    higher voice spaces its harmonics wider by a factor ``α`` over the same envelope, so
    ``S' = E + warp_α(S − E)``, with :func:`warp_bands` moving the fine structure (content at
    ``f`` to ``α·f``). Each example draws ``α ~ U(1 − max_warp, 1 + max_warp)`` as
    :class:`FrequencyWarp` does, whose formant warp moves the envelope instead. The log-mel
    resolves harmonics only in its lowest bands (about 40 Hz wide there, against pitches of
    100–300 Hz), so this is a coarse pitch shift, exact in neither pitch nor envelope.
    """

    def __init__(self, max_warp=0.2, fmin=20.0, fmax=8000.0, seed=None, coefficients=12, **kwargs):
        super().__init__(max_warp, fmin, fmax, seed, **kwargs)
        if int(coefficients) < 1:
            raise ValueError(f"coefficients must be >= 1, got {coefficients}")
        self.coefficients = int(coefficients)

    def warp(self, inputs, alpha):
        """``inputs`` with example ``i``'s harmonics moved by ``alpha[i]``, its envelope kept."""
        smooth = envelope(inputs, self.coefficients)
        return smooth + warp_bands(inputs - smooth, alpha, self.fmin, self.fmax)

    def get_config(self):
        return {**super().get_config(), "coefficients": self.coefficients}


@keras.saving.register_keras_serializable(package="custom_layers")
class FormantShift(keras.layers.Layer):
    """Log-mels ``(batch, frames, bins)`` warped by one fixed ``factor``, in training and inference.

    :func:`warp_bands` with ``α = factor`` for every example: content at ``f`` moves to
    ``factor·f``. A model that was trained on warped log-mels (:class:`FrequencyWarp`) can
    then hear one clip as several vocal-tract lengths and pool its answers (test-time
    augmentation). ``factor = 1`` returns the input unchanged.
    """

    def __init__(self, factor=1.0, fmin=20.0, fmax=8000.0, **kwargs):
        super().__init__(**kwargs)
        if not float(factor) > 0.0:
            raise ValueError(f"factor must be > 0, got {factor}")
        self.factor = float(factor)
        self.fmin, self.fmax = float(fmin), float(fmax)

    def call(self, inputs):
        if self.factor == 1.0:
            return inputs
        return warp_bands(inputs, tf.fill(tf.shape(inputs)[:1], self.factor), self.fmin, self.fmax)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, fmin=self.fmin, fmax=self.fmax)
        return config
