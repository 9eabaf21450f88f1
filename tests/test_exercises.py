"""Every exercise checker accepts the reference solution, says "not attempted" on the untouched
stub, and rejects each plausible wrong answer kept in ``tests/wrong_answers/lesson_NN.py``."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from grading import REPO_ROOT, grade, lessons_with_exercises, load_module

LESSONS = lessons_with_exercises()


def _wrong_answers(lesson):
    return load_module(REPO_ROOT / "tests" / "wrong_answers" / f"lesson_{lesson}.py").WRONG


def _wrong_cases():
    for lesson in LESSONS:
        for name, answers in _wrong_answers(lesson).items():
            for index in range(len(answers)):
                yield pytest.param(lesson, name, index, id=f"{lesson}-{name}-{index}")


@pytest.mark.parametrize("lesson", LESSONS)
def test_reference_solutions_pass(lesson):
    results = grade(lesson, load_module(REPO_ROOT / "solutions" / f"lesson_{lesson}.py"))
    assert results, f"lesson {lesson} has no exercises"
    failing = {
        r.name: (r.error, [c.detail for c in r.cases if not c.ok])
        for r in results
        if r.status != "pass"
    }
    assert not failing


@pytest.mark.parametrize("lesson", LESSONS)
def test_stubs_are_not_attempted(lesson):
    results = grade(lesson, load_module(REPO_ROOT / "exercises" / f"lesson_{lesson}.py"))
    assert [r.status for r in results] == ["not attempted"] * len(results)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_two_wrong_answers(lesson):
    solutions = load_module(REPO_ROOT / "solutions" / f"lesson_{lesson}.py")
    names = [r.name for r in grade(lesson, solutions)]
    wrong = _wrong_answers(lesson)
    assert set(wrong) <= set(names)
    for name in names:
        assert len(wrong.get(name, [])) >= 2, f"{lesson} {name}: fewer than two wrong answers"


@pytest.mark.parametrize(("lesson", "name", "index"), list(_wrong_cases()))
def test_wrong_answer_is_rejected(lesson, name, index):
    solutions = load_module(REPO_ROOT / "solutions" / f"lesson_{lesson}.py")
    answers = types.SimpleNamespace(**vars(solutions))
    setattr(answers, name, _wrong_answers(lesson)[name][index])
    result = next(r for r in grade(lesson, answers) if r.name == name)
    assert result.status == "fail", f"the checker accepted wrong answer {index} for {name}"
    others = [r.status for r in grade(lesson, answers) if r.name != name]
    assert set(others) <= {"pass"}


def test_make_exercise_reports_stubs_and_exits_nonzero():
    if not LESSONS:
        pytest.skip("no exercises yet")
    lesson = LESSONS[0]
    done = subprocess.run(
        ["make", "--no-print-directory", f"exercise-{int(lesson)}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "not attempted yet" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_grading_an_unknown_lesson_says_which_exist():
    done = subprocess.run(
        [sys.executable, "-m", "grading", "99"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "There are no exercises for lesson 99" in done.stderr
