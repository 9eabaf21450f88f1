"""A local copy of MathJax 3, so the HTML book renders math with no internet at view time.

``make setup`` runs ``python -m book.mathjax``: it packs ``mathjax@3.2.2`` with npm (a registry
client, like pip for the Python packages), checks the tarball's pinned sha256, and unpacks only
its ``es5/`` folder (the browser bundle and its fonts) into ``.venv/share/mathjax-3.2.2/``. A copy
already there is kept; a tarball with the wrong checksum is refused and nothing is written.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "3.2.2"
SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
TARGET = Path(sys.prefix) / "share" / f"mathjax-{VERSION}"


def location() -> Path:
    """The folder holding ``tex-chtml.js`` (raises with what to run if it is missing)."""
    if not (TARGET / "tex-chtml.js").is_file():
        raise FileNotFoundError(
            f"MathJax is not in {TARGET}: run `make setup` (or python -m book.mathjax)"
        )
    return TARGET


def install() -> Path:
    """Fetch, verify and unpack MathJax's browser bundle, atomically; return its folder."""
    if (TARGET / "tex-chtml.js").is_file():
        return TARGET
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", "--silent", f"mathjax@{VERSION}"],
            cwd=tmp,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tarball = Path(tmp) / f"mathjax-{VERSION}.tgz"
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != SHA256:
            raise RuntimeError(f"mathjax-{VERSION}.tgz has sha256 {digest}, expected {SHA256}")
        staging = Path(tempfile.mkdtemp(dir=TARGET.parent, prefix=".mathjax-"))
        with tarfile.open(tarball) as archive:
            members = [
                m
                for m in archive.getmembers()
                if m.name.startswith("package/es5/") and (m.isfile() or m.isdir())
            ]
            archive.extractall(staging, members=members, filter="data")
        shutil.move(staging / "package" / "es5", TARGET)  # one rename: whole or absent
        shutil.rmtree(staging)
    return TARGET


if __name__ == "__main__":
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    print(f"MathJax {VERSION} ready in {install()}")
