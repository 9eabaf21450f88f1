"""Debian packages without root: ``apt-get download`` into a folder, verify, ``dpkg-deb -x``.

``apt-get download`` writes a package's ``.deb`` file into the current folder and
``dpkg-deb -x`` unpacks its files into another: neither installs anything, so neither needs
root. A ``.deb`` given a pinned sha256 is checked *before* it is unpacked, so a changed
package is refused by name instead of silently giving other data; one given none (a package
Debian revises) must have the files taken out of it pinned instead, as ``real_voices`` does.

Packages outside Debian's ``main`` (MBROLA is in ``contrib``, its voices in ``non-free``) need
the archive's other components, which a system may not list. :func:`archive_options` lists
them in a private copy of apt's state (``apt-get update`` into a folder of ours, from the
archives the system already uses), so nothing of the system's is changed and no root is needed.
"""

from __future__ import annotations

import re
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


def archive_sources(system_sources: str, components: tuple[str, ...]) -> str:
    """apt's ``.sources`` (deb822) text of ``system_sources`` with the components of every
    archive that serves ``main`` replaced by ``components``: the same archives and suites,
    other parts of them. Other repositories (a vendor's, a flat one with ``Suites: /``) are
    left out: they have no such parts, and apt refuses components on a flat repository."""
    stanzas = []
    for stanza in system_sources.strip().split("\n\n"):
        fields = [line for line in stanza.splitlines() if line and not line.startswith("#")]
        value = {key: rest.split() for key, _, rest in (line.partition(":") for line in fields)}
        if "deb" not in value.get("Types", []) or "main" not in value.get("Components", []):
            continue
        if any(suite.endswith("/") for suite in value.get("Suites", [])):
            continue
        kept = [line for line in fields if not line.startswith(("Components:", "Types:"))]
        stanzas.append("\n".join(["Types: deb", *kept, f"Components: {' '.join(components)}"]))
    return "\n\n".join(stanzas) + "\n"


OPTION_FIELDS = {  # one-line option: deb822 field
    "signed-by": "Signed-By",
    "arch": "Architectures",
    "trusted": "Trusted",
    "check-valid-until": "Check-Valid-Until",
}


def one_line_sources(text: str) -> str:
    """deb822 stanzas for the ``deb [options] URI suite components…`` lines of an old
    ``sources.list``; the options that say which key signs the archive and which
    architectures it serves are kept (without the key, ``apt-get update`` would refuse it)."""
    stanzas = []
    for line in text.splitlines():
        line = line.split("#")[0]
        options = " ".join(re.findall(r"\[([^]]*)\]", line)).split()
        words = re.sub(r"\[[^]]*\]", " ", line).split()
        if len(words) >= 3 and words[0] == "deb":
            fields = ["Types: deb", f"URIs: {words[1]}", f"Suites: {words[2]}"]
            fields += [f"Components: {' '.join(words[3:])}"] if words[3:] else []
            for key, _, value in (option.partition("=") for option in options):
                if key in OPTION_FIELDS:
                    fields.append(f"{OPTION_FIELDS[key]}: {value.replace(',', ' ')}")
            stanzas.append("\n".join(fields))
    return "\n\n".join(stanzas)


def archive_options(
    components: tuple[str, ...], work: Path, apt_get: str = "apt-get", etc: Path = Path("/etc/apt")
) -> tuple[str, ...]:
    """``apt-get`` options that see ``components`` of the system's archives: writes their
    sources list and runs ``apt-get update`` into ``work`` (apt's own state is not touched)."""
    check_tools(apt_get)
    listed = sorted((etc / "sources.list.d").glob("*.list")) + [etc / "sources.list"]
    system = [f.read_text() for f in sorted((etc / "sources.list.d").glob("*.sources"))]
    system += [one_line_sources(f.read_text()) for f in listed if f.is_file()]
    sources = archive_sources("\n\n".join(s.strip() for s in system if s.strip()), components)
    if not sources.strip():
        raise FileNotFoundError(f"apt lists no Debian archive in {etc} to take {components} from")
    work = Path(work)
    for folder in ("lists/partial", "cache/archives/partial", "parts"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    (work / "parts" / "archive.sources").write_text(sources)
    options = (
        "-o", "Dir::Etc::SourceList=/dev/null",
        "-o", f"Dir::Etc::SourceParts={work}/parts",
        "-o", f"Dir::State::Lists={work}/lists",
        "-o", f"Dir::Cache={work}/cache",
        "-o", "Debug::NoLocking=1",  # our own lists: no lock on the system's is needed
    )  # fmt: skip
    run_tool([apt_get, "update", *options], work)
    return options


def unpack(
    package: str,
    work: Path,
    sha256: str | None = None,
    downloads: Path | None = None,
    apt_get: str = "apt-get",
    dpkg_deb: str = "dpkg-deb",
    apt_options: tuple[str, ...] = (),
) -> Path:
    """Download ``package``'s ``.deb``, check it against ``sha256`` (if given), unpack it into
    ``work/unpacked``; return that folder.

    The ``.deb`` goes into ``downloads`` (default: ``work``); one already there is used as it
    is, so two data sets cut from one package download it once. Without ``sha256`` only the
    files taken out of the package are pinned (by the caller): for a package Debian revises
    while the files a course needs stay the same. ``apt_options`` (from
    :func:`archive_options`) reach other components of the archive.
    """
    check_tools(apt_get, dpkg_deb)
    folder = Path(work) if downloads is None else Path(downloads)
    debs = sorted(folder.glob(f"{package}_*.deb"))
    if not debs:
        run_tool([apt_get, "download", package, *apt_options], folder)
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
    components: tuple[str, ...] = (),
) -> cache.Source:
    """A source that unpacks ``packages`` (``{name: sha256 of its .deb, or None}``, each by
    :func:`unpack`, ``.deb`` files into ``downloads`` if given) into one temporary folder and
    calls ``write(the unpacked root, staging)``; ``label`` names them in the source's name.
    ``components`` (e.g. ``("main", "contrib", "non-free")``): download from these parts of
    the archive, listed by :func:`archive_options`; default: what the system lists."""

    def build(staging: Path) -> None:
        with tempfile.TemporaryDirectory(dir=staging) as work:
            unpacked = Path(work) / "unpacked"
            options = archive_options(components, Path(work) / "apt", apt_get) if components else ()
            for package, sha256 in packages.items():
                unpack(package, Path(work), sha256, downloads, apt_get, dpkg_deb, options)
            write(unpacked, staging)

    # online: apt-get reaches Debian's archive (skipped when COURSE_OFFLINE=1, as in the tests)
    return cache.Source(f"apt-get download {label} + dpkg-deb -x", build, online=True)
