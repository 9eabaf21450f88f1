"""The committed notebooks are the chapters as they are now, executed: same cells as the
lesson scripts (a stale notebook fails here), every code cell run without error, figures inline,
and the run's metrics recorded beside them for the README's table."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jupytext
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((REPO_ROOT / "lessons").glob("lesson_[0-9][0-9]_*.py"))


def _cells(notebook):
    return [(cell["cell_type"], "".join(cell["source"]).strip()) for cell in notebook["cells"]]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem[:9])
def test_notebook_matches_its_chapter(script):
    path = REPO_ROOT / "notebooks" / f"{script.stem}.ipynb"
    assert path.exists(), f"{path.name} is missing: run `make notebooks` and commit notebooks/"
    committed = json.loads(path.read_text())
    expected = json.loads(jupytext.writes(jupytext.read(script), fmt="ipynb"))
    assert _cells(committed) == _cells(expected), (
        f"{path.name} is stale: {script.name} changed since it was executed (run `make notebooks`)"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem[:9])
def test_notebook_was_executed_cleanly(script):
    path = REPO_ROOT / "notebooks" / f"{script.stem}.ipynb"
    notebook = json.loads(path.read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell.get("execution_count") for cell in code), "not executed"
    errors = [out for cell in code for out in cell["outputs"] if out["output_type"] == "error"]
    assert not errors, errors[0].get("ename")
    texts = [out for cell in code for out in cell["outputs"] if out.get("name") == "stdout"]
    assert len(texts) >= 3, "results should be printed where they are explained, not in one cell"
    number = script.stem.split("_")[1]
    metrics = json.loads(
        (REPO_ROOT / "notebooks" / "metrics" / f"lesson-{number}.json").read_text()
    )
    assert metrics["quick"] is False, "the committed notebooks are the default runs"


def test_make_notebooks_executes_a_chapter_with_inline_figures(tmp_path):
    """``make notebooks`` on one chapter (quick): results land in many cells, figures inline."""
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "notebooks",
            f"ARGS=01 --out {tmp_path} --args='--quick --out {tmp_path}/run'",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    notebook = json.loads(next(tmp_path.glob("lesson_01_*.ipynb")).read_text())
    outputs = [c["outputs"] for c in notebook["cells"] if c["cell_type"] == "code"]
    with_text = sum(any(o.get("name") == "stdout" for o in cell) for cell in outputs)
    figures = sum("image/png" in o.get("data", {}) for cell in outputs for o in cell)
    assert with_text >= 3 and figures >= 1


def test_a_progress_bar_is_kept_as_a_terminal_shows_it():
    from book.execute import as_terminal

    def stream(text, name="stdout"):
        return {"output_type": "stream", "name": name, "text": text}

    figure = {"output_type": "display_data", "data": {"image/png": "..."}}
    outputs = [stream("Epoch 1/2\n"), stream("\r 1/3 loss 2.0"), stream("\b" * 14 + "\r 2/3 loss")]
    outputs += [stream("\b" * 10 + "\r 3/3 loss 1.0\n"), stream("warned\n", "stderr"), figure]
    outputs += [stream("done\n")]
    assert as_terminal(outputs) == [
        stream("Epoch 1/2\n 3/3 loss 1.0\n"),
        stream("warned\n", "stderr"),
        figure,
        stream("done\n"),
    ]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem[:9])
def test_no_notebook_keeps_every_redraw_of_a_progress_bar(script):
    notebook = json.loads((REPO_ROOT / "notebooks" / f"{script.stem}.ipynb").read_text())
    for cell in notebook["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", ""))
            assert "\r" not in text and "\b" not in text, text[:200]
