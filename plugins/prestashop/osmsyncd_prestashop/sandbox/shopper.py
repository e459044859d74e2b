"""A shopper for the sandbox: places orders through the webservice.

What a payment module does on a real shop, done from outside with the
webservice key: a customer with an address, a cart, then an order whose
``total_paid`` is PrestaShop's own cart total, so that the order is valid and
the shop lowers its stock. Used by ``osmsyncd demo``, the end-to-end tests
and the benchmarks.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import requests

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Buyer:
    first_name: str = "Giulia"
    last_name: str = "Verdi"
    email: str = "giulia.verdi@example.com"
    street: str = "Via Roma 1"
    postcode: str = "40100"
    city: str = "Bologna"
    state: int = 0
    vat_number: str = ""
    fiscal_code: str = ""


class Shopper:
    """Places orders on one PrestaShop (the sandbox, or a test shop)."""

    def __init__(self, url: str, token: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (token, "")
        self.timeout = timeout
        self._buyers: dict[str, tuple[int, int]] = {}
        self._rates: dict[int, tuple[Decimal, Decimal]] = {}

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, path: str, body: str | None = None) -> Any:
        response = self.session.request(
            method,
            f"{self.url}/api/{path}",
            params={"output_format": "JSON"},
            data=body.encode() if body else None,
            timeout=self.timeout,
        )
        if response.status_code >= 400:
            raise RuntimeError(
                f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return response.json() if response.content else None

    def place_order(
        self,
        lines: Sequence[tuple[int, int]],
        buyer: Buyer | None = None,
        *,
        paid: bool = True,
    ) -> int:
        """Order ``lines`` of (product id, quantity); return the order id.

        ``paid`` False sends a total that PrestaShop rejects, which leaves the
        order in the Payment error state without moving stock.
        """
        buyer = buyer or Buyer()
        customer, address = self._buyer(buyer)
        rows = "".join(
            f"<cart_row><id_product>{product}</id_product>"
            "<id_product_attribute>0</id_product_attribute>"
            f"<quantity>{quantity}</quantity></cart_row>"
            for product, quantity in lines
        )
        cart = self.call(
            "POST",
            "carts",
            "<prestashop><cart><id_currency>1</id_currency><id_lang>1</id_lang>"
            f"<id_customer>{customer}</id_customer>"
            f"<id_address_delivery>{address}</id_address_delivery>"
            f"<id_address_invoice>{address}</id_address_invoice>"
            "<id_carrier>1</id_carrier>"
            f"<associations><cart_rows>{rows}</cart_rows></associations>"
            "</cart></prestashop>",
        )["cart"]["id"]

        net, total = self._totals(lines)
        paid_total = total if paid else total + Decimal("1.00")
        order = self.call(
            "POST",
            "orders",
            "<prestashop><order>"
            f"<id_address_delivery>{address}</id_address_delivery>"
            f"<id_address_invoice>{address}</id_address_invoice>"
            f"<id_cart>{cart}</id_cart><id_currency>1</id_currency>"
            f"<id_lang>1</id_lang><id_customer>{customer}</id_customer>"
            "<id_carrier>1</id_carrier><module>ps_checkpayment</module>"
            "<payment>Pagamento con assegno</payment>"
            f"<total_paid>{paid_total}</total_paid>"
            f"<total_paid_real>{paid_total}</total_paid_real>"
            f"<total_products>{net}</total_products>"
            f"<total_products_wt>{total}</total_products_wt>"
            "<conversion_rate>1</conversion_rate></order></prestashop>",
        )
        return int(order["order"]["id"])

    def set_state(self, order: int, state: int) -> None:
        """Move an order to another state, as the back office does."""
        self.call(
            "POST",
            "order_histories",
            "<prestashop><order_history>"
            f"<id_order>{order}</id_order><id_order_state>{state}</id_order_state>"
            "</order_history></prestashop>",
        )

    def _buyer(self, buyer: Buyer) -> tuple[int, int]:
        if buyer.email in self._buyers:
            return self._buyers[buyer.email]
        customer = self.call(
            "POST",
            "customers",
            "<prestashop><customer>"
            f"<firstname>{escape(buyer.first_name)}</firstname>"
            f"<lastname>{escape(buyer.last_name)}</lastname>"
            f"<email>{escape(buyer.email)}</email>"
            f"<passwd>{secrets.token_urlsafe(12)}</passwd>"
            "<id_default_group>3</id_default_group><active>1</active>"
            "<is_guest>0</is_guest></customer></prestashop>",
        )["customer"]["id"]
        address = self.call(
            "POST",
            "addresses",
            "<prestashop><address>"
            f"<id_customer>{customer}</id_customer><id_country>10</id_country>"
            f"<id_state>{buyer.state}</id_state><alias>Casa</alias>"
            f"<lastname>{escape(buyer.last_name)}</lastname>"
            f"<firstname>{escape(buyer.first_name)}</firstname>"
            f"<vat_number>{escape(buyer.vat_number)}</vat_number>"
            f"<dni>{escape(buyer.fiscal_code)}</dni>"
            f"<address1>{escape(buyer.street)}</address1>"
            f"<postcode>{escape(buyer.postcode)}</postcode>"
            f"<city>{escape(buyer.city)}</city></address></prestashop>",
        )["address"]["id"]
        self._buyers[buyer.email] = (int(customer), int(address))
        return self._buyers[buyer.email]

    def _totals(self, lines: Sequence[tuple[int, int]]) -> tuple[Decimal, Decimal]:
        """The cart's net total and PrestaShop's total with tax.

        PrestaShop works the tax out on each rate's net sum, not per line.
        """
        by_rate: dict[Decimal, Decimal] = {}
        for product, quantity in lines:
            price, rate = self._price(product)
            by_rate[rate] = by_rate.get(rate, Decimal(0)) + price * quantity
        net = sum((_cents(amount) for amount in by_rate.values()), Decimal(0))
        tax = sum(
            (_cents(amount * rate / 100) for rate, amount in by_rate.items()),
            Decimal(0),
        )
        return net, net + tax

    def _price(self, product: int) -> tuple[Decimal, Decimal]:
        if product not in self._rates:
            row = self.call(
                "GET",
                f"products?display=full&filter[id]=[{product}]&price[final][use_tax]=1",
            )["products"][0]
            net = Decimal(str(row["price"]))
            final = Decimal(str(row["final"]))
            rate = ((final / net - 1) * 100).quantize(Decimal("1")) if net else 0
            self._rates[product] = (net, Decimal(rate))
        return self._rates[product]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
