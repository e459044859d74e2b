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
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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


SAVED_TOGETHER = 200


def save_bindings(db: Connection, bindings: Iterable[Binding]) -> None:
    """Insert or update bindings by OSM id, in a few statements a chunk.

    A shop id bound to another OSM id is released first: the shop record
    now belongs to this one (the unique key forbids two holders). Within
    one call later bindings win, as if each were saved after the other.
    """
    kept, dropped = _net(bindings)
    groups: dict[tuple[str, str], list[Binding]] = {}
    for binding in kept:
        key = (binding.connection, str(binding.resource))
        groups.setdefault(key, []).append(binding)
    for (name, resource), erp_id in dropped:
        drop_binding(db, name, Resource(resource), erp_id)

    # An export saves a thousand bindings at once; row by row that was three
    # statements each, more than the export's reads of OSM altogether.
    now = utcnow()
    for (name, resource), group in groups.items():
        for start in range(0, len(group), SAVED_TOGETHER):
            chunk = group[start : start + SAVED_TOGETHER]
            _release_shop_ids(db, name, resource, chunk)
            _upsert(db, chunk, now)


def _net(
    bindings: Iterable[Binding],
) -> tuple[list[Binding], list[tuple[tuple[str, str], str]]]:
    """What saving the bindings one by one would leave: the bindings still
    held at the end, and the OSM ids whose shop id a later one took."""
    final: dict[tuple[str, str, str], Binding] = {}
    holders: dict[tuple[str, str, str], str] = {}
    dropped: set[tuple[tuple[str, str], str]] = set()
    for binding in bindings:
        scope = (binding.connection, str(binding.resource))
        holder = holders.get((*scope, binding.shop_id))
        if holder is not None and holder != binding.erp_id:
            del final[(*scope, holder)]
            dropped.add((scope, holder))
        previous = final.get((*scope, binding.erp_id))
        if previous is not None:
            holders.pop((*scope, previous.shop_id), None)
        final[(*scope, binding.erp_id)] = binding
        holders[(*scope, binding.shop_id)] = binding.erp_id
        dropped.discard((scope, binding.erp_id))
    return list(final.values()), sorted(dropped)


def _release_shop_ids(
    db: Connection, name: str, resource: str, chunk: list[Binding]
) -> None:
    """Delete the rows that hold a chunk's shop ids for other OSM ids.

    Rows of the chunk's own OSM ids are read too: one that holds a shop id
    the chunk gives to another OSM id is deleted, so that the upsert after
    it can only ever meet a row on the OSM id's key.
    """
    holder = {binding.shop_id: binding.erp_id for binding in chunk}
    rows = db.execute(
        select(OsmsyncBinding.id, OsmsyncBinding.erp_id, OsmsyncBinding.shop_id).where(
            OsmsyncBinding.connection == name,
            OsmsyncBinding.resource == resource,
            or_(
                OsmsyncBinding.shop_id.in_(list(holder)),
                OsmsyncBinding.erp_id.in_([binding.erp_id for binding in chunk]),
            ),
        )
    )
    stale = [
        row.id
        for row in rows
        if row.shop_id in holder and holder[row.shop_id] != row.erp_id
    ]
    if stale:
        db.execute(delete(OsmsyncBinding).where(OsmsyncBinding.id.in_(stale)))


def _upsert(db: Connection, chunk: list[Binding], now: datetime) -> None:
    rows = [
        {
            "connection": binding.connection,
            "resource": str(binding.resource),
            "erp_id": binding.erp_id,
            "shop_id": binding.shop_id,
            "hash": binding.hash,
            "values_json": _encode(binding.values),
            "updated_at": now,
        }
        for binding in chunk
    ]
    changed = ("shop_id", "hash", "values_json", "updated_at")
    # build_engine lets only MariaDB/MySQL and SQLite through.
    if db.dialect.name in ("mysql", "mariadb"):
        upsert = mysql_insert(OsmsyncBinding).values(rows)
        db.execute(
            upsert.on_duplicate_key_update(
                {column: upsert.inserted[column] for column in changed}
            )
        )
    else:
        merge = sqlite_insert(OsmsyncBinding).values(rows)
        db.execute(
            merge.on_conflict_do_update(
                index_elements=["connection", "resource", "erp_id"],
                set_={column: merge.excluded[column] for column in changed},
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


def mark_first_run(db: Connection, name: str, at: datetime) -> datetime:
    """Remember the first real run; later calls change nothing. Returns the
    time kept."""
    kept = first_run_at(db, name)
    if kept is not None:
        return kept
    # Whole seconds, as a DATETIME column keeps them on MariaDB.
    naive = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    naive = naive.replace(microsecond=0)
    db.execute(insert(OsmsyncConnection).values(name=name, first_run_at=naive))
    return naive.replace(tzinfo=UTC)
