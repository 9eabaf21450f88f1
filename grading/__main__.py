"""``python -m grading 03`` (or ``all``): grade ``exercises/lesson_03.py`` and say what is right.

``--answers PATH`` grades another file (e.g. ``solutions/lesson_03.py``). The exit status is 0
only when every exercise passes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading import REPO_ROOT, grade, lessons_with_exercises, load_module

MARKS = {"pass": "✓", "fail": "✗", "not attempted": "·"}


def report(lesson: str, answers_path: Path) -> bool:
    """Print one lesson's grades; True when all pass."""
    results = grade(lesson, load_module(answers_path))
    shown = (
        answers_path.relative_to(REPO_ROOT)
        if answers_path.is_relative_to(REPO_ROOT)
        else answers_path
    )
    print(f"Lesson {lesson} exercises ({shown})")
    for result in results:
        mark = MARKS[result.status]
        passed = sum(case.ok for case in result.cases)
        if result.status == "pass":
            print(f"  {mark} {result.number}. {result.name}: {passed} of {len(result.cases)} cases")
        elif result.status == "not attempted":
            print(
                f"  {mark} {result.number}. {result.name}: not attempted yet "
                "(it still raises NotImplementedError)"
            )
        else:
            print(f"  {mark} {result.number}. {result.name}: {passed} of {len(result.cases)} cases")
            for case in result.cases:
                if not case.ok:
                    print(f"      case {case.name!r}: {case.detail}")
            if result.error:
                print(f"      your code raised {result.error}")
            if result.hint:
                print(f"      hint: {result.hint}")
    done = sum(r.status == "pass" for r in results)
    print(
        f"  {done} of {len(results)} done"
        + ("" if done == len(results) else f"; solutions: solutions/lesson_{lesson}.py")
        + "\n"
    )
    return done == len(results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make exercise-NN", description=__doc__)
    parser.add_argument("lesson", help="lesson number (3 or 03), or 'all'")
    parser.add_argument(
        "--answers", type=Path, help="file to grade (default exercises/lesson_NN.py)"
    )
    args = parser.parse_args(argv)
    available = lessons_with_exercises()
    if args.lesson == "all":
        lessons = available
    else:
        try:
            lessons = [f"{int(args.lesson):02d}"]
        except ValueError:
            lessons = [args.lesson]
        if lessons[0] not in available:
            print(
                f"There are no exercises for lesson {args.lesson}. "
                f"Available: {' '.join(available)}",
                file=sys.stderr,
            )
            return 2
    ok = True
    for lesson in lessons:
        path = args.answers or REPO_ROOT / "exercises" / f"lesson_{lesson}.py"
        if not path.exists():
            print(
                f"{path} does not exist (git checkout -- {path} restores the stubs)",
                file=sys.stderr,
            )
            return 2
        ok &= report(lesson, path.resolve())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
