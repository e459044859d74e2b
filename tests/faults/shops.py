"""A sandbox shop in a process of its own, and views into a shop by its API.

The crash tests need the shop to outlive the osmsyncd processes they kill,
so it runs as ``python -m osmsyncd_prestashop.sandbox``; what it holds is
then read back through its webservice, as a shop owner's tool would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from typing import Any

import requests
from osmsyncd_woocommerce.client import WooClient

from osmsyncd.config import ConnectionSettings


class ShopProcess:
    """``python -m osmsyncd_prestashop.sandbox`` on a free loopback port."""

    def __init__(
        self,
        seed: int,
        *,
        latency_ms: int = 0,
        faults: Sequence[str] = (),
        https: bool = False,
        provider: str = "prestashop",
    ) -> None:
        self.provider = provider
        command = [
            sys.executable,
            "-m",
            f"osmsyncd_{provider}.sandbox",
            "--port",
            "0",
            "--seed",
            str(seed),
            "--latency-ms",
            str(latency_ms),
        ]
        for fault in faults:
            command += ["--fault", fault]
        if https:
            command.append("--https")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first:
            self.process.wait(timeout=10)
            raise RuntimeError(f"the sandbox did not start: {self.process.stderr}")
        data = json.loads(first)
        self.url: str = data["url"]
        self.token: str = data["token"]
        self.cafile: str | None = data.get("cafile")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def view(self) -> ShopView | WooView:
        if self.provider == "woocommerce":
            return WooView(self.url, self.token)
        return ShopView(self.url, self.token, verify=self.cafile or True)


class ShopView:
    """What a PrestaShop holds, read through its webservice."""

    def __init__(self, url: str, token: str, *, verify: bool | str = True) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (token, "")
        self.session.verify = verify

    def close(self) -> None:
        self.session.close()

    def rows(self, resource: str, display: str = "full") -> list[dict[str, Any]]:
        response = self.session.get(
            f"{self.url}/api/{resource}",
            params={"display": display, "output_format": "JSON"},
            timeout=10,
        )
        response.raise_for_status()
        data = response.json() if response.content else {}
        rows = data.get(resource, []) if isinstance(data, dict) else []
        return [row for row in rows if isinstance(row, dict)]

    def products(self) -> list[dict[str, Any]]:
        return self.rows("products", "[id,reference,active]")

    def stock(self) -> dict[str, int]:
        """Quantity of each product's own stock row, by product id."""
        return {
            str(row["id_product"]): int(row["quantity"])
            for row in self.rows("stock_availables")
            if str(row.get("id_product_attribute") or "0") == "0"
        }

    def image_count(self, product_id: str) -> int:
        response = self.session.get(
            f"{self.url}/api/images/products/{product_id}", timeout=10
        )
        if response.status_code == 404:
            return 0
        response.raise_for_status()
        root = ET.fromstring(response.content)
        return len(root.findall(".//declination"))

    def orders(self) -> list[dict[str, Any]]:
        return self.rows("orders")

    def duplicate_references(self) -> dict[str, int]:
        """References carried by more than one product, with their count."""
        counts = Counter(
            str(row.get("reference") or "").strip().lower() for row in self.products()
        )
        return {ref: n for ref, n in counts.items() if ref and n > 1}

    def duplicate_emails(self) -> dict[str, int]:
        counts = Counter(
            str(row.get("email") or "").strip().lower()
            for row in self.rows("customers", "[id,email]")
        )
        return {email: n for email, n in counts.items() if email and n > 1}

    def duplicate_categories(self) -> dict[str, int]:
        """Category names found more than once under one parent."""
        counts: Counter[str] = Counter()
        for row in self.rows("categories", "[id,id_parent,name]"):
            names = row.get("name")
            first = names[0]["value"] if isinstance(names, list) else names
            counts[f"{row.get('id_parent')}/{first}"] += 1
        return {name: n for name, n in counts.items() if n > 1}


# A WooCommerce order moves stock in these statuses (and gives it back after).
SOLD = frozenset({"processing", "on-hold", "completed"})


class WooView:
    """What a WooCommerce shop holds, read through its REST API, in the
    shape :class:`ShopView` gives (SKU as ``reference``, order number as
    ``reference``, order lines as ``order_rows``)."""

    def __init__(self, url: str, token: str) -> None:
        settings = ConnectionSettings(
            name="audit", provider="woocommerce", url=url, token=token, timeout=10
        )
        self.client = WooClient(settings, threading.Event())

    def close(self) -> None:
        self.client.close()

    def _all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return [row for page in self.client.pages(path, params) for row in page]

    def _products(self) -> list[dict[str, Any]]:
        return [
            p for p in self._all("products", status="any") if p["status"] != "trash"
        ]

    def products(self) -> list[dict[str, Any]]:
        return [
            {
                "id": p["id"],
                "reference": p.get("sku") or "",
                "active": "1" if p["status"] == "publish" else "0",
            }
            for p in self._products()
        ]

    def stock(self) -> dict[str, int]:
        return {
            str(p["id"]): int(p.get("stock_quantity") or 0) for p in self._products()
        }

    def image_count(self, product_id: str) -> int:
        product = self.client.get(f"products/{product_id}")
        return len(product.get("images") or [])

    def orders(self) -> list[dict[str, Any]]:
        skus = {p["id"]: p.get("sku") or "" for p in self._products()}
        return [
            {
                "id": o["id"],
                "reference": str(o["number"]),
                "valid": "1" if o["status"] in SOLD else "0",
                "associations": {
                    "order_rows": [
                        {
                            "product_reference": line.get("sku")
                            or skus.get(line.get("product_id"), ""),
                            "product_quantity": str(line["quantity"]),
                        }
                        for line in o.get("line_items", [])
                    ]
                },
            }
            for o in self._all("orders", status="any")
        ]

    def duplicate_references(self) -> dict[str, int]:
        counts = Counter(
            str(p.get("reference") or "").strip().lower() for p in self.products()
        )
        return {ref: n for ref, n in counts.items() if ref and n > 1}

    def duplicate_categories(self) -> dict[str, int]:
        counts = Counter(
            f"{c.get('parent')}/{c.get('name')}"
            for c in self._all("products/categories")
        )
        return {name: n for name, n in counts.items() if n > 1}

    def duplicate_emails(self) -> dict[str, int]:
        counts = Counter(
            str(c.get("email") or "").strip().lower()
            for c in self._all("customers", role="all")
        )
        return {email: n for email, n in counts.items() if email and n > 1}
