"""A shopper for the sandbox: places orders through the REST API.

What a checkout does on a real shop, done from outside with the REST key:
an order with the buyer's billing and shipping address, paid, so that the
shop lowers its stock. Used by ``osmsyncd demo``, the end-to-end tests and
the benchmarks; it signs its requests like any REST client.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from osmsyncd.config import ConnectionSettings
from osmsyncd_woocommerce.client import WooClient


@dataclass(frozen=True)
class Buyer:
    first_name: str = "Giulia"
    last_name: str = "Verdi"
    email: str = "giulia.verdi@example.com"
    street: str = "Via Roma 1"
    postcode: str = "40100"
    city: str = "Bologna"
    state: str = "BO"
    company: str = ""


class Shopper:
    """Places orders on one WooCommerce shop (the sandbox, or a test shop)."""

    def __init__(self, url: str, token: str, *, timeout: float = 10.0) -> None:
        settings = ConnectionSettings(
            name="shopper", provider="woocommerce", url=url, token=token,
            timeout=timeout,
        )  # fmt: skip
        self.client = WooClient(settings, threading.Event())

    def close(self) -> None:
        self.client.close()

    def place_order(
        self,
        lines: Sequence[tuple[int, int]],
        buyer: Buyer | None = None,
        *,
        paid: bool = True,
        shipping: str = "",
    ) -> dict[str, Any]:
        """Order ``lines`` of (product id, quantity); return the shop's order.

        ``paid`` False leaves the order pending, which moves no stock.
        ``shipping`` is a net shipping cost such as ``"4.92"``.
        """
        buyer = buyer or Buyer()
        address = {
            "first_name": buyer.first_name,
            "last_name": buyer.last_name,
            "company": buyer.company,
            "address_1": buyer.street,
            "postcode": buyer.postcode,
            "city": buyer.city,
            "state": buyer.state,
            "country": "IT",
        }
        body: dict[str, Any] = {
            "status": "processing" if paid else "pending",
            "set_paid": paid,
            "payment_method": "bacs",
            "payment_method_title": "Bonifico bancario",
            "billing": {**address, "email": buyer.email},
            "shipping": address,
            "line_items": [
                {"product_id": product, "quantity": quantity}
                for product, quantity in lines
            ],
        }
        if shipping:
            body["shipping_lines"] = [
                {"method_id": "flat_rate", "method_title": "Corriere",
                 "total": shipping}
            ]  # fmt: skip
        order: dict[str, Any] = self.client.call(
            "POST", "orders", body=body, what="POST orders"
        ).json()
        return order

    def set_status(self, order: int, status: str) -> dict[str, Any]:
        """Move an order to another status, as the shop's back office does."""
        answer: dict[str, Any] = self.client.call(
            "PUT", f"orders/{order}", body={"status": status}
        ).json()
        return answer
