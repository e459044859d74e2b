"""A naive sync, for comparison: one request per record, one at a time.

It reads the same OSM articles through osmsyncd's repository and builds the
same PrestaShop payloads, but writes like a plain script would: for every
article the product (POST the first time, PATCH after), then its stock row,
each request waiting for the one before, everything pushed every cycle.
Category paths are created once, one request at a time, and reused.

``python -m bench.naive PROVIDER SHOP_URL TOKEN OSM_URL FILES_DIR CYCLES``
prints one JSON object per cycle: seconds and requests by kind.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.measured import count_requests
from osmsyncd.config import ConnectionSettings
from osmsyncd.config import ErpSettings
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.session import open_erp
from osmsyncd.provider import ProductWrite
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


def main(argv: list[str]) -> int:
    provider, url, token, osm_url, files_dir, cycles = argv
    if provider != "prestashop":
        raise SystemExit(f"no naive sync for {provider}")
    requests: Counter[str] = Counter()
    count_requests(requests)
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
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
        shop.client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
