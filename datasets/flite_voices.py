"""Spoken digits by Flite's voices: synthetic speech modelled on recordings of real people.

eSpeak NG (:mod:`datasets.spoken_digits`) builds speech from rules and formant tables; no
human voice is inside it. Flite (CMU's "Festival-lite") ships voices made *from recordings*:
``kal`` and ``kal16`` are diphone voices (pieces of one man's recorded speech, 8 and 16 kHz),
``awb``, ``rms`` and ``slt`` are statistical (clustergen) voices trained on the CMU ARCTIC
recordings of a Scottish man, an American man and an American woman. Their spectra have the
shapes of real vocal tracts, which eSpeak's do not: training on them is a step towards real
voices, and a held-out one (``rms``) is a second validation voice of a different kind.

**Where Flite comes from**, tried in order:

1. a ``flite`` 2.2 on the ``PATH`` (Debian's ``flite`` package, or a build of your own);
2. ``apt-get download flite libflite1`` into a temporary folder and ``dpkg-deb -x`` there
   (neither needs root); both ``.deb`` files are checked against the sha256 pinned in
   ``PACKAGES`` (Debian 12's flite 2.2-5, amd64) before they are unpacked.

**Renditions.** Each clip draws, with a generator seeded by ``Config.seed``, a speaking rate
(``duration_stretch`` 0.8–1.4), a mean pitch (0.75–1.35 × the voice's own), a pitch
variation (5–30 Hz) and the punctuation after the word (". ? ! ,": a statement, a question,
an exclamation or a list intonation). Clips are processed exactly like eSpeak's: resampled to
16 kHz, trimmed, peak 0.5, centred in one second.

**Cache.** ``data/flite_digits/`` holds ``clips.npy``, ``index.npz``, ``voices.json`` and
``config.json`` (checksummed in ``MANIFEST.json``; 2 000 clips, 26 MB, about 40 s to make).
Synthesis is deterministic: the same Flite and config give the same bytes.

**Licence.** Flite and its voices: a BSD-style licence (Carnegie Mellon University; Debian's
``copyright`` file of ``flite``). CMU ARCTIC recordings: the same licence.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import io
import json
import os
import subprocess
import time
import wave
from pathlib import Path

import numpy as np

from datasets import cache, debian_packages, spoken_digits

NAME = "flite_digits"
FILES = ("clips.npy", "index.npz", "voices.json", "config.json")
# voice: (its usual mean pitch in Hz, who recorded it)
VOICES = {
    "kal": (105.0, "American man, diphones at 8 kHz"),
    "kal16": (105.0, "the same man, diphones at 16 kHz"),
    "awb": (110.0, "Scottish man (CMU ARCTIC), clustergen"),
    "rms": (100.0, "American man (CMU ARCTIC), clustergen"),
    "slt": (170.0, "American woman (CMU ARCTIC), clustergen"),
}
VALIDATION_VOICES = ("rms",)  # never trained on: one of the voices every choice is made on
ENDINGS = (".", "?", "!", ",")
PACKAGES = {  # Debian 12 (bookworm), amd64
    "flite": "f4ce03470bf9974c2cb9cacd981e6be29339ef4c97cf994dd6fa3f90e6544db9",
    "libflite1": "bfa8c591f1b47730b30b372ec38e02918a1c9795eada67684e1746390ad2f061",
}
HINT = (
    "To fix it: install Flite (`apt-get install flite`, or without root `apt-get download flite "
    "libflite1` and `dpkg-deb -x` both into a folder, then put its usr/bin on the PATH and its "
    "usr/lib/x86_64-linux-gnu on LD_LIBRARY_PATH), then run `make data` again."
)


@dataclasses.dataclass(frozen=True)
class Config:
    """What to synthesize; the cache is made again when the stored config differs."""

    seed: int = 0
    renditions: int = 40  # of every digit by every voice
    voices: tuple[str, ...] = tuple(VOICES)
    stretch: tuple[float, float] = (0.8, 1.4)
    pitch_scale: tuple[float, float] = (0.75, 1.35)
    pitch_spread: tuple[float, float] = (5.0, 30.0)
    version: int = 1

    def to_json(self) -> dict:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def plan(config: Config = Config(), voices: dict = VOICES) -> list[dict]:
    """Every clip, in order: ``{"digit", "voice", "stretch", "pitch", "spread", "ending"}``.

    ``voices`` maps a voice to ``(its usual mean pitch in Hz, ...)``.
    """
    rng = np.random.default_rng(config.seed)
    clips = []
    for voice in config.voices:
        for _ in range(config.renditions):
            for digit in range(spoken_digits.NUM_CLASSES):
                clips.append(
                    {
                        "digit": digit,
                        "voice": voice,
                        "stretch": round(float(rng.uniform(*config.stretch)), 3),
                        "pitch": round(
                            voices[voice][0] * float(rng.uniform(*config.pitch_scale)), 1
                        ),
                        "spread": round(float(rng.uniform(*config.pitch_spread)), 1),
                        "ending": ENDINGS[int(rng.integers(len(ENDINGS)))],
                    }
                )
    return clips


@dataclasses.dataclass(frozen=True)
class Flite:
    """How to run one Flite: the program and, for an unpacked copy, its library folder."""

    program: str
    library_dir: str | None = None

    def run(self, arguments: list[str], exit_codes=(0,)) -> bytes:
        env = dict(os.environ)
        if self.library_dir:
            env["LD_LIBRARY_PATH"] = os.pathsep.join(
                [self.library_dir]
                + [p for p in env.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p]
            )
        result = subprocess.run(
            [self.program, *arguments], env=env, capture_output=True, timeout=60
        )
        if result.returncode not in exit_codes:
            said = result.stderr.decode(errors="replace").strip().splitlines()[-2:]
            raise RuntimeError(f"flite {' '.join(arguments[:2])} failed: {' '.join(said)}")
        return result.stdout

    def speak(self, clip: dict) -> tuple[np.ndarray, int]:
        """``(int16 samples, sample rate)`` of one clip, as Flite writes them (a WAV on stdout)."""
        data = self.run(
            [
                "-voice", clip["voice"],
                "--setf", f"duration_stretch={clip['stretch']}",
                "--setf", f"int_f0_target_mean={clip['pitch']}",
                "--setf", f"int_f0_target_stddev={clip['spread']}",
                "-t", spoken_digits.DIGITS[clip["digit"]] + clip["ending"],
                "-o", "/dev/stdout",
            ]
        )  # fmt: skip
        with wave.open(io.BytesIO(data), "rb") as w:
            return np.frombuffer(w.readframes(w.getnframes()), np.int16), w.getframerate()

    def check(self, voices) -> None:
        """Raise unless this is Flite 2.2 with every one of ``voices``."""
        version = self.run(["--version"], exit_codes=(0, 1)).decode(errors="replace")  # 1: 2.2 does
        if "flite-2.2" not in version:
            raise RuntimeError(f"{self.program} is not Flite 2.2 ({version.strip()[-60:]!r})")
        listed = self.run(["-lv"]).decode(errors="replace").split(":")[-1].split()
        missing = [v for v in voices if v not in listed]
        if missing:
            raise RuntimeError(f"{self.program} lacks the voices {missing} (it has {listed})")


def render(flite: Flite, clip: dict) -> np.ndarray:
    """One clip as :mod:`datasets.spoken_digits` stores its own: trimmed int16 at 16 kHz."""
    return spoken_digits.as_stored(*flite.speak(clip))


def write_cache(flite: Flite, config: Config, staging: Path, workers: int = 2) -> None:
    """Synthesize every clip of ``config`` into ``staging`` (threads: each clip is a process)."""
    flite.check(config.voices)
    clips = plan(config)
    with cache.progress(len(clips), "synthesizing Flite digits", unit="clip") as bar:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            waves = []
            for wave_ in pool.map(lambda clip: render(flite, clip), clips):
                waves.append(wave_)
                bar.update(1)
    store(staging, clips, waves, config)


def store(staging: Path, clips: list[dict], waves, config) -> None:
    """Write the cache's files: the clips of ``plan(config)`` with their index, voices, config."""
    spoken_digits.save_clips(
        staging,
        waves,
        digit=np.array([c["digit"] for c in clips], np.int8),
        voice=np.array([config.voices.index(c["voice"]) for c in clips], np.int8),
        stretch=np.array([c["stretch"] for c in clips], np.float32),
        pitch=np.array([c["pitch"] for c in clips], np.float32),
    )
    (staging / "voices.json").write_text(json.dumps(list(config.voices)) + "\n")
    (staging / "config.json").write_text(json.dumps(config.to_json(), indent=1) + "\n")


