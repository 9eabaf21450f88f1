"""A read-only cache: a shared, verified one loads; an empty or damaged one says what to do.

The folder is made read-only with a read-only bind mount in a mount namespace of the child
process alone (``unshare -m``; ``-rm`` for a normal user), because root ignores permission
bits; without ``unshare`` a normal user gets ``chmod a-w`` instead. The real MNIST cache is
copied first: the shared ``data/`` is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from datasets import cache, mnist

pytestmark = pytest.mark.fault
REPO = Path(__file__).resolve().parent.parent
MOUNT_READ_ONLY = (
    'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
)


def _namespace_prefix() -> list[str] | None:
    if shutil.which("unshare") is None:
        return None
    prefix = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    probe = [*prefix, "sh", "-c", MOUNT_READ_ONLY, "sh", str(REPO / "datasets"), "true"]
    ok = subprocess.run(probe, capture_output=True, check=False).returncode == 0
    return prefix if ok else None


PREFIX = _namespace_prefix()


def run_read_only(folder: Path, *command: str) -> subprocess.CompletedProcess:
    """Run ``command`` with ``folder`` (the cache, ``$COURSE_DATA_DIR``) read-only."""
    env = dict(os.environ, **{cache.ENV_DATA_DIR: str(folder)})
    if PREFIX is not None:
        argv = [*PREFIX, "sh", "-c", MOUNT_READ_ONLY, "sh", str(folder), *command]
    elif os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
        argv = list(command)
    else:
        pytest.skip("root without unshare: cannot make a folder read-only for root")
    try:
        return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    finally:
        if PREFIX is None:
            subprocess.run(["chmod", "-R", "u+w", str(folder)], check=True)


@pytest.fixture
def mnist_copy(tmp_path):
    """A copy of the real, verified MNIST cache, without its lock file."""
    source = cache.data_root() / "mnist"
    problems = cache.check_cached(source, mnist.FILES)
    if problems:
        pytest.fail(f"the prepared MNIST cache is not ready ({problems}): run `make data` first")
    root = tmp_path / "data"
    shutil.copytree(source, root / "mnist", ignore=shutil.ignore_patterns(".*"))  # not .lock
    return root


LOAD = (
    "from datasets import mnist, cache\n"
    "try:\n"
    "    (x, y), (xt, yt) = mnist.load_data()\n"
    "    print('labels', *y[:5], 'of', len(y) + len(yt))\n"
    "except cache.DataUnavailableError as error:\n"
    "    print('error', error)\n"
)


def test_a_read_only_verified_cache_loads(mnist_copy, fault_seen):
    """fault: a read-only verified MNIST cache (a classroom) | expected: loads, writes nothing"""
    before = sorted(p.name for p in (mnist_copy / "mnist").iterdir())
    result = run_read_only(mnist_copy, sys.executable, "-c", LOAD)
    assert result.returncode == 0, result.stderr[-2000:]
    fault_seen(result.stdout.strip())
    assert result.stdout.strip() == "labels 5 0 4 1 9 of 70000"
    assert sorted(p.name for p in (mnist_copy / "mnist").iterdir()) == before  # no .lock either


def test_a_read_only_damaged_cache_says_what_to_do(mnist_copy, fault_seen):
    """fault: a read-only cache, a truncated file | expected: one line: not writable, what to do"""
    path = mnist_copy / "mnist" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-10])
    result = run_read_only(mnist_copy, sys.executable, "-c", LOAD)
    assert result.returncode == 0, result.stderr[-2000:]
    (line,) = result.stdout.strip().splitlines()  # one line
    fault_seen(line)
    assert line.startswith("error") and "not writable" in line and "train-labels" in line
    assert "make data" in line and cache.ENV_DATA_DIR in line


def test_an_unwritable_empty_data_folder_says_what_to_do(tmp_path, fault_seen):
    """fault: prepare into an empty read-only folder | expected: one line, no traceback, exit 1"""
    empty = tmp_path / "data"
    empty.mkdir()
    result = run_read_only(empty, sys.executable, "-m", "datasets", "prepare", "mnist", "--no-tfds")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    (line,) = [x for x in result.stderr.splitlines() if "not writable" in x]
    fault_seen(line)
    assert cache.ENV_DATA_DIR in line and "make data" in line and "PermissionError" not in line
