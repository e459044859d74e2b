"""Bindings, cursors and connection start times in osmsyncd's own tables.

Functions take the caller's SQLAlchemy connection, so that a binding
commits in the same transaction as the OSM write it records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.interface import Binding
from osmsyncd.erp.state import OsmsyncBinding
from osmsyncd.erp.state import OsmsyncConnection
from osmsyncd.erp.state import OsmsyncCursor
from osmsyncd.erp.state import utcnow
from osmsyncd.records import Resource


def _binding(row: Any) -> Binding:
    try:
        values = json.loads(row.values_json or "{}")
    except ValueError:
        values = {}
    return Binding(
        connection=row.connection,
        resource=Resource(row.resource),
        erp_id=row.erp_id,
        shop_id=row.shop_id,
        hash=row.hash or "",
        values=values if isinstance(values, dict) else {},
    )


def _encode(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)


def load_bindings(db: Connection, name: str, resource: Resource) -> dict[str, Binding]:
    """Every binding of one connection and resource, by OSM id."""
    rows = db.execute(
        select(OsmsyncBinding).where(
            OsmsyncBinding.connection == name,
            OsmsyncBinding.resource == str(resource),
        )
    )
    return {row.erp_id: _binding(row) for row in rows}


def find_binding(
    db: Connection,
    name: str,
    resource: Resource,
    *,
    erp_id: str | None = None,
    shop_id: str | None = None,
) -> Binding | None:
    """The binding of one OSM id or one shop id."""
    query = select(OsmsyncBinding).where(
        OsmsyncBinding.connection == name,
        OsmsyncBinding.resource == str(resource),
    )
    if erp_id is not None:
        query = query.where(OsmsyncBinding.erp_id == erp_id)
    if shop_id is not None:
        query = query.where(OsmsyncBinding.shop_id == shop_id)
    row = db.execute(query.limit(1)).one_or_none()
    return _binding(row) if row is not None else None


def save_bindings(db: Connection, bindings: Iterable[Binding]) -> None:
    """Insert or update bindings by OSM id.

    A shop id bound to another OSM id is released first: the shop record
    now belongs to this one (the unique key forbids two holders).
    """
    for binding in bindings:
        where = (
            OsmsyncBinding.connection == binding.connection,
            OsmsyncBinding.resource == str(binding.resource),
        )
        db.execute(
            delete(OsmsyncBinding).where(
                *where,
                OsmsyncBinding.shop_id == binding.shop_id,
                OsmsyncBinding.erp_id != binding.erp_id,
            )
        )
        values = {
            "shop_id": binding.shop_id,
            "hash": binding.hash,
            "values_json": _encode(binding.values),
            "updated_at": utcnow(),
        }
        changed = db.execute(
            update(OsmsyncBinding)
            .where(*where, OsmsyncBinding.erp_id == binding.erp_id)
            .values(**values)
        ).rowcount
        if not changed:
            db.execute(
                insert(OsmsyncBinding).values(
                    connection=binding.connection,
                    resource=str(binding.resource),
                    erp_id=binding.erp_id,
                    **values,
                )
            )


def bind(db: Connection, binding: Binding) -> None:
    """Record the binding of a record just written, by OSM id.

    Unlike :func:`save_bindings` a shop id already bound elsewhere is not
    taken over: the unique key refuses it, the transaction rolls back, and
    the retry finds the other writer's record. That is what keeps an order
    imported by two workers at once from landing twice.
    """
    values = {
        "shop_id": binding.shop_id,
        "hash": binding.hash,
        "values_json": _encode(binding.values),
        "updated_at": utcnow(),
    }
    changed = db.execute(
        update(OsmsyncBinding)
        .where(
            OsmsyncBinding.connection == binding.connection,
            OsmsyncBinding.resource == str(binding.resource),
            OsmsyncBinding.erp_id == binding.erp_id,
        )
        .values(**values)
    ).rowcount
    if not changed:
        db.execute(
            insert(OsmsyncBinding).values(
                connection=binding.connection,
                resource=str(binding.resource),
                erp_id=binding.erp_id,
                **values,
            )
        )


def drop_binding(db: Connection, name: str, resource: Resource, erp_id: str) -> None:
    db.execute(
        delete(OsmsyncBinding).where(
            OsmsyncBinding.connection == name,
            OsmsyncBinding.resource == str(resource),
            OsmsyncBinding.erp_id == erp_id,
        )
    )


def get_cursor(db: Connection, job: str) -> str | None:
    return db.scalar(select(OsmsyncCursor.value).where(OsmsyncCursor.job == job))


def set_cursor(db: Connection, job: str, value: str) -> None:
    changed = db.execute(
        update(OsmsyncCursor)
        .where(OsmsyncCursor.job == job)
        .values(value=value, updated_at=utcnow())
    ).rowcount
    if not changed:
        db.execute(insert(OsmsyncCursor).values(job=job, value=value))


def first_run_at(db: Connection, name: str) -> datetime | None:
    found = db.scalar(
        select(OsmsyncConnection.first_run_at).where(OsmsyncConnection.name == name)
    )
    return found.replace(tzinfo=UTC) if found is not None else None


def mark_first_run(db: Connection, name: str, at: datetime) -> None:
    """Remember the first real run; later calls change nothing."""
    if first_run_at(db, name) is not None:
        return
    naive = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    db.execute(insert(OsmsyncConnection).values(name=name, first_run_at=naive))