def read(directory: Path):
    """``(x, y, voice), voices`` from a cache folder :func:`store` wrote."""
    voices = json.loads((directory / "voices.json").read_text())
    x, index = spoken_digits.read_clips(directory)
    return (x, index["digit"].astype(np.int32), index["voice"].astype(np.int32)), voices


def installed_source(config: Config) -> cache.Source:
    return debian_packages.program_source(
        "flite", lambda program, staging: write_cache(Flite(program), config, staging)
    )


def apt_source(
    config: Config, apt_get: str = "apt-get", dpkg_deb: str = "dpkg-deb"
) -> cache.Source:
    """Debian's ``flite`` and ``libflite1``, downloaded and unpacked without root, verified."""

    def write(unpacked: Path, staging: Path) -> None:
        library = unpacked / "usr/lib/x86_64-linux-gnu"
        write_cache(Flite(str(unpacked / "usr/bin/flite"), str(library)), config, staging)

    label = "flite libflite1"
    return debian_packages.unpacked_source(PACKAGES, label, write, apt_get, dpkg_deb)


def _ensure(root=None, config: Config = Config(), force: bool = False) -> Path:
    sources = [installed_source(config), apt_source(config)]
    return cache.ensure_made_from(NAME, FILES, sources, config, root, HINT, force)


def prepare(root=None, config: Config = Config(), force: bool = False) -> dict:
    """Synthesize (or verify) the cache; the info dict ``python -m datasets prepare`` prints."""
    started = time.perf_counter()
    directory = _ensure(root, config, force)
    manifest = cache.read_manifest(directory) or {}
    return {
        "name": NAME,
        "path": str(directory),
        "bytes": sum(e["bytes"] for e in manifest.get("files", {}).values()),
        "source": manifest.get("source"),
        "clips": len(plan(config)),
        "seconds": round(time.perf_counter() - started, 2),
        "verified": True,
    }


def load_data(root=None, config: Config = Config()):
    """``(x, y, voice), voices``: float32 ``(n, 16000)`` clips, digits, voice ids, voice names.

    Raises :class:`datasets.cache.DataUnavailableError` (saying how to get Flite) if the clips
    are not cached and Flite cannot be had.
    """
    return read(_ensure(root, config))


def split(data, voices, held=VALIDATION_VOICES):
    """``(x, y, voice)`` → ``(training part, validation part)``: the ``held`` voices apart."""
    x, y, voice = data
    is_held = np.isin(np.array(voices)[voice], held)
    return (x[~is_held], y[~is_held], voice[~is_held]), (x[is_held], y[is_held], voice[is_held])
