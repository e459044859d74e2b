"""The fault suite's fixtures, and the table it prints after the session.

Every fault test records in :data:`tests.faults.ledger.LEDGER` what it tried
and what its audits found. After the run the table of those totals is
printed (``faults tried, runs, duplicates, stock mismatches, records
lost``), and the session fails when any duplicate, mismatch or loss was
recorded, even if a test swallowed its own assertion.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from osmsyncd.config import ErpSettings
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.erp.seed import seed_articles
from osmsyncd.erp.session import open_erp
from tests.faults.catalogue import ARTICLES
from tests.faults.ledger import LEDGER
from tests.faults.ledger import Ledger


@pytest.fixture
def ledger() -> Ledger:
    """The session's fault ledger."""
    return LEDGER


@pytest.fixture
def osm(osm_mysql: str, tmp_path: Path) -> Iterator[OsmRepository]:
    """OSM on MariaDB after ``erp setup``, holding the fault catalogue."""
    files = tmp_path / "files"
    repository = open_erp(ErpSettings(url=osm_mysql, files_dir=files))
    repository.setup()
    seed_articles(repository.engine, ARTICLES, files)
    yield repository
    repository.close()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if LEDGER.rows and LEDGER.bad and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if not LEDGER.rows:
        return
    terminalreporter.section("faults: what was tried and what was found")
    for line in LEDGER.table():
        terminalreporter.write_line(line)
    if LEDGER.bad:
        terminalreporter.write_line(
            "FAILED: the fault suite found duplicates, stock mismatches or lost "
            "records (see above)",
            red=True,
        )
