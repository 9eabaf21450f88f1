"""The recognizer a user would pick instead: PocketSphinx, limited to the digit words.

PocketSphinx (CMU Sphinx, the PyPI wheel ``pocketsphinx``) ships a US-English acoustic model
trained on many real speakers at 16 kHz. A JSGF grammar restricts what it may hear to one of
the eleven words "zero" … "nine" and "oh", so it solves the same ten-way task as our model,
with no training on our data at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh")
DIGIT_OF = {word: i for i, word in enumerate(WORDS[:10])} | {"oh": 0}
GRAMMAR = "#JSGF V1.0;\ngrammar digits;\npublic <digit> = " + " | ".join(WORDS) + " ;\n"


def available() -> str | None:
    """None if PocketSphinx can be used, else why not."""
    try:
        import pocketsphinx  # noqa: F401
    except ImportError as error:
        return f"pocketsphinx is not installed ({error}); `pip install -r requirements.txt`"
    return None


def recognize(waves: np.ndarray, sample_rate: int = 16000) -> list[str]:
    """The word PocketSphinx hears in each clip (float waveforms in [-1, 1]); '' for nothing."""
    from pocketsphinx import Decoder

    with tempfile.TemporaryDirectory() as folder:
        grammar = Path(folder) / "digits.gram"
        grammar.write_text(GRAMMAR)
        decoder = Decoder(jsgf=str(grammar), samprate=sample_rate, loglevel="FATAL")
    heard = []
    for wave in waves:
        pcm = np.round(np.clip(wave, -1.0, 1.0) * 32767).astype(np.int16)
        decoder.start_utt()
        decoder.process_raw(pcm.tobytes(), full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        heard.append(hypothesis.hypstr.strip() if hypothesis is not None else "")
    return heard


def as_digits(words: list[str]) -> np.ndarray:
    """Words → digits ("oh" is 0); -1 where it heard nothing."""
    return np.array([DIGIT_OF.get(w, -1) for w in words], np.int32)
