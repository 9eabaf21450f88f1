"""Lesson 08 (audio): its helpers, the ablation's rule, and the chapter run in --quick mode."""

import dataclasses
import random
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers.audio import FormantShift, FrequencyWarp, PitchWarp, SpecAugment
from datasets import (
    cache,
    festival_voices,
    flite_voices,
    mbrola_voices,
    piper_voices,
    real_voices,
    spoken_digits,
)
from lessons import audio_ablation, audio_model, audio_plots
from tests.lesson_run import run_lesson

QUICK = spoken_digits.Config(
    variants=("m1", "m3", "f2", "f4", "Denis", "steph"), accents=("en", "en-US")
)


def test_confusion_matrix_and_accuracy_by_group():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    matrix = audio_model.confusion_matrix(y_true, y_pred, classes=3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    correct = y_true == y_pred
    assert audio_model.accuracy_by(["a", "a", "b", "b", "c", "c"], correct) == {
        "a": 0.5,
        "b": 1.0,
        "c": 0.5,
    }


def test_front_end_matches_keras_on_speech_like_audio():
    t = np.arange(16000) / 16000
    chirp = 0.3 * np.sin(2 * np.pi * (200 + 1500 * t) * t) * np.hanning(16000)
    waves = np.stack([chirp, 0.5 * chirp[::-1]]).astype(np.float32)
    assert audio_model.compare_with_keras(waves) < 1e-2  # dB, within 80 dB of each clip's peak


def test_a_phone_band_front_end_sees_an_8_khz_copy_as_the_16_khz_original():
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    wide = np.sin(2 * np.pi * (300 + 200 * t) * t) + 0.5 * rng.normal(size=16000)  # up to 8 kHz
    wide = (0.3 * wide * np.hanning(16000)).astype(np.float32)
    narrow = spoken_digits.resample(spoken_digits.resample(wide, 16000, 8000), 8000, 16000)
    narrow = narrow[:16000].astype(np.float32)
    full, phone = (
        audio_model.make_front_end(audio_model.Recipe(max_hz=top)) for top in (8000.0, 4000.0)
    )
    differs = np.abs(full(wide[None]).numpy() - full(narrow[None]).numpy()).max()
    same = np.abs(phone(wide[None]).numpy() - phone(narrow[None]).numpy())
    # the top mel band's triangle reaches 4 kHz, where the 8 kHz copy's spectrum is cut off
    assert differs > 1.0 and same[..., :-1].max() < 0.05


@pytest.mark.parametrize("spec_augment", [True, False])
def test_classifier_shapes_and_spec_augment_only_in_training(spec_augment):
    recipe = audio_model.Recipe(normalize="channel", spec_augment=spec_augment)
    front_end = audio_model.make_front_end(recipe)
    frames = front_end.num_frames(16000)
    assert frames == 98 and front_end.normalize == "channel"
    classifier = audio_model.make_classifier(frames, 40, seed=0, recipe=recipe)
    features = front_end(np.random.default_rng(0).normal(0, 0.1, (3, 16000)).astype(np.float32))
    assert tuple(classifier(features).shape) == (3, 10)
    np.testing.assert_allclose(classifier(features).numpy(), classifier(features).numpy())
    masked = classifier.layers[0](features, training=True).numpy()
    assert (masked == 0).any() == spec_augment and not (features.numpy() == 0).any()


def test_a_classifiers_starting_weights_depend_on_its_seed_alone(tmp_path):
    """The ablation's rows share seeds: start k of every row must begin from the same weights,
    however many random numbers the rows before it drew from Keras's global generator."""

    def weights(seed):
        return [w.numpy() for w in audio_model.make_classifier(98, 40, seed).weights]

    first = weights(42)
    random.random()  # an unseeded Keras initializer takes its seed from Python's generator
    keras.random.normal((1000,))  # and Keras's global generator: draw from both in between
    again, other = weights(42), weights(43)
    assert len(first) == 10  # five kernels, five biases
    for a, b, c in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.std() == 0 or not np.allclose(a, c)  # biases start at 0 for every seed
    kernels = [w for w in first if w.ndim > 1]
    # Glorot-uniform: U(−limit, limit), limit = sqrt(6 / (fan_in + fan_out))
    fans = [(np.prod(k.shape[:-1]), np.prod(k.shape[:-2]) * k.shape[-1]) for k in kernels]
    limits = [np.sqrt(6 / (fan_in + fan_out)) for fan_in, fan_out in fans]
    assert all(np.abs(k).max() <= limit for k, limit in zip(kernels, limits, strict=True))
    # one seed in every layer would give the same uniform draws, scaled by each layer's limit
    unit = [k.ravel()[:8] / limit for k, limit in zip(kernels, limits, strict=True)]
    assert all(not np.allclose(a, b) for i, a in enumerate(unit) for b in unit[i + 1 :])
    classifier = audio_model.make_classifier(98, 40, 42)  # the seeded initializers round-trip
    classifier.save(tmp_path / "c.keras")
    reloaded = keras.saving.load_model(tmp_path / "c.keras", safe_mode=True)
    for a, b in zip(first, reloaded.weights, strict=True):
        np.testing.assert_array_equal(a, b.numpy())


def test_every_random_stream_of_a_run_has_its_own_seed():
    seeds = audio_model.seeds_for(42)
    assert list(seeds) == list(audio_model.STREAMS) and len(set(seeds.values())) == len(seeds)
    assert not set(seeds.values()) & set(audio_model.seeds_for(43).values())  # not shifted by one
    assert audio_model.seeds_for(42) == seeds  # and the same every time
    classifier = audio_model.make_classifier(98, 40, 42, audio_model.Recipe(warp=0.1, pitch=0.2))
    drawn = [layer.seed for layer in classifier.layers if hasattr(layer, "seed")]
    assert sorted(drawn) == sorted(
        seeds[s] for s in ("dropout", "spec augment", "formant warp", "pitch warp")
    )


def test_one_seed_trains_one_model_with_or_without_validation_and_global_draws():
    """So the final run, with the seed of the ablation's first start, retrains that start's model
    (validating each epoch draws nothing)."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.1, (24, spoken_digits.CLIP_SAMPLES)).astype(np.float32)
    y = np.arange(24) % 10
    recipe = audio_model.Recipe(equalize_db=6.0, warp=0.1)

    def trained(seed, validation=None):
        front = audio_model.make_front_end(recipe)
        data = audio_model.training_data(x, y, front, recipe, batch_size=8, seed=seed)
        classifier = audio_model.make_classifier(98, 40, seed, recipe)
        audio_model.train(classifier, data, 2, validation, verbose=0)
        return [w.numpy() for w in classifier.weights], front

    first, front = trained(5)
    random.random()
    keras.random.normal((100,))
    again, _ = trained(5, validation=(audio_model.features(x[:8], front), y[:8]))
    other, _ = trained(6)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], other[0])


def test_recipe_pitch_warps_the_harmonics_with_its_own_draws_before_the_formants():
    recipe = audio_model.Recipe(max_hz=4000.0, warp=0.1, pitch=0.2)
    classifier = audio_model.make_classifier(98, 40, seed=7, recipe=recipe)
    pitch, formants = classifier.layers[:2]
    assert isinstance(pitch, PitchWarp) and (pitch.fmax, pitch.max_warp) == (4000.0, 0.2)
    seeds = audio_model.seeds_for(7)
    assert type(formants) is FrequencyWarp and formants.seed == seeds["formant warp"]
    assert pitch.seed == seeds["pitch warp"] != formants.seed
    # different seeds: the same one would draw the same factors, moving pitch and formants as one
    features = np.random.default_rng(1).normal(size=(4, 98, 40)).astype(np.float32)
    assert not np.allclose(pitch(features, training=True), features)
    assert audio_model.Recipe().pitch == 0.0  # off unless the ablation keeps it


def test_recipe_warp_puts_a_frequency_warp_on_the_front_ends_scale_first():
    recipe = audio_model.Recipe(max_hz=4000.0, warp=0.1)
    classifier = audio_model.make_classifier(98, 40, seed=0, recipe=recipe)
    warp = classifier.layers[0]
    assert isinstance(warp, FrequencyWarp) and (warp.fmax, warp.max_warp) == (4000.0, 0.1)
    assert isinstance(classifier.layers[1], SpecAugment)
    plain = audio_model.make_classifier(98, 40, seed=0, recipe=audio_model.Recipe())
    assert not any(isinstance(layer, FrequencyWarp) for layer in plain.layers)


def test_pooling_over_vocal_tract_lengths_averages_log_probabilities_and_round_trips(tmp_path):
    recipe = audio_model.Recipe(max_hz=4000.0, warp=0.1)
    front = audio_model.make_front_end(recipe)
    classifier = audio_model.make_classifier(98, 40, seed=0, recipe=recipe)
    waves = np.random.default_rng(5).normal(0, 0.1, (4, 16000)).astype(np.float32)
    warps = (0.9, 1.0, 1.1)
    pooled = audio_model.end_to_end(front, classifier, warps)
    mel = front(waves)
    log_p = [
        tf.nn.log_softmax(classifier(FormantShift(a, 20.0, 4000.0)(mel))).numpy() for a in warps
    ]
    np.testing.assert_allclose(pooled(waves).numpy(), np.mean(log_p, axis=0), atol=1e-5)
    one_pass = audio_model.end_to_end(front, classifier)
    np.testing.assert_allclose(one_pass(waves).numpy(), classifier(mel).numpy(), atol=1e-6)
    pooled.save(tmp_path / "pooled.keras")
    loaded = keras.saving.load_model(tmp_path / "pooled.keras", safe_mode=True)
    np.testing.assert_array_equal(loaded(waves).numpy(), pooled(waves).numpy())
    factors = [layer.factor for layer in loaded.layers if isinstance(layer, FormantShift)]
    assert factors == list(warps)


def test_validation_voices_are_separate_variants():
    voices = [f"{a}+{v}" for v in ("m1", "Andy", "zac", "f2") for a in ("en", "en-US")]
    voice = np.repeat(np.arange(len(voices)), 10)
    train = (np.zeros((len(voice), 4), np.float32), np.tile(np.arange(10), len(voices)), voice)
    (_, _, fit_voice), (_, _, val_voice) = audio_model.split_validation(train, voices)
    variant = np.array([v.split("+")[1] for v in voices])
    assert set(variant[val_voice]) == {"Andy", "zac"} and set(variant[fit_voice]) == {"m1", "f2"}
    # a config without any of the listed variants (the --quick one) holds out its last one
    quick = [f"en+{v}" for v in ("m1", "f2")]
    train = (np.zeros((20, 4)), np.zeros(20, int), np.repeat([0, 1], 10))
    (_, _, fit_voice), (_, _, val_voice) = audio_model.split_validation(train, quick)
    assert set(val_voice.tolist()) == {0} and set(fit_voice.tolist()) == {1}  # "m1" sorts last


def _fake_trainer(recipe, epochs, seed, luck=0.0):
    """A 'model' whose accuracy per recipe is known: clips are (position, set id), label 0.

    ``luck`` is what odd seeds add to the 4 kHz recipe's validation accuracy (and even ones take
    away): a start that is lucky or unlucky.
    """
    validation = 0.7 + 0.05 * recipe.flite - 0.01 * (recipe.max_hz < 8000)
    validation += luck * (recipe.max_hz < 8000) * (1 if seed % 2 else -1)
    validation += 0.05 * (recipe.telephone > 0) - 0.02 * (recipe.equalize_db > 0)
    validation += 0.01 * (recipe.warp > 0) + 0.03 * (recipe.normalize == "channel")
    validation -= 0.04 * recipe.festival
    validation += 0.02 * (recipe.pitch > 0) - 0.03 * recipe.mbrola
    # reverb changes nothing on validation
    accuracy = {0.0: validation, 1.0: validation, 2.0: 1.0 if recipe.reverb else 0.1}

    def model(x, training=False):
        right = x[:, 0] < np.vectorize(accuracy.get)(x[:, 1])
        return keras.ops.convert_to_tensor(np.eye(10)[np.where(right, 0, 1)])

    return model


def test_ablation_keeps_what_helps_on_validation_and_ignores_the_real_voices():
    positions = (np.arange(100) + 0.5) / 100
    sets = {
        name: (np.stack([positions, np.full(100, float(i))], axis=1), np.zeros(100, int))
        for i, name in enumerate(("validation", "validation_phone", "real"))
    }
    lines = []
    table = audio_ablation.run(_fake_trainer, sets, epochs=1, seed=0, log=lines.append)
    # baseline, + Flite (+5), + 4 kHz (−1: dropped), + phone (+5), + EQ (−2: dropped),
    # + warp (+1), + reverb (±0, real 100 %: dropped), + channel (+3), + Festival (−4: dropped),
    # + pitch (+2), + MBROLA (−3: dropped)
    kept = [True, True, False, True, False, True, False, True, False, True, False]
    assert [row["kept"] for row in table["rows"]] == kept
    assert [row["real"] for row in table["rows"]] == pytest.approx([0.1] * 6 + [1.0] + [0.1] * 4)
    chosen = audio_model.Recipe(flite=True, telephone=0.5, warp=0.1, normalize="channel", pitch=0.2)
    assert table["chosen"] == dataclasses.asdict(chosen)  # every other field at its default
    assert len(lines) == 11 and " dropped (score" in lines[2] and " kept (score" in lines[7]
    # with Flite's validation voice, each synthesizer counts half, however many clips it has
    row = dict(validation=0.9, validation_phone=0.8, flite=0.6, flite_phone=0.4)
    assert audio_ablation.score(row) == pytest.approx((0.85 + 0.5) / 2)
    # and with Piper's, each of the three counts a third
    row.update(piper=1.0, piper_phone=0.7)
    assert audio_ablation.score(row) == pytest.approx((0.85 + 0.5 + 0.85) / 3)
    verdicts = audio_ablation.verdicts(table)
    assert "+5.000 points" in verdicts[0] and "-1.000 points" in verdicts[1]
    assert "+1.000 points" in verdicts[4] and "+3.000 points" in verdicts[6]
    assert "-4.000 points → dropped" in verdicts[7] and "+2.000 points → kept" in verdicts[8]
    # the real voice is reported beside each verdict, and never decides: reverb's +90 %
    assert "(real voice +90.0 points, not used)" in verdicts[5] and "dropped" in verdicts[5]
    assert "-3.000 points → dropped" in verdicts[9]
    assert verdicts[10].endswith(
        "changed for 1 of the 10 candidates, in the validation score's direction for 0 of them"
    )


def test_each_row_is_the_mean_of_its_starts_so_one_lucky_start_does_not_decide():
    positions = (np.arange(100) + 0.5) / 100
    sets = {
        name: (np.stack([positions, np.full(100, float(i))], axis=1), np.zeros(100, int))
        for i, name in enumerate(("validation", "validation_phone", "real"))
    }

    def lucky(recipe, epochs, seed):  # 4 kHz: -1 point on average, but +2 from an odd seed
        return _fake_trainer(recipe, epochs, seed, luck=0.03)

    one = audio_ablation.run(lucky, sets, epochs=1, seed=1, starts=1, log=lambda line: None)
    two = audio_ablation.run(lucky, sets, epochs=1, seed=1, starts=2, log=lambda line: None)
    assert one["rows"][2]["kept"] and not two["rows"][2]["kept"]  # the 4 kHz row
    row = two["rows"][2]
    assert [r["validation"] for r in row["per_start"]] == [0.77, 0.71]  # seeds 1 and 2
    assert row["validation"] == pytest.approx(0.74)  # < 0.75, the Flite row
    assert "(score 74.00%; per start: 77.00%, 71.00%)" in audio_ablation.format_row(row)
    # each start against the best row's start of the same seed: 77 > 75, 71 < 75
    assert "→ dropped; higher in 1 of 2 starts" in audio_ablation.verdicts(two)[1]
    assert "starts" not in audio_ablation.verdicts(one)[1]  # one start: nothing to pair


def measured(rows):
    """What each row found, leaving out how long it took and where it came from."""
    return [{k: v for k, v in row.items() if k not in ("reused", "seconds")} for row in rows]


def test_rows_recorded_the_same_way_are_reused_and_only_new_or_changed_ones_trained(tmp_path):
    positions = (np.arange(100) + 0.5) / 100
    sets = {
        name: (np.stack([positions, np.full(100, float(i))], axis=1), np.zeros(100, int))
        for i, name in enumerate(("validation", "validation_phone", "real"))
    }
    trained = []

    def counting(recipe, epochs, seed):
        trained.append(recipe)
        return _fake_trainer(recipe, epochs, seed)

    mbrola_clips = [np.zeros((80, 16000), np.float32)]

    def data(recipe, clips=mbrola_clips):  # each row's fingerprint: MBROLA's clips if it uses them
        used = [audio_ablation.digest(positions)]
        used += [audio_ablation.digest(c) for c in clips] if recipe.mbrola else []
        return audio_ablation.fingerprint(used, batch_size=32)

    quiet = dict(log=lambda line: None)
    full = audio_ablation.run(counting, sets, epochs=1, seed=0, starts=2, data=data, **quiet)
    assert len(trained) == 2 * 11 and len({row["fingerprint"] for row in full["rows"]}) == 2
    # the earlier table lacks its last row (a candidate added since): only that one is trained
    earlier = dict(full, rows=full["rows"][:-1], path="t.json (then)")
    trained.clear()
    again = audio_ablation.run(
        counting, sets, epochs=1, seed=0, starts=2, earlier=[earlier], data=data, **quiet
    )
    assert trained == [audio_model.Recipe(**full["rows"][-1]["recipe"])] * 2
    assert [row.get("reused") for row in again["rows"]] == ["t.json (then)"] * 10 + [None]
    assert measured(again["rows"]) == measured(full["rows"]) and again["chosen"] == full["chosen"]
    assert "(from the earlier table)" in audio_ablation.format_row(again["rows"][0])
    # MBROLA's clips changed: only the row that trains on them is trained again
    trained.clear()
    other_clips = [np.ones((80, 16000), np.float32)]
    audio_ablation.run(
        counting,
        sets,
        epochs=1,
        seed=0,
        starts=2,
        earlier=[full],
        data=lambda recipe: data(recipe, other_clips),
        **quiet,
    )
    assert trained == [audio_model.Recipe(**full["rows"][-1]["recipe"])] * 2
    # trained otherwise (no fingerprint, other epochs, seed, number of starts): nothing reused
    for changed in (dict(data=None), dict(epochs=2), dict(seed=1), dict(starts=1)):
        trained.clear()
        settings = dict(epochs=1, seed=0, starts=2, data=data) | changed
        audio_ablation.run(counting, sets, **settings, earlier=[full], **quiet)
        assert len(trained) == settings["starts"] * 11, changed
    fewer = {name: sets[name] for name in ("validation", "validation_phone")}
    trained.clear()
    audio_ablation.run(counting, fewer, epochs=1, seed=0, starts=2, earlier=[full], data=data)
    assert len(trained) == 2 * 11
    # rows this code did not write (an unknown recipe field, no fingerprint) are trained again
    unknown = {**full["rows"][0], "recipe": {"flite": True, "oops": 1}}
    unstamped = {k: v for k, v in full["rows"][1].items() if k != "fingerprint"}
    assert audio_ablation.reusable([dict(full, rows=[unknown, unstamped])], 1, 0, 2, sets) == {}
    # the digest of an empty array (a synthesizer that is missing) and of its shape
    empty = np.zeros((0, 16000), np.float32)
    assert audio_ablation.digest(empty) != audio_ablation.digest(np.zeros((0, 8000), np.float32))
    assert audio_ablation.digest(positions) != audio_ablation.digest(positions[::-1])
    # where earlier tables come from: every file that holds one; a broken one is said, not used
    missing, corrupt, good = tmp_path / "none.json", tmp_path / "corrupt.json", tmp_path / "t.json"
    corrupt.write_text('{"rows": [')
    audio_ablation.save(full, good, "python -m …")
    tables, problems = audio_ablation.earlier_tables([missing, corrupt, good])
    assert [t["rows"] for t in tables] == [full["rows"]] and tables[0]["path"].startswith(str(good))
    assert len(problems) == 1 and "corrupt.json is not a readable ablation table" in problems[0]
    assert "\n" not in problems[0] and problems[0].endswith("; not used")


def test_the_recorded_ablation_is_of_the_current_candidates():
    """A default run prints the recorded table: it must be one of today's candidates, complete."""
    table = audio_ablation.load()
    assert table is not None, "run the lesson with --ablation to record the table"
    labels = [label for label, _ in audio_ablation.CANDIDATES]
    assert [row["change"] for row in table["rows"][1:]] == labels
    assert table["epochs"] == 12 and "--quick" not in table["command"]
    digits = sum(w != "oh" for name in real_voices.SETS for w in real_voices.words_of(name))
    assert table["real_clips"] == digits  # the real column measured today's real set
    chosen = audio_model.Recipe(**table["chosen"])  # every field is one Recipe knows
    kept = [row for row in table["rows"] if row["kept"]]
    assert audio_model.Recipe(**kept[-1]["recipe"]) == chosen
    for row in table["rows"]:
        assert {"validation", "validation_phone", "flite", "flite_phone"} <= row.keys()
        assert {"piper", "piper_phone"} <= row.keys()  # recorded with Piper's validation voice
        assert len(row["per_start"]) == 3  # each row the mean of three random starts
    assert audio_ablation.row_of(table, chosen) is kept[-1]
    assert audio_ablation.row_of(table, audio_model.Recipe(telephone=0.9)) is None


