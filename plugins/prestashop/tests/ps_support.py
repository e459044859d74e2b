"""Helpers of the PrestaShop provider tests: articles, images, raw calls."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import requests
from osmsyncd_prestashop.sandbox import Sandbox
from ps_replay import recorded_image

from osmsyncd.config import ConnectionSettings
from osmsyncd.records import Article
from osmsyncd.records import Image


def settings_for(shop: Sandbox, **values) -> ConnectionSettings:
    values.setdefault("token", shop.token)
    return ConnectionSettings(
        name="negozio", provider="prestashop", url=shop.url, **values
    )


def make_article(erp_id: int = 1, **values) -> Article:
    defaults = {
        "code": f"OSM-{erp_id:03d}",
        "name": f"Articolo {erp_id}",
        "description": "<p>Descrizione</p>",
        "short_description": "<p>Breve</p>",
        "quantity": 5,
        "price": Decimal("10.00"),
        "purchase_price": Decimal("4.50"),
        "vat_rate": Decimal("22"),
    }
    defaults.update(values)
    return Article(erp_id=erp_id, **defaults)


def image_file(folder: Path, name: str, extra: bytes = b"") -> Image:
    """A JPEG file on disk (the recorded one, made distinct by ``extra``)."""
    content = recorded_image() + extra
    path = folder / name
    path.write_bytes(content)
    return Image(path=path, sha256=hashlib.sha256(content).hexdigest(), name=name)


def api(shop: Sandbox, method: str, path: str, body: str | None = None, **params):
    """A raw webservice call on the sandbox, as a shop user's own tool makes."""
    params.setdefault("output_format", "JSON")
    return requests.request(
        method,
        f"{shop.url}/api/{path}",
        params=params,
        data=body.encode() if body else None,
        auth=(shop.token, ""),
        timeout=10,
    )
