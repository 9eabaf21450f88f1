"""``make notebooks``: run every chapter as a notebook and keep it with its outputs.

Each ``lessons/lesson_NN_<slug>.py`` (a jupytext percent script) is executed top to bottom
in a fresh Jupyter kernel started at the repository root, with ``LESSON_ARGS`` passed to the
chapter's parameters cell (empty: the default run). The executed notebook, with its printed
results and inline figures, goes to ``notebooks/lesson_NN_<slug>.ipynb``, and the run's
``metrics.json`` to ``notebooks/metrics/lesson-NN.json`` (the README's table is made from
these). Per-cell timing metadata and TensorFlow's C++ start-up lines are dropped, and a
progress bar's redraws are kept as a terminal shows them: its last state.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO_ROOT / "notebooks"
# TensorFlow's C++ start-up lines, printed before its log level applies (no GPU on this
# machine, an unknown tf.data attribute): they say nothing about the chapter, so the saved
# notebook leaves them out. Everything else a cell writes to stderr is kept.
NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} [\d:.]+\s+\d+ "
    r"(cudart_stub|cuda_platform|cuda_executor|cuda_diagnostics|node_def_util|port)\.cc)"
)


def chapters(selected=None) -> list[Path]:
    """The lesson scripts, in order; ``selected`` is a list of numbers like ``["5", "07"]``."""
    scripts = sorted((REPO_ROOT / "lessons").glob("lesson_[0-9][0-9]_*.py"))
    if selected:
        wanted = {f"{int(n):02d}" for n in selected}
        scripts = [s for s in scripts if s.stem.split("_")[1] in wanted]
    return scripts


def read_chapter(script: Path):
    """The chapter as an (unexecuted) notebook object."""
    import jupytext

    notebook = jupytext.read(script)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def _quiet(output):
    """An output without TensorFlow's start-up lines (None if nothing else was in it)."""
    if output.get("output_type") != "stream" or output.get("name") != "stderr":
        return output
    kept = [line for line in output["text"].splitlines(keepends=True) if not NOISE.match(line)]
    if not "".join(kept).strip():
        return None
    output["text"] = "".join(kept)
    return output


def as_terminal(outputs: list) -> list:
    """Outputs as a terminal leaves them: runs of one stream merged, each line in its last state.

    A progress bar (Keras's, for one) redraws its line every step with backspaces and ``\r``;
    a notebook would keep every redraw as an output of its own, hundreds per epoch, where a
    terminal shows one line: the last state of it.
    """
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == previous.get("output_type") == "stream"
            and output.get("name") == previous.get("name")
        ):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    for output in merged:
        if output.get("output_type") == "stream":
            lines = output["text"].replace("\b", "").split("\n")
            drawn = [[part for part in line.split("\r") if part] or [""] for line in lines]
            output["text"] = "\n".join(parts[-1] for parts in drawn)
    return merged


def execute(script: Path, target: Path, lesson_args: str, timeout: int) -> float:
    """Execute one chapter into ``target``; return the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    notebook = read_chapter(script)
    os.environ["LESSON_ARGS"] = lesson_args  # the kernel inherits it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO_ROOT)}},
    )
    client.execute()
    for cell in notebook.cells:
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = as_terminal([o for o in map(_quiet, cell.outputs) if o is not None])
    tmp = target.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, tmp)
    os.replace(tmp, target)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make notebooks", description=__doc__)
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: all)")
    parser.add_argument("--args", default="", help='options for every chapter, e.g. "--quick"')
    parser.add_argument("--out", type=Path, default=NOTEBOOKS, help="folder for the notebooks")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell at most")
    options = parser.parse_args(argv)
    (options.out / "metrics").mkdir(parents=True, exist_ok=True)
    for script in chapters(options.lessons):
        number = script.stem.split("_")[1]
        target = options.out / f"{script.stem}.ipynb"
        print(f"lesson {number}: executing {script.name} ...", flush=True)
        try:
            seconds = execute(script, target, options.args, options.timeout)
        except Exception as error:  # noqa: BLE001 — report the chapter and stop
            print(f"lesson {number}: FAILED: {type(error).__name__}: {str(error)[-2000:]}")
            return 1
        metrics = REPO_ROOT / "outputs" / f"lesson-{number}" / "metrics.json"
        if "--out" not in options.args and metrics.exists():
            shutil.copyfile(metrics, options.out / "metrics" / f"lesson-{number}.json")
        print(f"lesson {number}: wrote {target} in {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
