"""``python -m datasets prepare [names...]``: prepare and verify the course's data sets.

Prints one line per data set: how long it took, its size on disk, where it is and where it
came from. Exits with status 1 (after trying the others) if a data set could not be prepared.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from datasets import cache

# The order `prepare` goes through; toy data is generated on the fly (its prepare() is cheap).
NAMES = ("mnist", "imdb", "spoken_digits", "real_voices", "toy")
OPTIONAL = {"spoken_digits", "real_voices", "toy"}  # modules written separately; skipped if absent
# Test-only extras: if they cannot be had, say why and how, but `make data` still succeeds.
NOT_REQUIRED = {"real_voices"}
TFDS_NAMES = {"mnist", "imdb", "spoken_digits"}  # also built as TFDS files (course_mnist, ...)


def _megabytes(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e6:.1f} MB"


def prepare(names, force: bool = False, tfds: bool = True) -> int:
    """Prepare each named data set; print a summary line per data set; return the exit status."""
    status = 0
    for name in names:
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"datasets.{name}")
        except ModuleNotFoundError as error:
            if name in OPTIONAL and error.name == f"datasets.{name}":
                print(f"{name:14s} skipped: datasets/{name}.py is not there")
                continue
            raise
        if not hasattr(module, "prepare"):
            print(f"{name:14s} skipped: datasets/{name}.py has no prepare()")
            continue
        try:
            info = module.prepare(force=force) if force else module.prepare()
        except cache.DataUnavailableError as error:
            print(f"{name:14s} FAILED\n{error}", file=sys.stderr)
            status = status if name in NOT_REQUIRED else 1
            continue
        seconds = time.perf_counter() - started
        source = info.get("source") or "generated"
        verified = "sha256 verified" if info.get("verified") else "not verified"
        print(
            f"{name:14s} ready in {seconds:6.1f} s  {_megabytes(info.get('bytes')):>9s}  "
            f"{info.get('path', '-')}  ({verified}; from {source})"
        )
        if tfds and name in TFDS_NAMES:
            started = time.perf_counter()
            from datasets import tfds_builders

            built = tfds_builders.prepare(name, force=force)
            seconds = time.perf_counter() - started
            counts = ", ".join(f"{k} {v}" for k, v in sorted(built["examples"].items()))
            print(
                f"{'  tfds':14s} ready in {seconds:6.1f} s  {_megabytes(built['bytes']):>9s}  "
                f"{built['path']}  ({built['name']}: {counts})"
            )
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m datasets", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare", help="fetch, convert and verify data sets")
    prep.add_argument(
        "names",
        nargs="*",
        metavar="name",
        help=f"data sets to prepare: {', '.join(NAMES)} (default: all)",
    )
    prep.add_argument("--force", action="store_true", help="prepare again even if verified")
    prep.add_argument(
        "--no-tfds",
        dest="tfds",
        action="store_false",
        help="skip building the tensorflow-datasets files (course_mnist, ...)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in NAMES]
    if unknown:
        parser.error(f"unknown data set(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    print(f"Data cache: {cache.data_root()}  (set {cache.ENV_DATA_DIR} to move it)")
    return prepare(args.names or NAMES, force=args.force, tfds=args.tfds)


if __name__ == "__main__":
    sys.exit(main())