@pytest.fixture
def quick_data(tmp_path, monkeypatch):
    """A private cache: the tiny synthesized set, and the real voices if this machine has them."""
    source = cache.data_root()
    root = tmp_path / "data"
    root.mkdir()
    extras = [flite_voices.NAME, festival_voices.NAME, mbrola_voices.NAME, piper_voices.NAME]
    for folder in [f for f, *_ in real_voices.SETS.values()] + extras:
        if (source / folder / "MANIFEST.json").is_file():
            shutil.copytree(source / folder, root / folder)
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(root))
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")  # never apt-get from a test
    return root


def test_quick_run_and_the_saved_model_gives_the_same_figures(tmp_path, quick_data):
    out = tmp_path / "out"
    metrics, printed, _ = run_lesson(8, "--quick", out=out)
    for name in ("digits.png", "seven_synthetic_vs_real.png", "training.png", "confusion.png"):
        assert (out / name).stat().st_size > 10_000
    assert metrics["test_voices"] == 4 and metrics["test_clips"] == 40
    assert metrics["train_clips"] == 60 and metrics["validation_clips"] == 20
    if (quick_data / flite_voices.NAME).is_dir():  # the first 2 renditions of each Flite voice
        assert metrics["flite_train_clips"] == 80 and metrics["flite_validation_clips"] == 20
    else:
        assert metrics["flite_train_clips"] == 0 and "Flite     : MISSING" in printed
    if (quick_data / festival_voices.NAME).is_dir():  # the first 2 renditions of each digit
        assert metrics["festival_train_clips"] == 20 and "Festival  :    20 training" in printed
    else:
        assert metrics["festival_train_clips"] == 0 and "Festival  : MISSING" in printed
    if (quick_data / mbrola_voices.NAME).is_dir():  # the first 2 renditions by each voice
        assert metrics["mbrola_train_clips"] == 80 and "MBROLA    :    80 training" in printed
    else:
        assert metrics["mbrola_train_clips"] == 0 and "MBROLA    : MISSING" in printed
    if (quick_data / piper_voices.NAME).is_dir():  # the first 2 renditions of each digit
        assert metrics["piper_validation_clips"] == 20 and "Piper val" in printed
    else:
        assert metrics["piper_validation_clips"] == 0 and "Piper     : MISSING" in printed
    assert metrics["reload_max_abs_diff"] == 0.0
    assert metrics["keras_melspectrogram_max_abs_diff_db"] < 1e-2
    assert ("RECORDED, not computed in this run" in printed) == audio_ablation.RECORD.is_file()
    assert "Recipe for the final model" in printed
    # pooling over vocal-tract lengths is kept only if it scores higher on validation
    pooled = "validation_score/pooled" in metrics
    kept = pooled and metrics["validation_score/pooled"] > metrics["validation_score/one_pass"]
    assert (len(metrics["test_time_warps"]) == 5) == kept
    assert ("the saved model uses: pooled" in printed) == kept
    voices = {k: v for k, v in metrics.items() if k.startswith("voice_accuracy/")}
    assert np.mean(list(voices.values())) == pytest.approx(metrics["test_accuracy"])

    # the saved model alone (waveforms in) reproduces the figures the run printed
    model = keras.saving.load_model(out / "spoken_digits.keras", safe_mode=True)
    _, (x_test, y_test, _), _ = spoken_digits.load_data(root=quick_data, config=QUICK)
    said = audio_model.predict(model, x_test).argmax(axis=1)
    assert float((said == y_test).mean()) == metrics["test_accuracy"]
    one_pass = audio_model.end_to_end(model.get_layer("log_mel"), model.get_layer("classifier"))
    said = audio_model.predict(one_pass, x_test).argmax(axis=1)
    assert float((said == y_test).mean()) == metrics["test_accuracy/one_pass"]
    found, missing = real_voices.load_all(root=quick_data)
    assert all(f"real voices {name}: MISSING" in printed for name in missing)
    if not found:
        assert "real_voice_accuracy" not in metrics
    else:
        x = np.concatenate([x[:10] for x, _, _ in found.values()])
        y = np.concatenate([y[:10] for _, y, _ in found.values()])
        assert metrics["real_voice_clips"] == 10 * len(found)  # ten digits per set
        speakers = {real_voices.SETS[name].speaker for name in found}  # Allison Smith's: 2 sets
        assert metrics["real_voice_speakers"] == len(speakers)
        said = audio_model.predict(model, x).argmax(axis=1)
        assert float((said == y).mean()) == metrics["real_voice_accuracy"]
        said = audio_model.predict(one_pass, x).argmax(axis=1)
        assert float((said == y).mean()) == metrics["real_voice_accuracy/one_pass"]
        assert 0.0 <= metrics["pocketsphinx_real_voice_accuracy"] <= 1.0
        headline = f"REAL VOICES: {metrics['real_voice_accuracy']:.0%} of {10 * len(found)} clips"
        assert headline in printed
        assert "PocketSphinx" in printed


