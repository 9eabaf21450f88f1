"""Lesson 08's ablation: which training choices make the model transfer, decided on validation.

Greedy forward selection: start from the baseline recipe; try each candidate on top of the best
recipe so far; keep it if the **validation** score, averaged over models trained from several
random starts (three in the lesson; start k of every row from the same seed), goes up. The score
weighs the three synthesizers' validation voices equally (eSpeak NG's variants, Flite's ``rms``
and Piper's ``joe``; each clean and through simulated phone lines): the voices to be recognized
in the end are unlike any of them, so a choice must carry across every kind of voice, not only
the one with more clips. The test voices and the real recordings are measured for every row but
never decide anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from lessons import audio_model

RECORD = Path(__file__).with_name("lesson_08_ablation.json")  # the last full --ablation run
CANDIDATES = (
    ("Flite voices (modelled on recorded people) added", dict(flite=True)),
    ("features of 0–4 kHz only (a phone line's band)", dict(max_hz=4000.0)),
    ("telephone band + μ-law on half the clips", dict(telephone=0.5)),
    ("random equalization ±6 dB", dict(equalize_db=6.0)),
    ("vocal-tract length: formants × 0.9–1.1", dict(warp=0.1)),
    ("room reverberation on 30 % of clips", dict(reverb=0.3)),
    ("per-channel (per mel band) normalization", dict(normalize="channel")),
    ("Festival's ked (one more recorded man) added", dict(festival=True)),
    ("pitch: harmonics × 0.8–1.2, formants kept", dict(pitch=0.2)),
    ("MBROLA voices (four more recorded people) added", dict(mbrola=True)),
)


VALIDATION_SETS = (
    ("validation", "validation_phone"),
    ("flite", "flite_phone"),
    ("piper", "piper_phone"),
)


def score(row: dict) -> float:
    """What decides: per synthesizer, the mean of clean and telephone validation accuracy;
    then the mean over the synthesizers whose validation voices are there."""
    families = [(row[a] + row[b]) / 2 for a, b in VALIDATION_SETS if a in row and b in row]
    return sum(families) / len(families)


def accuracies(model, sets: dict) -> dict:
    """``{name: accuracy of model}`` over ``sets``, a dict of ``name: (waveforms, labels)``."""
    return {
        name: float((audio_model.predict(model, x).argmax(1) == y).mean())
        for name, (x, y) in sets.items()
    }


def digest(array) -> str:
    """SHA-256 of an array's dtype, shape and bytes."""
    array = np.ascontiguousarray(array)
    hashed = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    hashed.update(memoryview(array.reshape(-1)).cast("B"))  # 1-D: an empty array casts too
    return hashed.hexdigest()


def fingerprint(digests, **settings) -> str:
    """SHA-256 of what one row is trained and measured on: the :func:`digest` of each array it
    uses and the ``settings`` (batch size, learning rate, library versions, devices). Two rows
    with the same fingerprint saw the same data; the code is not in it (after changing how a
    row trains, run without reuse)."""
    return hashlib.sha256(
        json.dumps([list(digests), settings], sort_keys=True).encode()
    ).hexdigest()


def environment() -> dict:
    """What a row's numbers depend on besides its data and code: the libraries' versions and
    the kinds of device it ran on (a GPU's kernels round differently from the CPU's)."""
    devices = sorted({device.device_type for device in tf.config.list_logical_devices()})
    return {"tensorflow": tf.__version__, "keras": keras.__version__, "devices": devices}


def reusable(tables, epochs: int, seed: int, starts: int, sets: dict) -> dict:
    """``{(change, recipe, fingerprint): row}`` of the rows of the earlier ``tables`` trained
    as ``run`` trains now (same epochs, seed, number of starts and measured sets; the row's
    data fingerprint is matched by ``run``): training is deterministic given the seed, so such a
    row need not be trained again. The first table holding a row wins."""
    rows = {}
    for table in tables:
        if (table.get("epochs"), table.get("seed")) != (epochs, seed):
            continue
        for row in table.get("rows", []):
            try:
                if len(row["per_start"]) == starts and set(row["per_start"][0]) == set(sets):
                    key = (row["change"], audio_model.Recipe(**row["recipe"]), row["fingerprint"])
                    rows.setdefault(key, dict(row, reused=table.get("path", "an earlier table")))
            except (KeyError, TypeError, IndexError):  # not a row this code wrote: train again
                continue
    return rows


def run(
    train_row,
    sets: dict,
    epochs: int,
    seed: int,
    starts: int = 3,
    log=print,
    earlier=(),
    data=None,
) -> dict:
    """Train each row's recipe from ``starts`` random starts; ``sets`` maps a name to ``(x, y)``;
    returns the table, each row's accuracies the mean over its starts (each start's in
    ``per_start``). ``data(recipe)`` is the :func:`fingerprint` of what that recipe trains on,
    kept in its row; a row of an ``earlier`` table with the same change, recipe and fingerprint,
    trained with the same epochs, seed and sets, is taken from it, marked ``reused`` (with where
    it came from), instead of trained again.

    ``train_row(recipe, epochs, seed)`` trains and returns a model taking waveforms. One start
    is not enough: retrained from another seed, the same recipe moves the validation score as
    much as most candidates do. And the row kept as the best so far, chosen *because* it scored
    high, tends to be a lucky start, so every later candidate would be measured against its
    luck (the winner's curse). The mean of several starts shrinks both; it does not remove them.
    """
    rows, best, best_row = [], audio_model.Recipe(), None
    recorded = reusable(earlier, epochs, seed, starts, sets) if data is not None else {}
    candidates = (("baseline: eSpeak; speed, shift, gain, noise, SpecAugment", {}),) + CANDIDATES
    for label, change in candidates:
        recipe = dataclasses.replace(best, **change)
        used = None if data is None else data(recipe)
        if (label, recipe, used) in recorded:
            row = dict(recorded[label, recipe, used], recipe=dataclasses.asdict(recipe))
        else:
            started = time.perf_counter()
            per_start = [
                accuracies(train_row(recipe, epochs, seed + k), sets) for k in range(starts)
            ]
            means = {name: sum(r[name] for r in per_start) / starts for name in per_start[0]}
            row = {"change": label, "recipe": dataclasses.asdict(recipe), **means}
            row["per_start"] = per_start
            row["seconds"] = round(time.perf_counter() - started, 1)
            row["fingerprint"] = used
        row["kept"] = best_row is None or score(row) > score(best_row)
        if row["kept"]:
            best, best_row = recipe, row
        rows.append(row)
        log(format_row(row))
    return {"epochs": epochs, "seed": seed, "rows": rows, "chosen": dataclasses.asdict(best)}


