"""Reading orders: new ones by id watermark, changed ones by their date.

The cursor holds the highest order id seen and the latest ``date_upd``
(stored in UTC). New orders are paged by id; orders seen before are read
again when their ``date_upd``, in shop-local time and minus an overlap,
moved: that is how a cancellation reaches OSM. Each order comes with its
lines from ``order_details`` (the product name and reference as ordered,
even when the product is gone), its customer and addresses. The key of an
order is the shop's order id, never the cart or the reference.

What the order did to the shop's stock follows its current state only: a
state with the ``logable`` flag sold the goods; Canceled, Refunded or
Payment error after having been in a logable state gave them back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from osmsyncd.records import Address
from osmsyncd.records import Customer
from osmsyncd.records import OrderLine
from osmsyncd.records import OrderStock
from osmsyncd.records import Page
from osmsyncd.records import ShopOrder
from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.client import bracket
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.facts import from_local
from osmsyncd_prestashop.facts import load_order_states
from osmsyncd_prestashop.facts import to_local
from osmsyncd_prestashop.order_writer import exported_from

log = structlog.get_logger(__name__)

OVERLAP = timedelta(minutes=5)
PAGE_SIZE = 50


def money(value: object) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal(0)


@dataclass
class OrderCursor:
    last_id: int = 0
    updated: datetime | None = None

    @classmethod
    def parse(cls, text: str | None) -> OrderCursor | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            updated = datetime.fromisoformat(data["upd"]) if data.get("upd") else None
            return cls(int(data.get("id", 0)), updated)
        except (ValueError, KeyError, TypeError):
            log.warning("order_cursor_unreadable", cursor=text)
            return None

    def dump(self) -> str:
        stamp = self.updated.astimezone(UTC).isoformat() if self.updated else None
        return json.dumps({"id": self.last_id, "upd": stamp})


class OrderReader:
    """Orders placed or changed since a cursor.

    The shop's facts (languages, taxes, order states) are read only once an
    order arrives; finding none needs the time zone alone.
    """

    def __init__(
        self,
        client: PrestaShopClient,
        facts: Callable[[], ShopFacts],
        zone: ZoneInfo,
    ) -> None:
        self.client = client
        self._facts = facts
        self.zone = zone
        self._countries: dict[int, str] = {}
        self._states: dict[int, str] = {}
        self._carriers: dict[int, str] = {}
        self._currencies: dict[int, str] = {}

    def changed(
        self, cursor: str | None, placed_since: datetime
    ) -> Iterator[Page[ShopOrder]]:
        since = to_local(self.zone, placed_since)
        parsed = OrderCursor.parse(cursor)
        state = parsed or self._start(since, placed_since)
        # On a first run every order is new: there is nothing seen to re-read.
        seen_before = state.last_id if parsed is not None else 0
        newest = state.updated

        for rows in self.client.pages("orders", after=state.last_id, size=PAGE_SIZE):
            state.last_id = max(int(row["id"]) for row in rows)
            newest = self._latest(newest, rows)
            kept = [row for row in rows if str(row.get("date_add") or "") >= since]
            orders = self._orders(kept)
            yield Page(
                orders, OrderCursor(state.last_id, state.updated).dump(), more=True
            )

        if state.updated is not None and seen_before:
            bound = to_local(self.zone, state.updated - OVERLAP)
            offset = 0
            while True:
                rows = self.client.select(
                    "orders",
                    filters={"date_upd": f">[{bound}]", "id": f"<[{seen_before + 1}]"},
                    sort="[date_upd_ASC,id_ASC]",
                    limit=f"{offset},{PAGE_SIZE}",
                    dates=True,
                )
                newest = self._latest(newest, rows)
                kept = [row for row in rows if str(row.get("date_add") or "") >= since]
                if kept:
                    yield Page(self._orders(kept), state.dump(), more=True)
                if len(rows) < PAGE_SIZE:
                    break
                offset += PAGE_SIZE

        state.updated = newest or state.updated or placed_since
        yield Page([], state.dump(), more=False)

    @property
    def facts(self) -> ShopFacts:
        facts = self._facts()
        load_order_states(self.client, facts)
        return facts

    def _start(self, since: str, placed_since: datetime) -> OrderCursor:
        """Where a first run starts: just before the first order placed since."""
        first = self.client.select(
            "orders",
            display="[id]",
            filters={"date_add": f">[{since}]"},
            sort="[id_ASC]",
            limit="1",
            dates=True,
        )
        if first:
            return OrderCursor(int(first[0]["id"]) - 1, placed_since)
        last = self.client.select("orders", display="[id]", sort="[id_DESC]", limit="1")
        return OrderCursor(int(last[0]["id"]) if last else 0, placed_since)

    def _latest(
        self, newest: datetime | None, rows: Sequence[dict[str, Any]]
    ) -> datetime | None:
        for row in rows:
            moment = from_local(self.zone, str(row.get("date_upd") or ""))
            if moment is not None and (newest is None or moment > newest):
                newest = moment
        return newest

    # -- one page ----------------------------------------------------------------------

    def _orders(self, rows: Sequence[dict[str, Any]]) -> list[ShopOrder]:
        if not rows:
            return []
        ids = [str(row["id"]) for row in rows]
        details = self.client.select(
            "order_details", filters={"id_order": bracket(ids)}, sort="[id_ASC]"
        )
        customers = {
            str(c["id"]): c
            for c in self.client.by_ids(
                "customers",
                [str(row.get("id_customer") or 0) for row in rows],
                display="[id,email,firstname,lastname,company,date_upd]",
            )
        }
        address_ids = {
            str(row.get(key))
            for row in rows
            for key in ("id_address_delivery", "id_address_invoice")
        }
        addresses = {
            str(a["id"]): a for a in self.client.by_ids("addresses", list(address_ids))
        }
        self._lookups(rows, addresses.values())
        once_valid = self._once_valid(rows)

        orders = []
        for row in rows:
            lines = [d for d in details if str(d.get("id_order")) == str(row["id"])]
            orders.append(self._order(row, lines, customers, addresses, once_valid))
        return orders

    def _once_valid(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Orders, among those now undone, that were once in a logable state."""
        undone = self._undone_states()
        candidates = [
            str(r["id"]) for r in rows if int(r.get("current_state") or 0) in undone
        ]
        if not candidates:
            return set()
        states = self.facts.order_states
        history = self.client.select(
            "order_histories",
            display="[id,id_order,id_order_state]",
            filters={"id_order": bracket(candidates)},
        )
        return {
            str(h["id_order"])
            for h in history
            if states.get(int(h.get("id_order_state") or 0)) is not None
            and states[int(h["id_order_state"])].logable
        }

    def _undone_states(self) -> set[int]:
        keys = ("PS_OS_CANCELED", "PS_OS_REFUND", "PS_OS_ERROR")
        return {self.facts.state_id(key) for key in keys} - {0}

    def _lookups(self, rows: Sequence[dict[str, Any]], addresses: Any) -> None:
        """Fill the caches of country, province, carrier and currency codes."""
        wanted = {
            "countries": (
                {int(a.get("id_country") or 0) for a in addresses},
                self._countries,
            ),
            "states": ({int(a.get("id_state") or 0) for a in addresses}, self._states),
            "carriers": ({int(r.get("id_carrier") or 0) for r in rows}, self._carriers),
            "currencies": (
                {int(r.get("id_currency") or 0) for r in rows},
                self._currencies,
            ),
        }
        fields = {"countries": "iso_code", "states": "iso_code", "carriers": "name",
                  "currencies": "iso_code"}  # fmt: skip
        for resource, (ids, cache) in wanted.items():
            missing = sorted(i for i in ids if i and i not in cache)
            if not missing:
                continue
            for row in self.client.by_ids(
                resource, missing, display=f"[id,{fields[resource]}]"
            ):
                cache[int(row["id"])] = str(row.get(fields[resource]) or "")

    def _order(
        self,
        row: dict[str, Any],
        details: Sequence[dict[str, Any]],
        customers: dict[str, dict[str, Any]],
        addresses: dict[str, dict[str, Any]],
        once_valid: set[str],
    ) -> ShopOrder:
        order_id = str(row["id"])
        state = int(row.get("current_state") or 0)
        flags = self.facts.order_states.get(state)
        if flags is not None and flags.logable:
            stock = OrderStock.SOLD
        elif state in self._undone_states() and order_id in once_valid:
            stock = OrderStock.RESTOCKED
        else:
            stock = OrderStock.NONE

        invoice = addresses.get(str(row.get("id_address_invoice")))
        delivery = addresses.get(str(row.get("id_address_delivery")))
        lines = tuple(self._line(order_id, detail) for detail in details)
        for line in lines:
            if line.product_shop_id is None:
                log.warning(
                    "order_line_without_product", order=order_id, line=line.name
                )
        shipping = money(row.get("total_shipping_tax_excl"))
        placed = self.facts.from_local(str(row.get("date_add") or "")) or datetime.now(
            UTC
        )
        return ShopOrder(
            shop_id=order_id,
            number=str(row.get("reference") or order_id),
            placed_at=placed,
            updated_at=self.facts.from_local(str(row.get("date_upd") or "")) or placed,
            status=str(state),
            stock=stock,
            customer=self._customer(row, customers, invoice),
            lines=lines,
            total=money(row.get("total_paid_tax_incl") or row.get("total_paid")),
            shipping_total=shipping,
            shipping_tax=money(row.get("total_shipping_tax_incl")) - shipping,
            shipping_name=self._carriers.get(int(row.get("id_carrier") or 0), ""),
            fees=self._fees(row),
            shipping_address=self._address(delivery),
            payment_method=str(row.get("payment") or ""),
            currency=self._currencies.get(int(row.get("id_currency") or 0), "EUR")
            or "EUR",
            note=str(row.get("note") or ""),
            exported_from=exported_from(row.get("note")),
        )

    def _line(self, order_id: str, detail: dict[str, Any]) -> OrderLine:
        excl = money(detail.get("total_price_tax_excl"))
        incl = money(detail.get("total_price_tax_incl"))
        product = str(detail.get("product_id") or "0")
        return OrderLine(
            shop_line_id=str(detail["id"]),
            name=str(detail.get("product_name") or ""),
            quantity=money(detail.get("product_quantity")),
            total=excl,
            total_tax=incl - excl,
            sku=str(detail.get("product_reference") or ""),
            product_shop_id=product if product != "0" else None,
            refunded_quantity=money(detail.get("product_quantity_refunded")),
        )

    def _fees(self, row: dict[str, Any]) -> tuple[OrderLine, ...]:
        fees = []
        for kind, label, sign in (
            ("discounts", "Sconti", -1),
            ("wrapping", "Confezione regalo", 1),
        ):
            excl = money(row.get(f"total_{kind}_tax_excl"))
            incl = money(row.get(f"total_{kind}_tax_incl"))
            if incl:
                fees.append(
                    OrderLine(
                        shop_line_id=kind,
                        name=label,
                        quantity=Decimal(1),
                        total=sign * excl,
                        total_tax=sign * (incl - excl),
                    )
                )
        return tuple(fees)

    def _customer(
        self,
        row: dict[str, Any],
        customers: dict[str, dict[str, Any]],
        invoice: dict[str, Any] | None,
    ) -> Customer:
        found = customers.get(str(row.get("id_customer")), {})
        address = self._address(invoice)
        return Customer(
            email=str(found.get("email") or ""),
            first_name=str(
                found.get("firstname") or (address.first_name if address else "")
            ),
            last_name=str(
                found.get("lastname") or (address.last_name if address else "")
            ),
            company=str(found.get("company") or (address.company if address else "")),
            vat_number=address.vat_number if address else "",
            fiscal_code=address.fiscal_code if address else "",
            phone=address.phone if address else "",
            address=address,
            shop_id=str(row.get("id_customer")) if found else None,
            updated_at=self.facts.from_local(str(found.get("date_upd") or "")),
        )

    def _address(self, row: dict[str, Any] | None) -> Address | None:
        if not row:
            return None
        return address_record(row, self._countries, self._states)


def address_record(
    row: dict[str, Any], countries: dict[int, str], states: dict[int, str]
) -> Address:
    return Address(
        first_name=str(row.get("firstname") or ""),
        last_name=str(row.get("lastname") or ""),
        company=str(row.get("company") or ""),
        street=str(row.get("address1") or ""),
        street2=str(row.get("address2") or ""),
        postcode=str(row.get("postcode") or ""),
        city=str(row.get("city") or ""),
        province=states.get(int(row.get("id_state") or 0), ""),
        country=countries.get(int(row.get("id_country") or 0), "") or "IT",
        phone=str(row.get("phone") or row.get("phone_mobile") or ""),
        vat_number=str(row.get("vat_number") or ""),
        fiscal_code=str(row.get("dni") or ""),
    )
