"""Database fixtures for the whole suite: a small OSM on MariaDB and on SQLite.

``osm_url`` runs a test twice, once per backend; ``osm_sqlite`` and
``osm_mysql`` pick one. Each gives the URL of an OSM database built from
osmsyncd's models and a fresh install's reference rows, emptied and seeded
again for every test. ``erp`` opens it as an :class:`OsmRepository` after
``erp setup``.

MariaDB comes from ``$OSMSYNCD_TEST_MYSQL`` (``user[:password]@host:port``,
default ``root@127.0.0.1:3306``); when nothing answers there, a private
``mariadbd`` is started for the session if one is installed. Without either
the MySQL tests are skipped, except under ``CI=true`` where that fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from osmsyncd.config import ErpSettings
from osmsyncd.erp.models import Base
from osmsyncd.erp.reference import install_osm
from osmsyncd.erp.reference import seed_reference
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.erp.session import open_erp
from osmsyncd.erp.state import StateBase
from osmsyncd.erp.state import missing_state_tables

MYSQL_ENV = "OSMSYNCD_TEST_MYSQL"
DEFAULT_MYSQL = "root@127.0.0.1:3306"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "filterwarnings", "ignore:.*does \\*not\\* support Decimal objects natively"
    )


# -- the MariaDB server ---------------------------------------------------------


def _answers(base_url: str) -> bool:
    engine = create_engine(base_url)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _private_mariadb(root: Path) -> tuple[str, subprocess.Popen[bytes]] | None:
    """Start a throwaway mariadbd on loopback; None when none is installed."""
    binary = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin")
    if binary is None:
        return None
    port = _free_port()
    (root / "data").mkdir()
    command = [
        binary,
        "--no-defaults",
        f"--datadir={root / 'data'}",
        f"--socket={root / 'mysqld.sock'}",
        f"--pid-file={root / 'mysqld.pid'}",
        f"--log-error={root / 'error.log'}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        "--skip-grant-tables",
        "--innodb-buffer-pool-size=32M",
    ]
    if os.geteuid() == 0:
        command.append("--user=root")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    url = f"mysql+pymysql://root@127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        if _answers(url):
            return url, process
        time.sleep(0.2)
    process.terminate()
    return None


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[str]:
    """``mysql+pymysql://user@host:port`` of a MariaDB the tests may use."""
    base = f"mysql+pymysql://{os.environ.get(MYSQL_ENV) or DEFAULT_MYSQL}"
    if _answers(base):
        yield base
        return

    root = Path(tempfile.mkdtemp(prefix="osmsyncd-mariadb-"))
    started = _private_mariadb(root)
    if started is None:
        shutil.rmtree(root, ignore_errors=True)
        reason = (
            f"no MariaDB answers at ${MYSQL_ENV} ({base}) and no mariadbd is "
            "installed to start one"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    url, process = started
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def throwaway_mysql(mysql_server: str) -> Iterator[str]:
    """URL of an empty ``osmsyncd_test_<random>`` database, dropped at the end."""
    name = f"osmsyncd_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(mysql_server)
    with admin.begin() as db:
        db.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield f"{mysql_server}/{name}?charset=utf8mb4"
    finally:
        with admin.begin() as db:
            db.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


# -- OSM databases ----------------------------------------------------------------


@pytest.fixture(scope="session")
def _mysql_osm(throwaway_mysql: str) -> Iterator[Engine]:
    engine = create_engine(throwaway_mysql)
    install_osm(engine)
    yield engine
    engine.dispose()


def _reset(engine: Engine) -> None:
    """Empty every table and seed the reference rows again (fast, no DDL)."""
    present = set(StateBase.metadata.tables) - set(missing_state_tables(engine))
    tables = [t for t in StateBase.metadata.sorted_tables if t.name in present]
    with engine.begin() as db:
        db.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
        for table in reversed(Base.metadata.sorted_tables + tables):
            db.execute(table.delete())
        db.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
        seed_reference(db)


@pytest.fixture
def osm_mysql(_mysql_osm: Engine) -> str:
    """URL of a MariaDB OSM with a fresh install's reference rows only."""
    _reset(_mysql_osm)
    return _mysql_osm.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("osm-template") / "osm.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    install_osm(engine)
    engine.dispose()
    return path


@pytest.fixture
def osm_sqlite(_sqlite_template: Path, tmp_path: Path) -> str:
    """URL of a SQLite OSM (a file in ``tmp_path``) with reference rows only."""
    path = tmp_path / "osm.sqlite"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def osm_url(request: pytest.FixtureRequest) -> str:
    """An OSM database URL, once on SQLite and once on MariaDB."""
    fixture = "osm_sqlite" if request.param == "sqlite" else "osm_mysql"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def osm_files(tmp_path: Path) -> Path:
    """An OSM ``files`` folder with its ``articoli`` subfolder."""
    folder = tmp_path / "files"
    (folder / "articoli").mkdir(parents=True)
    return folder


@pytest.fixture
def erp(osm_url: str, osm_files: Path) -> Iterator[OsmRepository]:
    """The repository on ``osm_url`` after ``erp setup``, images in ``osm_files``."""
    repository = open_erp(ErpSettings(url=osm_url, files_dir=osm_files))
    repository.setup()
    yield repository
    repository.close()
