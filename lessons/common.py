"""What every lesson shares: command-line options, seeding, and where results go.

Each lesson's ``main(argv)`` calls :func:`parse_args`, then :func:`start`, and ends
with :func:`finish`, which writes ``metrics.json`` next to the lesson's plots.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # plots go to PNG files; no window is ever opened

REPO_ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv, description: str, epochs: int | None = None, extra=None):
    """The options every lesson takes: --quick, --seed, --epochs, --out (plus ``extra``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny, fast run (used by the tests)")
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed (same seed, same numbers)"
    )
    if epochs is not None:
        parser.add_argument("--epochs", type=int, default=None, help=f"epochs (default {epochs})")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder for plots and metrics"
    )
    if extra is not None:
        extra(parser)
    if argv is None and "ipykernel" in sys.modules:
        argv = []  # opened as a notebook: Jupyter's own argv is not ours
    args = parser.parse_args(argv)
    if epochs is not None and args.epochs is None:
        args.epochs = epochs
    return args


def start(lesson: str, args) -> Path:
    """Seed every random generator, make TensorFlow deterministic, and create the output folder."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)  # Python, NumPy and TensorFlow in one call
    tf.config.experimental.enable_op_determinism()
    out = Path(args.out) if args.out is not None else REPO_ROOT / "outputs" / f"lesson-{lesson}"
    out.mkdir(parents=True, exist_ok=True)
    args.out = out
    args.started = time.perf_counter()
    return out


def save_figure(fig, out: Path, name: str) -> Path:
    """Save a matplotlib figure as ``out/name`` (PNG) and close it."""
    import matplotlib.pyplot as plt

    path = Path(out) / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def finish(args, metrics: dict) -> dict:
    """Add the wall time, write ``metrics.json`` (a flat JSON object), say where things went."""
    metrics = dict(metrics)
    metrics["seconds"] = round(time.perf_counter() - args.started, 2)
    metrics["seed"] = args.seed
    metrics["quick"] = bool(args.quick)
    path = Path(args.out) / "metrics.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    print(f"\nWrote {path} and the plots in {args.out}/ ({metrics['seconds']:.1f} s).")
    return metrics
