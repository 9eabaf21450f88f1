"""Lesson 08's model and its training: front end, CNN, data pipelines, the loop, the saved model.

A *recipe* (:class:`Recipe`) is every choice the lesson compares in its ablation: which
channel simulations augment the training clips and how the log-mel features are normalized.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from custom_layers import layers, losses, optimizers, training
from custom_layers.audio import (
    FormantShift,
    FrequencyWarp,
    LogMelSpectrogram,
    PitchWarp,
    SpecAugment,
)
from datasets import (
    cache,
    festival_voices,
    flite_voices,
    mbrola_voices,
    piper_voices,
    spoken_digits,
)

SAMPLE_RATE = spoken_digits.SAMPLE_RATE
# 12 of the 71 training voice variants, drawn once (sorted(default_rng(7).choice(<the 71>, 12))):
# their clips (in every accent) are the validation voices every choice is made on.
VALIDATION_VARIANTS = (
    "Andy",
    "Storm",
    "aunty",
    "belinda",
    "iven",
    "iven2",
    "klatt",
    "m2",
    "m8",
    "marcelo",
    "quincy",
    "zac",
)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Which clips train the model, what they go through, and what the features keep."""

    flite: bool = False  # add Flite's voices (made from recordings of real people) to training
    festival: bool = False  # add Festival's ked (cut from one more man's recordings) to training
    mbrola: bool = False  # add MBROLA's four voices (diphones of four more people) to training
    max_hz: float = 8000.0  # top of the mel filterbank; 4000 keeps only what a phone line carries
    telephone: float = 0.0  # fraction of clips through a telephone band + μ-law coding
    equalize_db: float = 0.0  # random equalization of ± this many dB (every clip)
    warp: float = 0.0  # vocal-tract-length perturbation: formants × U(1 ± warp) (log-mel)
    pitch: float = 0.0  # pitch perturbation: harmonics × U(1 ± pitch), formants kept (log-mel)
    reverb: float = 0.0  # fraction of clips with room reverberation
    normalize: str = "utterance"  # log-mel normalization: "utterance" or "channel" (per band)
    spec_augment: bool = True  # SpecAugment masking of the log-mel while training


def front_end_settings(recipe: Recipe) -> dict:
    return dict(
        sample_rate=SAMPLE_RATE,
        frame_length=400,
        frame_step=160,
        fft_length=512,
        num_mel_bins=40,
        fmin=20.0,
        fmax=recipe.max_hz,
        power=2.0,
        normalize=recipe.normalize,
    )


def make_front_end(recipe: Recipe = Recipe()) -> LogMelSpectrogram:
    """The spectrogram layer every model in this lesson starts with."""
    return LogMelSpectrogram(**front_end_settings(recipe), name="log_mel")


# The random streams of one training run; `seeds_for` draws a seed for each.
KERNELS = ("conv 1", "conv 2", "conv 3", "dense 1", "dense 2")  # the layers with weights
STREAMS = KERNELS + ("dropout", "spec augment", "formant warp", "pitch warp", "data", "channel")


def seeds_for(seed: int) -> dict[str, int]:
    """``{stream: seed}`` for every one of :data:`STREAMS`, all drawn from ``seed``.

    NumPy's ``SeedSequence`` hashes ``seed``, so no two streams share their random numbers
    (one seed in two layers would draw the same numbers: a wider time mask wherever the
    formants move more) and seed 43's streams are not seed 42's shifted by one. A model's
    initial weights and random draws then depend on its seed alone, not on how many random
    numbers were drawn before it was built: start k of every ablation row begins from the
    same weights.
    """
    values = np.random.SeedSequence(seed).generate_state(len(STREAMS))
    return {stream: int(value) for stream, value in zip(STREAMS, values, strict=True)}


