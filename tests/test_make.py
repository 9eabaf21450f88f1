"""The commands the README documents, typed the way a learner types them: ``make help``,
``make lesson-N`` / ``make lesson-NN`` for every lesson, ``make lesson-99``, the exercise
targets, and the chapters' option checks (one line naming the option, exit status 2)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lessons import common

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((REPO_ROOT / "lessons").glob("lesson_[0-9][0-9]_*.py"))
NUMBERS = [s.stem.split("_")[1] for s in SCRIPTS]


def make(*arguments, timeout=600):
    return subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_lists_every_lesson_and_command():
    done = make("help")
    assert done.returncode == 0
    for script, number in zip(SCRIPTS, NUMBERS, strict=True):
        title = re.search(r"^# # (.+)$", script.read_text(), re.M).group(1)
        assert f"make lesson-{number}" in done.stdout and title in done.stdout
    for target in (
        "setup",
        "data",
        "test",
        "bench",
        "notebooks",
        "book",
        "exercise-NN",
        "exercises",
    ):
        assert f"make {target}" in done.stdout


@pytest.mark.parametrize("number", NUMBERS)
def test_lesson_n_and_nn_run_the_right_chapter(number):
    """``make lesson-8`` and ``make lesson-08`` both start lesson 08 (PY=echo shows the command)."""
    module = f"lessons.{SCRIPTS[NUMBERS.index(number)].stem}"
    for spelling in (str(int(number)), number):
        done = make(f"lesson-{spelling}", "PY=echo", "ARGS=--quick")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip().splitlines()[-1] == f"-m {module} --quick"


@pytest.mark.parametrize(("workers", "flag"), [(None, "-n 2"), ("0", "-n 0")])
def test_make_test_passes_args_to_pytest_over_its_workers(workers, flag):
    """``make test ARGS=...``, also with ``TEST_WORKERS=0``: PY=echo shows the command."""
    chosen = [f"TEST_WORKERS={workers}"] if workers else []
    done = make("-o", ".venv/.installed", "test", "PY=echo", *chosen, "ARGS=-k lesson_08")
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last == f"-m tests.sealed echo -m pytest {flag} --dist loadfile -k lesson_08"


def test_an_unknown_lesson_says_which_exist():
    done = make("lesson-99")
    assert done.returncode == 2
    assert "There is no lesson 99 here. Available: " + " ".join(NUMBERS) in done.stdout


def test_make_lesson_01_runs_the_chapter(tmp_path):
    done = make("lesson-01", f"ARGS=--quick --out {tmp_path}")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "metrics.json").exists()


def test_a_bad_option_through_make_is_one_line(tmp_path):
    done = make("lesson-04", f"ARGS=--epochs 0 --out {tmp_path}")
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert (
        lines[0]
        == "lesson-04: error: argument --epochs: must be an integer ≥ 1, got 0 (see --help)"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem[:9])
def test_every_chapter_takes_its_options_from_common_setup(script):
    text = script.read_text()
    assert 'tags=["parameters"]' in text and "common.setup(" in text
    assert "argparse" not in text and "def main(" not in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--epochs", "0"], "argument --epochs: must be an integer ≥ 1, got 0"),
        (["--epochs", "two"], "argument --epochs: must be an integer ≥ 1, got 'two'"),
        (["--seed", "-5"], "argument --seed: must be an integer in [0, 4294967295], got -5"),
        (["--seed", str(2**32)], "argument --seed: must be an integer in [0, 4294967295], got"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_stop_with_one_line(argv, message, capsys):
    """fault: a bad command-line option | expected: exit 2 and one line naming the option."""
    with pytest.raises(SystemExit) as stopped:
        common.setup("04", "test", epochs=3, argv=argv + ["--out", "unused"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error and error.startswith("lesson-04: error:")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_out_folder_is_one_line(tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    with pytest.raises(SystemExit):
        common.setup("04", "test", argv=["--out", str(folder / "sub")])
    assert "argument --out: cannot write to" in capsys.readouterr().err


def test_an_out_path_that_is_a_file_is_one_line(tmp_path, capsys):
    """fault: --out names an existing file | expected: exit 2, one line naming --out."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SystemExit):
        common.setup("04", "test", argv=["--out", str(blocker / "sub")])
    error = capsys.readouterr().err
    assert "argument --out: cannot write to" in error and error.count("\n") == 1


def test_a_notebook_kernel_takes_its_options_from_lesson_args(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", sys)
    monkeypatch.setenv("LESSON_ARGS", f"--quick --seed 7 --out {tmp_path}")
    args = common.setup("04", "test", epochs=3)
    assert args.quick and args.seed == 7 and args.epochs == 3 and args.out == tmp_path


def test_every_make_target_the_readme_names_exists():
    readme = (REPO_ROOT / "README.md").read_text()
    makefile = (REPO_ROOT / "Makefile").read_text()
    named = set(re.findall(r"`make ([a-z][a-z-]*)", readme)) - {"lesson-", "exercise-"}
    for target in named:
        pattern = (
            target
            if not re.match(r"(lesson|exercise)-\d+", target)
            else target.split("-")[0] + "-%"
        )
        assert re.search(rf"^{re.escape(pattern)}:", makefile, re.M), (
            f"make {target} is in the README only"
        )
