"""Changes feeds of products and customers, for import into OSM.

Both page through ``date_upd`` filters in shop-local time (``date=1``), from
the cursor minus an overlap; the next cursor is the newest ``date_upd``
returned, never earlier than the old one, in UTC (BR-12).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from osmsyncd.records import Customer
from osmsyncd.records import Page
from osmsyncd.records import ShopProduct
from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.client import bracket
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.facts import language_value
from osmsyncd_prestashop.orders import address_record
from osmsyncd_prestashop.orders import money

OVERLAP = timedelta(minutes=5)
PAGE_SIZE = 100


def parse_cursor(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Feed:
    def __init__(self, client: PrestaShopClient, facts: ShopFacts) -> None:
        self.client = client
        self.facts = facts

    def _changed_rows(
        self, resource: str, cursor: str | None
    ) -> Iterator[tuple[list[dict[str, Any]], datetime | None]]:
        """Pages of rows changed since the cursor, with the newest date so far."""
        since = parse_cursor(cursor)
        newest = since
        filters = {}
        if since is not None:
            filters["date_upd"] = f">[{self.facts.to_local(since - OVERLAP)}]"
        offset = 0
        while True:
            rows = self.client.select(
                resource,
                filters=filters,
                sort="[date_upd_ASC,id_ASC]",
                limit=f"{offset},{PAGE_SIZE}",
                dates=True,
            )
            for row in rows:
                moment = self.facts.from_local(str(row.get("date_upd") or ""))
                if moment is not None and (newest is None or moment > newest):
                    newest = moment
            yield rows, newest
            if len(rows) < PAGE_SIZE:
                return
            offset += PAGE_SIZE

    def products(self, cursor: str | None) -> Iterator[Page[ShopProduct]]:
        for rows, newest in self._changed_rows("products", cursor):
            stock = self._stock([str(row["id"]) for row in rows])
            records = [self._product(row, stock) for row in rows]
            mark = newest.isoformat() if newest else cursor
            yield Page(records, mark, more=len(rows) == PAGE_SIZE)

    def _stock(self, ids: Sequence[str]) -> dict[str, int]:
        if not ids:
            return {}
        rows = self.client.select(
            "stock_availables",
            display="[id,id_product,quantity]",
            filters={"id_product": bracket(list(ids)), "id_product_attribute": "[0]"},
        )
        return {str(row["id_product"]): int(row.get("quantity") or 0) for row in rows}

    def _product(self, row: dict[str, Any], stock: dict[str, int]) -> ShopProduct:
        lang = self.facts.default_language
        product_id = str(row["id"])
        associations = row.get("associations") or {}
        images = [str(image.get("id")) for image in associations.get("images", [])]
        cover = str(row.get("id_default_image") or "")
        if cover in images:
            images.remove(cover)
            images.insert(0, cover)
        base = self.client.http.base_url
        return ShopProduct(
            shop_id=product_id,
            sku=str(row.get("reference") or ""),
            name=language_value(row.get("name"), lang),
            description=language_value(row.get("description"), lang),
            short_description=language_value(row.get("description_short"), lang),
            slug=language_value(row.get("link_rewrite"), lang),
            barcode=str(row.get("ean13") or ""),
            price=money(row.get("price")),
            purchase_price=money(row.get("wholesale_price")),
            quantity=stock.get(product_id),
            visible=str(row.get("active")) == "1",
            categories=tuple(
                str(c.get("id")) for c in associations.get("categories", [])
            ),
            image_urls=tuple(
                f"{base}/images/products/{product_id}/{i}" for i in images
            ),
            updated_at=self.facts.from_local(str(row.get("date_upd") or "")),
        )

    def customers(self, cursor: str | None) -> Iterator[Page[Customer]]:
        countries: dict[int, str] = {}
        states: dict[int, str] = {}
        for rows, newest in self._changed_rows("customers", cursor):
            live = [row for row in rows if str(row.get("deleted")) != "1"]
            addresses = self._addresses([str(row["id"]) for row in live])
            self._places(addresses.values(), countries, states)
            records = [
                self._customer(row, addresses.get(str(row["id"])), countries, states)
                for row in live
            ]
            mark = newest.isoformat() if newest else cursor
            yield Page(records, mark, more=len(rows) == PAGE_SIZE)

    def _addresses(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """One address per customer: the one osmsyncd writes, else the newest."""
        if not ids:
            return {}
        rows = self.client.select(
            "addresses", filters={"id_customer": bracket(list(ids)), "deleted": "[0]"}
        )
        chosen: dict[str, dict[str, Any]] = {}
        for row in sorted(rows, key=lambda r: (r.get("alias") == "OSM", int(r["id"]))):
            chosen[str(row["id_customer"])] = row
        return chosen

    def _places(
        self, addresses: Any, countries: dict[int, str], states: dict[int, str]
    ) -> None:
        for resource, key, cache in (
            ("countries", "id_country", countries),
            ("states", "id_state", states),
        ):
            missing = {int(a.get(key) or 0) for a in addresses} - set(cache) - {0}
            for row in self.client.by_ids(
                resource, sorted(missing), display="[id,iso_code]"
            ):
                cache[int(row["id"])] = str(row.get("iso_code") or "")

    def _customer(
        self,
        row: dict[str, Any],
        address: dict[str, Any] | None,
        countries: dict[int, str],
        states: dict[int, str],
    ) -> Customer:
        record = address_record(address, countries, states) if address else None
        return Customer(
            email=str(row.get("email") or ""),
            first_name=str(row.get("firstname") or ""),
            last_name=str(row.get("lastname") or ""),
            company=str(row.get("company") or ""),
            vat_number=record.vat_number if record else "",
            fiscal_code=record.fiscal_code if record else "",
            phone=record.phone if record else "",
            address=record,
            shop_id=str(row["id"]),
            updated_at=self.facts.from_local(str(row.get("date_upd") or "")),
        )