def test_the_prose_counts_the_real_voices_the_data_module_holds():
    """The chapter's text states the real set's size; it must be the size of `real_voices.SETS`."""
    source = (Path(__file__).parents[1] / "lessons" / "lesson_08_audio_spectrograms.py").read_text()
    source = " ".join(line.removeprefix("#").strip() for line in source.splitlines())  # one line
    clips = sum(w != "oh" for name in real_voices.SETS for w in real_voices.words_of(name))
    speakers = len({recorded.speaker for recorded in real_voices.SETS.values()})
    assert speakers <= 9, "name the number in words below"
    said = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")[speakers]
    assert f"are {said} speakers" in source and f"spoken by {said} real people" in source
    assert f"{said} real speakers to test on" in source  # section 1's heading
    assert f"moves a row by {100 / (3 * clips):.1f} points" in source  # three models per row
    assert f"That is {clips} clips" in source and f"With {clips} real clips" in source
    assert f"one mistake is {100 / clips:.1f} points" in source


@pytest.mark.parametrize("clips, grid", [(9, (4, 5)), (3, (2, 3)), (5, (2, 5))])
def test_side_by_side_puts_five_clips_to_a_row(clips, grid):
    """The sevens' figure: a spectrogram above each log-mel, five clips a row, the rest blank."""
    rng = np.random.default_rng(0)
    waves = {f"clip {k}": 0.1 * rng.standard_normal(16000).astype(np.float32) for k in range(clips)}
    fig = audio_plots.side_by_side(waves, audio_model.make_front_end(), 16000 / 512)
    rows, columns = grid
    assert len(fig.axes) == rows * columns
    shown = [ax for ax in fig.axes if ax.axison]
    assert len(shown) == 2 * clips  # two panels a clip; the last row's empty places are off
    assert [ax.get_title() for ax in shown[:columns]] == [f"clip {k}" for k in range(columns)]
    with pytest.raises(ValueError, match="per_row must be at least 1"):
        audio_plots.side_by_side(waves, audio_model.make_front_end(), 16000 / 512, per_row=0)


