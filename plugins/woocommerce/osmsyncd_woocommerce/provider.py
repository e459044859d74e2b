"""The WooCommerce provider: osmsyncd's contract over the REST API (wc/v3).

Request counts (N articles with one image each, M orders):

- once per provider: the auth probe when ``auth = "auto"`` over HTTPS
  (1 GET), and before the first product write the shop's facts: 1 GET of
  ``settings/tax`` and 1 OPTIONS of ``/products`` (GTIN and COGS fields);
- a first export of N new articles: ``find_products`` 2 GETs per 50 SKUs
  (live, then trash); with an application password N media POSTs and
  ⌈N/100⌉ batch POSTs; with ``images_url`` no upload, and batches of 10
  that grow up to 100 while the shop, which downloads each image inside
  the batch, answers within a quarter of the timeout;
- an unchanged cycle: the engine sends nothing, so no product request;
  ``write_products`` on unchanged data sends ⌈N/100⌉ batch POSTs without
  images (known images are never sent again);
- importing M orders: ⌈M/95⌉ GETs (pages of 100 overlapping by 5), plus
  1 GET of refunds per order that has refunds;
- exporting M OSM orders: ⌈M/100⌉ batch POSTs, plus 1 GET per e-mail of a
  customer without a bound account (see ``orders``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
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
from osmsyncd_woocommerce import accounts
from osmsyncd_woocommerce import checks
from osmsyncd_woocommerce import feeds
from osmsyncd_woocommerce import orders as orders_out
from osmsyncd_woocommerce.client import WooClient
from osmsyncd_woocommerce.mapping import ShopFacts
from osmsyncd_woocommerce.mapping import shop_customer
from osmsyncd_woocommerce.mapping import shop_order
from osmsyncd_woocommerce.mapping import shop_product
from osmsyncd_woocommerce.products import BATCH
from osmsyncd_woocommerce.products import DownloadPace
from osmsyncd_woocommerce.products import ProductWriter
from osmsyncd_woocommerce.products import find_by_sku

log = structlog.get_logger(__name__)


class WooCommerceProvider(Provider):
    """One WooCommerce shop, reached through its REST API.

    ``sample_image`` may name a file of OSM's ``articoli`` folder that
    :meth:`probe` fetches through ``images_url``.
    """

    name = "woocommerce"
    concurrent_writes = True
    products_per_request = BATCH

    def __init__(self, settings: ConnectionSettings, stop: threading.Event) -> None:
        super().__init__()
        self.settings = settings
        self.client = WooClient(settings, stop)
        self.requests = self.client.http.requests
        self._facts: ShopFacts | None = None
        self._facts_lock = threading.Lock()
        self._trashed: set[str] = set()
        self._pace = DownloadPace(settings.timeout)

    # -- connection --------------------------------------------------------

    def probe(self) -> list[Finding]:
        return checks.probe(self.client, self.settings, self.sample_image)

    def close(self) -> None:
        self.client.close()

    def facts(self) -> ShopFacts:
        """Tax mode and product fields of the shop, read once."""
        with self._facts_lock:
            return self._read_facts()

    def _read_facts(self) -> ShopFacts:
        if self._facts is None:
            rows = self.client.get("settings/tax", {"_fields": "id,value"})
            values = {row.get("id"): row.get("value") for row in rows}
            schema = self.client.call("OPTIONS", "products").json()
            properties = (schema.get("schema") or {}).get("properties") or {}
            self._facts = ShopFacts(
                prices_include_tax=values.get("woocommerce_prices_include_tax")
                == "yes",
                has_gtin="global_unique_id" in properties,
                has_cogs="cost_of_goods_sold" in properties,
            )
            log.info(
                "shop_facts",
                connection=self.settings.name,
                prices_include_tax=self._facts.prices_include_tax,
                gtin=self._facts.has_gtin,
                cogs=self._facts.has_cogs,
            )
        return self._facts

    def settings_summary(self) -> dict[str, Any]:
        facts = self.facts()
        return {
            "auth": self.client.mode,
            "prices_include_tax": facts.prices_include_tax,
            "gtin_field": facts.has_gtin,
            "cogs_field": facts.has_cogs,
        }

    # -- categories --------------------------------------------------------

    def ensure_categories(
        self, paths: Sequence[tuple[str, ...]], known: Mapping[tuple[str, ...], str]
    ) -> dict[tuple[str, ...], str]:
        return accounts.ensure_categories(self.client, paths, known)

    # -- articles ----------------------------------------------------------

    def find_products(self, skus: Sequence[str]) -> dict[str, str]:
        return find_by_sku(self.client, skus, self._trashed)

    def write_products(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        if not writes:
            return []
        writer = ProductWriter(
            self.client, self.settings, self.facts(), self._trashed, self._pace
        )
        return writer.write(writes)

    def changed_products(self, cursor: str | None) -> Iterator[Page[ShopProduct]]:
        facts = self._import_facts()
        rows = feeds.scan(self.client, "products", feeds.since_params(cursor))
        yield from feeds.hand_out(
            rows, lambda row: shop_product(row, self.settings, facts), cursor
        )

    def _import_facts(self) -> ShopFacts:
        facts = self.facts()
        if facts.prices_include_tax and not facts.rates:
            rates: dict[str, Decimal] = {}
            for page in self.client.pages("taxes", {}):
                for rate in page:
                    rates.setdefault(str(rate.get("class")), Decimal(str(rate["rate"])))
            facts = ShopFacts(**{**facts.__dict__, "rates": rates})
            self._facts = facts
        return facts

    def fetch_image(self, url: str) -> bytes:
        answer = self.client.http.request("GET", url)
        kind = answer.headers.get("Content-Type", "")
        if answer.status_code >= 400 or not kind.startswith("image/"):
            raise ShopError(
                f"image {url} answered {answer.status_code} {kind}".strip(),
                status=answer.status_code,
            )
        return answer.content

    # -- customers ---------------------------------------------------------

    def find_customers(self, emails: Sequence[str]) -> dict[str, str]:
        return accounts.find_customers(self.client, emails)

    def write_customers(self, writes: Sequence[CustomerWrite]) -> list[Outcome]:
        return accounts.write_customers(self.client, self.settings, writes)

    def changed_customers(self, cursor: str | None) -> Iterator[Page[Customer]]:
        # Customers have no modified filter: read them all, keep the changed.
        since = feeds.parse_cursor(cursor)
        rows = feeds.scan(self.client, "customers", {"role": "all"})
        if since is not None:
            floor = feeds.naive_utc(since - feeds.OVERLAP)
            rows = [r for r in rows if str(r.get("date_modified_gmt") or "") > floor]
        yield from feeds.hand_out(
            rows, lambda row: shop_customer(row, self.settings), cursor
        )

    # -- orders ------------------------------------------------------------

    def changed_orders(
        self, cursor: str | None, placed_since: datetime
    ) -> Iterator[Page[ShopOrder]]:
        params = feeds.since_params(cursor, placed_since)
        rows = feeds.scan(self.client, "orders", params)
        yield from feeds.hand_out(rows, self._order, cursor)

    def write_orders(self, orders: Sequence[Any]) -> list[Outcome]:
        writes: list[OrderWrite] = list(orders)
        return orders_out.write_orders(self.client, self.settings, writes)

    def find_orders(self, erp_ids: Sequence[str], since: datetime) -> dict[str, str]:
        return orders_out.find_orders(self.client, erp_ids, since)

    def _order(self, row: dict[str, Any]) -> ShopOrder:
        refunds: list[dict[str, Any]] = []
        if row.get("refunds"):
            for page in self.client.pages(f"orders/{row['id']}/refunds", {}):
                refunds.extend(page)
        return shop_order(row, self.settings, refunds)


def create(settings: ConnectionSettings, stop: threading.Event) -> WooCommerceProvider:
    """The factory the plugin announces."""
    return WooCommerceProvider(settings, stop)
