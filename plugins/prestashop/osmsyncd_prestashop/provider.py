"""The PrestaShop provider: osmsyncd's contract over the webservice.

Requests it makes (a page is 100 products or 50 orders):

- once per provider, on first need, the shop's facts: 6 GETs (languages,
  configurations, Italy, its tax rules, taxes, tax rules groups);
- ``ensure_categories``: nothing when every path is bound, else 1 GET of
  the category tree and 1 POST per missing category;
- a first export of N articles with one image each: 1 GET per 50
  references (``find_products``, whose misses ``write_products`` trusts for
  a minute, once each), N product POSTs, N image POSTs (the first image
  becomes the cover by itself) and 1 stock PATCH per batch of at most 100:
  2N + ceil(N/50) + ceil(N/100) when the engine sends batches of 100;
- an unchanged cycle: the engine plans nothing, so no product request; a
  ``write_products`` of unchanged articles reads 1 page of products and 1
  of stock rows per 100 and writes nothing;
- importing M new orders on a first run: 1 GET of order states, 1 for the
  first order id, then per page of 50 orders 4 GETs (orders, lines,
  customers, addresses) plus, the first time they are met, up to 4 for
  country, province, carrier and currency codes, and 1 for histories when
  a page holds a cancelled or refunded order; later runs add 1 GET for
  orders changed since the watermark (and 3 per page of those);
- exporting OSM orders: per batch of new orders 8 GETs, then per order a
  cart POST, an order POST and a PATCH of its note, plus the customer's
  account and address when new and an ``order_histories`` POST when OSM's
  state is not the one the order lands in; state changes 1 GET and 1 POST
  each (``order_writer``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from osmsyncd.config import ConnectionSettings
from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import Finding
from osmsyncd.provider import OrderWrite
from osmsyncd.provider import Outcome
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Provider
from osmsyncd.records import Customer
from osmsyncd.records import Page
from osmsyncd.records import ShopOrder
from osmsyncd.records import ShopProduct
from osmsyncd_prestashop import categories
from osmsyncd_prestashop import checks
from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.customers import CustomerWriter
from osmsyncd_prestashop.customers import find_accounts
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.facts import load_config
from osmsyncd_prestashop.facts import load_facts
from osmsyncd_prestashop.facts import time_zone
from osmsyncd_prestashop.feeds import Feed
from osmsyncd_prestashop.order_writer import OrderWriter
from osmsyncd_prestashop.orders import OrderReader
from osmsyncd_prestashop.products import ProductWriter
from osmsyncd_prestashop.products import find_by_reference

ABSENT_FOR = 60.0


class PrestaShopProvider(Provider):
    """One PrestaShop shop, reached through its webservice."""

    name = "prestashop"
    # Batches share only the HTTP session, the facts and the lookups below,
    # each guarded by a lock: the engine may write several at once.
    concurrent_writes = True

    def __init__(self, settings: ConnectionSettings, stop: threading.Event) -> None:
        super().__init__()
        self.settings = settings
        self.client = PrestaShopClient(settings, stop)
        self.requests = self.client.http.requests
        self._facts: ShopFacts | None = None
        self._config: dict[str, str] | None = None
        self._facts_lock = threading.Lock()
        self._absent: dict[str, float] = {}
        self._absent_lock = threading.Lock()
        self._orders: OrderReader | None = None

    def facts(self) -> ShopFacts:
        with self._facts_lock:
            if self._facts is None:
                self._facts = load_facts(self.client, self._shop_config())
            return self._facts

    def _shop_config(self) -> dict[str, str]:
        # Checking for new orders needs only the shop's time zone: one
        # request, where all the facts take seven.
        if self._config is None:
            self._config = load_config(self.client)
        return self._config

    # -- connection --------------------------------------------------------------

    def probe(self) -> list[Finding]:
        return checks.probe(self.client, self.settings)

    def close(self) -> None:
        self.client.close()

    def settings_summary(self) -> dict[str, Any]:
        facts = self.facts()
        return {
            "version": ".".join(str(part) for part in self.client.version),
            "languages": [facts.iso_codes.get(lang, "") for lang in facts.languages],
            "timezone": str(facts.timezone),
            "auth": "query" if self.client.header_stripped else self.client.mode,
        }

    # -- categories --------------------------------------------------------------

    def ensure_categories(
        self, paths: Sequence[tuple[str, ...]], known: Mapping[tuple[str, ...], str]
    ) -> dict[tuple[str, ...], str]:
        return categories.ensure_categories(
            self.client, self.facts(), paths, known, self.settings.concurrency
        )

    # -- articles ----------------------------------------------------------------

    def find_products(self, skus: Sequence[str]) -> dict[str, str]:
        found = find_by_reference(self.client, skus)
        now = time.monotonic()
        with self._absent_lock:
            for sku in skus:
                if sku not in found:
                    self._absent[sku.strip().lower()] = now
        return found

    def write_products(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        # A reference the engine looked up in vain moments ago is not looked
        # up again before its create: one request less per batch. Each miss
        # is trusted once, by the write that follows its lookup.
        now = time.monotonic()
        absent: set[str] = set()
        with self._absent_lock:
            for write in writes:
                sku = write.article.code.strip().lower()
                when = self._absent.pop(sku, None)
                if when is not None and now - when < ABSENT_FOR:
                    absent.add(sku)
        return ProductWriter(self.client, self.facts(), frozenset(absent)).write(writes)

    def set_visibility(self, changes: Sequence[tuple[str, bool]]) -> list[Outcome]:
        """Show or hide products by shop id (outcome keys are the shop ids)."""
        return ProductWriter(self.client, self.facts()).set_visibility(changes)

    def changed_products(self, cursor: str | None) -> Iterator[Page[ShopProduct]]:
        return Feed(self.client, self.facts()).products(cursor)

    def fetch_image(self, url: str) -> bytes:
        return self.client.download(url)

    # -- customers ---------------------------------------------------------------

    def find_customers(self, emails: Sequence[str]) -> dict[str, str]:
        return find_accounts(self.client, emails)

    def write_customers(self, writes: Sequence[CustomerWrite]) -> list[Outcome]:
        return CustomerWriter(self.client, self.facts()).write(writes)

    def changed_customers(self, cursor: str | None) -> Iterator[Page[Customer]]:
        return Feed(self.client, self.facts()).customers(cursor)

    # -- orders ------------------------------------------------------------------

    def changed_orders(
        self, cursor: str | None, placed_since: datetime
    ) -> Iterator[Page[ShopOrder]]:
        if self._orders is None:
            with self._facts_lock:
                zone = time_zone(self._shop_config())
            self._orders = OrderReader(self.client, self.facts, zone)
        return self._orders.changed(cursor, placed_since)

    def write_orders(self, orders: Sequence[Any]) -> list[Outcome]:
        writes: list[OrderWrite] = list(orders)
        return OrderWriter(self.client, self.facts(), self.settings).write(writes)

    def find_orders(self, erp_ids: Sequence[str], since: datetime) -> dict[str, str]:
        return OrderWriter(self.client, self.facts(), self.settings).find(
            erp_ids, since
        )


def create(settings: ConnectionSettings, stop: threading.Event) -> Provider:
    """The provider factory osmsyncd calls for each PrestaShop connection."""
    return PrestaShopProvider(settings, stop)