COLUMNS = {  # key: heading
    "validation": "eSpeak val",
    "validation_phone": "  + phone",
    "flite": "Flite val",
    "flite_phone": "  + phone",
    "piper": "Piper val",
    "piper_phone": "  + phone",
    "test": "test",
    "real": "real",
}


def header() -> str:
    return f"   {'change (on top of the best so far)':56s} " + " ".join(
        f"{c:>10s}" for c in COLUMNS.values()
    )


def format_row(row: dict) -> str:
    cells = " ".join(
        f"{row[c]:10.1%}" if isinstance(row.get(c), float) else f"{'—':>10s}" for c in COLUMNS
    )
    line = f"   {row['change'][:56]:56s} {cells}  {'kept' if row['kept'] else 'dropped'}"
    if row.get("reused"):
        line += " (from the earlier table)"
    if len(row.get("per_start", [])) > 1:  # how far apart the starts were: the row's own noise
        scores = ", ".join(f"{score(r):.2%}" for r in row["per_start"])  # each model's own
        line += f" (score {score(row):.2%}; per start: {scores})"
    return line


def format_sets(row: dict) -> str:
    """The accuracies of ``row`` with their headings, in one line."""
    return ", ".join(f"{COLUMNS[c].strip()} {row[c]:.1%}" for c in COLUMNS if c in row)


def save(table: dict, path: Path, command: str) -> None:
    table = dict(
        table, command=command, recorded=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    )
    path.write_text(json.dumps(table, indent=1) + "\n")


def load(path: Path = RECORD) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def earlier_tables(paths) -> tuple[list, list]:
    """``(tables, problems)``: the tables in those of ``paths`` that hold one (each with its
    ``path``), and a line for each that could not be read."""
    tables, problems = [], []
    for path in paths:
        try:
            table = load(path)
        except (OSError, ValueError) as error:
            problems.append(f"{path} is not a readable ablation table ({error}); not used")
            continue
        if table is None:
            continue
        if not isinstance(table, dict) or not isinstance(table.get("rows"), list):
            problems.append(f"{path} holds no ablation rows; not used")
            continue
        tables.append(dict(table, path=f"{path} ({table.get('recorded', 'undated')})"))
    return tables, problems


def row_of(table: dict, recipe: audio_model.Recipe) -> dict | None:
    """The last row of ``table`` that trained ``recipe``, or None (a field a row's recipe lacks
    is the default: it was added after the row was trained, with the default's behaviour)."""
    default, wanted = dataclasses.asdict(audio_model.Recipe()), dataclasses.asdict(recipe)
    same = [row for row in table["rows"] if {**default, **row["recipe"]} == wanted]
    return same[-1] if same else None


def largest_start_gap(table: dict):
    """``(points, change)``: the largest difference between two starts' scores in one row."""
    gaps = [
        (
            100 * (max(map(score, row["per_start"])) - min(map(score, row["per_start"]))),
            row["change"],
        )
        for row in table["rows"]
        if len(row.get("per_start", [])) > 1
    ]
    return max(gaps) if gaps else (None, None)


def verdicts(table: dict) -> list[str]:
    """One line per candidate: what it did to the validation score (and in how many starts,
    each against the best row's start of the same seed) and, for the record only, to the real
    voice; then how often the two moved the same way."""
    lines, previous, same, moved = [], table["rows"][0], 0, 0
    for row in table["rows"][1:]:
        gain = score(row) - score(previous)
        verdict = "kept" if row["kept"] else "dropped"
        line = f"   {row['change']}: validation {100 * gain:+.3f} points → {verdict}"
        pairs = list(zip(row.get("per_start", []), previous.get("per_start", []), strict=True))
        if len(pairs) > 1:  # start k of both rows began from the same seed
            wins = sum(score(mine) > score(theirs) for mine, theirs in pairs)
            line += f"; higher in {wins} of {len(pairs)} starts"
        if "real" in row and "real" in previous:
            real_gain = row["real"] - previous["real"]
            line += f" (real voice {100 * real_gain:+.1f} points, not used)"
            if round(real_gain, 6) != 0:
                moved += 1
                same += (real_gain > 0) == (gain > 0)
        lines.append(line)
        previous = row if row["kept"] else previous
    if moved:
        lines.append(
            f"   the real-voice figure changed for {moved} of the {len(table['rows']) - 1} "
            f"candidates, in the validation score's direction for {same} of them"
        )
    return lines
