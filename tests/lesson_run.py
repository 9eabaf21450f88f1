"""Run a chapter the way a learner does, in its own process, and read what it wrote.

Chapters run top to bottom at import, so the tests start them as ``python -m lessons.…``
(the command ``make lesson-NN`` runs) instead of calling a function.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def lesson_module(number: int | str) -> str:
    """``5`` or ``"05"`` -> ``"lessons.lesson_05_image_recognition_mnist"``."""
    matches = sorted((REPO_ROOT / "lessons").glob(f"lesson_{int(number):02d}_*.py"))
    assert matches, f"no lesson {number}"
    return f"lessons.{matches[0].stem}"


def run_lesson(number, *options, out: Path, timeout: float = 600, check: bool = True):
    """Run lesson ``number`` with ``options`` and ``--out out``; return (metrics, stdout, stderr).

    ``metrics`` is the parsed ``metrics.json`` (None if the run wrote none). With ``check`` a
    non-zero exit fails the test and shows the end of both streams.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", lesson_module(number), *map(str, options), "--out", str(out)]
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
            f"\n--- stderr\n{done.stderr[-3000:]}"
        )
    path = Path(out) / "metrics.json"
    metrics = json.loads(path.read_text()) if path.exists() else None
    return metrics, done.stdout, done.stderr
