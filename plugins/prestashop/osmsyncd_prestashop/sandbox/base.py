"""State and helpers shared by the parts of the fake shop."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from osmsyncd_prestashop.sandbox.query import WsError
from osmsyncd_prestashop.sandbox.render import JSON_TYPE
from osmsyncd_prestashop.sandbox.render import XML_TYPE
from osmsyncd_prestashop.sandbox.render import Renderer
from osmsyncd_prestashop.sandbox.render import json_text
from osmsyncd_prestashop.sandbox.store import Row
from osmsyncd_prestashop.sandbox.store import Store

VERSION = "8.2.1"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    versioned: bool = True


@dataclass
class Request:
    """One webservice call once authenticated: the method after ``ps_method``."""

    method: str
    parts: list[str]
    params: dict[str, str]
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = ""

    @property
    def json(self) -> bool:
        wanted = (
            self.params.get("output_format")
            or self.params.get("io_format")
            or self.headers.get("Output-Format")
            or self.headers.get("Io-Format")
            or ""
        )
        return wanted.upper() == "JSON"


Clock = Callable[[], datetime]


class ShopBase:
    """The store plus what every part needs: the clock, rendering, errors."""

    def __init__(self, store: Store, base_url: str, clock: Clock | None = None) -> None:
        self.store = store
        self.renderer = Renderer(base_url.rstrip("/") + "/api")
        self.clock: Clock = clock or self._local_now

    def _local_now(self) -> datetime:
        zone = ZoneInfo(self.store.config("PS_TIMEZONE") or "Europe/Rome")
        return datetime.now(zone).replace(tzinfo=None, microsecond=0)

    def now(self) -> str:
        return self.clock().strftime(DATE_FORMAT)

    def hours_ago(self, hours: int) -> str:
        return (self.clock() - timedelta(hours=hours)).strftime(DATE_FORMAT)

    def languages(self) -> list[int]:
        return self.store.languages()

    def default_language(self) -> int:
        return int(self.store.config("PS_LANG_DEFAULT") or self.languages()[0])

    def config_int(self, name: str) -> int:
        return int(self.store.config(name) or 0)

    # -- documents -------------------------------------------------------------

    def document(
        self, request: Request, xml_inner: str, data: Any, status: int = 200
    ) -> Response:
        if request.json:
            return Response(status, json_text(data).encode(), JSON_TYPE)
        body = self.renderer.xml_document(xml_inner)
        return Response(status, body.encode(), XML_TYPE)

    def error_response(self, request: Request, error: WsError) -> Response:
        if request.json:
            data = {"errors": [{"code": c, "message": m} for c, m in error.errors]}
            body = json_text(data).encode()
            return Response(error.status, body, JSON_TYPE, dict(error.headers))
        xml = self.renderer.xml_errors(error.errors).encode()
        return Response(error.status, xml, XML_TYPE, dict(error.headers))

    # -- taxes -------------------------------------------------------------------

    def tax_rate(self, group_id: int, country_id: int | None = None) -> Decimal:
        """The VAT rate of a tax rules group in a country (default: the shop's)."""
        country = country_id or self.config_int("PS_COUNTRY_DEFAULT")
        for rule in self.store.rows("tax_rules"):
            if int(rule["id_tax_rules_group"]) != group_id:
                continue
            if int(rule["id_country"]) != country or int(rule["id_state"] or 0):
                continue
            tax = self.store.get("taxes", int(rule["id_tax"]))
            if tax is not None:
                return Decimal(str(tax["rate"]))
        return Decimal(0)

    def tax_id(self, group_id: int, country_id: int | None = None) -> int:
        country = country_id or self.config_int("PS_COUNTRY_DEFAULT")
        for rule in self.store.rows("tax_rules"):
            if (
                int(rule["id_tax_rules_group"]) == group_id
                and int(rule["id_country"]) == country
            ):
                return int(rule["id_tax"])
        return 0

    def product_name(self, product: Row, lang: int) -> str:
        names: dict[int, str] = product.get("name") or {}
        return names.get(lang) or names.get(self.default_language()) or ""
