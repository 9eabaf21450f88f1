"""``python -m tests.fault_table [pytest args]`` (``make faults``): every fault, and what happened.

Runs ``pytest -m fault`` sealed from the network (``tests/sealed.py``) and prints one row
per fault test::

    fault | expected | observed

``fault`` and ``expected`` come from the first line of the test's docstring
(``fault: ... | expected: ...``; ``{name}`` is filled from the test's parameters),
``observed`` is pass/FAIL/skip plus the one-line message the test saw (what it recorded
with the ``fault_seen`` fixture, else the failure's message). The exit status is pytest's.
Loaded with ``-p tests.fault_table`` inside that pytest run, this module also collects the rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ENV_REPORT = "FAULT_TABLE_JSON"  # where the pytest run writes the rows
REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- inside pytest
def _doc_line(item) -> tuple[str, str]:
    """``(fault, expected)`` from the docstring's first line (or the test's name)."""
    doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
    line = doc[0] if doc else ""
    params = getattr(getattr(item, "callspec", None), "params", {})
    try:
        line = line.format(**params)
    except (KeyError, IndexError, ValueError):
        pass
    if line.startswith("fault:") and "| expected:" in line:
        fault, expected = line[len("fault:") :].split("| expected:", 1)
        return fault.strip(), expected.strip()
    return item.name, "(no 'fault: ... | expected: ...' docstring)"


def _one_line(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return " ".join(crash.message.split())
    if isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return " ".join(str(report.longrepr).split())[-300:]


_ROWS: dict[str, dict] = {}


def pytest_runtest_logreport(report):
    """Keep each fault test's outcome (a failing set-up or tear-down counts as a failure)."""
    if os.environ.get(ENV_REPORT) is None:
        return
    row = _ROWS.setdefault(report.nodeid, {"outcome": "passed", "observed": ""})
    observed = [value for key, value in report.user_properties if key == "observed"]
    if observed:
        row["observed"] = observed[-1]
    if report.passed and not row["outcome"]:
        row["outcome"] = "passed"
    if report.failed:
        row["outcome"], row["observed"] = "failed", _one_line(report)
    elif report.skipped and row["outcome"] != "failed":
        row["outcome"], row["observed"] = "skipped", _one_line(report)


def pytest_collection_modifyitems(items):
    if os.environ.get(ENV_REPORT) is None:
        return
    for item in items:
        fault, expected = _doc_line(item)
        _ROWS[item.nodeid] = {"fault": fault, "expected": expected, "outcome": "", "observed": ""}


def pytest_sessionfinish(session):
    path = os.environ.get(ENV_REPORT)
    if path is not None:
        rows = [dict(row, test=nodeid) for nodeid, row in _ROWS.items() if row.get("outcome")]
        Path(path).write_text(json.dumps(rows, indent=1))


# --------------------------------------------------------------------------- the table
def format_table(rows: list[dict], width: int = 120) -> str:
    """The rows as ``fault | expected | observed`` lines, under a header."""
    mark = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}
    cells = [
        (
            row["fault"],
            row["expected"],
            f"{mark.get(row['outcome'], row['outcome'])}: {row['observed'][:width] or '-'}",
        )
        for row in rows
    ]
    header = ("fault", "expected", "observed")
    widths = [max(len(r[i]) for r in [header, *cells]) for i in range(2)]
    lines = [f"{header[0]:{widths[0]}} | {header[1]:{widths[1]}} | {header[2]}"]
    lines.append(f"{'-' * widths[0]}-+-{'-' * widths[1]}-+-{'-' * 8}")
    lines += [f"{a:{widths[0]}} | {b:{widths[1]}} | {c}" for a, b, c in cells]
    counts = {k: sum(row["outcome"] == k for row in rows) for k in mark}
    lines.append(
        f"{len(rows)} faults: {counts['passed']} survived as promised, "
        f"{counts['failed']} failed, {counts['skipped']} skipped"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="fault-table-") as scratch:
        report = Path(scratch) / "rows.json"
        env = dict(os.environ, **{ENV_REPORT: str(report)})
        pytest = [sys.executable, "-m", "pytest", "-m", "fault", "-q", "-p", "tests.fault_table"]
        command = [sys.executable, "-m", "tests.sealed", *pytest, "-o", "addopts=", *argv]
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        if not report.is_file():
            sys.stdout.write(result.stdout[-5000:] + result.stderr[-5000:])
            print("fault_table: the pytest run wrote no rows", file=sys.stderr)
            return result.returncode or 1
        rows = json.loads(report.read_text())
    print(format_table(rows))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
