"""``python -m datasets prepare [names...]``: prepare and verify the course's data sets.

Prints one line per data set: how long it took, its size on disk, where it is and where it
came from; a repaired fault is one ``warning:`` line. Exits with status 1 (after trying all
the others) if a data set, or its TFDS build, could not be prepared.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import warnings

from datasets import cache

# The order `prepare` goes through; toy data is generated on the fly (its prepare() is cheap).
NAMES = (
    "mnist",
    "imdb",
    "spoken_digits",
    "flite_voices",
    "festival_voices",
    "mbrola_voices",
    "piper_voices",
    "real_voices",
    "toy",
)
# modules written separately; skipped if absent
OPTIONAL = set(NAMES) - {"mnist", "imdb"}
# Test-only extras: if they cannot be had, say why and how, but `make data` still succeeds.
NOT_REQUIRED = {"flite_voices", "festival_voices", "mbrola_voices", "piper_voices", "real_voices"}
TFDS_NAMES = {"mnist", "imdb", "spoken_digits"}  # also built as TFDS files (course_mnist, ...)


def _megabytes(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e6:.1f} MB"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _prepare_raw(name: str, force: bool) -> dict | None:
    """``prepare()`` of ``datasets.<name>``, or None (with a note) if the module is absent."""
    try:
        module = importlib.import_module(f"datasets.{name}")
    except ModuleNotFoundError as error:
        if name in OPTIONAL and error.name == f"datasets.{name}":
            print(f"{name:14s} skipped: datasets/{name}.py is not there")
            return None
        raise
    if not hasattr(module, "prepare"):
        print(f"{name:14s} skipped: datasets/{name}.py has no prepare()")
        return None
    return module.prepare(force=force) if force else module.prepare()


def prepare(names, force: bool = False, tfds: bool = True) -> int:
    """Prepare each named data set; print a summary line per data set; return the exit status.

    One data set's failure (of any kind) is reported and the next one is still prepared;
    the status is 1 if any failed.
    """
    failed = []
    for name in names:
        started = time.perf_counter()
        try:
            info = _prepare_raw(name, force)
        except cache.DataUnavailableError as error:  # names each source tried: keep every line
            print(f"{name:14s} FAILED\n{error}", file=sys.stderr)
            if name not in NOT_REQUIRED:  # a test-only extra may be missing: said, not fatal
                failed.append(name)
            continue
        except Exception as error:  # noqa: BLE001 - reported; the other data sets still run
            print(f"{name:14s} FAILED: {_one_line(error)}", file=sys.stderr)
            failed.append(name)
            continue
        if info is None:
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
            try:
                from datasets import tfds_builders

                built = tfds_builders.prepare(name, force=force)
            except Exception as error:  # noqa: BLE001 - reported; the other data sets still run
                print(f"{'  tfds':14s} FAILED ({name}): {_one_line(error)}", file=sys.stderr)
                failed.append(f"{name} (tfds)")
                continue
            seconds = time.perf_counter() - started
            counts = ", ".join(f"{k} {v}" for k, v in sorted(built["examples"].items()))
            print(
                f"{'  tfds':14s} ready in {seconds:6.1f} s  {_megabytes(built['bytes']):>9s}  "
                f"{built['path']}  ({built['name']}: {counts}; sha256 verified)"
            )
    if failed:
        print(f"FAILED: {', '.join(failed)} (see above); the others are ready.", file=sys.stderr)
    return 1 if failed else 0


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one plain line each (a CacheWarning says what was repaired)."""
    print(f"warning: {message}", file=sys.stderr)


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
    print(f"Data cache: {cache.data_root()}  (set {cache.ENV_DATA_DIR} to move it)", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("always", cache.CacheWarning)
        warnings.showwarning = _show_warning
        return prepare(args.names or NAMES, force=args.force, tfds=args.tfds)


if __name__ == "__main__":
    sys.exit(main())
