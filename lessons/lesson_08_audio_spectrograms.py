# %% [markdown]
# # Lesson 08 — Audio: from waveforms to spectrograms to spoken digits
#
# The article lists audio signal processing among the things neural networks do well.
# This lesson builds a small speech recognizer for the ten words "zero" … "nine" and asks
# it the question that matters for speech: does it understand **voices it has never
# heard**? The model listens to raw waveforms; its first layer turns them into log-mel
# spectrograms, and a small convolutional network reads those like images.
#
# **What you will learn**
#
# - how sound is stored (samples, sample rate) and why a network prefers a spectrogram;
# - the short-time Fourier transform, the mel scale and the log, as one Keras layer
#   (`custom_layers.audio.LogMelSpectrogram`) that reproduces `keras.layers.MelSpectrogram`;
# - how to split a speech data set so the test measures new speakers, not memory;
# - augmentation for audio: speed, time shift, gain, noise, and SpecAugment masking;
# - reading a confusion matrix and accuracy per held-out voice;
# - why the front end belongs inside the saved model, and where caching spectrograms pays.

# %% [markdown]
# ## 1. The data: ten words, 712 synthetic voices
#
# No recorded spoken-digit corpus can be fetched offline, so `datasets.spoken_digits`
# synthesizes one with eSpeak NG, a formant synthesizer. A **voice** is one of 8 English
# accents (Great Britain, Scotland, Lancaster, West Midlands, Received Pronunciation,
# Caribbean, America, New York City) combined with one of 89 *voice variants* (male,
# female, child, old, whispered, rough, breathy ...). Every clip also draws its own
# speaking rate (110–230 words per minute), pitch and pitch range.
#
# **What "unseen voice" means here.** 18 of the 89 variants are held out entirely: the
# test set is those 18 variants in all 8 accents (144 voices); no clip of theirs, in
# any accent, is in training. So a test voice is a timbre the model has never heard,
# speaking an accent it has. (Holding out accent × variant *combinations* only would be
# easier: the model would have heard each test timbre in another accent.)
#
# Each clip is 1 second at 16 kHz: 16 000 numbers between −1 and 1, the word centred.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers import layers, losses, optimizers, training
from custom_layers.audio import LogMelSpectrogram, SpecAugment
from datasets import spoken_digits
from lessons import common

DIGITS = spoken_digits.DIGITS
SAMPLE_RATE = spoken_digits.SAMPLE_RATE

# A tiny data set for --quick runs: 4 training variants and 2 held-out ones, 2 accents.
QUICK_CONFIG = spoken_digits.Config(
    variants=("m1", "m3", "f2", "f4", "Denis", "steph"), accents=("en", "en-US")
)


def load(quick):
    """``(x_train, y_train, voice_train), (x_test, y_test, voice_test), voice names``."""
    return spoken_digits.load_data(config=QUICK_CONFIG if quick else spoken_digits.Config())


# %% [markdown]
# ## 2. From waveform to spectrogram
#
# A waveform is hard to read: the same word at another pitch or speed gives completely
# different numbers. What a listener recognizes is *which frequencies are loud when*.
# The **short-time Fourier transform** (STFT) measures exactly that: cut the signal into
# frames of 400 samples (25 ms) every 160 samples (10 ms), weight each by a Hann window
# `w[n] = 0.5 − 0.5·cos(2πn/400)` so the cut edges do not ring, and take a 512-point FFT:
#
# `X[t, k] = Σₙ x[160·t + n] · w[n] · e^(−2πi·k·n/512)`; bin `k` is the frequency
# `k · 16000 / 512` Hz.
#
# Then two steps that mimic hearing:
#
# - the **mel scale** `mel(f) = 2595 · log10(1 + f/700)`: 40 triangular filters, evenly
#   spaced in mel from 20 Hz to 8 kHz, sum the power `|X|²` into bands: narrow at low
#   frequencies (where pitch and vowels live), wide at high ones;
# - the **log**: `S = log(mel power + 10⁻⁶)`, because loudness spans orders of magnitude.
#
# Finally **per-utterance normalization** subtracts the clip's mean and divides by its
# standard deviation. A gain `g` adds `log g²` to every value of `S`, so this removes
# loudness entirely, and evens out the overall level differences between voices.
# One second becomes `1 + (16000 − 400) // 160 = 98` frames × 40 mel bands.

