"""The fault table: totals by fault, and a session that fails on any finding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.faults.ledger import Findings
from tests.faults.ledger import Ledger

ROOT = Path(__file__).parents[2]


def test_the_table_lists_each_fault_and_the_totals():
    """Rows come sorted by fault with tried, runs and the three findings, then
    a total row; only findings make the ledger bad."""
    ledger = Ledger()
    ledger.tried("reset", 3)
    ledger.ran("reset", 2)
    ledger.tried("429")
    ledger.ran("429", 4)
    ledger.audited("429", Findings())
    assert not ledger.bad

    lines = ledger.table()

    assert lines[0].split() == [
        "fault", "tried", "runs", "duplicates", "stock", "mismatches", "records",
        "lost",
    ]  # fmt: skip
    assert lines[2].split() == ["429", "1", "4", "0", "0", "0"]
    assert lines[3].split() == ["reset", "3", "2", "0", "0", "0"]
    assert lines[5].split() == ["total", "4", "6", "0", "0", "0"]

    ledger.audited("reset", Findings(lost=["order 7 is not in OSM"]))
    assert ledger.bad
    assert ledger.table()[5].split() == ["total", "4", "6", "0", "0", "1"]
    assert ledger.table()[-1] == "reset: records lost: order 7 is not in OSM"


def _session(tmp_path, body):
    test = tmp_path / "test_recorded.py"
    test.write_text(
        "from tests.faults.ledger import LEDGER, Findings\n\n"
        "def test_recorded():\n"
        f"    {body}\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.faults.conftest", "-q",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(test)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_a_session_that_recorded_a_duplicate_fails_even_if_its_tests_pass(
    tmp_path,
):
    """The table is printed after the session, and a duplicate recorded by a
    passing test still makes the session exit 1."""
    bad = _session(
        tmp_path,
        'LEDGER.ran("reset"); LEDGER.audited("reset", Findings(["two of A"]))',
    )
    assert bad.returncode == 1, bad.stdout
    assert "1 passed" in bad.stdout
    assert "faults: what was tried and what was found" in bad.stdout
    assert "reset: duplicates: two of A" in bad.stdout
    assert "FAILED: the fault suite found duplicates" in bad.stdout
    [total] = [line for line in bad.stdout.splitlines() if line.startswith("total")]
    assert total.split() == ["total", "0", "1", "1", "0", "0"]
