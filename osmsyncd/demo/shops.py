"""The sandbox shops of the demo, and the customers who buy in them."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.records import Resource
from osmsyncd.sync import RunSummary

# What the demo's customers buy: (article code, quantity) per order.
BASKETS = (
    (("CAF-001", 2), ("TE-010", 1)),
    (("MOK-020", 1),),
)


class DemoShop:
    """One sandbox shop and the connection the demo gives it."""

    name = ""
    provider = ""

    def __init__(self, repo: OsmRepository, url: str, token: str) -> None:
        self.repo = repo
        self.url = url
        self.token = token
        self.images_url: str | None = None

    def after_run(self, summary: RunSummary) -> None:
        """Hear about a finished run (the demo prints nothing more)."""

    def product_ids(self) -> dict[str, str]:
        """Shop product ids of the exported articles, by article code."""
        bound = self.repo.bindings(self.name, Resource.ARTICLES)
        codes = {
            str(article.erp_id): article.code
            for page in self.repo.articles(ArticleScope())
            for article in page
        }
        return {codes[key]: b.shop_id for key, b in bound.items() if key in codes}

    def place_orders(self) -> list[str]:
        raise NotImplementedError


class PrestaShopDemo(DemoShop):
    name = "prestashop"
    provider = "prestashop"

    def place_orders(self) -> list[str]:
        from osmsyncd_prestashop.sandbox.shopper import Buyer
        from osmsyncd_prestashop.sandbox.shopper import Shopper

        shopper = Shopper(self.url, self.token)
        products = self.product_ids()
        done = []
        buyers = (
            Buyer(),
            Buyer("Marco", "Bianchi", "info@ferr-bianchi.example", "Via Po 9",
                  "10100", "Torino", vat_number="01234567890"),
        )  # fmt: skip
        try:
            for buyer, basket in zip(buyers, BASKETS, strict=True):
                lines = [(int(products[code]), qty) for code, qty in basket]
                order = shopper.place_order(lines, buyer)
                done.append(f"order {order} by {buyer.email}: {_basket(basket)}")
        finally:
            shopper.close()
        return done


class WooCommerceDemo(DemoShop):
    name = "woocommerce"
    provider = "woocommerce"

    def place_orders(self) -> list[str]:
        from osmsyncd_woocommerce.sandbox.shopper import Buyer
        from osmsyncd_woocommerce.sandbox.shopper import Shopper

        shopper = Shopper(self.url, self.token)
        products = self.product_ids()
        done = []
        buyers = (
            Buyer("Luca", "Rossi", "luca.rossi@example.com", "Via Dante 4",
                  "20121", "Milano", "MI"),
            Buyer("Anna", "Neri", "Anna.Neri@Example.com", "Corso Italia 8",
                  "50123", "Firenze", "FI"),
        )  # fmt: skip
        try:
            for buyer, basket in zip(buyers, BASKETS, strict=True):
                lines = [(int(products[code]), qty) for code, qty in basket]
                order = shopper.place_order(lines, buyer, shipping="4.92")
                done.append(
                    f"order {order['number']} by {buyer.email}: {_basket(basket)}"
                    f" + shipping, {order['total']} EUR"
                )
        finally:
            shopper.close()
        return done


def _basket(basket: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{qty} x {code}" for code, qty in basket)


@contextmanager
def start_shops(repo: OsmRepository) -> Iterator[list[DemoShop]]:
    """Start every sandbox shop that is installed; stop them all after."""
    shops: list[DemoShop] = []
    shop: Any
    with ExitStack() as stack:
        files = serve_folder(repo.files_dir) if repo.files_dir else None
        if files is not None:
            stack.callback(files.shutdown)
        try:
            from osmsyncd_woocommerce.sandbox import Sandbox as WooCommerce
        except ImportError:
            pass
        else:
            shop = stack.enter_context(WooCommerce(seed=1))
            woo = WooCommerceDemo(repo, shop.url, shop.token)
            if files is not None:
                woo.images_url = f"http://127.0.0.1:{files.server_address[1]}"
            shops.append(woo)
        try:
            from osmsyncd_prestashop.sandbox import Sandbox as PrestaShop
        except ImportError:
            pass
        else:
            shop = stack.enter_context(PrestaShop(seed=1))
            shops.append(PrestaShopDemo(repo, shop.url, shop.token))
        yield shops


def serve_folder(folder: Path | None) -> http.server.ThreadingHTTPServer | None:
    """Serve OSM's files folder on loopback, as images_url for the shops."""
    if folder is None:
        return None
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