# %%
FRONT_END = dict(
    sample_rate=SAMPLE_RATE,
    frame_length=400,
    frame_step=160,
    fft_length=512,
    num_mel_bins=40,
    fmin=20.0,
    fmax=8000.0,
    power=2.0,
    normalize="utterance",
)


def make_front_end():
    """The spectrogram layer every model in this lesson starts with."""
    return LogMelSpectrogram(**FRONT_END, name="log_mel")


def plot_digits(waves, front_end, title):
    """One column per digit: the waveform above, its normalized log-mel spectrogram below."""
    features = front_end(waves).numpy()
    fig, axes = plt.subplots(
        2, 10, figsize=(22, 5.5), gridspec_kw={"height_ratios": [1, 2]}, layout="constrained"
    )
    t = np.arange(waves.shape[1]) / SAMPLE_RATE
    for d in range(10):
        axes[0, d].plot(t, waves[d], lw=0.5)
        axes[0, d].set(title=DIGITS[d], ylim=(-0.6, 0.6), xticks=[])
        axes[1, d].imshow(
            features[d].T,
            origin="lower",
            aspect="auto",
            cmap="magma",
            extent=(0, t[-1], 0, FRONT_END["num_mel_bins"]),
        )
        axes[1, d].set(xlabel="seconds")
        if d:
            axes[0, d].set_yticks([])
            axes[1, d].set_yticks([])
    axes[0, 0].set_ylabel("amplitude")
    axes[1, 0].set_ylabel("mel band")
    fig.suptitle(title)
    return fig


# %% [markdown]
# ### The same numbers as Keras's own layer
#
# `keras.layers.MelSpectrogram` computes the same thing with other conventions: it pads
# `frame_length // 2` reflected samples on each side so frames are *centred* (our
# `center=True`), reports decibels `10·log10(power)` instead of the natural log, puts
# time on the last axis, and clips everything below `max − top_db`. With those matched
# (and its `top_db` clipping turned off), the two agree to float32 rounding. The
# comparison covers the values within 80 dB of each clip's loudest (Keras's default
# `top_db`): far below that, in near-silence, the float32 FFT's rounding errors (about
# 10⁻⁷ of the frame's loudest component) dominate the tiny values, and the two layers'
# differently padded FFTs round differently.


# %%
def compare_with_keras(waves, top_db=80.0):
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
    ours = LogMelSpectrogram(**dict(FRONT_END, normalize=None, log_offset=0.0, center=True))
    reference = np.swapaxes(theirs(waves).numpy(), 1, 2)  # (batch, time, mel)
    ours_db = ours(waves).numpy() * (10.0 / np.log(10.0))  # natural log -> decibels
    audible = reference > reference.max(axis=(1, 2), keepdims=True) - top_db
    return float(np.max(np.abs(ours_db - reference)[audible]))


# %% [markdown]
# ## 3. Augmentation, and where the spectrograms are computed
#
# A model trained on 568 voices has to cope with the 569th. Augmentation makes every
# epoch's clips a little different, in ways that do not change the word:
#
# - **speed** × 0.9–1.1 (resampling: shorter *and* higher, much like a shorter vocal
#   tract), a **time shift** of up to ±0.1 s, a **gain** of ±6 dB and, on 80 % of clips,
#   white **noise** at 10–40 dB signal-to-noise ratio (`spoken_digits.augment`);
# - **SpecAugment** (Park et al., 2019) on the spectrogram: two random bands of up to 6
#   mel bins and two of up to 10 frames are blanked, so no single band or instant can
#   carry the decision (`custom_layers.audio.SpecAugment`, active only while training).
#
# Where do the spectrograms come from? The *saved* model contains the front end, so it
# takes raw waveforms and nobody can feed it features computed differently. During
# training, though, the two parts run separately:
#
# - **training clips** change every epoch (augmentation acts on the waveform), so their
#   spectrograms must be recomputed every epoch: the `tf.data` pipeline does it on the
#   fly, in parallel with the training step;
# - **test clips** never change, so their spectrograms are computed **once** and cached;
#   evaluating after each epoch then costs only the CNN.


