"""Spoken digits by MBROLA's voices: four more real people's recorded speech, as diphones.

MBROLA (Faculté polytechnique de Mons) joins *diphones* (every transition between two
sounds, cut from one person's recordings) at the pitch and durations it is told. eSpeak NG
(:mod:`datasets.espeak`) can be its front end: it turns the text into phonemes, durations and
a pitch contour, and MBROLA speaks them with a recorded voice instead of eSpeak's formants.
Four English voices, none of them a speaker the other synthesizers have:

* ``us1``: an American woman, ``us2`` and ``us3``: two American men, ``en1``: a British man.

They only join the training set (the ablation decides whether they do); none is a validation
voice, so adding them leaves every score of the other rows comparable.

**Where they come from**, tried in order:

1. an ``espeak-ng`` with MBROLA and the four voices installed (``apt-get install espeak-ng
   mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1``);
2. ``apt-get download`` of those and the libraries ``espeak-ng`` needs, ``dpkg-deb -x`` into a
   temporary folder (no root). MBROLA is in Debian's ``contrib`` and its voices in
   ``non-free``, parts of the archive many systems do not list, so they are listed in a
   private copy of apt's state (:func:`datasets.debian_packages.archive_options`). MBROLA's
   packages are sha256-pinned; eSpeak NG's are not (Debian revises them with security
   fixes), so the check that MBROLA, not eSpeak's formants, spoke is the sample rate (MBROLA's
   voices are 16 kHz, eSpeak NG's 22.05 kHz).

**Renditions.** Each clip draws, with a generator seeded by ``Config.seed``, a speaking rate
(120–220 words per minute), a pitch (eSpeak's 20–80 of 0–99, around the voice's own) and the
punctuation after the word (". ? ! ,"), then is levelled like every clip: 16 kHz, trimmed,
peak 0.5, centred in one second.

**Cache.** ``data/mbrola_digits/`` holds ``clips.npy``, ``index.npz``, ``voices.json`` and
``config.json`` (checksummed in ``MANIFEST.json``; 1 600 clips, about 16 MB). Diphone
synthesis has no randomness: the same programs and config give the same bytes.

**Licence.** MBROLA (the program): AGPL-3.0-or-later. The voices (Faculté polytechnique de
Mons; ``us1`` is Babel Technology's): to be used only with the MBROLA program, not to be sold
or put into a product that is sold without the owner's permission (Debian's ``non-free``); the
course downloads them on your machine and keeps only the clips it synthesized from them.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from datasets import cache, debian_packages, flite_voices, spoken_digits

NAME = "mbrola_digits"
FILES = ("clips.npy", "index.npz", "voices.json", "config.json")
VOICES = {  # MBROLA's name: who recorded it
    "us1": "American woman",
    "us2": "American man",
    "us3": "another American man",
    "en1": "British man",
}
RATE = 16000  # every one of VOICES is a 16 kHz database
COMPONENTS = ("main", "contrib", "non-free")
PACKAGES = {  # Debian 12 (bookworm), amd64; None: revised by Debian, checked by what it says
    "espeak-ng": None,
    "libespeak-ng1": None,
    "espeak-ng-data": None,
    "libpcaudio0": "5309759e4d129c7d9a601240cc6e62820ecfa86a1a98e207992ffa6a572dbcd2",
    "libsonic0": "9d60de6918ace0b10e3e4e95421befd08aaf03b5b2a3d71ceb799e0cf259916f",
    "mbrola": "d94ea5bbb8b201935e8a40d758f1a224030d13a1ba669cc75293823933554c7f",
    "mbrola-us1": "b3284caecfc47023bca46550c5f7cde2f4e8cb4ac3b60840ff8784914c7c85fd",
    "mbrola-us2": "ea95d89157e420b119f078853ddf27383b4cb4c607581c64b0f9079d5ee3f5dc",
    "mbrola-us3": "f8a4e75acc914a58fb7c85ffc3bbea48f0dc2c13704fadd054101020e973c1c2",
    "mbrola-en1": "1a94a61d15f1e6748563d2f15d12614b71df7c7e25370f433320e011fd1f5f63",
}
HINT = (
    "To fix it: install eSpeak NG with MBROLA and its English voices (`apt-get install "
    "espeak-ng mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1`; the voices are in Debian's "
    "non-free), or let `make data` download them without root, then run `make data` again."
)


@dataclasses.dataclass(frozen=True)
class Config:
    """What to synthesize; the cache is made again when the stored config differs."""

    seed: int = 0
    renditions: int = 40  # of every digit by every voice
    voices: tuple[str, ...] = tuple(VOICES)
    rate: tuple[int, int] = (120, 220)  # words per minute
    pitch: tuple[int, int] = (20, 80)  # eSpeak's pitch adjustment, 0–99 (50: the voice's own)
    version: int = 1

    def to_json(self) -> dict:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def plan(config: Config = Config()) -> list[dict]:
    """Every clip, in order (voice, then rendition, then digit):
    ``{"digit", "voice", "rate", "pitch", "ending"}``."""
    rng = np.random.default_rng(config.seed)
    clips = []
    for voice in config.voices:
        for _ in range(config.renditions):
            for digit in range(spoken_digits.NUM_CLASSES):
                clips.append(
                    {
                        "digit": digit,
                        "voice": voice,
                        "rate": int(rng.integers(config.rate[0], config.rate[1] + 1)),
                        "pitch": int(rng.integers(config.pitch[0], config.pitch[1] + 1)),
                        "ending": flite_voices.ENDINGS[
                            int(rng.integers(len(flite_voices.ENDINGS)))
                        ],
                    }
                )
    return clips


@dataclasses.dataclass(frozen=True)
class Speaker:
    """How to run one eSpeak NG with MBROLA: the program, and for an unpacked copy the folder
    holding its ``espeak-ng-data``, its libraries and the folder with ``mbrola``."""

    program: str
    data_parent: str | None = None
    library_dir: str | None = None
    bin_dir: str | None = None

    def speak(self, clip: dict, folder: Path) -> tuple[np.ndarray, int]:
        """``(int16 samples, sample rate)`` of one clip (eSpeak NG runs ``mbrola`` itself)."""
        env = dict(os.environ)
        for name, value in (("LD_LIBRARY_PATH", self.library_dir), ("PATH", self.bin_dir)):
            if value:
                env[name] = os.pathsep.join(
                    [value] + [p for p in env.get(name, "").split(os.pathsep) if p]
                )
        handle, name = tempfile.mkstemp(suffix=".wav", dir=folder)  # unique: clips run in threads
        os.close(handle)
        out = Path(name)
        command = [self.program] + ([f"--path={self.data_parent}"] if self.data_parent else [])
        command += ["-v", f"mb-{clip['voice']}", "-s", str(clip["rate"]), "-p", str(clip["pitch"])]
        command += ["-w", str(out), spoken_digits.DIGITS[clip["digit"]] + clip["ending"]]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
            said = " ".join((result.stderr + result.stdout).split())  # one line, for the error
            if result.returncode != 0 or not out.is_file() or not out.stat().st_size:
                raise RuntimeError(f"espeak-ng -v mb-{clip['voice']} failed: {said[-200:]}")
            with wave.open(str(out), "rb") as w:
                samples = np.frombuffer(w.readframes(w.getnframes()), np.int16), w.getframerate()
        finally:
            out.unlink(missing_ok=True)
        if samples[1] != RATE or not len(samples[0]):  # eSpeak's own formants, not MBROLA
            raise RuntimeError(
                f"espeak-ng did not speak with MBROLA's {clip['voice']} "
                f"({samples[1]} Hz, {len(samples[0])} samples; {said[-120:] or 'it said nothing'})"
            )
        return samples


def write_cache(speaker: Speaker, config: Config, staging: Path, workers: int = 2) -> None:
    """Synthesize every clip of ``config`` into ``staging`` (threads: each clip is a process)."""
    clips = plan(config)
    with tempfile.TemporaryDirectory(dir=staging) as work:
        speaker.speak(clips[0], Path(work))  # one clip first: a missing voice fails at once
        with cache.progress(len(clips), "synthesizing MBROLA digits", unit="clip") as bar:
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                waves = []
                for samples in pool.map(lambda clip: speaker.speak(clip, Path(work)), clips):
                    waves.append(spoken_digits.as_stored(*samples))
                    bar.update(1)
    spoken_digits.save_clips(
        staging,
        waves,
        digit=np.array([c["digit"] for c in clips], np.int8),
        voice=np.array([config.voices.index(c["voice"]) for c in clips], np.int8),
        rate=np.array([c["rate"] for c in clips], np.int16),
        pitch=np.array([c["pitch"] for c in clips], np.int8),
    )
    (staging / "voices.json").write_text(json.dumps(list(config.voices)) + "\n")
    (staging / "config.json").write_text(json.dumps(config.to_json(), indent=1) + "\n")


def installed_source(config: Config) -> cache.Source:
    return debian_packages.program_source(
        "espeak-ng", lambda program, staging: write_cache(Speaker(program), config, staging)
    )


def unpacked_speaker(unpacked: Path, voices) -> Speaker:
    """A :class:`Speaker` for Debian's packages unpacked into ``unpacked``: eSpeak NG looks for
    MBROLA voices in ``espeak-ng-data/mbrola/<name>``, so each voice's database goes there."""
    libraries = unpacked / "usr/lib/x86_64-linux-gnu"
    (libraries / "espeak-ng-data/mbrola").mkdir(exist_ok=True)
    for voice in voices:
        database = unpacked / "usr/share/mbrola" / voice / voice
        shutil.copyfile(database, libraries / "espeak-ng-data/mbrola" / voice)
    return Speaker(
        str(unpacked / "usr/bin/espeak-ng"),
        data_parent=str(libraries),
        library_dir=str(libraries),
        bin_dir=str(unpacked / "usr/bin"),
    )


