"""The README's "reuse in your own Keras model" example runs as printed.

The test fails (it does not skip) while README.md lacks the section or its python block.
"""

import re
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Reuse `custom_layers` in your own Keras model"


def readme_example() -> str:
    """The first ```python block under HEADING, before the next '## ' heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    if HEADING not in lines:
        pytest.fail(f"README.md has no heading {HEADING!r}")
    start = lines.index(HEADING) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    section = "\n".join(lines[start:end])
    match = re.search(r"^```python\n(.*?)^```", section, flags=re.S | re.M)
    if match is None:
        pytest.fail(f"README.md's section {HEADING!r} has no ```python block")
    return match.group(1)


def run_example(source: str, name: str) -> dict:
    keras.utils.set_random_seed(0)
    namespace = {"__name__": "readme_example"}
    exec(compile(source, name, "exec"), namespace)
    return namespace


def test_readme_reuse_example_runs_and_trains():
    source = readme_example()
    assert len(source.strip().splitlines()) <= 20, "keep the README example short"
    namespace = run_example(source, "README.md")
    model = namespace["model"]
    assert model.optimizer.iterations.numpy() > 0, "the example trains the model"
