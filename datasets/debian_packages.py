"""Debian packages without root: ``apt-get download`` into a folder, verify, ``dpkg-deb -x``.

``apt-get download`` writes a package's ``.deb`` file into the current folder and
``dpkg-deb -x`` unpacks its files into another: neither installs anything, so neither needs
root. A ``.deb`` given a pinned sha256 is checked *before* it is unpacked, so a changed
package is refused by name instead of silently giving other data; one given none (a package
Debian revises) must have the files taken out of it pinned instead, as ``real_voices`` does.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from datasets import cache


def run_tool(command, cwd) -> None:
    """Run a command; on failure raise with the last lines it printed."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"`{' '.join(command)}` failed ({result.returncode}): {' '.join(said)}")


def check_tools(*tools: str) -> None:
    """Raise ``FileNotFoundError`` naming the first of ``tools`` that is not installed."""
    for tool in tools:
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"{tool} is not installed (it comes with Debian/Ubuntu)")


def unpack(
    package: str,
    work: Path,
    sha256: str | None = None,
    downloads: Path | None = None,
    apt_get: str = "apt-get",
    dpkg_deb: str = "dpkg-deb",
) -> Path:
    """Download ``package``'s ``.deb``, check it against ``sha256`` (if given), unpack it into
    ``work/unpacked``; return that folder.

    The ``.deb`` goes into ``downloads`` (default: ``work``); one already there is used as it
    is, so two data sets cut from one package download it once. Without ``sha256`` only the
    files taken out of the package are pinned (by the caller): for a package Debian revises
    while the files a course needs stay the same.
    """
    check_tools(apt_get, dpkg_deb)
    folder = Path(work) if downloads is None else Path(downloads)
    debs = sorted(folder.glob(f"{package}_*.deb"))
    if not debs:
        run_tool([apt_get, "download", package], folder)
        debs = sorted(folder.glob(f"{package}_*.deb"))
    if not debs:
        raise FileNotFoundError(f"apt-get download {package} left no .deb file")
    if sha256 is not None:
        cache.verify_file(debs[-1], sha256)  # ChecksumError names the file
    unpacked = Path(work) / "unpacked"
    run_tool([dpkg_deb, "-x", str(debs[-1]), str(unpacked)], work)
    return unpacked


def program_source(program: str, write: Callable[[str, Path], object]) -> cache.Source:
    """A source that finds ``program`` on the PATH and calls ``write(its path, staging)``."""

    def build(staging: Path) -> None:
        path = shutil.which(program)
        if path is None:
            raise FileNotFoundError(f"no `{program}` on the PATH")
        write(path, staging)

    return cache.Source(f"installed {program}", build)


def unpacked_source(
    packages: dict[str, str | None],
    label: str,
    write: Callable[[Path, Path], object],
    apt_get: str = "apt-get",
    dpkg_deb: str = "dpkg-deb",
    downloads: Path | None = None,
) -> cache.Source:
    """A source that unpacks ``packages`` (``{name: sha256 of its .deb, or None}``, each by
    :func:`unpack`, ``.deb`` files into ``downloads`` if given) into one temporary folder and
    calls ``write(the unpacked root, staging)``; ``label`` names them in the source's name."""

    def build(staging: Path) -> None:
        with tempfile.TemporaryDirectory(dir=staging) as work:
            unpacked = Path(work) / "unpacked"
            for package, sha256 in packages.items():
                unpack(package, Path(work), sha256, downloads, apt_get, dpkg_deb)
            write(unpacked, staging)

    # online: apt-get reaches Debian's archive (skipped when COURSE_OFFLINE=1, as in the tests)
    return cache.Source(f"apt-get download {label} + dpkg-deb -x", build, online=True)
