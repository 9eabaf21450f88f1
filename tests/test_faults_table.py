"""``python -m tests.fault_table``: the fault | expected | observed table, on a few real rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import fault_table

REPO = Path(__file__).resolve().parent.parent


def test_the_table_shows_each_fault_its_promise_and_what_was_seen():
    result = subprocess.run(
        [sys.executable, "-m", "tests.fault_table", "tests/test_faults_network.py", "-k", "udp"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert [cell.strip() for cell in lines[0].split("|")] == ["fault", "expected", "observed"]
    (row,) = [line for line in lines if line.startswith("a UDP datagram sent out")]
    fault, expected, observed = (cell.strip() for cell in row.split(" | "))
    assert expected == "refused at once; loopback datagrams arrive"
    assert observed.startswith("pass: NetworkBlocked") and "sendto" in observed
    assert lines[-1] == "1 faults: 1 survived as promised, 0 failed, 0 skipped"


def test_a_failed_fault_is_shown_as_fail_with_its_message():
    rows = [
        {"fault": "a", "expected": "b", "outcome": "passed", "observed": "fine"},
        {"fault": "long fault", "expected": "c", "outcome": "failed", "observed": "assert 1 == 2"},
    ]
    lines = fault_table.format_table(rows).splitlines()
    assert lines[2] == "a          | b        | pass: fine"
    assert lines[3] == "long fault | c        | FAIL: assert 1 == 2"
    assert lines[-1] == "2 faults: 1 survived as promised, 1 failed, 0 skipped"
