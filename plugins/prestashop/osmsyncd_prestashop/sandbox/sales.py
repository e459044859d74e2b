"""Orders: PrestaShop's order validation, its state machine and its stock moves.

What the recordings show, and this reproduces:

- An order POST is validated against the cart: when ``total_paid`` equals
  the cart total PrestaShop computes (tax worked out on each rate's net
  total, so it may differ by a cent from the sum of the rounded lines) the
  order lands in ``PS_OS_WS_PAYMENT``, valid, with a 9-letter reference and
  an invoice, and stock drops at once; otherwise it lands in
  ``PS_OS_ERROR``, not valid, and stock does not move. Stock is never
  checked: it may go negative.
- Stock follows the state's ``logable`` flag: leaving a logable state for
  Canceled or Payment error gives the units back, and so does reaching
  Canceled or Payment error from another non-logable state (so Refunded →
  Canceled gives them back a second time); leaving Canceled or Payment
  error for a logable state takes them again.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from osmsyncd_prestashop.sandbox.base import Response
from osmsyncd_prestashop.sandbox.base import ShopBase
from osmsyncd_prestashop.sandbox.store import ASSOC
from osmsyncd_prestashop.sandbox.store import Row

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


def money(value: Decimal) -> str:
    return str(value.quantize(MICRO, rounding=ROUND_HALF_UP))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class CartLine:
    product: Row
    quantity: int
    price: Decimal
    rate: Decimal
    group: int

    @property
    def unit_incl(self) -> Decimal:
        return (self.price * (1 + self.rate / 100)).quantize(
            MICRO, rounding=ROUND_HALF_UP
        )

    @property
    def total_excl(self) -> Decimal:
        return cents(self.price * self.quantity)

    @property
    def total_incl(self) -> Decimal:
        return cents(self.unit_incl * self.quantity)


class SalesMixin(ShopBase):
    rng: random.Random
    ordered_carts: set[int]

    # -- carts ---------------------------------------------------------------------

    def cart_lines(self, cart: Row) -> list[CartLine]:
        address = self.store.get("addresses", int(cart.get("id_address_delivery") or 0))
        country = int(address["id_country"]) if address else None
        lines = []
        for item in cart.get(ASSOC, {}).get("cart_rows", []):
            product = self.store.get("products", int(item.get("id_product") or 0))
            if product is None:
                continue
            group = int(product["id_tax_rules_group"] or 0)
            lines.append(
                CartLine(
                    product,
                    int(item.get("quantity") or 0),
                    Decimal(str(product["price"])),
                    self.tax_rate(group, country),
                    group,
                )
            )
        return lines

    def cart_total(self, lines: list[CartLine]) -> Decimal:
        """PrestaShop's own total: tax computed on each rate's net sum."""
        by_rate: dict[Decimal, Decimal] = {}
        for line in lines:
            by_rate[line.rate] = (
                by_rate.get(line.rate, Decimal(0)) + line.price * line.quantity
            )
        return sum(
            (cents(net) + cents(net * rate / 100) for rate, net in by_rate.items()),
            Decimal(0),
        )

    # -- order creation ------------------------------------------------------------

    def create_order(self, raw: Row) -> tuple[Row, Response | None]:
        """Validate a cart into an order; returns the stored row, or PHP's death."""
        cart_id = int(raw.get("id_cart") or 0)
        cart = self.store.get("carts", cart_id)
        if cart is None or cart_id in self.ordered_carts:
            text = (
                "Cart cannot be loaded or an order has already been placed using "
                "this cart"
            )
            death = Response(
                500, text.encode(), "text/html; charset=utf-8", versioned=False
            )
            return {}, death
        self.ordered_carts.add(cart_id)

        lines = self.cart_lines(cart)
        total = self.cart_total(lines)
        paid = Decimal(str(raw.get("total_paid") or "0"))
        valid = cents(paid) == total
        state = self.config_int("PS_OS_WS_PAYMENT" if valid else "PS_OS_ERROR")
        now = self.now()
        customer = self.store.get("customers", int(raw.get("id_customer") or 0))
        carrier_group = 1
        net = sum((line.total_excl for line in lines), Decimal(0))
        gross = sum((line.total_incl for line in lines), Decimal(0))

        order: Row = {
            key: raw.get(key)
            for key in (
                "id_address_delivery", "id_address_invoice", "id_cart", "id_currency",
                "id_lang", "id_customer", "id_carrier", "module", "payment", "note",
                "gift", "gift_message", "recyclable", "mobile_theme", "shipping_number",
            )
        }  # fmt: skip
        order.update(
            {
                "current_state": "0",
                "valid": "0",
                "date_add": now,
                "date_upd": now,
                "id_shop_group": "1",
                "id_shop": "1",
                "secure_key": customer["secure_key"] if customer else "",
                "total_paid": money(total),
                "total_paid_tax_incl": money(total),
                "total_paid_tax_excl": money(net),
                "total_paid_real": money(paid),
                "total_products": money(net),
                "total_products_wt": money(gross),
                "carrier_tax_rate": str(self.tax_rate(carrier_group)),
                "round_mode": "2",
                "round_type": "2",
                "conversion_rate": "1",
                "reference": "".join(self.rng.choices(string.ascii_uppercase, k=9)),
            }
        )
        order_id = self.store.insert("orders", self.store.normalized("orders", order))
        stored = self.store.get("orders", order_id)
        assert stored is not None

        self._order_details(stored, lines)
        self.store.insert(
            "order_carriers",
            self.store.normalized(
                "order_carriers",
                {"id_order": str(order_id), "id_carrier": raw.get("id_carrier"),
                 "id_order_invoice": "0", "date_add": now},
            ),
        )  # fmt: skip
        self.change_state(stored, state, initial=True)
        return stored, None

    def _order_details(self, order: Row, lines: list[CartLine]) -> None:
        lang = int(order["id_lang"] or 0) or self.default_language()
        for line in lines:
            product = line.product
            stock = self._stock_row(int(product["id"]))
            available = int(stock["quantity"]) if stock else 0
            in_stock = (
                line.quantity if available >= line.quantity else max(available, 0)
            )
            detail = {
                "id_order": str(order["id"]),
                "product_id": str(product["id"]),
                "product_attribute_id": "0",
                "id_warehouse": "0",
                "id_shop": "1",
                "id_customization": "0",
                "product_name": self.product_name(product, lang),
                "product_quantity": str(line.quantity),
                "product_quantity_in_stock": str(in_stock),
                "product_price": money(line.price),
                "product_ean13": product["ean13"],
                "product_isbn": product["isbn"],
                "product_upc": product["upc"],
                "product_mpn": product["mpn"],
                "product_reference": product["reference"],
                "product_supplier_reference": product["supplier_reference"],
                "product_weight": product["weight"],
                "id_tax_rules_group": str(line.group),
                "unit_price_tax_incl": money(line.unit_incl),
                "unit_price_tax_excl": money(line.price),
                "total_price_tax_incl": money(line.total_incl),
                "total_price_tax_excl": money(line.total_excl),
                "purchase_supplier_price": product["wholesale_price"],
                "original_product_price": money(line.price),
                "original_wholesale_price": product["wholesale_price"],
                ASSOC: {"taxes": [{"id": str(self.tax_id(line.group))}]},
            }
            self.store.insert(
                "order_details", self.store.normalized("order_details", detail)
            )

    def order_rows(self, order_id: int) -> list[dict[str, str]]:
        return [
            {
                "id": str(d["id"]),
                "product_id": d["product_id"],
                "product_attribute_id": d["product_attribute_id"],
                "product_quantity": d["product_quantity"],
                "product_name": d["product_name"],
                "product_reference": d["product_reference"],
                "product_ean13": d["product_ean13"],
                "product_isbn": d["product_isbn"],
                "product_upc": d["product_upc"],
                "product_price": d["product_price"],
                "id_customization": d["id_customization"],
                "unit_price_tax_incl": d["unit_price_tax_incl"],
                "unit_price_tax_excl": d["unit_price_tax_excl"],
            }
            for d in self.store.find("order_details", id_order=str(order_id))
        ]

    def computed_orders(self, row: Row, echo: bool) -> Row:
        return {ASSOC: {"order_rows": self.order_rows(int(row["id"] or 0))}}

    # -- state machine ---------------------------------------------------------------

    def _stock_row(self, product_id: int) -> Row | None:
        rows = self.store.find(
            "stock_availables", id_product=str(product_id), id_product_attribute="0"
        )
        return rows[0] if rows else None

    def _move_stock(self, order: Row, sign: int) -> None:
        for detail in self.store.find("order_details", id_order=str(order["id"])):
            stock = self._stock_row(int(detail["product_id"]))
            if stock is not None:
                quantity = int(stock["quantity"]) + sign * int(
                    detail["product_quantity"]
                )
                stock["quantity"] = str(quantity)

    def change_state(
        self,
        order: Row,
        new_state: int,
        *,
        initial: bool = False,
        history: Row | None = None,
    ) -> None:
        """Move ``order`` to ``new_state`` with PrestaShop's side effects."""
        old_state = int(order["current_state"] or 0)
        now = self.now()
        order["date_upd"] = now
        if old_state == new_state and not initial:
            return
        new = self.store.get("order_states", new_state)
        old = self.store.get("order_states", old_state)
        if new is None:
            return
        new_logable = new["logable"] == "1"
        old_logable = old is not None and old["logable"] == "1"
        undone = {self.config_int("PS_OS_CANCELED"), self.config_int("PS_OS_ERROR")}

        if initial:
            if new_logable:
                self._move_stock(order, -1)
        elif new_logable and not old_logable:
            if old_state in undone:
                self._move_stock(order, -1)
        elif old_logable and not new_logable:
            if new_state in undone:
                self._move_stock(order, +1)
        elif new_state in undone:
            self._move_stock(order, +1)

        order["current_state"] = str(new_state)
        order["valid"] = "1" if new_logable else "0"
        if new["invoice"] == "1" and int(order["invoice_number"] or 0) == 0:
            self._invoice(order, now)
        if new["delivery"] == "1" and int(order["delivery_number"] or 0) == 0:
            order["delivery_number"] = str(self._next_counter("delivery"))
            order["delivery_date"] = now
        if new["paid"] == "1" and (old is None or old["paid"] != "1"):
            self._payment(order, now)
        if history is None:
            self.store.insert(
                "order_histories",
                self.store.normalized(
                    "order_histories",
                    {"id_employee": "0", "id_order_state": str(new_state),
                     "id_order": str(order["id"]), "date_add": now},
                ),
            )  # fmt: skip

    def _next_counter(self, name: str) -> int:
        key = f"SANDBOX_{name.upper()}_NUMBER"
        number = self.config_int(key) + 1
        self.store.set_config(key, str(number))
        return number

    def _invoice(self, order: Row, now: str) -> None:
        number = self._next_counter("invoice")
        order["invoice_number"] = str(number)
        order["invoice_date"] = now
        for detail in self.store.find("order_details", id_order=str(order["id"])):
            detail["id_order_invoice"] = str(number)
        for carrier in self.store.find("order_carriers", id_order=str(order["id"])):
            carrier["id_order_invoice"] = str(number)

    def _payment(self, order: Row, now: str) -> None:
        self.store.insert(
            "order_payments",
            self.store.normalized(
                "order_payments",
                {"order_reference": order["reference"],
                 "id_currency": order["id_currency"],
                 "amount": order["total_paid_real"], "payment_method": order["payment"],
                 "conversion_rate": "1", "date_add": now, "id_employee": ""},
            ),
        )  # fmt: skip

    # -- writes on orders and histories ----------------------------------------------

    def prepare_orders(self, method: str, raw: Row, sent: dict[str, Any]) -> None:
        if method == "POST":
            return
        stored = self.store.get("orders", int(raw.get("id") or 0))
        if stored is not None:
            raw["current_state"] = stored["current_state"]

    def saved_orders(self, method: str, row: Row, sent: dict[str, Any]) -> None:
        wanted = sent.get("current_state")
        if method != "POST" and isinstance(wanted, str) and wanted.isdigit():
            self.change_state(row, int(wanted))

    def saved_order_histories(
        self, method: str, row: Row, sent: dict[str, Any]
    ) -> None:
        if method != "POST":
            return
        order = self.store.get("orders", int(row["id_order"] or 0))
        if order is not None:
            self.change_state(order, int(row["id_order_state"] or 0), history=row)
