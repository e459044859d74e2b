"""Opening the OSM database: engine, session settings, version check."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import structlog
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from osmsyncd.config import ErpSettings
from osmsyncd.erp.models import Updates
from osmsyncd.erp.state import migrate as migrate_state
from osmsyncd.errors import ErpError
from osmsyncd.errors import ErpUnavailable

if TYPE_CHECKING:
    from osmsyncd.erp.repository import OsmRepository

log = structlog.get_logger(__name__)

MINIMUM_VERSION = (2, 11)

# MySQL client and server error codes that mean "fix the config", not
# "try again later".
_LOGIN_REFUSED = {1044, 1045, 1698}
_NO_DATABASE = {1049}
# Connection lost or refused, too many connections, lock wait, deadlock.
_TRANSIENT = {1040, 1053, 1205, 1213, 2002, 2003, 2005, 2006, 2013, 2055}


def open_erp(settings: ErpSettings, *, migrate: bool = True) -> OsmRepository:
    """Connect to OSM, check its version and bring osmsyncd's tables up to date.

    Raises :class:`ErpUnavailable` when the database cannot be reached now,
    :class:`ErpError` when it refuses the login or is not OSM 2.11 or later.
    ``migrate=False`` leaves the state tables alone (``osmsyncd check``).
    """
    from osmsyncd.erp.repository import OsmRepository

    engine = build_engine(settings)
    try:
        with engine.connect() as connection:
            # One listing serves the version check and the state tables:
            # every run opens the database, so each statement here is paid
            # by every cycle, changed or not.
            tables = set(inspect(connection).get_table_names())
            version = check_version(connection, tables)
    except DBAPIError as exc:
        engine.dispose()
        raise classify(exc, settings.url) from exc
    except ErpError:
        engine.dispose()
        raise
    log.debug("erp_opened", url=describe(engine.url), version=version)

    if migrate:
        try:
            migrate_state(engine, tables)
        except DBAPIError as exc:
            raise classify(exc, settings.url) from exc
    return OsmRepository(engine, files_dir=settings.files_dir, version=version)


def build_engine(settings: ErpSettings) -> Engine:
    """An engine that talks to OSM's database the way OSM itself does."""
    try:
        url = make_url(settings.url)
    except ArgumentError as exc:
        raise ErpError(
            f"[erp] url {settings.url!r} is not a database URL: write it as "
            "mysql+pymysql://user@host:3306/database"
        ) from exc

    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if url.get_backend_name() not in ("mysql", "mariadb"):
        raise ErpError(
            f"[erp] url uses {url.get_backend_name()}; OSM runs on MariaDB or "
            "MySQL: write it as mysql+pymysql://user@host:3306/database"
        )

    if url.drivername in ("mysql", "mariadb"):
        # PyMySQL is the driver osmsyncd ships with.
        url = url.set(drivername="mysql+pymysql")
    if settings.password is not None:
        url = url.set(password=settings.password)
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=3600,
        isolation_level="READ COMMITTED",
    )
    event.listen(engine, "connect", _as_osm_does)
    return engine


def _as_osm_does(dbapi_connection: Any, _record: Any) -> None:
    # OSM leaves NOT NULL columns out and relies on the permissive mode; UTC
    # makes TIMESTAMP columns and NOW() comparable with stored cursors.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION sql_mode = '', time_zone = '+00:00'")
    cursor.close()


def _sqlite_engine(url: URL) -> Engine:
    """SQLite, for the demo and the tests."""
    warnings.filterwarnings(
        "ignore", message=r".*does \*not\* support Decimal objects natively"
    )
    if url.database in (None, "", ":memory:"):
        return create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    if not Path(url.database).exists():
        raise ErpError(
            f"no database file at {url.database}: check [erp] url, or run "
            "osmsyncd demo to create one"
        )
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _no_implicit_transactions)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    # SQLite has no row locks: taking the write lock when a transaction
    # starts serialises writers the way SELECT ... FOR UPDATE does on MariaDB.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def check_version(connection: Connection, tables: set[str] | None = None) -> str:
    """OSM's version, refusing anything older than 2.11."""
    version = osm_version(connection, tables)
    if version is None:
        raise ErpError(
            "this database has no OpenSTAManager version (table updates is "
            "missing or empty): point [erp] url at OSM's own database"
        )
    if parse_version(version)[:2] < MINIMUM_VERSION:
        raise ErpError(
            f"OpenSTAManager {version} is too old: osmsyncd needs 2.11 or "
            "later; update OSM, then run osmsyncd again"
        )
    return version


def osm_version(connection: Connection, tables: set[str] | None = None) -> str | None:
    """The newest version in ``updates``, sorted numerically as OSM does.

    ``tables`` are the database's tables when the caller has listed them.
    """
    if tables is None:
        tables = set(inspect(connection).get_table_names())
    if "updates" not in tables:
        return None
    versions = connection.scalars(
        select(Updates.version).where(Updates.version.not_like(r"%\_%", escape="\\"))
    ).all()
    parsed = [(parse_version(v), v) for v in versions if _numeric(v)]
    if not parsed:
        return None
    return max(parsed)[1]


def parse_version(version: str) -> tuple[int, int, int, int]:
    """``2.11.1`` → (2, 11, 1, 0); the order INET_ATON gives OSM."""
    parts = [int(part) for part in version.split(".")[:4]]
    parts += [0] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]


def _numeric(version: str) -> bool:
    parts = version.split(".")
    return 0 < len(parts) <= 4 and all(part.isdigit() for part in parts)


def classify(exc: DBAPIError, url: str) -> ErpError:
    """Turn a driver error into what the operator should do about it."""
    code = _error_code(exc)
    where = describe(make_url(url))
    if code in _LOGIN_REFUSED:
        return ErpError(
            f"the OSM database at {where} refused the login: check the user in "
            "[erp] url and the password in [erp] password_file"
        )
    if code in _NO_DATABASE:
        return ErpError(
            f"the database in [erp] url ({where}) does not exist: check its name"
        )
    transient = code in _TRANSIENT or (code is None and "no such" not in str(exc.orig))
    if isinstance(exc, OperationalError) and transient:
        return ErpUnavailable(
            f"the OSM database at {where} cannot be reached: {exc.orig}"
        )
    return ErpError(f"the OSM database at {where} refused a statement: {exc.orig}")


def _error_code(exc: DBAPIError) -> int | None:
    args = getattr(exc.orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def describe(url: URL) -> str:
    """The URL without its password, fit for logs and messages."""
    return url.render_as_string(hide_password=True)