# %%
def training_data(x, y, front_end, batch_size, seed):
    """Shuffled, augmented waveform batches, turned into log-mel batches on the fly."""
    waves = spoken_digits.pipeline(x, y, batch_size, shuffle=True, seed=seed, augment_data=True)

    def to_features(wave, label):
        return front_end(wave), label

    return waves.map(to_features, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def cached_features(x, y, front_end, batch_size=256):
    """The fixed test clips' log-mels, computed once, as a batched dataset."""
    features = np.concatenate(
        [front_end(x[i : i + batch_size]).numpy() for i in range(0, len(x), batch_size)]
    )
    return tf.data.Dataset.from_tensor_slices((features, y)).batch(batch_size).cache()


# %% [markdown]
# ## 4. The network: a small CNN on the spectrogram
#
# A spectrogram is an image with time across and frequency up, so the tools of lesson
# 05 apply: three blocks of 3×3 convolutions (`custom_layers.layers.Conv2D`, ReLU) and
# 2×2 max-pooling take 98×40 down to 12×5 while the channels grow 16 → 32 → 64; then
# dropout, a dense layer of 128 and 10 logits (`custom_layers.layers.Dense`).
# Convolutions fit sound: a formant moving up or a word starting later is the same
# pattern at another place, and the same filter finds it anywhere.


# %%
def make_classifier(frames, bins, seed):
    """Log-mel ``(frames, bins)`` → 10 logits."""
    return keras.Sequential(
        [
            keras.Input((frames, bins)),
            SpecAugment(
                time_masks=2, time_mask_width=10, freq_masks=2, freq_mask_width=6, seed=seed
            ),
            keras.layers.Reshape((frames, bins, 1)),  # one input channel
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3, seed=seed),
            layers.Dense(128, activation="relu"),
            layers.Dense(10),
        ],
        name="classifier",
    )


# %% [markdown]
# ## 5. Training: the course's Adam in the GradientTape loop
#
# `custom_layers.training.fit` runs the loop from lesson 04 (`tf.GradientTape`, the
# course's `Adam`, sparse categorical cross-entropy on logits). The learning rate follows
# a cosine from `1e-3` down to 0 over the run: large steps while the network is far off,
# small ones at the end so the last epoch does not jump away from a good point.
# The validation numbers after each epoch are on the unseen voices, shown to watch the
# model learn; nothing is chosen from them during the run. (Strictly, settings such as
# the number of epochs belong on a validation set of yet other voices.)


# %%
def train(classifier, train_data, test_data, epochs, learning_rate=1e-3, verbose=1):
    steps = epochs * int(train_data.cardinality())
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    return training.fit(
        classifier,
        train_data,
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(learning_rate=schedule),
        epochs=epochs,
        validation_data=test_data,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        verbose=verbose,
    )


def plot_training(history):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    left.plot(epochs, history["loss"], "o-", label="training (augmented)")
    left.plot(epochs, history["val_loss"], "o-", label="unseen voices")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    right.plot(epochs, history["accuracy"], "o-", label="training (augmented)")
    right.plot(epochs, history["val_accuracy"], "o-", label="unseen voices")
    right.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


# %% [markdown]
# ## 6. How well does it hear new voices?
#
# Overall accuracy hides where the errors are. The **confusion matrix** counts, for each
# true digit (row), which digit the model said (column): mistakes off the diagonal
# show which words sound alike to it. **Per-voice accuracy** shows whether a few odd
# voices carry all the errors: each variant has 80 test clips (8 accents × 10 digits),
# each voice (variant + accent) 10.


# %%
def confusion_matrix(y_true, y_pred, classes=10):
    return np.bincount(classes * y_true + y_pred, minlength=classes * classes).reshape(
        classes, classes
    )


def accuracy_by(groups, correct):
    """``{group: accuracy}`` over the examples of each group, sorted by name."""
    groups = np.asarray(groups)
    return {g: float(correct[groups == g].mean()) for g in sorted(set(groups.tolist()))}


def plot_confusion(matrix):
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    matrix[i, j],
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black",
                )
    ax.set(
        xticks=range(10),
        yticks=range(10),
        xticklabels=DIGITS,
        yticklabels=DIGITS,
        xlabel="predicted",
        ylabel="spoken",
        title="Unseen voices: confusion matrix",
    )
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    return fig


