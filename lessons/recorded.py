"""Another chapter's figures, for a chapter that cites them: never typed, always read from a run.

The source, in order of preference: this machine's own run of that lesson
(``outputs/lesson-NN/metrics.json``, if it was a default run), else the recorded default run
committed beside the executed notebooks (``notebooks/metrics/lesson-NN.json``).
"""

from __future__ import annotations

import json
import re

from lessons.common import REPO_ROOT


def metrics(lesson: str) -> tuple[dict, str]:
    """``(metrics, where they come from)``; ``({}, advice)`` when that lesson never ran."""
    candidates = [
        (REPO_ROOT / "outputs" / f"lesson-{lesson}" / "metrics.json", "your run of lesson"),
        (
            REPO_ROOT / "notebooks" / "metrics" / f"lesson-{lesson}.json",
            "the recorded run of lesson",
        ),
    ]
    for path, label in candidates:
        if path.exists():
            found = json.loads(path.read_text())
            if not found.get("quick", False):
                return found, f"{label} {lesson} (seed {found.get('seed')})"
    return {}, f"run `make lesson-{lesson}` to see its figures here"


def matching(found: dict, pattern: str) -> dict:
    """``{name: value}`` for each key matching ``pattern`` (one group: the name)."""
    regex = re.compile(pattern)
    return {m.group(1): value for key, value in found.items() if (m := regex.fullmatch(key))}
