"""Shop orders into OSM customer orders, in one transaction each.

The order's binding (resource orders, OSM id → shop id) is the only proof
of an import, and it commits with the order. Imports are serialised by a
lock on the numbering segment's row, which also makes OSM's "largest
number plus one" safe between osmsyncd processes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import Connection
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.config import ConnectionSettings
from osmsyncd.erp.bindings import bind
from osmsyncd.erp.bindings import find_binding
from osmsyncd.erp.customers import create_customer
from osmsyncd.erp.customers import destination
from osmsyncd.erp.customers import ensure_client
from osmsyncd.erp.customers import find_customer
from osmsyncd.erp.interface import Application
from osmsyncd.erp.interface import Applied
from osmsyncd.erp.interface import Binding
from osmsyncd.erp.lines import LinePlan
from osmsyncd.erp.lines import plan_lines
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.lookups import ReferenceCache
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from osmsyncd.erp.models import OrTipiOrdine
from osmsyncd.erp.models import ZzSegments
from osmsyncd.erp.numbering import next_number
from osmsyncd.erp.stock import LineTarget
from osmsyncd.erp.stock import OrderRef
from osmsyncd.erp.stock import settle_order_stock
from osmsyncd.records import Customer
from osmsyncd.records import OrderStock
from osmsyncd.records import Resource
from osmsyncd.records import ShopOrder

log = structlog.get_logger(__name__)

WAITING = "In attesa di conferma"
ACCEPTED = "Accettato"
CANCELLED = "Annullato"

WOOCOMMERCE_STATES = {
    "pending": WAITING,
    "on-hold": WAITING,
    "checkout-draft": WAITING,
    "processing": ACCEPTED,
    "completed": ACCEPTED,
    "cancelled": CANCELLED,
    "refunded": CANCELLED,
    "failed": CANCELLED,
}

# PrestaShop's standard order states, by id.
PRESTASHOP_STATES = {
    "1": WAITING,  # awaiting check payment
    "2": ACCEPTED,  # payment accepted
    "3": ACCEPTED,  # processing in progress
    "4": ACCEPTED,  # shipped
    "5": ACCEPTED,  # delivered
    "6": CANCELLED,  # canceled
    "7": CANCELLED,  # refunded
    "8": CANCELLED,  # payment error
    "9": ACCEPTED,  # on backorder (paid)
    "10": WAITING,  # awaiting bank wire payment
    "11": ACCEPTED,  # remote payment accepted
    "12": WAITING,  # on backorder (not paid)
    "13": WAITING,  # awaiting cash on delivery validation
}


def state_name(settings: ConnectionSettings, status: str) -> tuple[str, str | None]:
    """The OSM state for a shop status, and a warning when it had to guess."""
    status = str(status).strip()
    overrides = {str(k).strip().lower(): v for k, v in settings.order_states.items()}
    if status.lower() in overrides:
        return overrides[status.lower()], None
    defaults = PRESTASHOP_STATES if status.isdigit() else WOOCOMMERCE_STATES
    if status.lower() in defaults:
        return defaults[status.lower()], None
    return WAITING, (
        f"shop status {status!r} has no OSM state: used {WAITING!r}; map it in "
        "order_states"
    )


def fingerprint(settings: ConnectionSettings, order: ShopOrder) -> str:
    """What an import depends on; equal fingerprints mean nothing to do."""
    plain = _plain(order)
    # The export mark does not change what an import writes.
    plain.pop("exported_from", None)
    data = {"order": plain, "stock_on_order_import": settings.stock_on_order_import}
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {key: _plain(getattr(value, key)) for key in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _lines_key(order: ShopOrder) -> str:
    data = _plain((order.lines, order.fees, order.shipping_total, order.shipping_tax))
    return hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()[:16]


def apply_order(
    db: Connection,
    settings: ConnectionSettings,
    order: ShopOrder,
    today: date,
    reference: ReferenceCache | None = None,
) -> Application:
    """Import or update one shop order (the caller owns the transaction).

    ``reference`` holds the OSM reference rows the run has read already.
    """
    lookups = Lookups(db, reference)
    segment, pattern = lookups.order_segment
    db.execute(select(ZzSegments.id).where(ZzSegments.id == segment).with_for_update())

    binding = find_binding(db, settings.name, Resource.ORDERS, shop_id=order.shop_id)
    if (binding is not None and binding.exported) or (
        binding is None and order.exported_from
    ):
        # osmsyncd sent this order from OSM: OSM has it already, and the
        # shop's stock moves for it are not a sale to write into OSM.
        origin = binding.erp_id if binding is not None else order.exported_from
        return Application(Applied.UNCHANGED, int(origin) if origin.isdigit() else None)

    wanted = fingerprint(settings, order)
    if binding is not None:
        if binding.hash == wanted:
            return Application(Applied.UNCHANGED, int(binding.erp_id))
        return _update(db, lookups, settings, order, binding, wanted, today)

    too_early = _before_start(lookups, settings, order)
    if too_early:
        return Application(Applied.SKIPPED, warnings=(too_early,))
    return _create(db, lookups, settings, order, segment, pattern, wanted, today)


def _before_start(
    lookups: Lookups, settings: ConnectionSettings, order: ShopOrder
) -> str | None:
    if settings.orders_since is not None:
        start = datetime.combine(settings.orders_since, time(), tzinfo=UTC)
    else:
        found = lookups.first_run_at(settings.name)
        if found is None:
            return (
                "the connection has not run yet, so no order is imported: run it "
                "once, or set orders_since"
            )
        start = found
    if order.placed_at < start:
        return f"placed before the connection's start ({start.isoformat()})"
    return None


def _create(
    db: Connection,
    lookups: Lookups,
    settings: ConnectionSettings,
    order: ShopOrder,
    segment: int,
    pattern: str,
    wanted: str,
    today: date,
) -> Application:
    warnings: list[str] = []
    customer = customer_for(db, lookups, settings, order.customer)
    plan = plan_lines(db, lookups, settings, order)
    warnings += plan.warnings
    state, guessed = state_name(settings, order.status)
    if guessed:
        warnings.append(guessed)
    state_id = lookups.order_state(state)
    day = order.placed_at.astimezone().date()
    numero, numero_esterno = _numbers(db, segment, pattern, day)
    warehouses = lookups.warehouse_ids(settings.warehouses)
    if order.currency.upper() != "EUR":
        warnings.append(f"amounts are in {order.currency}, stored as they are")

    new_id = db.execute(
        insert(OrOrdini).values(
            numero=numero,
            numero_esterno=numero_esterno,
            data=day,
            id_agente=0,
            id_anagrafica=customer,
            id_sede_destinazione=destination(
                db, lookups, customer, order.shipping_address
            ),
            id_sede_partenza=warehouses[0] if warehouses else 0,
            id_tipo_ordine=lookups.customer_order_type,
            id_stato=state_id,
            id_pagamento=_payment(lookups, settings, order, warnings),
            id_banca_controparte=0,
            id_conto=0,
            id_rivalsa_inps=0,
            id_ritenuta_acconto=0,
            rivalsa_inps=0,
            iva_rivalsa_inps=0,
            ritenuta_acconto=0,
            bollo=0,
            note=order.note.strip()[:255],
            note_aggiuntive="",
            sconto_finale=0,
            sconto_finale_percentuale=0,
            id_segment=segment,
            nome=f"Ordine e-commerce {settings.name} #{order.number}"[:100],
            numero_cliente=order.number[:255],
            data_cliente=day,
        )
    ).inserted_primary_key
    assert new_id is not None
    erp_id = int(new_id[0])
    if plan.lines:
        db.execute(
            insert(OrRigheOrdini),
            [dict(planned.columns, id_ordine=erp_id) for planned in plan.lines],
        )

    moved = _settle(db, settings, order, plan, warehouses, today)
    _bind(db, settings, order, erp_id, wanted, state_id)
    log.info("order_imported", order=order.number, erp_id=erp_id, numero=numero_esterno)
    return Application(
        Applied.CREATED, erp_id, len(moved), tuple(warnings), moves=moved
    )


def _update(
    db: Connection,
    lookups: Lookups,
    settings: ConnectionSettings,
    order: ShopOrder,
    binding: Binding,
    wanted: str,
    today: date,
) -> Application:
    erp_id = int(binding.erp_id)
    current = db.execute(
        select(OrOrdini.id_stato).where(OrOrdini.id == erp_id)
    ).one_or_none()
    if current is None:
        return Application(
            Applied.SKIPPED,
            erp_id,
            warnings=(
                f"OSM order {erp_id} of shop order {order.number} was deleted in "
                "OSM; it is not imported again",
            ),
        )

    warnings: list[str] = []
    state, guessed = state_name(settings, order.status)
    if guessed:
        warnings.append(guessed)
    state_id = lookups.order_state(state)
    written = binding.values.get("state")
    if current.id_stato != state_id:
        if written is None or current.id_stato == written:
            db.execute(
                update(OrOrdini).where(OrOrdini.id == erp_id).values(id_stato=state_id)
            )
        else:
            # Someone moved the order on in OSM (evaso, fatturato...): OSM wins.
            warnings.append(f"state changed in OSM; kept it instead of {state!r}")
            state_id = current.id_stato
    if binding.values.get("lines") not in (None, _lines_key(order)):
        warnings.append("the shop changed the order's lines; OSM's lines were kept")

    plan = plan_lines(db, lookups, settings, order)
    warehouses = lookups.warehouse_ids(settings.warehouses)
    moved = _settle(db, settings, order, plan, warehouses, today)
    _bind(db, settings, order, erp_id, wanted, state_id)
    return Application(
        Applied.UPDATED, erp_id, len(moved), tuple(warnings), moves=moved
    )


def customer_for(
    db: Connection, lookups: Lookups, settings: ConnectionSettings, customer: Customer
) -> int:
    """The OSM customer of an order: bound, matched or created."""
    found: int | None = None
    bound: Binding | None = None
    if customer.shop_id:
        bound = find_binding(
            db, settings.name, Resource.CUSTOMERS, shop_id=str(customer.shop_id)
        )
        if bound is not None and bound.erp_id.isdigit():
            found = int(bound.erp_id)
    if found is None:
        found = find_customer(db, customer)
    if found is None:
        found = create_customer(db, lookups, customer)
        log.info("customer_created", erp_id=found, shop_id=customer.shop_id)
    else:
        ensure_client(db, lookups, found)

    if customer.shop_id:
        # A binding that led here is this customer's: one per OSM id.
        taken = bound if bound is not None and bound.erp_id == str(found) else None
        if taken is None:
            taken = find_binding(
                db, settings.name, Resource.CUSTOMERS, erp_id=str(found)
            )
        if taken is None:
            bind(
                db,
                Binding(
                    settings.name,
                    Resource.CUSTOMERS,
                    str(found),
                    str(customer.shop_id),
                ),
            )
    return found


def _numbers(db: Connection, segment: int, pattern: str, day: date) -> tuple[str, str]:
    """``numero`` (a plain counter) and ``numero_esterno`` (the segment's mask).

    Both restart each year among customer orders, as OSM numbers them.
    """
    customer_types = select(OrTipiOrdine.id).where(OrTipiOrdine.dir == "entrata")
    rows = db.execute(
        select(OrOrdini.numero, OrOrdini.numero_esterno, OrOrdini.id_segment).where(
            OrOrdini.data >= date(day.year, 1, 1),
            OrOrdini.data <= date(day.year, 12, 31),
            OrOrdini.id_tipo_ordine.in_(customer_types),
        )
    ).all()
    numero = next_number((row.numero for row in rows), "#", day.year)
    external = next_number(
        (row.numero_esterno for row in rows if row.id_segment == segment),
        pattern,
        day.year,
    )
    return numero[:100], external[:100]


def _payment(
    lookups: Lookups,
    settings: ConnectionSettings,
    order: ShopOrder,
    warnings: list[str],
) -> int:
    method = order.payment_method.strip()
    mapping = {k.strip().lower(): v for k, v in settings.payment_methods.items()}
    name = mapping.get(method.lower())
    if name:
        found = lookups.payment(name)
        if found is not None:
            return found
        warnings.append(
            f"payment_methods maps {method!r} to {name!r}, which OSM does not have: "
            "used the default payment"
        )
    return lookups.default_payment


def _settle(
    db: Connection,
    settings: ConnectionSettings,
    order: ShopOrder,
    plan: LinePlan,
    warehouses: list[int],
    today: date,
) -> dict[int, Decimal]:
    if not settings.stock_on_order_import:
        return {}
    sold = order.stock is OrderStock.SOLD
    targets = [
        LineTarget(
            planned.shop_line_id,
            planned.article.id,
            planned.sold if sold else Decimal("0"),
        )
        for planned in plan.lines
        if planned.article is not None and not planned.article.service
    ]
    ref = OrderRef(
        settings.name, order.shop_id, order.number, warehouses[0] if warehouses else 0
    )
    return settle_order_stock(db, ref, targets, today)


def _bind(
    db: Connection,
    settings: ConnectionSettings,
    order: ShopOrder,
    erp_id: int,
    wanted: str,
    state_id: int,
) -> None:
    bind(
        db,
        Binding(
            settings.name,
            Resource.ORDERS,
            str(erp_id),
            order.shop_id,
            wanted,
            {"number": order.number, "state": state_id, "lines": _lines_key(order)},
        ),
    )