def apt_source(
    config: Config, apt_get: str = "apt-get", dpkg_deb: str = "dpkg-deb"
) -> cache.Source:
    """Debian's eSpeak NG, MBROLA and its voices, downloaded and unpacked without root."""

    def write(unpacked: Path, staging: Path) -> None:
        write_cache(unpacked_speaker(unpacked, config.voices), config, staging)

    return debian_packages.unpacked_source(
        PACKAGES, "espeak-ng mbrola + 4 voices", write, apt_get, dpkg_deb, components=COMPONENTS
    )


def _ensure(root=None, config: Config = Config(), force: bool = False) -> Path:
    sources = [installed_source(config), apt_source(config)]
    return cache.ensure_made_from(NAME, FILES, sources, config, root, HINT, force)


def prepare(root=None, config: Config = Config(), force: bool = False) -> dict:
    """Synthesize (or verify) the cache; the info dict ``python -m datasets prepare`` prints."""
    started = time.perf_counter()
    info = cache.prepared_info(NAME, _ensure(root, config, force), started)
    return {**info, "clips": len(plan(config))}


def load_data(root=None, config: Config = Config()):
    """``(x, y, voice), voices``: float32 ``(n, 16000)`` clips, digits, voice ids, voice names.

    Raises :class:`datasets.cache.DataUnavailableError` (saying how to get MBROLA) if the clips
    are not cached and MBROLA cannot be had.
    """
    return flite_voices.read(_ensure(root, config))
