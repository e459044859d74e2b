"""OSM customer orders out: a changes feed of the orders to export.

Orders are read in pages by id with a fixed number of queries per page (the
headers, their lines, their customers). An order changes when its row or
one of its lines does. Orders osmsyncd imported from a shop are left out:
they came from a shop and must never go back to one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import String
from sqlalchemy import cast
from sqlalchemy import exists
from sqlalchemy import not_
from sqlalchemy import or_
from sqlalchemy import select

from osmsyncd.erp.articles import as_utc
from osmsyncd.erp.articles import decimal
from osmsyncd.erp.articles import naive_utc
from osmsyncd.erp.customer_feed import read_customers
from osmsyncd.erp.interface import DIRECTION
from osmsyncd.erp.models import CoIva
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from osmsyncd.erp.models import OrStatiOrdine
from osmsyncd.erp.models import OrTipiOrdine
from osmsyncd.erp.state import OsmsyncBinding
from osmsyncd.records import Customer
from osmsyncd.records import ErpOrder
from osmsyncd.records import ErpOrderLine
from osmsyncd.records import Resource

PAGE_SIZE = 200
CENT = Decimal("0.01")
# How an export binding's values read in osmsync_bindings.values_json (the
# bindings module writes them with json.dumps' default separators).
EXPORT_MARK = json.dumps({DIRECTION: "export"})[1:-1]


def read_orders(
    engine: Engine, since: datetime | None, ids: Iterable[int] | None = None
) -> Iterator[list[ErpOrder]]:
    """Customer orders changed since ``since``, by id, in pages."""
    imported = select(OsmsyncBinding.erp_id).where(
        OsmsyncBinding.resource == str(Resource.ORDERS),
        not_(OsmsyncBinding.values_json.like(f"%{EXPORT_MARK}%")),
    )
    query = (
        select(
            OrOrdini.id,
            OrOrdini.numero,
            OrOrdini.numero_esterno,
            OrOrdini.data,
            OrOrdini.id_anagrafica,
            OrOrdini.updated_at,
            OrStatiOrdine.name.label("state"),
        )
        .join(OrStatiOrdine, OrStatiOrdine.id == OrOrdini.id_stato)
        .where(
            OrOrdini.id_tipo_ordine.in_(
                select(OrTipiOrdine.id).where(OrTipiOrdine.dir == "entrata")
            ),
            cast(OrOrdini.id, String).not_in(imported),
        )
        .order_by(OrOrdini.id)
    )
    if since is not None:
        # Whole-second timestamps: start a second early, repeats cost nothing.
        start = naive_utc(since) - timedelta(seconds=1)
        line_changed = exists().where(
            OrRigheOrdini.id_ordine == OrOrdini.id, OrRigheOrdini.updated_at >= start
        )
        query = query.where(or_(OrOrdini.updated_at >= start, line_changed))
    if ids is not None:
        query = query.where(OrOrdini.id.in_(set(ids)))

    last = 0
    while True:
        with engine.connect() as db:
            rows = list(db.execute(query.where(OrOrdini.id > last).limit(PAGE_SIZE)))
            if not rows:
                return
            lines = _lines(db, [row.id for row in rows])
        last = rows[-1].id
        customers = _customers(engine, {row.id_anagrafica for row in rows})
        yield [_order(row, lines.get(row.id, []), customers) for row in rows]


def _lines(db: Any, order_ids: list[int]) -> dict[int, list[Any]]:
    rows = db.execute(
        select(
            OrRigheOrdini.id_ordine,
            OrRigheOrdini.id_articolo,
            OrRigheOrdini.is_descrizione,
            OrRigheOrdini.descrizione,
            OrRigheOrdini.qta,
            OrRigheOrdini.prezzo_unitario,
            OrRigheOrdini.sconto_unitario,
            OrRigheOrdini.subtotale,
            OrRigheOrdini.sconto,
            OrRigheOrdini.iva,
            OrRigheOrdini.updated_at,
            MgArticoli.codice,
            CoIva.percentuale,
        )
        .outerjoin(MgArticoli, MgArticoli.id == OrRigheOrdini.id_articolo)
        .outerjoin(CoIva, CoIva.id == OrRigheOrdini.id_iva)
        .where(OrRigheOrdini.id_ordine.in_(order_ids))
        .order_by(OrRigheOrdini.id_ordine, OrRigheOrdini.order, OrRigheOrdini.id)
    )
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.id_ordine, []).append(row)
    return found


def _customers(engine: Engine, ids: set[int]) -> dict[int, Customer]:
    found: dict[int, Customer] = {}
    for page in read_customers(engine, None, ids):
        for customer in page:
            if customer.erp_id is not None:
                found[customer.erp_id] = customer
    return found


def _order(row: Any, lines: list[Any], customers: dict[int, Customer]) -> ErpOrder:
    kept: list[ErpOrderLine] = []
    total = Decimal("0")
    newest = as_utc(row.updated_at)
    for line in lines:
        net = decimal(line.subtotale) - decimal(line.sconto)
        total += net + decimal(line.iva)
        changed = as_utc(line.updated_at)
        if changed is not None and (newest is None or changed > newest):
            newest = changed
        quantity = decimal(line.qta)
        if line.is_descrizione:
            continue
        if line.id_articolo is not None and quantity <= 0:
            continue
        if line.id_articolo is None and not net:
            continue
        kept.append(
            ErpOrderLine(
                article_id=line.id_articolo,
                code=(line.codice or "").strip(),
                description=(line.descrizione or "").strip(),
                quantity=quantity,
                price=decimal(line.prezzo_unitario) - decimal(line.sconto_unitario),
                total=net,
                vat_rate=decimal(line.percentuale),
            )
        )
    # An order whose customer is no Cliente (or was deleted) still goes out,
    # known by its OSM id only; the shop says whether it can take it.
    customer = customers.get(row.id_anagrafica) or Customer(
        email="", erp_id=row.id_anagrafica
    )
    return ErpOrder(
        erp_id=row.id,
        number=(row.numero_esterno or row.numero or str(row.id)).strip(),
        date=row.data,
        customer=customer,
        lines=tuple(kept),
        total=total.quantize(CENT, rounding=ROUND_HALF_UP),
        status=row.state or "",
        updated_at=newest,
    )
