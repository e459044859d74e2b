"""osmsyncd records to WooCommerce payloads and back.

Only fields the daemon manages leave (BR-09): name, descriptions, slug, SKU,
barcode, price, tax class, stock, purchase price, categories, images and,
when the engine decides, the status. Money leaves as 2-decimal strings and
comes back as exact Decimals read from ``total``/``total_tax``, never from
the float ``price`` of order lines (BR-24).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from urllib.parse import quote

from osmsyncd.config import ConnectionSettings
from osmsyncd.provider import Visibility
from osmsyncd.records import Address
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import OrderLine
from osmsyncd.records import OrderStock
from osmsyncd.records import ShopOrder
from osmsyncd.records import ShopProduct

CENT = Decimal("0.01")
SLUG_LENGTH = 190
PURCHASE_META = "_osmsyncd_purchase_price"
# The meta row an order exported from OSM carries: OSM's order id.
EXPORT_MARK = "_osmsyncd_erp_id"
SOLD = frozenset({"processing", "on-hold", "completed"})
RESTOCKED = frozenset({"cancelled", "refunded"})
_FOLD = {
    "ß": "ss",
    "æ": "ae",
    "ø": "o",
    "œ": "oe",
    "đ": "d",
    "ł": "l",
    "þ": "th",
    "µ": "u",
    "ı": "i",
}
_GTIN = re.compile(r"^[0-9-]+$")


@dataclass(frozen=True)
class ShopFacts:
    """What the provider reads once about a shop before writing products."""

    prices_include_tax: bool = False
    has_gtin: bool = True
    has_cogs: bool = False
    version: str = ""
    rates: Mapping[str, Decimal] = field(default_factory=dict)


def fold(text: str) -> str:
    """ASCII letters for accented ones, superscripts as digits."""
    text = "".join(_FOLD.get(char, _FOLD.get(char.lower(), char)) for char in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str, fallback: str = "") -> str:
    """An ASCII slug (BR-02/BR-03): lowercase words joined by ``-``, ≤ 190.

    The same input always gives the same slug; an empty result falls back to
    the article code.
    """
    ascii_text = fold(html.unescape(text)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > SLUG_LENGTH:
        cut = slug[:SLUG_LENGTH]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
        slug = slug.strip("-")
    if not slug and fallback:
        return slugify(fallback)
    return slug


def ascii_filename(name: str) -> str:
    """A file name safe for an HTTP header, keeping its extension and case."""
    folded = fold(name)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip("-.")
    return safe or "image"


def money(value: Decimal) -> str:
    """A price as WooCommerce wants it: a string with 2 decimals and a dot."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def decimal(value: Any) -> Decimal:
    """A shop amount (string or number) as an exact Decimal; 0 when empty."""
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def gmt(value: Any) -> datetime | None:
    """A naive ``*_gmt`` string as an aware UTC datetime."""
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def text(value: Any) -> str:
    """A name as the shop returns it, HTML entities decoded."""
    return html.unescape(str(value or ""))


def shop_price(article: Article, facts: ShopFacts) -> str:
    """``regular_price``: net for exclusive shops, gross for inclusive ones."""
    if not facts.prices_include_tax:
        return money(article.price)
    gross = article.price_gross
    if not gross and article.price:
        gross = article.price * (1 + article.vat_rate / 100)
    return money(gross)


def tax_class(article: Article, settings: ConnectionSettings) -> str:
    """The tax class for the article's VAT rate; "" is the standard class."""
    for rate, name in settings.tax_classes.items():
        if Decimal(rate) == article.vat_rate:
            return "" if name == "standard" else name
    return ""


