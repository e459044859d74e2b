"""The fault suite's fixtures, and the table it prints after the session.

Every fault test records in :data:`tests.faults.ledger.LEDGER` what it tried
and what its audits found. After the run the table of those totals is
printed (``faults tried, runs, duplicates, stock mismatches, records
lost``), and the session fails when any duplicate, mismatch or loss was
recorded, even if a test swallowed its own assertion.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from osmsyncd.config import ErpSettings
from osmsyncd.erp.reference import install_osm
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.erp.seed import seed_articles
from osmsyncd.erp.session import open_erp
from tests.faults.catalogue import ARTICLES
from tests.faults.catalogue import SMALL
from tests.faults.ledger import LEDGER
from tests.faults.ledger import Ledger
from tests.faults.mariadb import PrivateMariaDB
from tests.faults.mariadb import installed


@pytest.fixture
def ledger() -> Ledger:
    """The session's fault ledger."""
    return LEDGER


def _osm(url: str, files: Path, size: int) -> Iterator[OsmRepository]:
    repository = open_erp(ErpSettings(url=url, files_dir=files))
    repository.setup()
    seed_articles(repository.engine, ARTICLES[:size], files)
    yield repository
    repository.close()


@pytest.fixture
def osm(osm_mysql: str, tmp_path: Path) -> Iterator[OsmRepository]:
    """OSM on MariaDB after ``erp setup``, holding the fault catalogue."""
    yield from _osm(osm_mysql, tmp_path / "files", len(ARTICLES))


@pytest.fixture
def small_osm(osm_mysql: str, tmp_path: Path) -> Iterator[OsmRepository]:
    """OSM on MariaDB holding the first :data:`SMALL` articles of the catalogue."""
    yield from _osm(osm_mysql, tmp_path / "files", SMALL)


@pytest.fixture(scope="session")
def own_mariadb(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PrivateMariaDB]:
    """A MariaDB server of the fault suite's own, running, to kill at will."""
    if not installed():
        reason = "mariadbd and mariadb-install-db are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    server = PrivateMariaDB(tmp_path_factory.mktemp("own-mariadb"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def own_osm(own_mariadb: PrivateMariaDB, tmp_path: Path) -> Iterator[OsmRepository]:
    """OSM in a fresh database of :func:`own_mariadb`, with the small catalogue."""
    if not own_mariadb.answers():
        own_mariadb.start()
    name = f"osmsyncd_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(own_mariadb.url())
    with admin.begin() as db:
        db.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    engine = create_engine(own_mariadb.url(name))
    install_osm(engine)
    engine.dispose()
    yield from _osm(own_mariadb.url(name), tmp_path / "files", SMALL)
    if not own_mariadb.answers():
        own_mariadb.start()
    # The test may have restarted the server: open a fresh connection.
    admin.dispose()
    with admin.begin() as db:
        db.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()


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
