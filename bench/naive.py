"""A naive sync, for comparison: one request per record, one at a time.

It reads the same OSM articles through osmsyncd's repository and builds the
same payloads as the providers, but writes like a plain script would, each
request waiting for the one before, everything pushed every cycle:
PrestaShop gets the product (POST the first time, PATCH after), then its
stock row; WooCommerce the product with its stock (POST with the image's
URL the first time, PUT after). Category paths are created once, one
request at a time, and reused.

``python -m bench.naive PROVIDER SHOP_URL TOKEN OSM_URL FILES_DIR IMAGES_URL
CYCLES``
prints one JSON object per cycle: seconds and requests by kind.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.measured import count_requests
from bench.measured import peak_rss_mb
from osmsyncd.config import ConnectionSettings
from osmsyncd.config import ErpSettings
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.session import open_erp
from osmsyncd.logs import configure_logging
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Visibility
from osmsyncd.records import Article


class NaivePrestaShop:
    """Products and stock rows of one PrestaShop, one request per record."""

    def __init__(self, url: str, token: str) -> None:
        from osmsyncd_prestashop.client import PrestaShopClient
        from osmsyncd_prestashop.facts import load_facts

        settings = ConnectionSettings("naive", "prestashop", url, token, concurrency=1)
        self.client = PrestaShopClient(settings, threading.Event())
        self.facts = load_facts(self.client)
        self.categories: dict[tuple[str, ...], str] = {}
        self.products: dict[int, tuple[str, str]] = {}

    def push(self, article: Article) -> None:
        from osmsyncd_prestashop.categories import ensure_categories
        from osmsyncd_prestashop.mapping import ProductPlan
        from osmsyncd_prestashop.xml import Entity

        missing = [p for p in article.categories if p not in self.categories]
        if missing:
            self.categories.update(
                ensure_categories(self.client, self.facts, missing, self.categories)
            )
        categories = [self.categories[p] for p in article.categories]
        entity = ProductPlan(
            ProductWrite(article, category_ids=categories), self.facts
        ).creation()
        known = self.products.get(article.erp_id)
        if known is None:
            echo = self.client.create("products", entity)
            stock = echo["associations"]["stock_availables"][0]["id"]
            known = (str(echo["id"]), str(stock))
            self.products[article.erp_id] = known
        else:
            entity.fields = {"id": known[0], **entity.fields}
            self.client.patch("products", entity)
        row = Entity(
            "stock_available", {"id": known[1], "quantity": str(article.quantity)}
        )
        self.client.patch("stock_availables", row)

    def close(self) -> None:
        self.client.close()


class NaiveWooCommerce:
    """Products of one WooCommerce, one request per record, stock inside."""

    def __init__(self, url: str, token: str, images_url: str) -> None:
        from osmsyncd_woocommerce.provider import WooCommerceProvider

        settings = ConnectionSettings(
            "naive", "woocommerce", url, token, concurrency=1, images_url=images_url
        )
        self.settings = settings
        self.provider = WooCommerceProvider(settings, threading.Event())
        self.client = self.provider.client
        self.facts = self.provider.facts()
        self.categories: dict[tuple[str, ...], str] = {}
        self.products: dict[int, str] = {}

    def push(self, article: Article) -> None:
        from osmsyncd_woocommerce.mapping import image_url
        from osmsyncd_woocommerce.mapping import product_payload

        missing = [p for p in article.categories if p not in self.categories]
        if missing:
            self.categories.update(
                self.provider.ensure_categories(missing, self.categories)
            )
        known = self.products.get(article.erp_id)
        payload, _ = product_payload(
            article,
            visibility=Visibility.SHOW,
            category_ids=[self.categories[p] for p in article.categories],
            settings=self.settings,
            facts=self.facts,
            creating=known is None,
        )
        if known is None:
            base = self.settings.images_url or ""
            payload["images"] = [
                {"src": image_url(base, image.filename)} for image in article.images
            ]
            made = self.client.call("POST", "products", body=payload).json()
            self.products[article.erp_id] = str(made["id"])
        else:
            self.client.call("PUT", f"products/{known}", body=payload)

    def close(self) -> None:
        self.provider.close()


def main(argv: list[str]) -> int:
    provider, url, token, osm_url, files_dir, images_url, cycles = argv
    configure_logging("warning")
    requests: Counter[str] = Counter()
    count_requests(requests)
    shop: NaivePrestaShop | NaiveWooCommerce
    if provider == "woocommerce":
        shop = NaiveWooCommerce(url, token, images_url)
    else:
        shop = NaivePrestaShop(url, token)
    repository = open_erp(
        ErpSettings(url=osm_url, files_dir=Path(files_dir)), migrate=False
    )
    try:
        for _ in range(int(cycles)):
            before = Counter(requests)
            started = time.monotonic()
            for page in repository.articles(ArticleScope()):
                for article in page:
                    shop.push(article)
            seconds = time.monotonic() - started
            made: dict[str, Any] = dict(requests - before)
            peak = peak_rss_mb()
            print(
                json.dumps(
                    {
                        "seconds": round(seconds, 3),
                        "requests": made,
                        "peak_rss_mb": peak,
                    }
                ),
                flush=True,
            )
    finally:
        repository.close()
        shop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
