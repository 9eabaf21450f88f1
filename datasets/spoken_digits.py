"""Spoken digits "zero" … "nine", synthesized by eSpeak NG, split by voice.

No recorded spoken-digit corpus can be fetched offline from the package registries, so
the course synthesizes one with the formant synthesizer eSpeak NG (the PyPI wheel
``espeakng-loader``, through :mod:`datasets.espeak`).

**Voices.** A *voice* is an accent (8 English ones: Great Britain, Scotland, Lancaster,
West Midlands, Received Pronunciation, Caribbean, America, New York City) combined with
a *voice variant* (eSpeak's ``voices/!v`` files: male, female, child, whispered, old,
rough, Klatt-synthesized ... voices; they change pitch, formants, breathiness, voicing).
89 of the 104 variants are used. Left out as not human-like speech: ``Demonic``,
``UniRobot``, ``anikaRobot``, ``robosoft`` … ``robosoft8`` and ``RicishayMax``,
``RicishayMax2``, ``RicishayMax3`` (robot and demon effects: an echo fed back at full
strength, up to 10 000 %, plus heavy roughness), and ``fast`` (not a voice: an
experimental speed setting its own file calls unstable).

**Split by voice.** ``TEST_VARIANTS`` (18 of the 89 variants, drawn once with a fixed
seed) are held out entirely: the test set is those variants speaking in all 8 accents
(144 voices), and no clip of theirs, in any accent, is in the training set. An "unseen
voice" is therefore a speaker timbre never heard in training, with an accent that was.

**Renditions.** Each clip draws its speaking rate (110–230 words per minute, eSpeak's
default is 175), pitch (15–85 of 0–100), pitch range (20–80) and noise seed from a
generator seeded by ``seed``: the training and test sets have ``train_renditions`` and
``test_renditions`` (default 1 and 1) renditions of every digit by every voice.

**Clips.** eSpeak speaks at 22 050 Hz; each clip is resampled to 16 kHz (exactly, in
the frequency domain), trimmed of leading and trailing silence, scaled to a peak of 0.5,
and :func:`load_data` centres it in a 1-second float32 array (16 000 samples). The
defaults give 5 680 training clips (568 voices) and 1 440 test clips (144 voices).
Training-time augmentation (speed, time shift, gain, background noise) is in
:func:`augment`, used by :func:`as_dataset`.

**Cache.** ``data/spoken_digits/`` (``$COURSE_DATA_DIR`` moves it) holds ``clips.npy``
(all trimmed clips, int16, end to end), ``index.npz`` (where each clip starts, its
digit, voice, split and synthesis settings), ``voices.json`` and ``config.json``, all
checksummed in ``MANIFEST.json`` by :mod:`datasets.cache` (atomic writes; a corrupt file
is detected and synthesized again): 94 MB. Synthesis is deterministic, the same config
gives the same bytes, and takes about 35 CPU-seconds, spread over 2 processes. Other
configs get their own folder (``spoken_digits-<hash>``).

**A real-voice extra.** If Debian's ``asterisk-core-sounds-en-wav`` is installed, its
human recordings of the ten digits (8 kHz) are an extra test: :func:`load_real_digits`.

**tensorflow-datasets.** ``import datasets.tfds_builders`` registers the builder
``course_spoken_digits`` (then ``tfds.load("course_spoken_digits")`` works offline, from
this cache) and ``datasets.tfds_builders.prepare("spoken_digits")`` writes its files.

**Online upstream.** Learners with internet can use recorded human speech instead: the
Speech Commands data set (Warden, 2018: 1-second 16 kHz clips, the same format as here;
its full release has the words "zero" … "nine" by thousands of speakers). TensorFlow's
tutorials use its 8-word excerpt ``mini_speech_commands``, and TFDS ``speech_commands``
serves its 10 command words (the digits fall under ``_unknown_`` there).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np

from datasets import cache, espeak

NAME = "spoken_digits"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
NUM_CLASSES = 10
SAMPLE_RATE = 16_000
CLIP_SAMPLES = 16_000  # 1 second
PEAK = 0.5
FILES = ("clips.npy", "index.npz", "voices.json", "config.json")
SPLITS = ("train", "test")
PARALLEL_MIN_CLIPS = 400  # fewer clips are synthesized in this process (workers take ~1 s to start)

# Voice variants that are effects, not speech (see the module docstring).
NOVELTY_VARIANTS = (
    "Demonic",
    "UniRobot",
    "anikaRobot",
    "RicishayMax",
    "RicishayMax2",
    "RicishayMax3",
    "robosoft",
    "robosoft2",
    "robosoft3",
    "robosoft4",
    "robosoft5",
    "robosoft6",
    "robosoft7",
    "robosoft8",
    "fast",
)
# The held-out variants: sorted(default_rng(2024).choice(<the 89, sorted>, 18, replace=False)),
# about 20 %. Fixed here so the split never changes when the other settings do.
TEST_VARIANTS = (
    "Denis",
    "Hugo",
    "Marco",
    "Mario",
    "Michael",
    "Mike",
    "adam",
    "anika",
    "croak",
    "iven4",
    "m5",
    "miguel",
    "norbert",
    "pablo",
    "shelby",
    "steph",
    "travis",
    "whisperf",
)

REAL_DIGIT_DIRS = (
    "/usr/share/asterisk/sounds/en/digits",
    "/usr/share/asterisk/sounds/en_US_f_Allison/digits",
    "/var/lib/asterisk/sounds/en/digits",
)


@dataclasses.dataclass(frozen=True)
class Config:
    """What to synthesize. The cache is rebuilt when the stored config differs."""

    seed: int = 0
    train_renditions: int = 1
    test_renditions: int = 1
    accents: tuple[str, ...] = espeak.ENGLISH_ACCENTS
    variants: tuple[str, ...] | None = None  # None: every variant except NOVELTY_VARIANTS
    rate: tuple[int, int] = (110, 230)
    pitch: tuple[int, int] = (15, 85)
    pitch_range: tuple[int, int] = (20, 80)
    version: int = 1  # bump when the synthesis or processing changes

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["variants"] = list(usable_variants(self))
        return json.loads(json.dumps(data))  # tuples become lists, as read back from disk


def usable_variants(config: Config = Config()) -> tuple[str, ...]:
    """The voice variants used: ``config.variants`` or every installed one but the novelties."""
    if config.variants is not None:
        return tuple(config.variants)
    return tuple(v for v in espeak.voice_variants() if v not in NOVELTY_VARIANTS)


# --------------------------------------------------------------------------- synthesis
def plan(config: Config = Config()) -> tuple[list[dict], list[dict]]:
    """Every clip to synthesize, in order, and the voices: ``(clips, voices)``.

    A voice is ``{"name": "en-gb-scotland+f3", "accent", "variant", "split"}``; a clip is
    ``{"digit", "voice", "rate", "pitch", "range", "seed"}`` with ``voice`` an index into
    voices and ``seed`` the seed of the synthesizer's noise (breathy voices).
    """
    rng = np.random.default_rng(config.seed)
    voices, clips = [], []
    for variant in usable_variants(config):
        split = "test" if variant in TEST_VARIANTS else "train"
        for accent in config.accents:
            voices.append(
                {
                    "name": f"{accent}+{variant}",
                    "accent": accent,
                    "variant": variant,
                    "split": split,
                }
            )
    for split in SPLITS:
        renditions = config.train_renditions if split == "train" else config.test_renditions
        for _ in range(renditions):
            for voice_id, voice in enumerate(voices):
                if voice["split"] != split:
                    continue
                for digit in range(NUM_CLASSES):
                    clips.append(
                        {
                            "digit": digit,
                            "voice": voice_id,
                            "rate": int(rng.integers(config.rate[0], config.rate[1] + 1)),
                            "pitch": int(rng.integers(config.pitch[0], config.pitch[1] + 1)),
                            "range": int(
                                rng.integers(config.pitch_range[0], config.pitch_range[1] + 1)
                            ),
                            "seed": int(rng.integers(2**31 - 1)),
                        }
                    )
    return clips, voices


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling in the frequency domain: keep the spectrum below the new Nyquist.

    ``X = rfft(x)`` (n samples) is cut (or zero-padded) to ``m // 2 + 1`` bins and
    inverted to ``m = n * rate_out / rate_in`` samples, scaled by ``m / n``. The clip is
    padded with silence first, to a length ``n`` that makes ``m`` a whole number and the
    FFTs fast, so the FFT's wrap-around touches only silence; the padding is cut off again.
    """
    step = rate_in // np.gcd(
        rate_in, rate_out
    )  # n must be a multiple of this (441 for 22050 -> 16000)
    pad = step * -(-256 // step)  # at least 256 samples, a whole number of steps
    blocks = 1
    while blocks * step < len(samples) + 2 * pad:
        blocks *= 2
    n = blocks * step
    m = n * rate_out // rate_in
    x = np.zeros(n)
    x[pad : pad + len(samples)] = samples
    spectrum = np.fft.rfft(x)
    keep = np.zeros(m // 2 + 1, dtype=complex)
    k = min(len(spectrum), len(keep))
    keep[:k] = spectrum[:k]
    y = np.fft.irfft(keep, m) * (m / n)
    start = pad * rate_out // rate_in
    return y[start : start + int(np.ceil(len(samples) * rate_out / rate_in))]


def trim(samples: np.ndarray, threshold: float = 0.02, margin: int = 160) -> np.ndarray:
    """Drop the silence before the first and after the last sample above ``threshold * peak``.

    ``margin`` samples (10 ms at 16 kHz) are kept on both sides.
    """
    loud = np.flatnonzero(np.abs(samples) > threshold * np.abs(samples).max())
    if loud.size == 0:
        raise ValueError("the clip is silent")
    start = max(loud[0] - margin, 0)
    return samples[start : loud[-1] + margin + 1]


def level(samples: np.ndarray, rate: int) -> np.ndarray:
    """Any recording as every clip of the course is made: resampled to 16 kHz (:func:`resample`),
    trimmed of silence (:func:`trim`) and scaled to a peak of ``PEAK`` (float64)."""
    x = trim(resample(np.asarray(samples, np.float64), rate, SAMPLE_RATE))
    return x * (PEAK / np.abs(x).max())


def as_stored(samples: np.ndarray, rate: int) -> np.ndarray:
    """A synthesizer's clip as the caches store it: :func:`level`, its first second, int16."""
    return np.round(level(samples, rate)[:CLIP_SAMPLES] * 32767).astype(np.int16)


def render(clip: dict, voices: list[dict]) -> np.ndarray:
    """Synthesize one clip: trimmed int16 samples at 16 kHz with a peak of ``PEAK``.

    The result depends only on ``clip`` (see :mod:`datasets.espeak`): the same clip
    gives the same samples, whatever was synthesized before.
    """
    samples, rate = espeak.synthesize(
        DIGITS[clip["digit"]],
        voices[clip["voice"]]["name"],
        rate=clip["rate"],
        pitch=clip["pitch"],
        pitch_range=clip["range"],
        seed=clip["seed"],
    )
    x = level(samples, rate)
    if len(x) > CLIP_SAMPLES:  # too long for one second: keep the middle (rare)
        start = (len(x) - CLIP_SAMPLES) // 2
        x = x[start : start + CLIP_SAMPLES]
    return np.round(x * 32767).astype(np.int16)


def _render_all(clips: list[dict], voices: list[dict], report=None) -> list[np.ndarray]:
    out = []
    for i, clip in enumerate(clips):
        out.append(render(clip, voices))
        if report is not None and (i + 1) % 25 == 0:
            report(25)
    if report is not None:
        report(len(clips) % 25)
    return out


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the process that started it dies (even by SIGKILL).

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` asks the kernel to kill us then. Everywhere
    (and in case the parent died before that call): the caller checks ``os.getppid()``.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        os._exit(1)  # already orphaned: the parent will never read what we write


def _worker_main(jobs_path: str, out_path: str, parent_pid: int | None = None) -> None:
    """A synthesis subprocess: render the clips listed in ``jobs_path`` into ``out_path``."""
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    job = json.loads(Path(jobs_path).read_text())

    def report(n):
        if parent_pid is not None and os.getppid() != parent_pid:
            os._exit(1)  # the parent died (where prctl is not available): stop writing
        print(n, flush=True)  # the parent reads these counts for its progress bar

    waves = _render_all(job["clips"], job["voices"], report)
    lengths = np.array([len(w) for w in waves], dtype=np.int64)
    np.savez(out_path, samples=np.concatenate(waves), lengths=lengths)


def _synthesize(
    clips: list[dict], voices: list[dict], workers: int, staging: Path, bar
) -> list[np.ndarray]:
    """Render every clip, in ``workers`` subprocesses (a clip's samples do not depend on which)."""
    if workers <= 1 or len(clips) < PARALLEL_MIN_CLIPS:
        return _render_all(clips, voices, bar.update)
    parts = [list(range(w, len(clips), workers)) for w in range(workers)]
    repo_root = str(Path(__file__).resolve().parent.parent)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [repo_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ),
    )
    processes, readers = [], []
    for w, part in enumerate(parts):
        jobs_path, out_path = staging / f"jobs-{w}.json", staging / f"part-{w}.npz"
        jobs_path.write_text(json.dumps({"clips": [clips[i] for i in part], "voices": voices}))
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from datasets.spoken_digits import _worker_main; "
                "_worker_main(sys.argv[1], sys.argv[2], int(sys.argv[3]))",
                str(jobs_path),
                str(out_path),
                str(os.getpid()),
            ],
            cwd=repo_root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)

        def read(stream=process.stdout):
            for line in stream:
                bar.update(int(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        readers.append(reader)
    for process, reader in zip(processes, readers, strict=True):
        reader.join()
        process.wait()
        if process.returncode != 0:
            raise RuntimeError(
                f"a synthesis worker failed: {process.stderr.read().strip()[-2000:]}"
            )
    waves: list[np.ndarray] = [None] * len(clips)  # type: ignore[list-item]
    for w, part in enumerate(parts):
        with np.load(staging / f"part-{w}.npz") as f:
            pieces = np.split(f["samples"], np.cumsum(f["lengths"])[:-1])
        for i, piece in zip(part, pieces, strict=True):
            waves[i] = piece
    return waves


def synthesis_source(config: Config = Config(), workers: int = 2) -> cache.Source:
    """The only source: synthesize every clip of ``config`` with eSpeak NG (offline)."""

    def build(staging: Path) -> None:
        clips, voices = plan(config)
        with cache.progress(len(clips), "synthesizing spoken digits", unit="clip") as bar:
            waves = _synthesize(clips, voices, workers, staging, bar)
        split_of = np.array([SPLITS.index(voices[c["voice"]]["split"]) for c in clips], np.int8)
        save_clips(
            staging,
            waves,
            digit=np.array([c["digit"] for c in clips], np.int8),
            voice=np.array([c["voice"] for c in clips], np.int16),
            split=split_of,
            rate=np.array([c["rate"] for c in clips], np.int16),
            pitch=np.array([c["pitch"] for c in clips], np.int16),
            range=np.array([c["range"] for c in clips], np.int16),
            seed=np.array([c["seed"] for c in clips], np.int64),
        )
        (staging / "voices.json").write_text(json.dumps(voices, indent=1) + "\n")
        (staging / "config.json").write_text(json.dumps(config.to_json(), indent=1) + "\n")

    return cache.Source(
        f"eSpeak NG synthesis ({len(usable_variants(config))} variants x "
        f"{len(config.accents)} accents)",
        build,
    )


def cache_name(config: Config = Config()) -> str:
    """The cache folder's name: ``spoken_digits`` for the default config, else one per config."""
    if config == Config():
        return NAME
    digest = hashlib.sha256(json.dumps(config.to_json(), sort_keys=True).encode()).hexdigest()
    return f"{NAME}-{digest[:10]}"


def _ensure(root=None, config: Config = Config(), workers: int = 2, force: bool = False) -> Path:
    """The cache folder, synthesized first if missing, corrupt, or made with other settings."""
    name = cache_name(config)
    directory = cache.dataset_dir(name, root)
    if not force and not cache.check_cached(directory, FILES):
        stored = json.loads((directory / "config.json").read_text())
        force = stored != config.to_json()  # made by another version of this code: again
    return cache.ensure(
        name,
        FILES,
        [synthesis_source(config, workers)],
        root=root,
        force=force,
        hint="eSpeak NG comes with the `espeakng-loader` wheel: `pip install -r requirements.txt`.",
    )


# --------------------------------------------------------------------------- public API
def prepare(root=None, config: Config = Config(), workers: int = 2, force: bool = False) -> dict:
    """Synthesize (or verify) the cache; return an info dict (sizes, seconds, where)."""
    started = time.perf_counter()
    directory = _ensure(root, config, workers, force)
    manifest = cache.read_manifest(directory) or {}
    with np.load(directory / "index.npz") as index:
        split = index["split"]
    voices = json.loads((directory / "voices.json").read_text())
    return {
        "name": NAME,
        "path": str(directory),
        "bytes": sum(entry["bytes"] for entry in manifest.get("files", {}).values()),
        "source": manifest.get("source"),
        "train_clips": int((split == 0).sum()),
        "test_clips": int((split == 1).sum()),
        "voices": len(voices),
        "test_voices": sum(v["split"] == "test" for v in voices),
        "synthesis_seconds": manifest.get("seconds"),
        "seconds": round(time.perf_counter() - started, 2),
        "verified": True,
    }


def save_clips(directory: Path, waves, **columns) -> None:
    """Clips of any lengths as one ``clips.npy`` (int16, end to end) and ``index.npz``: each
    clip's ``offset`` and ``length`` there, then the per-clip ``columns`` (digit, voice ...)."""
    lengths = np.array([len(w) for w in waves], np.int64)
    np.save(directory / "clips.npy", np.concatenate(waves))
    offset = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    np.savez(directory / "index.npz", offset=offset, length=lengths, **columns)


def read_clips(directory: Path):
    """``(x, index)``: every clip of :func:`save_clips` centred in 1 s (float32
    ``(n, CLIP_SAMPLES)``), and the index's arrays by name."""
    samples = np.load(directory / "clips.npy", mmap_mode="r")
    with np.load(directory / "index.npz") as stored:
        index = {name: stored[name] for name in stored.files}
    pairs = zip(index["offset"], index["length"], strict=True)
    return np.stack([pad_center(samples[o : o + n]) for o, n in pairs]), index


def pad_center(clip: np.ndarray, length: int = CLIP_SAMPLES) -> np.ndarray:
    """``clip`` (int16) as float32 in [-1, 1], centred in ``length`` samples of silence."""
    out = np.zeros(length, np.float32)
    clip = clip[:length]
    start = (length - len(clip)) // 2
    out[start : start + len(clip)] = clip.astype(np.float32) / 32767.0
    return out


def load_data(root=None, config: Config = Config(), workers: int = 2):
    """``(x_train, y_train, voice_train), (x_test, y_test, voice_test), voices``.

    ``x`` is float32 ``(n, 16000)``: 1 second at 16 kHz, the word centred; ``y`` the
    digit (int32, 0–9); ``voice`` an index into ``voices``, the list of voice names
    (``"accent+variant"``). No voice variant of the test set is in the training set.
    Synthesizes the cache first if needed (about a minute).
    """
    directory = _ensure(root, config, workers)
    samples = np.load(directory / "clips.npy", mmap_mode="r")
    voices = [v["name"] for v in json.loads((directory / "voices.json").read_text())]
    with np.load(directory / "index.npz") as index:
        index = {k: index[k] for k in index.files}
    out = []
    for split_id in range(len(SPLITS)):
        chosen = np.flatnonzero(index["split"] == split_id)
        x = np.zeros((len(chosen), CLIP_SAMPLES), np.float32)
        for row, i in enumerate(chosen):
            start, length = index["offset"][i], index["length"][i]
            x[row] = pad_center(samples[start : start + length])
        out.append(
            (x, index["digit"][chosen].astype(np.int32), index["voice"][chosen].astype(np.int32))
        )
    return out[0], out[1], voices


def read_wav(path) -> tuple[np.ndarray, int]:
    """``(float64 samples, sample rate)`` of a 16-bit ``.wav`` file, its channels averaged."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit samples, not {8 * w.getsampwidth()}-bit")
        frames = np.frombuffer(w.readframes(w.getnframes()), np.int16)
        channels = frames.reshape(-1, w.getnchannels()).astype(np.float64)
        return channels.mean(axis=1), w.getframerate()


def as_clip(samples: np.ndarray, rate: int) -> np.ndarray:
    """A recording as :func:`load_data` gives its clips: :func:`as_stored` (16 kHz, trimmed,
    peak ``PEAK``, one second at most), then centred in one second by :func:`pad_center`."""
    return pad_center(as_stored(samples, rate))


def load_real_digits(directories=REAL_DIGIT_DIRS):
    """Human recordings of the ten digits, if installed: ``(x, y)`` like :func:`load_data`, or None.

    Reads ``0.wav`` … ``9.wav`` from the first of ``directories`` that has all ten (by default
    Debian's ``asterisk-core-sounds-en-wav``: one speaker, 8 kHz telephone quality,
    CC BY-SA 3.0): 16-bit, any sample rate, channels averaged; each resampled to 16 kHz,
    trimmed and centred by :func:`as_clip`.
    """
    for directory in map(Path, directories):
        files = [directory / f"{d}.wav" for d in range(NUM_CLASSES)]
        if all(f.is_file() for f in files):
            x = np.stack([as_clip(*read_wav(f)) for f in files])
            return x, np.arange(NUM_CLASSES, dtype=np.int32)
    return None


# --------------------------------------------------------------------------- tf.data
def augment(
    waveforms,
    seeds,
    max_shift: int = 1600,
    speed=(0.9, 1.1),
    gain_db=(-6.0, 6.0),
    snr_db=(10.0, 40.0),
    noise_probability: float = 0.8,
):
    """Randomly perturb a batch of waveforms ``(batch, samples)`` the way recordings differ.

    Per clip, with stateless random numbers from ``seeds`` (shape ``(2,)``):
    speed ``s`` (resampling by linear interpolation: duration ``/ s``, every frequency
    ``× s``, like a different vocal-tract length), a time shift of up to ``max_shift``
    samples, a gain in ``gain_db``, and, with ``noise_probability``, white noise at a
    signal-to-noise ratio in ``snr_db``.
    """
    import tensorflow as tf

    batch = tf.shape(waveforms)[0]
    length = tf.shape(waveforms)[1]
    n = tf.cast(length, tf.float32)
    seeds = tf.random.experimental.stateless_split(seeds, 5)

    def uniform(i, low, high, shape=None):
        return tf.random.stateless_uniform(
            shape if shape is not None else [batch], seeds[i], low, high
        )

    # speed and shift: output sample t reads input position centre + (t - centre) * s - shift
    factor = uniform(0, speed[0], speed[1])
    shift = uniform(1, -float(max_shift), float(max_shift))
    t = tf.range(n)[tf.newaxis, :]
    centre = (n - 1.0) / 2.0
    position = centre + (t - centre) * factor[:, tf.newaxis] - shift[:, tf.newaxis]
    left = tf.floor(position)
    frac = position - left
    left = tf.cast(left, tf.int32)
    flat = tf.reshape(waveforms, [-1])  # one gather on the flattened batch is the fastest on CPU
    row_start = (tf.range(batch) * length)[:, tf.newaxis]

    def read(i):  # waveforms[b, i[b, t]], and 0 outside the clip
        inside = tf.cast((i >= 0) & (i < length), waveforms.dtype)
        return tf.gather(flat, row_start + tf.clip_by_value(i, 0, length - 1)) * inside

    x0, x1 = read(left), read(left + 1)
    x = x0 * (1.0 - frac) + x1 * frac
    # gain, then noise relative to the clip's power
    x = x * tf.pow(10.0, uniform(2, gain_db[0], gain_db[1]) / 20.0)[:, tf.newaxis]
    power = tf.reduce_mean(tf.square(x), axis=1, keepdims=True)
    snr = tf.pow(10.0, uniform(3, snr_db[0], snr_db[1]) / 10.0)[:, tf.newaxis]
    use_noise = tf.cast(uniform(4, 0.0, 1.0) < noise_probability, tf.float32)[:, tf.newaxis]
    # uniform white noise of unit variance (on [-√3, √3]): as good as Gaussian here, and faster
    noise = tf.random.stateless_uniform(tf.shape(x), seeds[4] + 1, -(3.0**0.5), 3.0**0.5)
    return x + noise * tf.sqrt(power / snr) * use_noise


def mu_law(x, mu: float = 255.0):
    """8-bit μ-law telephone coding and decoding (ITU-T G.711's curve, without its segments).

    Compress ``c = sign(x)·ln(1 + μ|x|)/ln(1 + μ)``, keep a sign bit and 7 bits of ``|c|``
    (``|c|`` rounded to a multiple of 1/127), expand ``x̂ = sign(c)·((1 + μ)^|c| − 1)/μ``: quiet
    samples keep fine steps, loud ones get coarse steps, so the coding noise follows the level.
    """
    import tensorflow as tf

    x = tf.clip_by_value(x, -1.0, 1.0)
    magnitude = tf.math.log1p(mu * tf.abs(x)) / tf.math.log1p(mu)
    magnitude = tf.round(magnitude * 127.0) / 127.0
    return tf.sign(x) * (tf.pow(1.0 + mu, magnitude) - 1.0) / mu


def simulate_channel(
    waveforms,
    seeds,
    telephone: float = 0.5,
    equalize_db: float = 6.0,
    reverb: float = 0.0,
    sample_rate: int = SAMPLE_RATE,
):
    """Pass a batch ``(batch, samples)`` through random recording channels (stateless ``seeds``).

    One FFT of the zero-padded clip, multiplied by the channel's frequency response
    ``H(f) = E(f)·B(f)·R(f)``, then back, then the coding:

    - **equalization** ``E``: a smooth random tilt of ±``equalize_db`` (four cosines in
      log-frequency), as different microphones and rooms colour a voice;
    - **telephone band** ``B`` on a fraction ``telephone`` of the clips: a band-pass with edges
      drawn in 200–400 Hz and 3000–3800 Hz (``|B|² = 1/(1 + (f_low/f)^8) · 1/(1 + (f/f_high)^8)``),
      what an 8 kHz phone line keeps of a voice, followed by 8-bit μ-law coding (:func:`mu_law`;
      coded at 16 kHz, its noise spreads up to 8 kHz, where a real line keeps it below 4 kHz);
    - **reverberation** ``R`` on a fraction ``reverb``: the direct sound plus a 0.5 s tail of
      noise decaying by 60 dB in ``RT60`` ∈ [0.1, 0.6] s, 0 to 20 dB below it.
    """
    import tensorflow as tf

    batch, length = tf.shape(waveforms)[0], tf.shape(waveforms)[1]
    # with a reverberation tail: room for it, so nothing wraps around into the clip; without,
    # the next power of two (2.5× faster), as the filters' responses last a few milliseconds
    fft = 2 * CLIP_SAMPLES if reverb > 0 else 2 ** int(np.ceil(np.log2(CLIP_SAMPLES)))
    seeds = tf.random.experimental.stateless_split(seeds, 8)

    def uniform(i, low, high, shape=None):
        return tf.random.stateless_uniform(shape or [batch, 1], seeds[i], low, high)

    frequency = tf.linspace(0.0, sample_rate / 2.0, fft // 2 + 1)[tf.newaxis, :]
    where = tf.math.log(frequency + 100.0) / np.log(sample_rate / 2.0 + 100.0)  # 0 … 1
    k = tf.range(1.0, 5.0)[tf.newaxis, :, tf.newaxis]
    tilt = uniform(0, -equalize_db, equalize_db, [batch, 4])[:, :, tf.newaxis]
    gain_db = tf.reduce_sum(tilt * tf.cos(np.pi * k * where[:, tf.newaxis, :]), axis=1) / 2.0
    response = tf.pow(10.0, gain_db / 20.0)
    phone = uniform(1, 0.0, 1.0) < telephone
    low, high = uniform(2, 200.0, 400.0), uniform(3, 3000.0, 3800.0)
    band = tf.math.rsqrt((1.0 + (low / (frequency + 1e-3)) ** 8) * (1.0 + (frequency / high) ** 8))
    response = tf.complex(response * tf.where(phone, band, tf.ones_like(band)), 0.0)
    if reverb > 0:
        tail_length = sample_rate // 2
        t = tf.range(tail_length, dtype=tf.float32)[tf.newaxis, :] / sample_rate
        tail = tf.random.stateless_normal([batch, tail_length], seeds[4])
        tail *= tf.exp(-6.9 * t / uniform(5, 0.1, 0.6))  # e^-6.9 = 10^-3: -60 dB at RT60
        tail /= tf.norm(tail, axis=1, keepdims=True)  # unit energy, then 0 to 20 dB below
        tail *= tf.pow(10.0, uniform(6, -20.0, 0.0) / 20.0)
        tail *= tf.cast(uniform(7, 0.0, 1.0) < reverb, tf.float32)
        impulse = tf.concat([tf.ones([batch, 1]), tail[:, 1:]], axis=1)  # direct sound first
        response *= tf.signal.rfft(tf.pad(impulse, [[0, 0], [0, fft - tail_length]]))
    spectrum = tf.signal.rfft(tf.pad(waveforms, [[0, 0], [0, fft - length]]))
    x = tf.signal.irfft(spectrum * response)[:, :length]
    peak = tf.reduce_max(tf.abs(x), axis=1, keepdims=True) + 1e-9
    coded = mu_law(x * (0.7 / peak)) * (peak / 0.7)  # a phone line codes a well-levelled voice
    return tf.where(phone, coded, x)


def pipeline(
    x,
    y,
    batch_size: int | None = 64,
    shuffle: bool = True,
    seed: int = 0,
    augment_data: bool = False,
    extra=None,
):
    """``tf.data`` for arrays: cache, shuffle with ``seed`` (a new order each epoch), batch,
    :func:`augment` (new random numbers each epoch, from ``seed`` too), prefetch.

    ``extra`` (e.g. voice ids) rides along as a third element.
    """
    import tensorflow as tf

    tensors = (x, y) if extra is None else (x, y, extra)
    ds = tf.data.Dataset.from_tensor_slices(tensors).cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        ds = ds.batch(batch_size)
        if augment_data:
            # a stream of random seed pairs, drawn anew each epoch (from ``seed``)
            randoms = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

            def perturb(batch, seeds):
                return (augment(batch[0], seeds), *batch[1:])

            ds = tf.data.Dataset.zip(ds, randoms).map(
                perturb, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
            )
    return ds.prefetch(tf.data.AUTOTUNE)


def as_dataset(
    split: str = "train",
    batch_size: int | None = 64,
    shuffle: bool = True,
    seed: int = 0,
    augment_data: bool | None = None,
    limit: int | None = None,
    with_voice: bool = False,
    root=None,
    config: Config = Config(),
):
    """A ``tf.data.Dataset`` of ``(waveform, label)`` batches (``+ voice`` with ``with_voice``).

    Waveforms are float32 ``(batch, 16000)``. The examples are cached in memory, shuffled
    with ``seed`` (a new order each epoch, the same sequence of orders for the same seed),
    batched, augmented (by default for ``split="train"`` only: see :func:`augment`) and
    prefetched (see :func:`pipeline`). ``limit`` keeps a random subset of that many
    examples (for quick runs).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    train, test, _ = load_data(root=root, config=config)
    x, y, voice = train if split == "train" else test
    if limit is not None and limit < len(x):
        keep = np.sort(np.random.default_rng(seed).permutation(len(x))[:limit])
        x, y, voice = x[keep], y[keep], voice[keep]
    if augment_data is None:
        augment_data = split == "train"
    return pipeline(x, y, batch_size, shuffle, seed, augment_data, voice if with_voice else None)


# --------------------------------------------------------------------------- tensorflow-datasets
CITATION = (
    "The eSpeak NG speech synthesizer (GPL-3.0-or-later), https://github.com/espeak-ng/espeak-ng; "
    "clips synthesized by the course's datasets/spoken_digits.py."
)
