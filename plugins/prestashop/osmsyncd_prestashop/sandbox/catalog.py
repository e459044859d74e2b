"""Behaviour of products, categories, stock rows, customers and carts.

Each ``<phase>_<resource>`` method is called by the request handling in
:mod:`osmsyncd_prestashop.sandbox.shop` at that phase of a write: ``defaults``
(values a new object starts with), ``prepare`` (before validation),
``check`` (after validation), ``saved`` (after the row is stored),
``computed`` (getter fields when rendering) and ``delete``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from osmsyncd_prestashop.sandbox.base import ShopBase
from osmsyncd_prestashop.sandbox.query import WsError
from osmsyncd_prestashop.sandbox.rules import is_valid
from osmsyncd_prestashop.sandbox.rules import str2url
from osmsyncd_prestashop.sandbox.store import ASSOC
from osmsyncd_prestashop.sandbox.store import Row


def fake_bcrypt(password: str) -> str:
    """A 60-character ``$2y$10$`` string standing for a bcrypt hash."""
    digest = hashlib.sha256(secrets.token_bytes(16) + password.encode()).digest()
    text = base64.b64encode(digest + digest[:8]).decode().replace("+", ".")
    return "$2y$10$" + text[:53]


class CatalogMixin(ShopBase):
    category_products: dict[int, list[int]]

    # -- shared ------------------------------------------------------------------

    def fill_link_rewrite(self, raw: Row) -> None:
        """On creation PrestaShop slugs an invalid or empty friendly URL."""
        names: dict[int, str] = raw.get("name") or {}
        given: dict[int, str] = dict(raw.get("link_rewrite") or {})
        for lang in self.languages():
            value = given.get(lang, "")
            if value and is_valid("isLinkRewrite", value):
                continue
            if value:
                given[lang] = str2url(value)
            elif names.get(lang):
                given[lang] = str2url(names[lang])
        raw["link_rewrite"] = given

    # -- products ----------------------------------------------------------------

    def defaults_products(self, method: str) -> Row:
        row: Row = {"id_shop_default": "1", "condition": "new", "visibility": "both"}
        if method == "PUT":
            row["unit_price_ratio"] = "0"
        return row

    def prepare_products(self, method: str, raw: Row, sent: dict[str, Any]) -> None:
        if method == "POST":
            self.fill_link_rewrite(raw)

    def saved_products(self, method: str, row: Row, sent: dict[str, Any]) -> None:
        product_id = int(row["id"])
        if method != "PATCH":
            # The search index picks up what is active and visible at save.
            shown = row["active"] == "1" and row["visibility"] in ("both", "search")
            row["indexed"] = "1" if shown else "0"
        if method == "POST":
            self.store.insert(
                "stock_availables",
                {"id_product": str(product_id), "id_product_attribute": "0",
                 "id_shop": "1", "id_shop_group": "0", "quantity": "0",
                 "depends_on_stock": "0", "out_of_stock": "2", "location": ""},
            )  # fmt: skip
        categories = [
            int(item.get("id") or 0) for item in row[ASSOC].get("categories", [])
        ]
        self._place_product(product_id, categories)
        cover = sent.get("id_default_image")
        if isinstance(cover, str) and cover.isdigit():
            self.set_cover(product_id, int(cover))

    def _place_product(self, product_id: int, categories: list[int]) -> None:
        for category_id, members in self.category_products.items():
            if product_id in members and category_id not in categories:
                members.remove(product_id)
        for category_id in categories:
            members = self.category_products.setdefault(category_id, [])
            if product_id not in members:
                members.append(product_id)

    def set_cover(self, product_id: int, image_id: int) -> None:
        images = self.store.product_images(product_id)
        if not any(image.id == image_id for image in images):
            return
        for image in images:
            image.cover = image.id == image_id

    def computed_products(self, row: Row, echo: bool) -> Row:
        product_id = int(row["id"] or 0)
        images = self.store.product_images(product_id)
        cover = next((image for image in images if image.cover), None)
        stock = self.store.find("stock_availables", id_product=str(product_id))
        default = int(row.get("id_category_default") or 0)
        members = self.category_products.get(default, [])
        position = str(members.index(product_id) + 1) if product_id in members else ""
        assocs = dict(row.get(ASSOC, {}))
        assocs["images"] = [{"id": str(image.id)} for image in images]
        assocs["stock_availables"] = [
            {"id": str(s["id"]), "id_product_attribute": str(s["id_product_attribute"])}
            for s in stock
        ]
        return {
            "id_default_image": str(cover.id) if cover else "",
            "id_default_combination": 0,
            "position_in_category": position,
            "manufacturer_name": False,
            "quantity": None if echo else "0",
            "type": "simple",
            ASSOC: assocs,
        }

    def delete_products(self, row: Row) -> None:
        product_id = int(row["id"])
        for stock in self.store.find("stock_availables", id_product=str(product_id)):
            self.store.delete("stock_availables", int(stock["id"]))
        for image in self.store.product_images(product_id):
            self.store.images.pop(image.id, None)
        self._place_product(product_id, [])

    # -- categories --------------------------------------------------------------

    def defaults_categories(self, method: str) -> Row:
        return {"id_shop_default": "1"}

    def prepare_categories(self, method: str, raw: Row, sent: dict[str, Any]) -> None:
        if method == "POST":
            self.fill_link_rewrite(raw)
        parent = self.store.get("categories", int(raw.get("id_parent") or 0))
        depth = int(parent["level_depth"]) + 1 if parent is not None else 0
        raw["level_depth"] = str(depth)

    def saved_categories(self, method: str, row: Row, sent: dict[str, Any]) -> None:
        if method == "POST":
            siblings = self._children(int(row["id_parent"]), exclude=int(row["id"]))
            row["position"] = str(len(siblings))

    def _children(self, parent_id: int, exclude: int = 0) -> list[Row]:
        found = [
            row
            for row in self.store.rows("categories")
            if int(row["id_parent"]) == parent_id and int(row["id"]) != exclude
        ]
        return sorted(found, key=lambda row: (int(row["position"]), int(row["id"])))

    def computed_categories(self, row: Row, echo: bool) -> Row:
        category_id = int(row["id"] or 0)
        assocs = {
            "categories": [{"id": str(c["id"])} for c in self._children(category_id)],
            "products": [
                {"id": str(p)} for p in self.category_products.get(category_id, [])
            ],
        }
        count = len(self._products_below(category_id))
        return {"nb_products_recursive": str(count) if count else -1, ASSOC: assocs}

    def _products_below(self, category_id: int) -> set[int]:
        found = set(self.category_products.get(category_id, []))
        for child in self._children(category_id):
            found |= self._products_below(int(child["id"]))
        return found

    def delete_categories(self, row: Row) -> None:
        category_id = int(row["id"])
        protected = {
            self.config_int("PS_ROOT_CATEGORY"),
            self.config_int("PS_HOME_CATEGORY"),
        }
        if category_id in protected:
            raise WsError(500, [(88, f"Id(s) wasn't deleted: {category_id}")])
        self._drop_category(category_id)
        parent_id = int(row["id_parent"])
        for position, sibling in enumerate(self._children(parent_id)):
            sibling["position"] = str(position)

    def _drop_category(self, category_id: int) -> None:
        for child in self._children(category_id):
            self._drop_category(int(child["id"]))
        self.store.delete("categories", category_id)
        self.category_products.pop(category_id, None)

    # -- carriers ----------------------------------------------------------------

    def computed_carriers(self, row: Row, echo: bool) -> Row:
        return {"id_tax_rules_group": 1, "shipping_method": 1}

    # -- customers ---------------------------------------------------------------

    def prepare_customers(self, method: str, raw: Row, sent: dict[str, Any]) -> None:
        stored = (
            self.store.get("customers", int(raw.get("id") or 0))
            if method != "POST"
            else None
        )
        password = sent.get("passwd")
        if (
            isinstance(password, str)
            and password
            and (stored is None or password != stored.get("passwd"))
        ):
            raw["passwd"] = fake_bcrypt(password)
        if method == "POST":
            raw["secure_key"] = secrets.token_hex(16)
            raw["last_passwd_gen"] = self.hours_ago(6)
            raw["id_shop"] = raw.get("id_shop") or "1"
            raw["id_shop_group"] = raw.get("id_shop_group") or "1"
        elif stored is not None:
            for kept in ("secure_key", "last_passwd_gen"):
                raw[kept] = stored[kept]

    def check_customers(self, method: str, raw: Row) -> None:
        if method != "POST" or str(raw.get("is_guest") or "0") == "1":
            return
        email = str(raw.get("email") or "").lower()
        for other in self.store.rows("customers"):
            if other["deleted"] == "1" or other["is_guest"] == "1":
                continue
            if str(other["email"]).lower() == email:
                raise WsError(
                    500,
                    [
                        (140, "The email is already used, please choose another one"),
                        (46, "Unable to save resource"),
                    ],
                )

    # -- carts -------------------------------------------------------------------

    def prepare_carts(self, method: str, raw: Row, sent: dict[str, Any]) -> None:
        rows = []
        for item in raw.get(ASSOC, {}).get("cart_rows", []):
            rows.append(
                {
                    "id_product": item.get("id_product", "0"),
                    "id_product_attribute": item.get("id_product_attribute") or "0",
                    "id_address_delivery": item.get("id_address_delivery")
                    or str(raw.get("id_address_delivery") or "0"),
                    "id_customization": item.get("id_customization") or "0",
                    "quantity": item.get("quantity", "0"),
                }
            )
        raw.setdefault(ASSOC, {})["cart_rows"] = rows

    def saved_carts(self, method: str, row: Row, sent: dict[str, Any]) -> None:
        customer = self.store.get("customers", int(row.get("id_customer") or 0))
        if customer is not None:
            row["secure_key"] = customer["secure_key"]
