"""Audits of an end state, OSM and shop side by side.

Each audit returns :class:`Findings`: duplicates (one thing twice on either
side), stock mismatches (OSM or shop quantity not what the sales make it)
and records lost (something that should be on both sides is missing from
one). The tests assert the findings are empty and hand them to the ledger.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from osmsyncd.erp.models import AnAnagrafiche
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.records import Resource
from tests.faults.ledger import Findings
from tests.faults.runs import CONNECTION
from tests.faults.shops import ShopView


def osm_stock(osm: OsmRepository) -> dict[str, Decimal]:
    with osm.engine.connect() as db:
        rows = db.execute(select(MgArticoli.codice, MgArticoli.qta))
        return {code: Decimal(str(qta)) for code, qta in rows}


def sold(shop_orders: list[dict[str, Any]]) -> dict[str, int]:
    """Quantity sold by reference over the shop's valid orders."""
    totals: Counter[str] = Counter()
    for order in shop_orders:
        if str(order.get("valid")) != "1":
            continue
        for row in (order.get("associations") or {}).get("order_rows", []):
            totals[str(row["product_reference"])] += int(row["product_quantity"])
    return dict(totals)


def audit_catalogue(
    osm: OsmRepository, view: ShopView, codes: tuple[str, ...]
) -> Findings:
    """Every code once in the shop, bound once in OSM, with one image."""
    found = Findings()
    for reference, count in view.duplicate_references().items():
        found.duplicates.append(f"{count} shop products with reference {reference}")
    for name, count in view.duplicate_categories().items():
        found.duplicates.append(f"{count} shop categories named {name}")

    products = view.products()
    by_reference = {str(p.get("reference") or "").lower(): p for p in products}
    bindings = osm.bindings(CONNECTION, Resource.ARTICLES)
    shop_ids = Counter(b.shop_id for b in bindings.values())
    for shop_id, count in shop_ids.items():
        if count > 1:
            found.duplicates.append(f"shop product {shop_id} bound {count} times")
    bound = {b.values.get("code"): b.shop_id for b in bindings.values()}
    for code in codes:
        product = by_reference.get(code.lower())
        if product is None:
            found.lost.append(f"article {code} is not in the shop")
            continue
        if bound.get(code) != str(product["id"]):
            found.lost.append(
                f"article {code} is bound to {bound.get(code)}, the shop has it "
                f"as {product['id']}"
            )
        images = view.image_count(str(product["id"]))
        if images != 1:
            found.duplicates.append(f"product {code} has {images} images, not 1")
    return found


def audit_orders(
    osm: OsmRepository, view: ShopView, start: dict[str, Decimal]
) -> Findings:
    """Every shop order once in OSM, each sold line moved stock once."""
    found = Findings()
    orders = view.orders()
    with osm.engine.connect() as db:
        numbers = Counter(
            n for (n,) in db.execute(select(OrOrdini.numero_cliente)) if n is not None
        )
        emails = Counter(
            str(e).strip().lower()
            for (e,) in db.execute(
                select(AnAnagrafiche.email).where(AnAnagrafiche.deleted_at.is_(None))
            )
            if e
        )
        movements: dict[str, list[Decimal]] = defaultdict(list)
        for order in orders:
            reference = str(order["reference"])
            rows = db.execute(
                select(MgMovimenti.qta).where(MgMovimenti.movimento.contains(reference))
            )
            movements[reference] = [Decimal(str(q)) for (q,) in rows]

    for order in orders:
        reference = str(order["reference"])
        count = numbers.get(reference, 0)
        if count == 0:
            found.lost.append(f"shop order {reference} is not in OSM")
        elif count > 1:
            found.duplicates.append(f"shop order {reference} is {count} times in OSM")
        rows = (order.get("associations") or {}).get("order_rows", [])
        if str(order.get("valid")) == "1" and count:
            wanted = sorted(-Decimal(r["product_quantity"]) for r in rows)
            if sorted(movements[reference]) != wanted:
                found.mismatches.append(
                    f"order {reference} moved {sorted(movements[reference])}, "
                    f"sold {wanted}"
                )
    for email, count in emails.items():
        if count > 1:
            found.duplicates.append(f"{count} OSM customers with e-mail {email}")
    for email, count in view.duplicate_emails().items():
        found.duplicates.append(f"{count} shop customers with e-mail {email}")

    now = osm_stock(osm)
    for code, quantity in sold(orders).items():
        expected = start[code] - quantity
        if now.get(code) != expected:
            found.mismatches.append(
                f"OSM stock of {code} is {now.get(code)}, expected {expected}"
            )
    for code in set(start) - set(sold(orders)):
        if now.get(code) != start[code]:
            found.mismatches.append(
                f"OSM stock of {code} moved to {now.get(code)} without a sale"
            )
    return found


def audit_shop_stock(osm: OsmRepository, view: ShopView) -> Findings:
    """The shop shows what OSM has, after the last export."""
    found = Findings()
    stock = view.stock()
    now = osm_stock(osm)
    for binding in osm.bindings(CONNECTION, Resource.ARTICLES).values():
        code = str(binding.values.get("code"))
        wanted = max(0, int(now[code] // 1))
        if stock.get(binding.shop_id) != wanted:
            found.mismatches.append(
                f"shop stock of {code} is {stock.get(binding.shop_id)}, OSM says "
                f"{wanted}"
            )
    return found
