"""Stock movements the way OSM writes them, and order stock kept exact.

A stock change is a manual ``mg_movimenti`` row plus the same change to
``mg_articoli.qta`` (never for services). For shop orders osmsyncd records
each movement against the order line in ``osmsync_stock_moves``: a line's
moved quantity is brought to its target, so a repeat moves nothing, a
cancel gives back once, and a partial refund gives back what was refunded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import structlog
from sqlalchemy import Connection
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.state import OsmsyncStockMove

log = structlog.get_logger(__name__)


def move_stock(
    db: Connection,
    article: int,
    quantity: Decimal,
    description: str,
    sede: int,
    day: date,
) -> int:
    """Add ``quantity`` (negative takes out) to an article's stock."""
    new_id = db.execute(
        insert(MgMovimenti).values(
            id_articolo=article,
            qta=quantity,
            movimento=description[:255],
            data=day,
            manuale=1,
            id_ddt=0,
            id_documento=0,
            id_sede=sede,
        )
    ).inserted_primary_key
    assert new_id is not None
    db.execute(
        update(MgArticoli)
        .where(MgArticoli.id == article, MgArticoli.servizio == 0)
        .values(qta=MgArticoli.qta + quantity)
    )
    return int(new_id[0])


@dataclass(frozen=True)
class LineTarget:
    """How much of one article one shop order line should keep out of stock."""

    shop_line_id: str
    article: int
    sold: Decimal


@dataclass(frozen=True)
class OrderRef:
    connection: str
    shop_order_id: str
    number: str
    sede: int


def settle_order_stock(
    db: Connection, order: OrderRef, targets: Iterable[LineTarget], today: date
) -> dict[int, Decimal]:
    """Bring every line's moved quantity to its target.

    Returns how much each article's stock changed (negative for a sale).

    Lines or articles no longer in the order fall back to zero, so what was
    taken for them comes back.
    """
    moved: dict[tuple[str, int], Decimal] = {}
    for line, article, quantity in db.execute(
        select(
            OsmsyncStockMove.shop_line_id,
            OsmsyncStockMove.id_articolo,
            func.sum(OsmsyncStockMove.qta),
        )
        .where(
            OsmsyncStockMove.connection == order.connection,
            OsmsyncStockMove.shop_order_id == order.shop_order_id,
        )
        .group_by(OsmsyncStockMove.shop_line_id, OsmsyncStockMove.id_articolo)
    ):
        moved[(line, article)] = Decimal(str(quantity or 0))

    wanted: dict[tuple[str, int], Decimal] = {}
    for target in targets:
        key = (target.shop_line_id, target.article)
        wanted[key] = wanted.get(key, Decimal("0")) + max(target.sold, Decimal("0"))

    changes: dict[int, Decimal] = {}
    records: list[dict[str, object]] = []
    for key in sorted(set(moved) | set(wanted)):
        delta = wanted.get(key, Decimal("0")) - moved.get(key, Decimal("0"))
        if not delta:
            continue
        if delta > 0:
            text = f"Scarico e-commerce {order.connection} ordine #{order.number}"
        else:
            text = (
                f"Carico e-commerce {order.connection} ordine #{order.number} "
                "(annullato o rimborsato)"
            )
        movement = move_stock(db, key[1], -delta, text, order.sede, today)
        records.append(
            {
                "connection": order.connection,
                "shop_order_id": order.shop_order_id,
                "shop_line_id": key[0],
                "id_articolo": key[1],
                "qta": delta,
                "id_movimento": movement,
            }
        )
        log.info(
            "order_stock_moved",
            order=order.number,
            line=key[0],
            article=key[1],
            quantity=str(-delta),
        )
        changes[key[1]] = changes.get(key[1], Decimal("0")) - delta

    # Written in one statement after the movements: the caller's transaction
    # commits them together all the same.
    if records:
        db.execute(insert(OsmsyncStockMove), records)
    return changes
