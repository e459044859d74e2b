"""OSM orders out to PrestaShop: customer, address, cart, then the order.

PrestaShop validates an order against its cart: the order lands valid (and
the shop lowers its stock) only when ``total_paid`` is the shop's own cart
total, worked out from the shop's prices with the tax of each rate on that
rate's net sum. That total is computed here first; when it differs from
OSM's by more than a cent, the order is refused with the reason instead of
landing in Payment error. Only product lines fit in a cart: an OSM text line
with an amount (shipping, a discount) fails the order, and the cart goes
with the shop's free carrier.

A created order carries in its private ``note`` a mark with OSM's id, which
keeps the order import away and lets a lost create be found; PrestaShop
drops a note sent with the order, so it is written right after (PATCH, from
PrestaShop 8). Later writes change only the state, through
``order_histories`` as the back office does.

Requests for a batch of creates: 3 GETs for the customers (accounts, their
rows, their addresses), 1 for their countries, 1 for the products' prices, 2
for the tax rules, 1 for the free carrier; then per order a cart POST, an
order POST and the note's PATCH, plus an account and an address POST for a
new customer and an ``order_histories`` POST when OSM's state is not the
one the order lands in.
A batch of state changes: 1 GET, and 1 POST per order whose state moves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

import structlog

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import OrderWrite
from osmsyncd.provider import Outcome
from osmsyncd.records import Address
from osmsyncd.records import ErpOrder
from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.client import bracket
from osmsyncd_prestashop.customers import CustomerWriter
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.xml import Entity
from osmsyncd_prestashop.xml import FieldValue

log = structlog.get_logger(__name__)

CENT = Decimal("0.01")
MODULE = "ps_wirepayment"
PAYMENT = "OpenSTAManager"
MARK = re.compile(r"\[osmsyncd:(\d+)\]")
# OSM order states as the configuration keys of PrestaShop's order states;
# ``order_states`` read backwards comes first.
STATES = {
    "in attesa di conferma": "PS_OS_BANKWIRE",
    "accettato": "PS_OS_WS_PAYMENT",
    "parzialmente evaso": "PS_OS_PREPARATION",
    "evaso": "PS_OS_SHIPPING",
    "parzialmente fatturato": "PS_OS_PREPARATION",
    "fatturato": "PS_OS_SHIPPING",
    "annullato": "PS_OS_CANCELED",
}


def mark(order: ErpOrder) -> str:
    """The note of an exported order: OSM's number for people, its id for us."""
    number = f"{order.number}/{order.date.year}" if order.date else order.number
    return f"Ordine OpenSTAManager {number} [osmsyncd:{order.erp_id}]"


def exported_from(note: object) -> str:
    """The OSM id in an order's note, '' for the shop's own sales."""
    found = MARK.search(str(note or ""))
    return found.group(1) if found else ""


def shop_state(
    settings: ConnectionSettings, facts: ShopFacts, state: str
) -> tuple[int, str | None]:
    """The PrestaShop state id for an OSM state, and a warning when guessed."""
    wanted = state.strip().lower()
    for key, name in settings.order_states.items():
        if str(key).strip().isdigit() and str(name).strip().lower() == wanted:
            return int(str(key).strip()), None
    if wanted in STATES and facts.state_id(STATES[wanted]):
        return facts.state_id(STATES[wanted]), None
    return facts.state_id("PS_OS_WS_PAYMENT"), (
        f"OSM state {state!r} has no PrestaShop state: left in the state the "
        "order landed in; map it in order_states"
    )


@dataclass
class Cart:
    """What one order's cart needs, once its customer is written."""

    write: OrderWrite
    account: str
    address: str
    country: int


