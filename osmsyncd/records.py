"""The records that travel between OSM, the sync engine and the shops.

Every provider and the OSM repository speak in these types, so that the
engine never sees a shop payload or an OSM row. Money is always
:class:`~decimal.Decimal`; times are always timezone-aware UTC.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Generic
from typing import TypeVar

T = TypeVar("T")


class Resource(enum.StrEnum):
    """What a job moves."""

    ARTICLES = "articles"
    CUSTOMERS = "customers"
    ORDERS = "orders"


class Direction(enum.StrEnum):
    """Which way a job moves it, seen from OSM."""

    IMPORT = "import"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class Image:
    """One picture of an article, as a file in OSM's files folder."""

    path: Path
    sha256: str
    name: str = ""

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True)
class Article:
    """An OSM article as the shop should show it.

    ``quantity`` is already the figure to publish (DESIGN rule 3); prices are
    VAT-exclusive with the gross price alongside, so that a provider can send
    whichever its shop expects.
    """

    erp_id: int
    code: str
    name: str
    description: str = ""
    short_description: str = ""
    slug: str = ""
    barcode: str = ""
    extra_barcodes: tuple[str, ...] = ()
    quantity: int = 0
    purchase_price: Decimal = Decimal("0")
    price: Decimal = Decimal("0")
    price_gross: Decimal = Decimal("0")
    vat_rate: Decimal = Decimal("22")
    categories: tuple[tuple[str, ...], ...] = ()
    images: tuple[Image, ...] = ()
    weight: Decimal = Decimal("0")
    updated_at: datetime | None = None

    @property
    def cover(self) -> Image | None:
        return self.images[0] if self.images else None


@dataclass(frozen=True)
class Address:
    """A postal address; ``country`` is the ISO 3166-1 alpha-2 code."""

    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street: str = ""
    street2: str = ""
    postcode: str = ""
    city: str = ""
    province: str = ""
    country: str = "IT"
    phone: str = ""
    vat_number: str = ""
    fiscal_code: str = ""


@dataclass(frozen=True)
class Customer:
    """A customer with the Italian fiscal data that travels with it.

    ``erp_id`` is set on records read from OSM, ``shop_id`` on records read
    from a shop; a guest of a shop order has neither.
    """

    email: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    vat_number: str = ""
    fiscal_code: str = ""
    sdi_code: str = ""
    pec: str = ""
    phone: str = ""
    address: Address | None = None
    erp_id: int | None = None
    shop_id: str | None = None
    updated_at: datetime | None = None

    @property
    def identity(self) -> str:
        """The natural key: the e-mail, trimmed and lowercased."""
        return self.email.strip().lower()


class OrderStock(enum.StrEnum):
    """What the shop did to its own stock for an order.

    WooCommerce lowers stock for processing, on-hold and completed orders;
    PrestaShop for valid orders. OSM follows the shop: it moves stock only
    while the shop has it moved.
    """

    NONE = "none"
    SOLD = "sold"
    RESTOCKED = "restocked"


@dataclass(frozen=True)
class OrderLine:
    """One line of a shop order; amounts are line totals, VAT apart."""

    shop_line_id: str
    name: str
    quantity: Decimal
    total: Decimal
    total_tax: Decimal
    sku: str = ""
    product_shop_id: str | None = None
    refunded_quantity: Decimal = Decimal("0")

    @property
    def vat_rate(self) -> Decimal:
        """The VAT rate the shop applied, in percent, to two decimals."""
        if not self.total:
            return Decimal("0")
        return (self.total_tax / self.total * 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ShopOrder:
    """An order as the shop holds it."""

    shop_id: str
    number: str
    placed_at: datetime
    updated_at: datetime
    status: str
    stock: OrderStock
    customer: Customer
    lines: tuple[OrderLine, ...]
    total: Decimal
    shipping_total: Decimal = Decimal("0")
    shipping_tax: Decimal = Decimal("0")
    shipping_name: str = ""
    fees: tuple[OrderLine, ...] = ()
    shipping_address: Address | None = None
    payment_method: str = ""
    currency: str = "EUR"
    note: str = ""
    # The OSM order id osmsyncd exported this order from, read back from the
    # mark it leaves on the shop's order; empty for the shop's own sales.
    exported_from: str = ""


@dataclass(frozen=True)
class ErpOrderLine:
    """One line of an OSM customer order; amounts are VAT apart.

    ``article_id`` is None for a line OSM holds as text only (shipping
    costs, fees, a discount); ``price`` is the unit net price after the
    line's discount and ``total`` the line's net total as OSM stores it.
    """

    article_id: int | None
    code: str
    description: str
    quantity: Decimal
    price: Decimal
    total: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class ErpOrder:
    """An OSM customer order to export; ``total`` includes VAT.

    ``status`` is the name of the OSM order state ("Accettato"...).
    Shipping costs are lines without an article, as OSM holds them.
    """

    erp_id: int
    number: str
    date: date | None
    customer: Customer
    lines: tuple[ErpOrderLine, ...]
    total: Decimal
    status: str
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ShopProduct:
    """A product as read back from a shop, for article import and lookups."""

    shop_id: str
    sku: str
    name: str = ""
    description: str = ""
    short_description: str = ""
    slug: str = ""
    barcode: str = ""
    price: Decimal | None = None
    purchase_price: Decimal | None = None
    quantity: int | None = None
    visible: bool = True
    categories: tuple[str, ...] = ()
    image_urls: tuple[str, ...] = ()
    updated_at: datetime | None = None


@dataclass
class Page(Generic[T]):
    """One page of a changes feed and the cursor to resume after it."""

    records: list[T]
    cursor: str | None
    more: bool = False
    meta: dict[str, str] = field(default_factory=dict)
