"""A shop kept in memory: the smallest complete provider."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime

from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import Finding
from osmsyncd.provider import Outcome
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Provider
from osmsyncd.records import Customer
from osmsyncd.records import Page
from osmsyncd.records import ShopOrder
from osmsyncd.records import ShopProduct


class MemoryShop(Provider):
    name = "example"

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.products: dict[str, ProductWrite] = {}
        self.customers: dict[str, CustomerWrite] = {}

    def probe(self) -> list[Finding]:
        return [Finding(True, "memory shop", f"shop code {self.code}")]

    def ensure_categories(
        self, paths: Sequence[tuple[str, ...]], known: Mapping[tuple[str, ...], str]
    ) -> dict[tuple[str, ...], str]:
        return {path: known.get(path, "/".join(path)) for path in paths}

    def find_products(self, skus: Sequence[str]) -> dict[str, str]:
        return {sku: sku for sku in skus if sku in self.products}

    def write_products(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        for write in writes:
            self.products[write.article.code] = write
        return [Outcome(str(w.article.erp_id), shop_id=w.article.code) for w in writes]

    def changed_products(self, cursor: str | None) -> Iterator[Page[ShopProduct]]:
        yield Page([], cursor)

    def find_customers(self, emails: Sequence[str]) -> dict[str, str]:
        return {e: e for e in emails if e.lower() in self.customers}

    def write_customers(self, writes: Sequence[CustomerWrite]) -> list[Outcome]:
        for write in writes:
            self.customers[write.customer.identity] = write
        return [
            Outcome(str(w.customer.erp_id), shop_id=w.customer.identity) for w in writes
        ]

    def changed_customers(self, cursor: str | None) -> Iterator[Page[Customer]]:
        yield Page([], cursor)

    def changed_orders(
        self, cursor: str | None, placed_since: datetime
    ) -> Iterator[Page[ShopOrder]]:
        yield Page([], cursor)