class OrderWriter:
    def __init__(
        self, client: PrestaShopClient, facts: ShopFacts, settings: ConnectionSettings
    ) -> None:
        self.client = client
        self.facts = facts
        self.settings = settings
        self.customers = CustomerWriter(client, facts)

    def write(self, writes: Sequence[OrderWrite]) -> list[Outcome]:
        outcomes: dict[str, Outcome] = {}
        self._move_on([w for w in writes if w.shop_id is not None], outcomes)
        self._create([w for w in writes if w.shop_id is None], outcomes)
        return [
            outcomes.get(_key(w)) or Outcome(key=_key(w), error="not written")
            for w in writes
        ]

    def find(self, erp_ids: Sequence[str], since: datetime) -> dict[str, str]:
        """Orders created since ``since`` whose note carries these OSM ids."""
        wanted = set(erp_ids)
        rows = self.client.select(
            "orders",
            display="[id,note]",
            filters={"date_add": f">[{self.facts.to_local(since)}]"},
            sort="[id_ASC]",
            dates=True,
        )
        found: dict[str, str] = {}
        for row in rows:
            origin = exported_from(row.get("note"))
            if origin in wanted:
                found.setdefault(origin, str(row["id"]))
        return found

    # -- state changes -------------------------------------------------------

    def _move_on(self, writes: list[OrderWrite], outcomes: dict[str, Outcome]) -> None:
        if not writes:
            return
        current = {
            str(row["id"]): int(row.get("current_state") or 0)
            for row in self.client.by_ids(
                "orders", [str(w.shop_id) for w in writes], display="[id,current_state]"
            )
        }
        for write in writes:
            key, shop_id = _key(write), str(write.shop_id)
            if shop_id not in current:
                outcomes[key] = Outcome(
                    key=key, error=f"order {shop_id} is no longer in the shop"
                )
                continue
            state, guessed = shop_state(self.settings, self.facts, write.order.status)
            try:
                if current[shop_id] != state:
                    self._history(shop_id, state)
            except ShopError as exc:
                if _ambiguous(exc):
                    raise
                outcomes[key] = Outcome(key=key, error=str(exc))
                continue
            outcomes[key] = Outcome(
                key=key, shop_id=shop_id, warnings=(guessed,) if guessed else ()
            )

    def _history(self, order: str, state: int) -> None:
        self.client.create(
            "order_histories",
            Entity("order_history", {"id_order": order, "id_order_state": str(state)}),
        )

    # -- creates -------------------------------------------------------------

    def _create(self, writes: list[OrderWrite], outcomes: dict[str, Outcome]) -> None:
        ready = []
        for write in writes:
            problem = _unfit(write)
            if problem:
                outcomes[_key(write)] = Outcome(key=_key(write), error=problem)
            else:
                ready.append(write)
        if not ready:
            return

        carts = self._customers(ready, outcomes)
        if not carts:
            return
        carrier = self._free_carrier()
        products = {
            str(row["id"]): row
            for row in self.client.by_ids(
                "products",
                sorted({p for c in carts for p in c.write.products.values()}),
                display="[id,price,id_tax_rules_group]",
            )
        }
        rates = self._rates(
            {c.country for c in carts},
            {str(row.get("id_tax_rules_group") or 0) for row in products.values()},
        )
        for cart in carts:
            key = _key(cart.write)
            try:
                outcomes[key] = self._order(cart, carrier, products, rates)
            except ShopError as exc:
                if _ambiguous(exc):
                    raise
                log.warning("order_refused", erp_id=key, error=str(exc))
                outcomes[key] = Outcome(key=key, error=str(exc))

    def _customers(
        self, writes: list[OrderWrite], outcomes: dict[str, Outcome]
    ) -> list[Cart]:
        """Account and address of each order's customer, each written once."""
        unique: dict[str, CustomerWrite] = {}
        for write in writes:
            customer = write.order.customer
            unique.setdefault(
                _customer_key(write), CustomerWrite(customer, write.customer_id)
            )
        addresses: dict[str, str] = {}
        written = {
            o.key: o for o in self.customers.write(list(unique.values()), addresses)
        }
        carts = []
        for write in writes:
            account = written.get(_customer_key(write))
            address = addresses.get(_customer_key(write))
            if account is None or not account.ok or account.shop_id is None:
                reason = account.error if account else "the customer was not written"
                outcomes[_key(write)] = Outcome(key=_key(write), error=reason)
                continue
            if address is None:
                outcomes[_key(write)] = Outcome(
                    key=_key(write),
                    error="the customer has no address in OSM, which a PrestaShop "
                    "order needs: add one in OSM",
                )
                continue
            iso = (write.order.customer.address or Address()).country
            country = self.customers.places.country(iso)
            carts.append(Cart(write, account.shop_id, address, country))
        return carts

    def _free_carrier(self) -> str:
        rows = self.client.select(
            "carriers",
            display="[id,is_free,active,deleted]",
            filters={"active": "[1]", "deleted": "[0]", "is_free": "[1]"},
            sort="[id_ASC]",
            limit="1",
        )
        if not rows:
            raise ShopError(
                "the shop has no active free carrier for the orders osmsyncd sends",
                hint="add a free carrier in Shipping > Carriers",
            )
        return str(rows[0]["id"])

    def _rates(
        self, countries: set[int], groups: set[str]
    ) -> dict[tuple[int, str], Decimal]:
        """VAT rate by (country id, tax rules group id), as PrestaShop applies it."""
        rules = self.client.select(
            "tax_rules",
            display="[id,id_tax_rules_group,id_country,id_state,id_tax]",
            filters={
                "id_country": bracket(sorted(str(c) for c in countries)),
                "id_tax_rules_group": bracket(sorted(groups)),
            },
        )
        rules = [r for r in rules if not int(r.get("id_state") or 0)]
        taxes = {
            str(row["id"]): Decimal(str(row.get("rate") or "0"))
            for row in self.client.by_ids(
                "taxes", [str(r.get("id_tax") or 0) for r in rules], "[id,rate]"
            )
        }
        rates: dict[tuple[int, str], Decimal] = {}
        for rule in sorted(rules, key=lambda r: int(r["id"])):
            place = (int(rule["id_country"]), str(rule["id_tax_rules_group"]))
            rates.setdefault(place, taxes.get(str(rule.get("id_tax")), Decimal(0)))
        return rates

    def _order(
        self,
        cart: Cart,
        carrier: str,
        products: dict[str, dict[str, Any]],
        rates: dict[tuple[int, str], Decimal],
    ) -> Outcome:
        write = cart.write
        order, key = write.order, _key(write)
        rows = []
        by_rate: dict[Decimal, Decimal] = {}
        for line in order.lines:
            product = products.get(write.products.get(line.article_id or 0, ""))
            if product is None:
                return Outcome(
                    key=key,
                    error=f"article {line.code} has no product in the shop any more: "
                    "export the articles first",
                )
            group = str(product.get("id_tax_rules_group") or 0)
            rate = rates.get((cart.country, group), Decimal(0))
            net = Decimal(str(product.get("price") or "0")) * line.quantity
            by_rate[rate] = by_rate.get(rate, Decimal(0)) + net
            rows.append(
                {
                    "id_product": str(product["id"]),
                    "id_product_attribute": "0",
                    "id_address_delivery": cart.address,
                    "quantity": str(int(line.quantity)),
                }
            )
        net = sum((_cents(amount) for amount in by_rate.values()), Decimal(0))
        total = net + sum(
            (_cents(amount * rate / 100) for rate, amount in by_rate.items()),
            Decimal(0),
        )
        if abs(total - order.total) > CENT:
            return Outcome(
                key=key,
                error=f"the shop's prices give a total of {total}, OSM's order totals "
                f"{order.total}: align the prices (or the discounts) in OSM and the "
                "shop, then the order goes out",
            )

        common: dict[str, FieldValue] = {
            "id_customer": cart.account,
            "id_address_delivery": cart.address,
            "id_address_invoice": cart.address,
            "id_currency": self.facts.config.get("PS_CURRENCY_DEFAULT") or "1",
            "id_lang": str(self.facts.default_language),
            "id_carrier": carrier,
        }
        made = self.client.create(
            "carts", Entity("cart", common, {"cart_rows": ("cart_row", rows)})
        )
        note = mark(order)
        echo = self.client.create(
            "orders",
            Entity(
                "order",
                {
                    **common,
                    "id_cart": str(made["id"]),
                    "module": MODULE,
                    "payment": PAYMENT,
                    "total_paid": str(total),
                    "total_paid_real": str(total),
                    "total_products": str(net),
                    "total_products_wt": str(total),
                    "conversion_rate": "1",
                    "note": note,
                },
            ),
        )
        shop_id = str(echo["id"])
        log.info("order_created", erp_id=key, shop_id=shop_id, total=str(total))
        return self._settle(write, shop_id, note)

    def _settle(self, write: OrderWrite, shop_id: str, note: str) -> Outcome:
        """Mark the new order, then bring it to OSM's state.

        Creating an order rebuilds it from the cart, leaving out the note
        sent along: it is written again, and the answer tells the state the
        order landed in. Once the order exists, the outcome is a success:
        a refusal here is a warning, never a reason to create it again.
        """
        key = _key(write)
        warnings: list[str] = []
        state, guessed = shop_state(self.settings, self.facts, write.order.status)
        if guessed:
            warnings.append(guessed)
        try:
            if self.client.patch_supported:
                row = self.client.patch(
                    "orders", Entity("order", {"id": shop_id, "note": note})
                )
            else:
                [row] = self.client.by_ids("orders", [shop_id], "[id,current_state]")
            landed = int(row.get("current_state") or 0)
            if landed == self.facts.state_id("PS_OS_ERROR"):
                # Not valid and no stock moved: moving it on would hide that.
                warnings.append(
                    "the order landed in Payment error: the shop computed another "
                    "total; correct it in the shop"
                )
            elif state != landed:
                self._history(shop_id, state)
        except ShopError as exc:
            if _ambiguous(exc):
                raise
            warnings.append(f"the order was created but not brought in step: {exc}")
        return Outcome(key=key, shop_id=shop_id, warnings=tuple(warnings))


def _key(write: OrderWrite) -> str:
    return str(write.order.erp_id)


def _customer_key(write: OrderWrite) -> str:
    customer = write.order.customer
    return str(customer.erp_id or customer.email)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _ambiguous(exc: ShopError) -> bool:
    """Whether the write may have landed although it failed."""
    return exc.transient or not exc.status or exc.status >= 500


def _unfit(write: OrderWrite) -> str | None:
    """Why a PrestaShop cart cannot hold this order, if it cannot."""
    for line in write.order.lines:
        if line.article_id is None:
            return (
                f"line {line.description or 'senza articolo'!r} has no article: a "
                "PrestaShop order holds only products (shipping goes with the "
                "carrier)"
            )
        if line.quantity != line.quantity.to_integral_value() or line.quantity <= 0:
            return (
                f"line {line.code}: quantity {line.quantity.normalize()} is not "
                "whole, and a PrestaShop cart takes whole quantities"
            )
        if line.article_id not in write.products:
            return (
                f"article {line.code} has no product in the shop: export the "
                "articles first"
            )
    if not write.order.lines:
        return "the order has no lines"
    return None
