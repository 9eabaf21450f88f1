"""Spoken digits by Festival's ``ked``: one more real man's recorded speech, cut into diphones.

Festival (CSTR, University of Edinburgh) is the system Flite was made from. Its English
voices in Debian are mostly Flite's speakers again (``kal``, ``slt``); ``ked_diphone``
(package ``festvox-kdlpc16k``) is not: an American man's diphones (every transition between
two phones, cut from his recordings) at 16 kHz, joined and re-pitched by residual-excited LPC.
A new recorded speaker for the training set: with Flite's four training voices, five voices
made from three real men and one woman.

**Where Festival comes from**, tried in order:

1. a ``festival`` 2.5 with the ``ked_diphone`` voice on the ``PATH`` (``apt-get install
   festival festvox-kdlpc16k``);
2. ``apt-get download`` of Festival, its lexicons, the voice and the libraries Debian's
   ``festival`` links to that a minimal system lacks (``PACKAGES``), each checked against its
   pinned sha256 before ``dpkg-deb -x`` unpacks it into a temporary folder (no root needed).

**Renditions** are drawn as Flite's are (:func:`datasets.flite_voices.plan`): a speaking rate
(Festival's ``Duration_Stretch``), a mean pitch and a pitch variation (the targets of its
intonation model, ``int_lr_params``) and the punctuation after the word. Clips are levelled
like every other clip: 16 kHz, trimmed, peak 0.5.

**Cache.** ``data/festival_digits/`` holds ``clips.npy``, ``index.npz``, ``voices.json`` and
``config.json`` (checksummed in ``MANIFEST.json``; 400 clips, about 5 MB and 10 s to make).
Diphone synthesis has no randomness: the same Festival and config give the same bytes.

**Licence.** Festival, its lexicons and the ``ked`` diphones: a BSD-style licence (Centre for
Speech Technology Research, University of Edinburgh; Debian's ``copyright`` files), the CMU
lexicon under Carnegie Mellon's equally free one.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import subprocess
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from datasets import cache, debian_packages, flite_voices, spoken_digits

NAME = "festival_digits"
FILES = ("clips.npy", "index.npz", "voices.json", "config.json")
# voice: (its usual mean pitch in Hz, Festival's name for it, who recorded it)
VOICES = {"ked": (105.0, "ked_diphone", "American man, diphones at 16 kHz")}
PACKAGES = {  # Debian 12 (bookworm); Festival, its data, and what it links to beyond a base system
    "festival": "d635d3aebabb5e4bf4d2f1f1bb65a0de4ca1b4ffd8e52bd473b17d3e235e88a7",
    "libestools2.5": "c5d7a7ea3f17c5779b7f47b40ba622d5f6a22242b05a20f746e05f0b07a883fb",
    "festlex-cmu": "9c4ca30881e987998abd51bed538e08d960aa08e8f003461c8c246da97235bbb",
    "festlex-poslex": "bb0b51d8f99ee829ce43f4aa0983d5b63d50225dcbdd24a9b14d18e24fddc684",
    "festvox-kdlpc16k": "3c359e51b6c85d5f5e00368804c52a68f551b1961ee03a79dde5245bc1accb6c",
    "libpulse0": "7b2c5403cb726312219aad678becc6d6adcee1d8694fdffce0b6ec15ae010831",
    "libasyncns0": "cadaff99f4178b1f580331045621b363abaaefc994e78eecba1857774a3cead2",
    "libsndfile1": "02dc3f08fe8476e82e005f412e3b7289ff641180f33a9be8073f4bde61c85e8e",
    "libflac12": "4d8431c274eef13ec9ee2c0bf988c34b4342367dec053b7f69a432525be5b1fe",
    "libvorbis0a": "01c14f9d1109650077a4c5c337c285476a6932d4d448f5a190c2b845724dbf21",
    "libvorbisenc2": "75dd4d6f904c7db82f5112e60d8efea9e81dfedf94e970c5da7af2b3d81643c0",
    "libopus0": "c172e212f9039e741916aa8e12f3670d1e049dc0c16685325641288c2d83faa7",
    "libogg0": "f67acb0477aed0354f411172e37af338f3ac6bd4f3766134a2cf5539884b5a28",
    "libmpg123-0": "a10ad0d59995b859797a5f20d2833672051d0b2c7dab4c71f2e79258b2e3f631",
    "libmp3lame0": "b1292c749172e7623547ecf684da57d3ec6ca22109f08b11bbb9e6be6e6beb95",
}
HINT = (
    "To fix it: install Festival and the voice (`apt-get install festival festvox-kdlpc16k`), "
    "or without root `apt-get download` the packages listed in datasets/festival_voices.py and "
    "`dpkg-deb -x` each into one folder; then run `make data` again."
)


@dataclasses.dataclass(frozen=True)
class Config(flite_voices.Config):
    """What to synthesize: Flite's ranges of rate, pitch and intonation, Festival's voices."""

    voices: tuple[str, ...] = tuple(VOICES)


def plan(config: Config = Config()) -> list[dict]:
    """Every clip, in order: ``{"digit", "voice", "stretch", "pitch", "spread", "ending"}``."""
    return flite_voices.plan(config, VOICES)


def script(clips: list[dict], folder: Path) -> str:
    """A Festival (Scheme) program that writes clip ``i`` to ``folder/i.wav``."""
    lines = [
        "(define (say utterance stretch mean spread file)",
        "  (Parameter.set 'Duration_Stretch stretch)",
        "  (set! int_lr_params (list (list 'target_f0_mean mean) (list 'target_f0_std spread)",
        "                            '(model_f0_mean 170) '(model_f0_std 34)))",
        "  (utt.save.wave (utt.synth utterance) file 'riff))",
    ]
    voice = None
    for i, clip in enumerate(clips):
        if clip["voice"] != voice:  # selecting a voice resets its settings, so once per run
            voice = clip["voice"]
            lines.append(f"(voice_{VOICES[voice][1]})")
        text = spoken_digits.DIGITS[clip["digit"]] + clip["ending"]
        lines.append(
            # `Utterance` does not evaluate its arguments: the text must be written in place
            f'(say (Utterance Text "{text}") {clip["stretch"]} {clip["pitch"]} {clip["spread"]} '
            f'"{folder / f"{i}.wav"}")'
        )
    return "\n".join(lines) + "\n"


@dataclasses.dataclass(frozen=True)
class Festival:
    """How to run one Festival: the program and, for an unpacked copy, its folders."""

    program: str
    data_dir: str | None = None  # where its Scheme files and voices are (…/usr/share/festival)
    library_dir: str | None = None  # where its shared libraries are

    def run(self, program: str, folder: Path) -> str:
        """Run a Scheme ``program`` in batch mode; what it printed (raises if it failed)."""
        env, arguments = dict(os.environ), [self.program]
        if self.library_dir:
            env["LD_LIBRARY_PATH"] = os.pathsep.join(
                [self.library_dir]
                + [p for p in env.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p]
            )
        if self.data_dir:
            arguments += ["--datadir", self.data_dir, "--libdir", self.data_dir]
        (folder / "program.scm").write_text(program)
        arguments += ["-b", str(folder / "program.scm")]
        result = subprocess.run(arguments, env=env, capture_output=True, text=True, timeout=600)
        said = (result.stdout + result.stderr).strip()
        if result.returncode != 0 or "SIOD ERROR" in said:  # Festival prints its errors so
            raise RuntimeError(f"festival failed ({result.returncode}): {said[-200:]}")
        return said

    def speak(self, clips: list[dict], folder: Path) -> list[tuple[np.ndarray, int]]:
        """``(int16 samples, sample rate)`` of each clip, synthesized by one Festival process."""
        self.run(script(clips, folder), folder)
        out = []
        for i in range(len(clips)):
            with wave.open(str(folder / f"{i}.wav"), "rb") as w:
                samples = np.frombuffer(w.readframes(w.getnframes()), np.int16)
                out.append((samples, w.getframerate()))
        return out

    def check(self, voices, folder: Path) -> None:
        """Raise unless this is Festival 2.5 with every one of ``voices``."""
        version, listed = self.run(
            "(print festival_version)\n(print (voice.list))\n", folder
        ).splitlines()[-2:]
        if not version.strip('"').startswith("2.5"):
            raise RuntimeError(f"{self.program} is not Festival 2.5 ({version[:60]!r})")
        listed = listed.strip("()").split()
        missing = [v for v in voices if VOICES[v][1] not in listed]
        if missing:
            raise RuntimeError(f"{self.program} lacks the voices {missing} (it has {listed})")


def write_cache(festival: Festival, config: Config, staging: Path, workers: int = 2) -> None:
    """Synthesize every clip of ``config`` into ``staging``: ``workers`` Festival processes,
    each given every ``workers``-th clip."""
    clips = plan(config)
    with tempfile.TemporaryDirectory(dir=staging) as work:
        folders = [Path(work) / str(k) for k in range(workers)]
        for folder in folders:
            folder.mkdir()
        festival.check(config.voices, folders[0])
        with cache.progress(len(clips), "synthesizing Festival digits", unit="clip") as bar:
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                parts = list(
                    pool.map(
                        lambda k: festival.speak(clips[k::workers], folders[k]), range(workers)
                    )
                )
                bar.update(len(clips))
    waves = [None] * len(clips)
    for k, part in enumerate(parts):
        for i, (samples, rate) in zip(range(k, len(clips), workers), part, strict=True):
            waves[i] = spoken_digits.as_stored(samples, rate)
    flite_voices.store(staging, clips, waves, config)


def installed_source(config: Config) -> cache.Source:
    return debian_packages.program_source(
        "festival", lambda program, staging: write_cache(Festival(program), config, staging)
    )


def apt_source(
    config: Config, apt_get: str = "apt-get", dpkg_deb: str = "dpkg-deb"
) -> cache.Source:
    """Debian's Festival, its data and libraries, downloaded and unpacked without root, verified."""

    def write(unpacked: Path, staging: Path) -> None:
        libraries = unpacked / "usr/lib/x86_64-linux-gnu"
        festival = Festival(
            str(unpacked / "usr/bin/festival"),
            data_dir=str(unpacked / "usr/share/festival"),
            library_dir=f"{libraries}{os.pathsep}{libraries / 'pulseaudio'}",
        )
        write_cache(festival, config, staging)

    label = f"{len(PACKAGES)} packages"
    return debian_packages.unpacked_source(PACKAGES, label, write, apt_get, dpkg_deb)


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

    Raises :class:`datasets.cache.DataUnavailableError` (saying how to get Festival) if the
    clips are not cached and Festival cannot be had.
    """
    return flite_voices.read(_ensure(root, config))
