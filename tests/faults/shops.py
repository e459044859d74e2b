"""A sandbox shop in a process of its own, and a view into it by webservice.

The crash tests need the shop to outlive the osmsyncd processes they kill,
so it runs as ``python -m osmsyncd_prestashop.sandbox``; what it holds is
then read back through its webservice, as a shop owner's tool would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from typing import Any

import requests


class ShopProcess:
    """``python -m osmsyncd_prestashop.sandbox`` on a free loopback port."""

    def __init__(
        self,
        seed: int,
        *,
        latency_ms: int = 0,
        faults: Sequence[str] = (),
        https: bool = False,
    ) -> None:
        command = [
            sys.executable,
            "-m",
            "osmsyncd_prestashop.sandbox",
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

    def view(self) -> ShopView:
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