def plot_per_voice(by_variant, by_accent):
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [2.2, 1]})
    left.bar(list(by_variant), list(by_variant.values()), color="tab:blue")
    left.set(
        ylabel="accuracy",
        title=f"Held-out voice variants (each in {len(by_accent)} accents)",
        ylim=(min(0.5, min(by_variant.values()) - 0.05), 1.0),
    )
    plt.setp(left.get_xticklabels(), rotation=60, ha="right")
    right.bar(list(by_accent), list(by_accent.values()), color="tab:green")
    right.set(
        title="By accent (held-out variants only)",
        ylim=(min(0.5, min(by_accent.values()) - 0.05), 1.0),
    )
    plt.setp(right.get_xticklabels(), rotation=60, ha="right")
    for ax in (left, right):
        ax.grid(axis="y", alpha=0.3)
    return fig


# %% [markdown]
# ## 7. One model from waveform to digit
#
# The deployable model chains the front end and the classifier. It is saved in the
# `.keras` format and loaded back with `safe_mode=True` (only registered classes, no
# arbitrary code): both custom layers are registered Keras serializables, so the
# reloaded model takes raw 16 kHz waveforms and predicts exactly as before.


# %%
def end_to_end(front_end, classifier):
    inputs = keras.Input((spoken_digits.CLIP_SAMPLES,), name="waveform")
    return keras.Model(inputs, classifier(front_end(inputs)), name="spoken_digits")


def predict(model, waves, batch_size=256):
    """Logits for many clips, a batch at a time (eagerly: no graph to trace for a few calls)."""
    return np.concatenate(
        [
            model(waves[i : i + batch_size], training=False).numpy()
            for i in range(0, len(waves), batch_size)
        ]
    )


def save_and_reload(model, path, waves):
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    return reloaded, float(np.max(np.abs(predict(model, waves) - predict(reloaded, waves))))


# %% [markdown]
# ## 8. Run it
#
# `python -m lessons.lesson_08_audio_spectrograms` (12 epochs, about 2 CPU-minutes: 2–3
# minutes on 2 cores; `--full` trains 3× longer and gets closer to 100 %; `--quick` is a
# smoke test on a tiny data set). If Debian's
# `asterisk-core-sounds-en-wav` is installed, the model is also tried on its human
# recordings of the ten digits (one real speaker, telephone quality): a glimpse of how far
# synthetic training carries.


