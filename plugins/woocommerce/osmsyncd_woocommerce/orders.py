"""OSM orders out to WooCommerce: created in batches, their status after.

An order goes out with its product lines by ``product_id`` at OSM's net
line totals (WooCommerce adds its own tax), OSM's text lines (shipping,
fees, discounts) as fee lines, the customer's account when there is one and
its billing address, and two meta rows: ``_osmsyncd_order`` (OSM's number,
for the shop's staff) and ``_osmsyncd_erp_id`` (OSM's id, the mark that
keeps the order import away and lets a lost create be found). Later writes
change only the status. WooCommerce lowers its stock when an order reaches
processing, on-hold or completed, like any sale.

Requests: 1 batch POST per 100 orders (creates and status changes
together), plus 1 GET per e-mail of a customer with no bound account;
``find_orders`` reads the orders created since the lost create, 100 a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.provider import OrderWrite
from osmsyncd.provider import Outcome
from osmsyncd.records import ErpOrder
from osmsyncd.records import ErpOrderLine
from osmsyncd_woocommerce import accounts
from osmsyncd_woocommerce import feeds
from osmsyncd_woocommerce.client import PAGE
from osmsyncd_woocommerce.client import WooClient
from osmsyncd_woocommerce.mapping import EXPORT_MARK
from osmsyncd_woocommerce.mapping import billing_of
from osmsyncd_woocommerce.mapping import decimal
from osmsyncd_woocommerce.mapping import money

log = structlog.get_logger(__name__)

NUMBER_META = "_osmsyncd_order"
ERP_ID_META = EXPORT_MARK
CENT = Decimal("0.01")
PAID = frozenset({"processing", "completed"})
# OSM order states as WooCommerce statuses; ``order_states`` read backwards
# comes first. A state that commits stock in OSM lowers it in the shop.
STATUSES = {
    "in attesa di conferma": "pending",
    "accettato": "processing",
    "parzialmente evaso": "processing",
    "evaso": "completed",
    "parzialmente fatturato": "processing",
    "fatturato": "completed",
    "annullato": "cancelled",
}


def shop_status(settings: ConnectionSettings, state: str) -> tuple[str, str | None]:
    """The WooCommerce status for an OSM state, and a warning when guessed."""
    wanted = state.strip().lower()
    for slug, name in settings.order_states.items():
        if str(name).strip().lower() == wanted and not str(slug).isdigit():
            return str(slug).strip().lower(), None
    if wanted in STATUSES:
        return STATUSES[wanted], None
    return "on-hold", (
        f"OSM state {state!r} has no WooCommerce status: sent as on-hold; map "
        "it in order_states"
    )


def write_orders(
    client: WooClient, settings: ConnectionSettings, writes: Sequence[OrderWrite]
) -> list[Outcome]:
    """Create or move on orders, 100 to a batch; a refused one fails alone."""
    outcomes: dict[str, Outcome] = {}
    accounts_by_email = _accounts(client, writes)
    for start in range(0, len(writes), PAGE):
        chunk = writes[start : start + PAGE]
        _batch(client, settings, chunk, accounts_by_email, outcomes)
    return [
        outcomes.get(_key(w)) or Outcome(key=_key(w), error="not written")
        for w in writes
    ]


def find_orders(
    client: WooClient, erp_ids: Sequence[str], since: datetime
) -> dict[str, str]:
    """Shop ids of orders created since ``since`` that carry these OSM ids."""
    wanted = set(erp_ids)
    params = {
        "dates_are_gmt": "true",
        "after": feeds.naive_utc(since),
        "_fields": "id,meta_data",
    }
    found: dict[str, str] = {}
    for row in feeds.scan(client, "orders", params):
        mark = meta_value(row.get("meta_data"), ERP_ID_META)
        if mark in wanted:
            found.setdefault(mark, str(row["id"]))
    return found


def meta_value(rows: Any, key: str) -> str:
    for row in rows or []:
        if isinstance(row, dict) and row.get("key") == key:
            return str(row.get("value") or "")
    return ""


def _key(write: OrderWrite) -> str:
    return str(write.order.erp_id)


def _accounts(client: WooClient, writes: Sequence[OrderWrite]) -> dict[str, str]:
    """Accounts of customers the engine has no binding for, by e-mail."""
    emails = sorted(
        {
            w.order.customer.identity
            for w in writes
            if w.shop_id is None and not w.customer_id and w.order.customer.identity
        }
    )
    return accounts.find_customers(client, emails) if emails else {}


def _batch(
    client: WooClient,
    settings: ConnectionSettings,
    chunk: Sequence[OrderWrite],
    known: Mapping[str, str],
    outcomes: dict[str, Outcome],
) -> None:
    creates: list[OrderWrite] = []
    updates: list[OrderWrite] = []
    body: dict[str, list[dict[str, Any]]] = {"create": [], "update": []}
    warnings: dict[str, list[str]] = {}
    for write in chunk:
        status, guessed = shop_status(settings, write.order.status)
        warnings[_key(write)] = [guessed] if guessed else []
        if write.shop_id is not None:
            updates.append(write)
            body["update"].append({"id": int(write.shop_id), "status": status})
            continue
        try:
            payload = order_payload(write, settings, status, known)
        except ValueError as exc:
            outcomes[_key(write)] = Outcome(key=_key(write), error=str(exc))
            continue
        creates.append(write)
        body["create"].append(payload)
    if not creates and not updates:
        return

    try:
        answer = client.call("POST", "orders/batch", body=body, what="order batch")
    except ShopError as exc:
        if exc.transient or not exc.status or exc.status >= 500:
            raise  # the batch may have landed: the engine finds it next run
        for write in [*creates, *updates]:
            outcomes[_key(write)] = Outcome(key=_key(write), error=str(exc))
        return

    results = answer.json()
    pairs = [
        *zip(creates, results.get("create") or [], strict=False),
        *zip(updates, results.get("update") or [], strict=False),
    ]
    for write, result in pairs:
        key = _key(write)
        error = result.get("error")
        if error:
            code = str(error.get("code") or "")
            log.warning("order_refused", erp_id=key, code=code)
            outcomes[key] = Outcome(
                key=key, error=f"{error.get('message') or code} ({code})"
            )
            continue
        notes = warnings[key]
        total = decimal(result.get("total"))
        if write.shop_id is None and abs(total - write.order.total) > CENT:
            notes.append(
                f"the shop's total {total} differs from OSM's {write.order.total}: "
                "check the articles' tax classes (tax_classes) and prices"
            )
        outcomes[key] = Outcome(
            key=key, shop_id=str(result["id"]), warnings=tuple(notes)
        )


def order_payload(
    write: OrderWrite,
    settings: ConnectionSettings,
    status: str,
    known: Mapping[str, str],
) -> dict[str, Any]:
    """The create body of one order; ValueError when WooCommerce cannot hold it."""
    order = write.order
    items: list[dict[str, Any]] = []
    fees: list[dict[str, Any]] = []
    for line in order.lines:
        if line.article_id is None:
            fees.append(_fee(line, settings))
            continue
        if line.quantity != line.quantity.to_integral_value():
            raise ValueError(
                f"line {line.code}: quantity {line.quantity.normalize()} is not "
                "whole, and WooCommerce orders take whole quantities"
            )
        product = write.products.get(line.article_id)
        if product is None:
            raise ValueError(
                f"article {line.code} has no product in the shop: export the "
                "articles first"
            )
        total = money(line.total)
        items.append(
            {
                "product_id": int(product),
                "quantity": int(line.quantity),
                "subtotal": total,
                "total": total,
            }
        )

    billing = billing_of(order.customer)
    payload: dict[str, Any] = {
        "status": status,
        "set_paid": status in PAID,
        "currency": "EUR",
        "billing": billing,
        "shipping": {k: v for k, v in billing.items() if k != "email"},
        "line_items": items,
        "meta_data": [
            {"key": NUMBER_META, "value": _number(order)},
            {"key": ERP_ID_META, "value": str(order.erp_id)},
        ],
    }
    if fees:
        payload["fee_lines"] = fees
    account = write.customer_id or known.get(order.customer.identity)
    if account:
        payload["customer_id"] = int(account)
    return payload


def _number(order: ErpOrder) -> str:
    return f"{order.number}/{order.date.year}" if order.date else order.number


def _fee(line: ErpOrderLine, settings: ConnectionSettings) -> dict[str, Any]:
    fee: dict[str, Any] = {
        "name": line.description or "Spese",
        "total": money(line.total),
        "tax_status": "taxable" if line.vat_rate else "none",
    }
    for rate, name in settings.tax_classes.items():
        if Decimal(rate) == line.vat_rate and name != "standard":
            fee["tax_class"] = name
    return fee