def test_quick_ablation_by_the_command_then_again_with_every_row_reused(tmp_path, quick_data):
    out = tmp_path / "out"
    record = audio_ablation.RECORD.read_bytes() if audio_ablation.RECORD.is_file() else None
    first, printed, _ = run_lesson(8, "--quick", "--ablation", out=out)
    table = audio_ablation.load(out / "ablation.json")
    assert len(table["rows"]) == 1 + len(audio_ablation.CANDIDATES)
    assert all(len(row["fingerprint"]) == 64 for row in table["rows"])
    assert "RECORDED, not computed" not in printed
    assert all(audio_ablation.format_row(row) in printed for row in table["rows"])
    assert table["command"] == "python -m lessons.lesson_08_audio_spectrograms --ablation --quick"
    # the same data, seed and settings: every row is taken from the first run's table (the
    # recorded table, of a default run, matches none of a quick run's rows)
    second, printed, _ = run_lesson(8, "--quick", "--ablation", "--reuse-rows", out=out)
    rows = len(table["rows"])
    said = f"--reuse-rows: {rows} of {rows} rows taken from earlier tables; {rows} from {out}"
    assert said in printed
    again = audio_ablation.load(out / "ablation.json")
    assert all(str(out / "ablation.json") in row["reused"] for row in again["rows"])
    assert measured(again["rows"]) == measured(table["rows"]) and again["chosen"] == table["chosen"]
    assert again["command"].endswith("--ablation --quick --reuse-rows")
    # and the final model, trained again from the same seed, gives the same figures
    assert {k: v for k, v in first.items() if k != "seconds"} == {
        k: v for k, v in second.items() if k != "seconds"
    }
    # a quick run never replaces the recorded table a default run prints
    assert (
        audio_ablation.RECORD.read_bytes() if audio_ablation.RECORD.is_file() else None
    ) == record
    # without MBROLA's clips (Debian's non-free not reachable), the ablation still runs
    if not (quick_data / mbrola_voices.NAME).is_dir():
        return  # they were missing all along: nothing more to take away
    shutil.rmtree(quick_data / mbrola_voices.NAME)
    _, printed, _ = run_lesson(8, "--quick", "--ablation", "--reuse-rows", out=out)
    assert "MBROLA    : MISSING" in printed
    third = audio_ablation.load(out / "ablation.json")
    reused = [bool(row.get("reused")) for row in third["rows"]]
    assert reused == [True] * (rows - 1) + [False]  # only the row that trains on MBROLA's clips