def make_classifier(frames: int, bins: int, seed: int, recipe: Recipe = Recipe()):
    """Log-mel ``(frames, bins)`` → 10 logits: three convolutions, dropout, two dense layers.

    The recipe's training-time perturbations of the log-mel come first (they pass inputs
    through at inference). The first convolution has stride 2: it halves time and frequency
    as a 2×2 max-pooling would, at a quarter of the cost (its input has one channel, where a
    CPU convolution is least efficient).
    """
    settings, perturb = front_end_settings(recipe), []
    seeds = seeds_for(seed)
    kernels = iter(  # Glorot-uniform, each weighted layer from its own seed
        dict(kernel_initializer=keras.initializers.GlorotUniform(seeds[name])) for name in KERNELS
    )
    if recipe.pitch:
        perturb.append(
            PitchWarp(recipe.pitch, settings["fmin"], settings["fmax"], seed=seeds["pitch warp"])
        )
    if recipe.warp:
        perturb.append(
            FrequencyWarp(
                recipe.warp, settings["fmin"], settings["fmax"], seed=seeds["formant warp"]
            )
        )
    if recipe.spec_augment:
        perturb.append(
            SpecAugment(
                time_masks=2,
                time_mask_width=10,
                freq_masks=2,
                freq_mask_width=6,
                seed=seeds["spec augment"],
            )
        )
    return keras.Sequential(
        [keras.Input((frames, bins)), *perturb, keras.layers.Reshape((frames, bins, 1))]
        + [layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", **next(kernels))]
        + [
            layer
            for channels in (32, 64)
            for layer in (
                layers.Conv2D(channels, 3, padding="same", activation="relu", **next(kernels)),
                keras.layers.MaxPooling2D(2),
            )
        ]
        + [
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3, seed=seeds["dropout"]),
            layers.Dense(128, activation="relu", **next(kernels)),
            layers.Dense(10, **next(kernels)),
        ],
        name="classifier",
    )