def barcode_fields(
    article: Article, settings: ConnectionSettings, facts: ShopFacts
) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
    """(fields, meta rows, warning) for the article's barcode.

    The shop's own GTIN field when it has one and the code fits it; else the
    ``barcode_meta_key`` meta field when configured.
    """
    code = article.barcode.strip()
    if not code:
        return {}, [], None
    if facts.has_gtin and _GTIN.match(code):
        return {"global_unique_id": code}, [], None
    if settings.barcode_meta_key:
        return {}, [{"key": settings.barcode_meta_key, "value": code}], None
    if facts.has_gtin:
        return (
            {},
            [],
            f"barcode {code!r} has characters WooCommerce would strip; not sent "
            "(set barcode_meta_key to keep it in a meta field)",
        )
    return {}, [], None


def product_payload(
    article: Article,
    *,
    visibility: Visibility,
    category_ids: list[str],
    settings: ConnectionSettings,
    facts: ShopFacts,
    creating: bool,
) -> tuple[dict[str, Any], list[str]]:
    """The fields the daemon owns for one product, and any warnings."""
    warnings: list[str] = []
    payload: dict[str, Any] = {
        "name": article.name,
        "sku": article.code,
        "slug": slugify(article.slug or article.name, fallback=article.code),
        "description": article.description,
        "short_description": article.short_description,
        "regular_price": shop_price(article, facts),
        "tax_class": tax_class(article, settings),
        "manage_stock": True,
        "stock_quantity": max(0, int(article.quantity)),
    }
    if creating:
        payload["type"] = "simple"

    fields, meta, warning = barcode_fields(article, settings, facts)
    payload.update(fields)
    if warning:
        warnings.append(warning)
    if facts.has_cogs:
        payload["cost_of_goods_sold"] = {
            "values": [{"defined_value": float(article.purchase_price)}]
        }
    else:
        meta.append({"key": PURCHASE_META, "value": money(article.purchase_price)})
    payload["meta_data"] = meta

    if category_ids:
        payload["categories"] = [{"id": int(cid)} for cid in category_ids]
    if visibility is Visibility.HIDE:
        payload["status"] = "private"
    elif visibility is Visibility.SHOW:
        payload["status"] = "publish"
    return payload, warnings


def image_url(base: str, filename: str) -> str:
    """``<images_url>/articoli/<file>``, percent-encoded, no query string."""
    return f"{base.rstrip('/')}/articoli/{quote(filename)}"


# -- orders -----------------------------------------------------------------


def order_stock(status: str) -> OrderStock:
    """What the shop did to its stock for an order in this status."""
    if status in SOLD:
        return OrderStock.SOLD
    if status in RESTOCKED:
        return OrderStock.RESTOCKED
    return OrderStock.NONE


def _address(data: Mapping[str, Any]) -> Address:
    return Address(
        first_name=text(data.get("first_name")),
        last_name=text(data.get("last_name")),
        company=text(data.get("company")),
        street=text(data.get("address_1")),
        street2=text(data.get("address_2")),
        postcode=str(data.get("postcode") or ""),
        city=text(data.get("city")),
        province=str(data.get("state") or ""),
        country=str(data.get("country") or "") or "IT",
        phone=str(data.get("phone") or ""),
    )


