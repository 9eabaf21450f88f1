"""Local grading of the exercises: ``make exercise-NN`` runs ``python -m grading NN``.

A lesson's checkers live in ``grading/lesson_NN.py``. Each is a generator decorated with
:func:`exercise`; it receives the learner's object (a function or class of the same name in
``exercises/lesson_NN.py``) and yields one :class:`Case` per small, named check, comparing it
with an independent reference (the library, a Keras/TensorFlow built-in, NumPy, finite
differences or a property)::

    @exercise("softplus", hint="log(1 + e^z) overflows for large z: use max(z, 0) + log1p(e^-|z|).")
    def check_softplus(softplus):
        z = np.array([-3.0, 0.0, 3.0])
        yield close("z = [-3, 0, 3]", softplus(z), np.logaddexp(0.0, z), atol=1e-6)

A learner's function that still raises ``NotImplementedError`` is "not attempted yet"; any
other exception is a failed case with its one-line message, never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Case", "Result", "check", "close", "exercise", "grade", "lessons_with_exercises"]

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Case:
    """One named check: did it hold, and if not, what was expected and what came back."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class Result:
    """One exercise's grade: ``status`` is "pass", "fail" or "not attempted"."""

    number: int
    name: str
    status: str
    cases: list[Case] = field(default_factory=list)
    hint: str = ""
    error: str = ""


@dataclass
class _Exercise:
    name: str
    checker: object
    hint: str
    number: int


_REGISTRY: dict[str, list[_Exercise]] = {}


def exercise(name: str, *, hint: str = ""):
    """Register a checker for the learner's object called ``name`` (in file order)."""

    def register(checker):
        lesson = checker.__module__.rsplit("_", 1)[-1]
        exercises = _REGISTRY.setdefault(lesson, [])
        exercises.append(_Exercise(name, checker, hint, len(exercises) + 1))
        return checker

    return register


def _summary(value) -> str:
    array = np.asarray(value)
    if array.size <= 6:
        return np.array2string(array, precision=6, separator=", ")
    return f"array of shape {array.shape}, first {np.array2string(array.ravel()[:4], precision=5)}"


def close(name: str, got, expected, *, rtol: float = 1e-5, atol: float = 1e-6) -> Case:
    """``got`` equals ``expected`` in shape and within ``atol + rtol·|expected|`` everywhere."""
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return Case(name, False, f"expected an array like {_summary(expected)}, got {got!r:.80}")
    if got_array.shape != expected.shape:
        return Case(name, False, f"expected shape {expected.shape}, got shape {got_array.shape}")
    if not np.all(np.isfinite(got_array) == np.isfinite(expected)):
        return Case(
            name, False, f"expected {_summary(expected)}, got {_summary(got_array)} (NaN/Inf)"
        )
    finite = np.isfinite(expected)
    difference = np.abs(got_array - expected)[finite]
    allowed = (atol + rtol * np.abs(expected))[finite]
    if difference.size and np.any(difference > allowed):
        worst = float(np.max(difference))
        return Case(
            name,
            False,
            f"expected {_summary(expected)}, got {_summary(got_array)} "
            f"(largest |difference| {worst:.2e}, allowed {atol:g} + {rtol:g}·|expected|)",
        )
    return Case(name, True)


def check(name: str, condition: bool, expected: str, got: str) -> Case:
    """A property check: ``condition`` must hold; ``expected``/``got`` describe it if not."""
    return Case(name, bool(condition), "" if condition else f"expected {expected}, got {got}")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:200]


def _load_checkers(lesson: str) -> list[_Exercise]:
    module = f"grading.lesson_{lesson}"
    if lesson not in _REGISTRY:
        importlib.import_module(module)
    return _REGISTRY.get(lesson, [])


def lessons_with_exercises() -> list[str]:
    """``["01", "02", …]``: every lesson that has a ``grading/lesson_NN.py``."""
    return sorted(
        p.stem.split("_")[1] for p in (REPO_ROOT / "grading").glob("lesson_[0-9][0-9].py")
    )


def load_module(path: Path):
    """Import a learner's file by path, fresh each time (so edits are always seen)."""
    name = f"_graded_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def grade(lesson: str, answers) -> list[Result]:
    """Grade ``answers`` (a module or any object with the exercises' names as attributes)."""
    results = []
    for item in _load_checkers(lesson):
        learner = getattr(answers, item.name, None)
        if learner is None:
            results.append(
                Result(
                    item.number,
                    item.name,
                    "fail",
                    hint=item.hint,
                    error=f"no function or class named {item.name!r} was found",
                )
            )
            continue
        cases = []
        try:
            for case in item.checker(learner):
                cases.append(case)
        except NotImplementedError:
            results.append(Result(item.number, item.name, "not attempted", hint=item.hint))
            continue
        except Exception as error:  # the learner's code failed: report it, never a traceback
            results.append(
                Result(item.number, item.name, "fail", cases, item.hint, _one_line(error))
            )
            continue
        status = "pass" if cases and all(case.ok for case in cases) else "fail"
        results.append(Result(item.number, item.name, status, cases, item.hint))
    return results
