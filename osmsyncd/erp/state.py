"""osmsyncd's own tables in the OSM database, and their migrations.

They live beside OSM's tables (prefix ``osmsync_``) so that an OSM write and
its binding commit in one transaction, but on a MetaData of their own: OSM's
database check flags unknown columns on its tables, never unknown tables,
and ``erp teardown`` drops exactly these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import Connection
from sqlalchemy import DateTime
from sqlalchemy import Engine
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Numeric
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import insert
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from osmsyncd.errors import ErpError

log = structlog.get_logger(__name__)

SCHEMA_VERSION = 1

_TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_general_ci",
}


def utcnow() -> datetime:
    """Now, as the naive UTC time the state tables store."""
    return datetime.now(UTC).replace(tzinfo=None)


class StateBase(DeclarativeBase):
    metadata = MetaData()


class OsmsyncSchema(StateBase):
    """One row: the version of these tables."""

    __tablename__ = "osmsync_schema"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    migrated_at: Mapped[datetime] = mapped_column(DateTime)


class OsmsyncBinding(StateBase):
    """The link between one OSM record and one shop record."""

    __tablename__ = "osmsync_bindings"
    __table_args__ = (
        UniqueConstraint("connection", "resource", "erp_id", name="osmsync_erp_key"),
        UniqueConstraint("connection", "resource", "shop_id", name="osmsync_shop_key"),
        _TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection: Mapped[str] = mapped_column(String(100))
    resource: Mapped[str] = mapped_column(String(20))
    erp_id: Mapped[str] = mapped_column(String(64))
    shop_id: Mapped[str] = mapped_column(String(191))
    hash: Mapped[str] = mapped_column(String(128), default="")
    values_json: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OsmsyncCursor(StateBase):
    """Where a job's changes feed stopped."""

    __tablename__ = "osmsync_cursors"
    __table_args__ = _TABLE_ARGS

    job: Mapped[str] = mapped_column(String(191), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OsmsyncConnection(StateBase):
    """When each connection first ran for real: orders before it never move."""

    __tablename__ = "osmsync_connections"
    __table_args__ = _TABLE_ARGS

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_run_at: Mapped[datetime] = mapped_column(DateTime)


class OsmsyncRun(StateBase):
    """One finished run and its summary, kept 30 days."""

    __tablename__ = "osmsync_runs"
    __table_args__ = (
        Index("osmsync_runs_job", "job", "finished_at"),
        _TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(191))
    finished_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    summary_json: Mapped[str] = mapped_column(Text)


class OsmsyncFailure(StateBase):
    """How many runs in a row one record of one job has failed."""

    __tablename__ = "osmsync_failures"
    __table_args__ = _TABLE_ARGS

    job: Mapped[str] = mapped_column(String(191), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(191), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    first_failed_at: Mapped[datetime] = mapped_column(DateTime)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime)


class OsmsyncStockMove(StateBase):
    """A stock movement osmsyncd wrote for one line of one shop order.

    ``qta`` is the quantity taken out of OSM stock (negative when given
    back); the sum per line and article is what the line has moved so far.
    """

    __tablename__ = "osmsync_stock_moves"
    __table_args__ = (
        Index("osmsync_stock_moves_order", "connection", "shop_order_id"),
        _TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection: Mapped[str] = mapped_column(String(100))
    shop_order_id: Mapped[str] = mapped_column(String(64))
    shop_line_id: Mapped[str] = mapped_column(String(64))
    id_articolo: Mapped[int] = mapped_column(Integer)
    qta: Mapped[Decimal] = mapped_column(Numeric(15, 6))
    id_movimento: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# Each step brings the tables from version N-1 to N; version 1 is the
# create_all itself, so the list starts empty.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}

STATE_TABLES = tuple(StateBase.metadata.tables)


def missing_state_tables(engine: Engine) -> list[str]:
    """The state tables this database lacks."""
    present = set(inspect(engine).get_table_names())
    return [name for name in STATE_TABLES if name not in present]


def schema_version(connection: Connection) -> int | None:
    """The version recorded in ``osmsync_schema``, None before the first run."""
    return connection.scalar(select(OsmsyncSchema.version).where(OsmsyncSchema.id == 1))


def migrate(engine: Engine, tables: set[str] | None = None) -> int:
    """Create the missing state tables and run pending migrations.

    Safe to call at every start; returns the schema version now in place.
    ``tables`` are the database's tables, when the caller has just listed
    them.
    """
    with engine.begin() as connection:
        # One listing of the tables instead of one probe per state table:
        # every run opens the database, so this is paid at every run.
        present = tables or set(inspect(connection).get_table_names())
        if not present.issuperset(STATE_TABLES):
            StateBase.metadata.create_all(connection, checkfirst=True)
        current = schema_version(connection)

        if current is None:
            connection.execute(
                insert(OsmsyncSchema).values(
                    id=1, version=SCHEMA_VERSION, migrated_at=utcnow()
                )
            )
            log.info("state_tables_created", version=SCHEMA_VERSION)
            return SCHEMA_VERSION

        if current > SCHEMA_VERSION:
            raise ErpError(
                f"osmsyncd's tables are at schema {current}, newer than this "
                f"osmsyncd ({SCHEMA_VERSION}): upgrade osmsyncd"
            )

        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](connection)
            connection.execute(
                update(OsmsyncSchema)
                .where(OsmsyncSchema.id == 1)
                .values(version=version, migrated_at=utcnow())
            )
            log.info("state_tables_migrated", version=version)
        return SCHEMA_VERSION


def drop_state_tables(engine: Engine) -> list[str]:
    """Drop every state table; returns the names that existed."""
    missing = missing_state_tables(engine)
    present = [name for name in STATE_TABLES if name not in missing]
    StateBase.metadata.drop_all(engine, checkfirst=True)
    return present