def compare_with_keras(waves, top_db=80.0) -> float:
    """Largest |difference| (dB) from keras.layers.MelSpectrogram, within ``top_db`` of the peak."""
    theirs = keras.layers.MelSpectrogram(
        fft_length=512,
        sequence_length=400,
        sequence_stride=160,
        sampling_rate=SAMPLE_RATE,
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
    settings = dict(front_end_settings(Recipe()), normalize=None, log_offset=0.0, center=True)
    reference = np.swapaxes(theirs(waves).numpy(), 1, 2)  # (batch, time, mel)
    ours_db = LogMelSpectrogram(**settings)(waves).numpy() * (10.0 / np.log(10.0))  # ln -> dB
    audible = reference > reference.max(axis=(1, 2), keepdims=True) - top_db
    return float(np.max(np.abs(ours_db - reference)[audible]))


def split_validation(train, voices, variants=VALIDATION_VARIANTS):
    """Training arrays → ``(fit part, validation part)``, split by voice variant.

    A config without any of ``variants`` (the --quick one) gives its last training variant.
    """
    x, y, voice = train
    variant = np.array([name.split("+")[1] for name in voices])[voice]
    held = [v for v in variants if v in set(variant.tolist())] or [sorted(set(variant))[-1]]
    is_validation = np.isin(variant, held)
    fit = (x[~is_validation], y[~is_validation], voice[~is_validation])
    return fit, (x[is_validation], y[is_validation], voice[is_validation])


def load_flite(quick: bool = False):
    """``((train x, y, voice), (validation x, y, voice), voice names), None`` or ``(None, why)``.

    ``quick`` keeps the first two renditions of every digit by every voice (100 clips).
    """
    try:
        data, names = flite_voices.load_data()
    except (cache.DataUnavailableError, OSError, ValueError) as error:
        return None, " ".join(str(error).split())
    if quick:
        per_voice = flite_voices.Config().renditions * spoken_digits.NUM_CLASSES  # voice-major
        first_two = np.arange(len(data[0])) % per_voice < 2 * spoken_digits.NUM_CLASSES
        data = tuple(part[first_two] for part in data)
    return (*flite_voices.split(data, names), names), None


def load_festival(quick: bool = False):
    """``((x, y), None)``: Festival's training voice ``ked``, or ``(None, why)`` if missing.

    ``quick`` keeps the first two renditions of every digit (20 clips).
    """
    try:
        (x, y, _), _ = festival_voices.load_data()
    except (cache.DataUnavailableError, OSError, ValueError) as error:
        return None, " ".join(str(error).split())
    keep = slice(0, 2 * spoken_digits.NUM_CLASSES) if quick else slice(None)  # rendition-major
    return (x[keep], y[keep]), None


def load_mbrola(quick: bool = False):
    """``((x, y), None)``: MBROLA's four training voices, or ``(None, why)`` if missing.

    ``quick`` keeps the first two renditions of every digit by every voice (80 clips).
    """
    try:
        (x, y, _), _ = mbrola_voices.load_data()
    except (cache.DataUnavailableError, OSError, ValueError) as error:
        return None, " ".join(str(error).split())
    if quick:
        per_voice = mbrola_voices.Config().renditions * spoken_digits.NUM_CLASSES  # voice-major
        first_two = np.arange(len(x)) % per_voice < 2 * spoken_digits.NUM_CLASSES
        x, y = x[first_two], y[first_two]
    return (x, y), None


def load_piper(quick: bool = False):
    """``((x, y), None)``: Piper's validation voice ``joe``, or ``(None, why)`` if missing.

    ``quick`` keeps the first two renditions of every digit (20 clips).
    """
    try:
        x, y = piper_voices.load_data()
    except (cache.DataUnavailableError, OSError, ValueError) as error:
        return None, " ".join(str(error).split())
    keep = slice(0, 2 * spoken_digits.NUM_CLASSES) if quick else slice(None)  # rendition-major
    return (x[keep], y[keep]), None


def training_data(x, y, front_end, recipe: Recipe, batch_size: int, seed: int):
    """Shuffled, augmented waveform batches (speed, shift, gain, noise, then the recipe's
    channels), turned into log-mel batches on the fly: new perturbations every epoch."""
    seeds = seeds_for(seed)  # "data": the order and the waveform augmentations
    waves = spoken_digits.pipeline(
        x, y, batch_size, shuffle=True, seed=seeds["data"], augment_data=True
    )
    if recipe.telephone or recipe.equalize_db or recipe.reverb:
        randoms = tf.data.Dataset.random(seed=seeds["channel"], rerandomize_each_iteration=True)
        randoms = randoms.batch(2)

        def channel(batch, pair):
            wave, label = batch
            return spoken_digits.simulate_channel(
                wave, pair, recipe.telephone, recipe.equalize_db, recipe.reverb
            ), label

        waves = tf.data.Dataset.zip(waves, randoms).map(
            channel, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )

    def to_features(wave, label):
        return front_end(wave), label

    return waves.map(to_features, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def telephone_copies(x, seed: int = 1) -> np.ndarray:
    """Fixed copies of clips through simulated phone lines (for validating, never for training)."""
    seeds = tf.constant([seed, 0], tf.int64)
    return np.concatenate(
        [
            spoken_digits.simulate_channel(x[i : i + 256], seeds + i, 1.0, 6.0).numpy()
            for i in range(0, len(x), 256)
        ]
    )


def features(x, front_end, batch_size=256) -> np.ndarray:
    """Log-mels of fixed clips, computed once (validating each epoch then costs only the CNN)."""
    return np.concatenate(
        [front_end(x[i : i + batch_size]).numpy() for i in range(0, len(x), batch_size)]
    )


def train(classifier, train_data, epochs, validation=None, learning_rate=1e-3, verbose=1):
    """The course's GradientTape loop with its Adam; the learning rate follows a cosine to 0."""
    steps = epochs * int(train_data.cardinality())
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    validation_data = None
    if validation is not None:
        validation_data = tf.data.Dataset.from_tensor_slices(validation).batch(256)
    return training.fit(
        classifier,
        train_data,
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(learning_rate=schedule),
        epochs=epochs,
        validation_data=validation_data,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        verbose=verbose,
    )


def end_to_end(front_end, classifier, warps=None) -> keras.Model:
    """Waveform in, logits out: the model that is saved.

    With ``warps`` (formant factors ``α_1 … α_K``) the classifier hears the log-mel ``S`` at
    each vocal-tract length and the answers are pooled:
    ``logits = (1/K) Σ_k log softmax(classifier(shift_{α_k}(S)))``, the log of the geometric
    mean of the K probability vectors (its softmax is their normalized geometric mean).
    """
    inputs = keras.Input((spoken_digits.CLIP_SAMPLES,), name="waveform")
    mel = front_end(inputs)
    if not warps:
        return keras.Model(inputs, classifier(mel), name="spoken_digits")
    answers = [
        keras.layers.Activation("log_softmax", name=f"log_p_{k}")(
            classifier(FormantShift(a, front_end.fmin, front_end.fmax, name=f"formants_{k}")(mel))
        )
        for k, a in enumerate(warps)
    ]
    return keras.Model(inputs, keras.layers.Average(name="pooled")(answers), name="spoken_digits")


def predict(model, waves, batch_size=256) -> np.ndarray:
    """Logits for many clips, a batch at a time (eagerly: no graph to trace for a few calls)."""
    return np.concatenate(
        [
            model(waves[i : i + batch_size], training=False).numpy()
            for i in range(0, len(waves), batch_size)
        ]
    )


def save_and_reload(model, path, waves):
    """Save as ``.keras``, load back with ``safe_mode=True``; largest |difference| in logits."""
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    return reloaded, float(np.max(np.abs(predict(model, waves) - predict(reloaded, waves))))


def confusion_matrix(y_true, y_pred, classes=10) -> np.ndarray:
    """``matrix[i, j]``: how often digit ``i`` was heard as ``j``."""
    return np.bincount(classes * y_true + y_pred, minlength=classes * classes).reshape(
        classes, classes
    )


def accuracy_by(groups, correct) -> dict:
    """``{group: accuracy}`` over the examples of each group, sorted by name."""
    groups = np.asarray(groups)
    return {g: float(correct[groups == g].mean()) for g in sorted(set(groups.tolist()))}