def _meta(rows: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in rows or []:
        if isinstance(row, dict) and "key" in row:
            found[str(row["key"])] = str(row.get("value") or "")
    return found


def fiscal_fields(
    meta: Mapping[str, str], settings: ConnectionSettings
) -> dict[str, str]:
    """VAT number, fiscal code, SDI code and PEC from the configured meta keys."""
    fields: dict[str, str] = {}
    for name in ("vat_number", "fiscal_code", "sdi_code", "pec"):
        key = settings.customer_meta.get(name)
        if key and meta.get(key):
            fields[name] = meta[key].strip()
    return fields


def order_customer(order: Mapping[str, Any], settings: ConnectionSettings) -> Customer:
    """The buyer: a registered customer or a guest known by billing e-mail."""
    billing = order.get("billing") or {}
    fiscal = fiscal_fields(_meta(order.get("meta_data")), settings)
    address = replace(
        _address(billing),
        vat_number=fiscal.get("vat_number", ""),
        fiscal_code=fiscal.get("fiscal_code", ""),
    )
    customer_id = int(order.get("customer_id") or 0)
    return Customer(
        email=str(billing.get("email") or "").strip(),
        first_name=text(billing.get("first_name")),
        last_name=text(billing.get("last_name")),
        company=text(billing.get("company")),
        phone=str(billing.get("phone") or ""),
        address=address,
        shop_id=str(customer_id) if customer_id else None,
        vat_number=fiscal.get("vat_number", ""),
        fiscal_code=fiscal.get("fiscal_code", ""),
        sdi_code=fiscal.get("sdi_code", ""),
        pec=fiscal.get("pec", ""),
    )


def refunded_quantities(refunds: Sequence[Mapping[str, Any]]) -> dict[str, Decimal]:
    """Refunded quantity per order line id, from the refunds' line items."""
    found: dict[str, Decimal] = {}
    for refund in refunds:
        for line in refund.get("line_items") or []:
            original = _meta(line.get("meta_data")).get("_refunded_item_id")
            if original:
                quantity = abs(decimal(line.get("quantity")))
                found[original] = found.get(original, Decimal("0")) + quantity
    return found


def shop_order(
    order: Mapping[str, Any],
    settings: ConnectionSettings,
    refunds: Sequence[Mapping[str, Any]] = (),
) -> ShopOrder:
    """A WooCommerce order as a ShopOrder with exact Decimal amounts."""
    refunded = refunded_quantities(list(refunds))
    lines = []
    for line in order.get("line_items") or []:
        product = int(line.get("variation_id") or 0) or int(line.get("product_id") or 0)
        lines.append(
            OrderLine(
                shop_line_id=str(line["id"]),
                name=text(line.get("name")),
                quantity=decimal(line.get("quantity")),
                total=decimal(line.get("total")),
                total_tax=decimal(line.get("total_tax")),
                sku=str(line.get("sku") or ""),
                product_shop_id=str(product) if product else None,
                refunded_quantity=refunded.get(str(line["id"]), Decimal("0")),
            )
        )
    fees = tuple(
        OrderLine(
            shop_line_id=str(fee["id"]),
            name=text(fee.get("name")),
            quantity=Decimal("1"),
            total=decimal(fee.get("total")),
            total_tax=decimal(fee.get("total_tax")),
        )
        for fee in order.get("fee_lines") or []
    )
    shipping = order.get("shipping") or {}
    shipping_address = _address(shipping) if shipping.get("address_1") else None
    titles = [text(s.get("method_title")) for s in order.get("shipping_lines") or []]
    placed = gmt(order.get("date_created_gmt")) or datetime.now(UTC)
    status = str(order.get("status") or "")
    return ShopOrder(
        shop_id=str(order["id"]),
        number=str(order.get("number") or order["id"]),
        placed_at=placed,
        updated_at=gmt(order.get("date_modified_gmt")) or placed,
        status=status,
        stock=order_stock(status),
        customer=order_customer(order, settings),
        lines=tuple(lines),
        total=decimal(order.get("total")),
        shipping_total=decimal(order.get("shipping_total")),
        shipping_tax=decimal(order.get("shipping_tax")),
        shipping_name=", ".join(t for t in titles if t),
        fees=fees,
        shipping_address=shipping_address,
        payment_method=str(order.get("payment_method") or ""),
        currency=str(order.get("currency") or "EUR"),
        note=text(order.get("customer_note")),
        exported_from=_meta(order.get("meta_data")).get(EXPORT_MARK, ""),
    )


# -- customers --------------------------------------------------------------


def billing_of(customer: Customer) -> dict[str, str]:
    """WooCommerce's billing block for a customer and its legal address."""
    address = customer.address or Address()
    return {
        "first_name": customer.first_name or address.first_name,
        "last_name": customer.last_name or address.last_name,
        "company": customer.company or address.company,
        "address_1": address.street,
        "address_2": address.street2,
        "city": address.city,
        "state": address.province,
        "postcode": address.postcode,
        "country": address.country,
        "email": customer.email.strip(),
        "phone": customer.phone or address.phone,
    }


def customer_payload(
    customer: Customer, settings: ConnectionSettings, creating: bool
) -> tuple[dict[str, Any], list[str]]:
    """A customer account payload; fiscal data in the configured meta keys."""
    warnings: list[str] = []
    address = customer.address or Address()
    billing = billing_of(customer)
    payload: dict[str, Any] = {
        "email": customer.email.strip(),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "billing": billing,
    }
    if creating:
        payload["shipping"] = {k: v for k, v in billing.items() if k != "email"}
    meta = []
    for name in ("vat_number", "fiscal_code", "sdi_code", "pec"):
        key = settings.customer_meta.get(name)
        value = getattr(customer, name) or getattr(address, name, "")
        if not key or not value:
            continue
        if key.startswith("_"):
            warnings.append(
                f"customer_meta.{name} = {key!r} starts with '_': WooCommerce drops "
                "such customer meta keys without an error"
            )
            continue
        meta.append({"key": key, "value": value})
    if meta:
        payload["meta_data"] = meta
    return payload, warnings


def shop_customer(data: Mapping[str, Any], settings: ConnectionSettings) -> Customer:
    billing = data.get("billing") or {}
    shipping = data.get("shipping") or {}
    fiscal = fiscal_fields(_meta(data.get("meta_data")), settings)
    source = billing if billing.get("address_1") else shipping
    return Customer(
        email=str(data.get("email") or billing.get("email") or "").strip(),
        first_name=text(data.get("first_name") or billing.get("first_name")),
        last_name=text(data.get("last_name") or billing.get("last_name")),
        company=text(billing.get("company")),
        phone=str(billing.get("phone") or ""),
        address=_address(source),
        shop_id=str(data["id"]),
        updated_at=gmt(data.get("date_modified_gmt")),
        vat_number=fiscal.get("vat_number", ""),
        fiscal_code=fiscal.get("fiscal_code", ""),
        sdi_code=fiscal.get("sdi_code", ""),
        pec=fiscal.get("pec", ""),
    )


# -- products read back -----------------------------------------------------


def shop_product(
    data: Mapping[str, Any],
    settings: ConnectionSettings,
    facts: ShopFacts,
) -> ShopProduct:
    """A product read from the shop, with its net price."""
    meta = _meta(data.get("meta_data"))
    barcode = str(data.get("global_unique_id") or "")
    if settings.barcode_meta_key:
        barcode = meta.get(settings.barcode_meta_key, barcode)
    price: Decimal | None = None
    if data.get("regular_price") not in (None, ""):
        price = decimal(data.get("regular_price"))
        if facts.prices_include_tax:
            rate = facts.rates.get(str(data.get("tax_class") or "standard"), Decimal(0))
            price = (price / (1 + rate / 100)).quantize(Decimal("0.000001"))
    purchase: Decimal | None = None
    cogs = data.get("cost_of_goods_sold")
    if isinstance(cogs, dict) and cogs.get("total_value") not in (None, ""):
        purchase = decimal(cogs.get("total_value"))
    elif meta.get(PURCHASE_META):
        purchase = decimal(meta[PURCHASE_META])
    quantity = data.get("stock_quantity")
    return ShopProduct(
        shop_id=str(data["id"]),
        sku=str(data.get("sku") or ""),
        name=text(data.get("name")),
        description=str(data.get("description") or ""),
        short_description=str(data.get("short_description") or ""),
        slug=str(data.get("slug") or ""),
        barcode=barcode,
        price=price,
        purchase_price=purchase,
        quantity=int(quantity) if isinstance(quantity, int) else None,
        visible=data.get("status") == "publish"
        and data.get("catalog_visibility") != "hidden",
        categories=tuple(text(c.get("name")) for c in data.get("categories") or []),
        image_urls=tuple(
            str(i.get("src")) for i in data.get("images") or [] if i.get("src")
        ),
        updated_at=gmt(data.get("date_modified_gmt")),
    )