# %%
def main(argv=None):
    def extra(parser):
        parser.add_argument("--full", action="store_true", help="train 3x longer")
        parser.add_argument("--batch-size", type=int, default=64)
        parser.add_argument("--learning-rate", type=float, default=1e-3)

    args = common.parse_args(argv, "Lesson 08: audio spectrograms", epochs=12, extra=extra)
    out = common.start("08", args)
    epochs = 8 if args.quick else args.epochs * (3 if args.full else 1)

    (x_train, y_train, voice_train), (x_test, y_test, voice_test), voices = load(args.quick)
    variant = np.array([name.split("+")[1] for name in voices])
    accent = np.array([name.split("+")[0] for name in voices])
    print(
        f"Spoken digits: {len(x_train)} training clips from "
        f"{len(set(voice_train.tolist()))} voices, {len(x_test)} test clips from "
        f"{len(set(voice_test.tolist()))} unseen voices "
        f"({len(set(variant[voice_test].tolist()))} held-out variants × "
        f"{len(set(accent[voice_test].tolist()))} accents); "
        f"clips of {x_train.shape[1]} samples at {SAMPLE_RATE} Hz"
    )
    shared = set(variant[voice_train].tolist()) & set(variant[voice_test].tolist())
    print(f"Variants heard in both training and test: {len(shared)}")

    front_end = make_front_end()
    frames = front_end.num_frames(x_train.shape[1])
    print(
        f"\n1. Front end: {x_train.shape[1]} samples → {frames} frames × "
        f"{FRONT_END['num_mel_bins']} mel bands "
        f"(frames of {FRONT_END['frame_length']} samples every {FRONT_END['frame_step']})"
    )
    first_voice = voice_test[0]
    examples = np.stack([x_test[(voice_test == first_voice) & (y_test == d)][0] for d in range(10)])
    common.save_figure(
        plot_digits(
            examples, front_end, f"The ten digits by an unseen voice, {voices[first_voice]}"
        ),
        out,
        "digits.png",
    )
    keras_difference = compare_with_keras(x_test[:32])
    print(
        f"   vs keras.layers.MelSpectrogram (same settings, centred frames, dB): "
        f"largest |difference| {keras_difference:.1e} dB (within 80 dB of each clip's peak)"
    )

    train_data = training_data(x_train, y_train, front_end, args.batch_size, args.seed)
    test_data = cached_features(x_test, y_test, front_end)
    classifier = make_classifier(frames, FRONT_END["num_mel_bins"], args.seed)
    print(
        f"\n2. Training a CNN of {classifier.count_params():,} parameters for {epochs} epochs "
        f"({int(train_data.cardinality())} batches of {args.batch_size} each)"
    )
    history = train(
        classifier,
        train_data,
        test_data,
        epochs,
        args.learning_rate,
        verbose=0 if args.quick else 1,
    )
    for epoch in range(epochs):
        print(
            f"   epoch {epoch + 1:2d}: loss {history['loss'][epoch]:.3f}, accuracy "
            f"{history['accuracy'][epoch]:.3f} | unseen voices: loss "
            f"{history['val_loss'][epoch]:.3f}, accuracy {history['val_accuracy'][epoch]:.4f}"
        )
    common.save_figure(plot_training(history), out, "training.png")

    model = end_to_end(front_end, classifier)
    model, reload_difference = save_and_reload(model, out / "spoken_digits.keras", x_test[:64])
    predictions = predict(model, x_test).argmax(axis=1)
    correct = predictions == y_test
    test_accuracy = float(correct.mean())
    by_variant = accuracy_by(variant[voice_test], correct)
    by_accent = accuracy_by(accent[voice_test], correct)
    by_voice = accuracy_by(np.array(voices)[voice_test], correct)
    matrix = confusion_matrix(y_test, predictions)
    print(
        f"\n3. The saved model (waveform in, digit out), reloaded with safe_mode=True: "
        f"predictions differ by at most {reload_difference:.1e}"
    )
    print(
        f"   accuracy on {len(x_test)} clips by {len(by_voice)} unseen voices: "
        f"{test_accuracy:.2%} ({int((~correct).sum())} mistakes)"
    )
    worst = sorted(by_variant.items(), key=lambda item: item[1])[:4]
    print("   hardest held-out variants: " + ", ".join(f"{v} {a:.1%}" for v, a in worst))
    print("   by accent: " + ", ".join(f"{a} {acc:.1%}" for a, acc in by_accent.items()))
    perfect = sum(a == 1.0 for a in by_voice.values())
    print(
        f"   voices recognized perfectly (10/10): {perfect} of {len(by_voice)}; "
        f"lowest voice: {min(by_voice.values()):.0%}"
    )
    off_diagonal = matrix - np.diag(np.diag(matrix))
    if off_diagonal.any():
        i, j = np.unravel_index(off_diagonal.argmax(), matrix.shape)
        print(
            f'   most frequent confusion: "{DIGITS[i]}" heard as "{DIGITS[j]}" '
            f"({matrix[i, j]} times)"
        )
    common.save_figure(plot_confusion(matrix), out, "confusion.png")
    common.save_figure(plot_per_voice(by_variant, by_accent), out, "per_voice.png")

    metrics = {
        "epochs": epochs,
        "train_clips": len(x_train),
        "test_clips": len(x_test),
        "test_voices": len(by_voice),
        "test_accuracy": test_accuracy,
        "final_val_accuracy": history["val_accuracy"][-1],
        "final_train_accuracy": history["accuracy"][-1],
        "keras_melspectrogram_max_abs_diff_db": keras_difference,
        "reload_max_abs_diff": reload_difference,
        "parameters": classifier.count_params(),
    }
    metrics.update({f"variant_accuracy/{v}": a for v, a in by_variant.items()})
    metrics.update({f"accent_accuracy/{a}": acc for a, acc in by_accent.items()})
    metrics.update({f"voice_accuracy/{v}": a for v, a in by_voice.items()})

    real = spoken_digits.load_real_digits()
    if real is None:
        print("\n4. Real human digits: not installed (Debian package asterisk-core-sounds-en-wav)")
    else:
        x_real, y_real = real
        said = predict(model, x_real).argmax(axis=1)
        metrics["real_voice_accuracy"] = float((said == y_real).mean())
        print(
            f"\n4. Real human digits (Asterisk recordings): {metrics['real_voice_accuracy']:.0%} "
            f"right; heard: " + " ".join(DIGITS[p] for p in said)
        )
    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
