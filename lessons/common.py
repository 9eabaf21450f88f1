"""What every chapter shares: its parameters, seeding, figures, shown source, and metrics.

A chapter is a jupytext "percent" script that runs top to bottom. Its parameters cell is::

    args = common.setup("05", "Lesson 05: image recognition on MNIST", epochs=6, extra=extra)

Run as ``python -m lessons.lesson_05_…`` (or ``make lesson-05 ARGS=…``) the options come from the
command line and are checked up front (a bad value stops the run with one line naming the
option and what it accepts); in a notebook kernel they come from the environment variable
``LESSON_ARGS`` (empty: the defaults). Later cells call
:func:`show` for each figure (inline in a notebook, a PNG in ``args.out`` either way),
:func:`show_source` where the chapter teaches a piece of the library, and the last cell calls
:func:`finish`, which writes the flat ``metrics.json``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shlex
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import matplotlib

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_MAX = 2**32 - 1  # NumPy's and TensorFlow's seeds are unsigned 32-bit integers


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where figures appear inline and argv is not ours)."""
    return "ipykernel" in sys.modules


if not in_notebook():
    matplotlib.use("Agg")  # a script saves PNG files; it never opens a window


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad option is one line: the problem, then where to look."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def int_at_least(low: int, high: int | None = None):
    """An argparse ``type`` for an integer in ``[low, high]``, with a message naming the range."""
    allowed = f"an integer ≥ {low}" if high is None else f"an integer in [{low}, {high}]"

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def float_in(low: float, high: float, *, low_open=False):
    """An argparse ``type`` for a float in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    bracket = "(" if low_open else "["

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not (value > low if low_open else value >= low) or value > high:
            raise argparse.ArgumentTypeError(f"must be in {bracket}{low}, {high}], got {value:g}")
        return value

    parse.__name__ = "number"
    return parse


def _writable_folder(parser, path: Path) -> Path:
    """Create ``path`` and prove it is writable, or stop with one line saying so."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as error:
        parser.error(f"argument --out: cannot write to {path} ({error.strerror or error})")
    return path


def setup(lesson: str, description: str, *, epochs: int | None = None, extra=None, argv=None):
    """Parse and check the chapter's options, seed everything, create the output folder.

    Options: ``--quick`` (tiny run, used by the tests), ``--seed`` (0 … 2³²−1),
    ``--epochs`` (≥ 1, only where the chapter trains for epochs), ``--out`` (a writable folder,
    default ``outputs/lesson-NN``), plus whatever ``extra(parser)`` adds. Returns the parsed
    options with ``args.out`` (a ``Path``) and ``args.started`` (for the wall time).
    """
    parser = _OneLineParser(prog=f"lesson-{lesson}", description=description)
    parser.add_argument("--quick", action="store_true", help="tiny, fast run (used by the tests)")
    parser.add_argument(
        "--seed",
        type=int_at_least(0, SEED_MAX),
        default=42,
        help="random seed, 0 … 2**32-1 (same seed, same numbers; default 42)",
    )
    if epochs is not None:
        parser.add_argument(
            "--epochs", type=int_at_least(1), default=None, help=f"epochs, ≥ 1 (default {epochs})"
        )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default outputs/lesson-{lesson})"
    )
    if extra is not None:
        extra(parser)
    if argv is None:
        # A kernel's argv is Jupyter's, not ours: a notebook takes LESSON_ARGS (e.g. "--quick").
        argv = shlex.split(os.environ.get("LESSON_ARGS", "")) if in_notebook() else sys.argv[1:]
    args = parser.parse_args(argv)
    if epochs is not None and args.epochs is None:
        args.epochs = epochs
    out = Path(args.out) if args.out is not None else REPO_ROOT / "outputs" / f"lesson-{lesson}"
    args.out = _writable_folder(parser, out)
    args.lesson = lesson

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)  # Python, NumPy and TensorFlow in one call
    tf.config.experimental.enable_op_determinism()
    args.started = time.perf_counter()
    global _OUT
    _OUT = args.out
    return args


_OUT: Path | None = None  # where show() saves figures; set by setup()


def show(fig, name: str) -> Path | None:
    """Save ``fig`` as ``<out>/name`` (PNG); in a notebook, also show it right here.

    Returns the PNG's path in a script and None in a notebook (where a cell's last value is
    echoed under it, and the figure above already says it all).
    """
    import matplotlib.pyplot as plt

    if _OUT is None:
        raise RuntimeError("call common.setup(...) before common.show(...)")
    path = _OUT / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    if in_notebook():
        from IPython.display import display

        display(fig)
    plt.close(fig)
    return None if in_notebook() else path


def show_source(obj, *, title: str | None = None) -> str | None:
    """Print the real source of a library function, method or class (it can never drift).

    In a notebook the source is shown as a highlighted code block (and None returned, so the
    cell does not echo it twice); in a terminal it is printed between two rules naming the
    file it comes from, and returned.
    """
    source = textwrap.dedent(inspect.getsource(obj))
    where = Path(inspect.getsourcefile(obj)).resolve()
    try:
        where = where.relative_to(REPO_ROOT)
    except ValueError:
        pass
    title = title or f"{obj.__qualname__} — from {where}"
    if in_notebook():
        from IPython.display import Markdown, display

        display(Markdown(f"**{title}**\n\n```python\n{source}```"))
        return None
    else:
        print(f"── {title} " + "─" * max(3, 72 - len(title)))
        print(source.rstrip())
        print("─" * 76)
    return source


def finish(args, metrics: dict) -> dict:
    """Add the wall time, write ``metrics.json`` (a flat JSON object), say where things went."""
    metrics = dict(metrics)
    metrics["seconds"] = round(time.perf_counter() - args.started, 2)
    metrics["seed"] = args.seed
    metrics["quick"] = bool(args.quick)
    path = Path(args.out) / "metrics.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)  # atomic: a reader never sees half a file
    print(f"Wrote {path} and the figures in {args.out}/ ({metrics['seconds']:.1f} s).")
    return None if in_notebook() else metrics  # a notebook would echo the whole dict
