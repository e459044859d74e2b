"""The sandbox shop's data: what a fresh WooCommerce holds, and its clock.

Everything lives in memory behind one lock; the request handlers in
``catalog``, ``sales`` and ``people`` change it, the admin methods of
:class:`~osmsyncd_woocommerce.sandbox.server.Sandbox` read it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from osmsyncd_woocommerce.sandbox.indexes import Holders
from osmsyncd_woocommerce.sandbox.indexes import Slugs

try:
    from zoneinfo import ZoneInfo

    SHOP_ZONE: tzinfo = ZoneInfo("Europe/Rome")
except Exception:  # pragma: no cover - a system without the tz database
    SHOP_ZONE = timezone(timedelta(hours=1))

WOOCOMMERCE_VERSION = "10.0.2"
WORDPRESS_VERSION = "6.8.3"
SHOP_NAME = "Bottega Sandbox OSM"


@dataclass
class TaxRate:
    id: int
    country: str
    rate: Decimal
    name: str
    tax_class: str = "standard"
    priority: int = 1
    compound: bool = False
    shipping: bool = True
    state: str = ""

    @property
    def code(self) -> str:
        return f"{self.country}-{self.name.upper()}-{self.priority}"


@dataclass
class Setting:
    id: str
    label: str
    type: str
    default: str
    value: str
    options: dict[str, str] | None = None


def _general_settings() -> list[Setting]:
    rows = [
        ("woocommerce_store_address", "Address line 1", "text", "",
         "Via dei Coronari 12"),
        ("woocommerce_store_address_2", "Address line 2", "text", "", ""),
        ("woocommerce_store_city", "City", "text", "", "Roma"),
        ("woocommerce_default_country", "Country / State", "select", "US:CA", "IT:RM"),
        ("woocommerce_store_postcode", "Postcode / ZIP", "text", "", "00186"),
        ("woocommerce_allowed_countries", "Selling location(s)", "select", "all",
         "all"),
        ("woocommerce_all_except_countries", "Sell to all countries, except for",
         "multiselect", "", ""),
        ("woocommerce_specific_allowed_countries", "Sell to specific countries",
         "multiselect", "", ""),
        ("woocommerce_ship_to_countries", "Shipping location(s)", "select", "", ""),
        ("woocommerce_specific_ship_to_countries", "Ship to specific countries",
         "multiselect", "", ""),
        ("woocommerce_default_customer_address", "Default customer location",
         "select", "base", "base"),
        ("woocommerce_calc_taxes", "Enable taxes", "checkbox", "no", "yes"),
        ("woocommerce_enable_coupons", "Enable coupons", "checkbox", "yes", "yes"),
        ("woocommerce_calc_discounts_sequentially", "", "checkbox", "no", "no"),
        ("woocommerce_currency", "Currency", "select", "USD", "EUR"),
        ("woocommerce_currency_pos", "Currency position", "select", "left",
         "right_space"),
        ("woocommerce_price_thousand_sep", "Thousand separator", "text", ",", "."),
        ("woocommerce_price_decimal_sep", "Decimal separator", "text", ".", ","),
        ("woocommerce_price_num_decimals", "Number of decimals", "number", "2", "2"),
    ]  # fmt: skip
    return [Setting(*row) for row in rows]


def _tax_settings() -> list[Setting]:
    yes_no = {"yes": "Prices include tax", "no": "Prices exclude tax"}
    incl_excl = {"incl": "Including tax", "excl": "Excluding tax"}
    rows = [
        ("woocommerce_prices_include_tax", "Prices entered with tax", "radio", "no",
         "no", yes_no),
        ("woocommerce_tax_based_on", "Calculate tax based on", "select", "shipping",
         "billing", {"shipping": "Shipping address", "billing": "Billing address",
                     "base": "Shop base address"}),
        ("woocommerce_shipping_tax_class", "Shipping tax class", "select", "inherit",
         "inherit", None),
        ("woocommerce_tax_round_at_subtotal", "Rounding", "checkbox", "no", "no",
         None),
        ("woocommerce_tax_classes", "Additional tax classes", "textarea", "", "",
         None),
        ("woocommerce_tax_display_shop", "Display prices in the shop", "select",
         "excl", "incl", incl_excl),
        ("woocommerce_tax_display_cart", "Display prices during cart and checkout",
         "select", "excl", "incl", incl_excl),
        ("woocommerce_price_display_suffix", "Price display suffix", "text", "", "",
         None),
        ("woocommerce_tax_total_display", "Display tax totals", "select", "itemized",
         "itemized", {"single": "As a single total", "itemized": "Itemized"}),
    ]  # fmt: skip
    return [Setting(*row) for row in rows]


@dataclass
class ShopState:
    """All records of one sandbox shop, guarded by ``lock``.

    ``products`` is in id order (ids only grow and a product is stored
    once), so where several products hold a value the one with the lowest id
    is the one a scan would have met first. The ``product_*`` and
    ``media_slugs`` lookups follow every stored change of a product's SKU
    (lower-cased), GTIN and slug and of a media item's slug;
    ``upload_counters`` is the next number to try for a taken file name.
    """

    lock: threading.RLock = field(default_factory=threading.RLock)
    clock_offset: timedelta = field(default_factory=timedelta)
    next_post_id: int = 11
    next_term_id: int = 16
    next_user_id: int = 2
    next_item_id: int = 1
    next_meta_id: int = 30
    next_comment_id: int = 2
    next_rate_id: int = 2
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    terms: dict[int, dict[str, Any]] = field(default_factory=dict)
    media: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    upload_counters: dict[str, int] = field(default_factory=dict)
    tax_rates: dict[int, TaxRate] = field(default_factory=dict)
    tax_classes: list[tuple[str, str]] = field(default_factory=list)
    settings: dict[str, list[Setting]] = field(default_factory=dict)
    emails: list[dict[str, str]] = field(default_factory=list)
    cogs_enabled: bool = False
    product_skus: Holders = field(default_factory=Holders)
    product_gtins: Holders = field(default_factory=Holders)
    product_slugs: Slugs = field(default_factory=Slugs)
    media_slugs: Slugs = field(default_factory=Slugs)

    def __post_init__(self) -> None:
        self.terms[15] = {
            "id": 15,
            "name": "Uncategorized",
            "slug": "uncategorized",
            "parent": 0,
            "description": "",
            "display": "default",
            "menu_order": 0,
        }
        self.tax_rates[1] = TaxRate(1, "IT", Decimal("22"), "IVA")
        self.tax_classes = [
            ("standard", "Standard rate"),
            ("reduced-rate", "Reduced rate"),
            ("zero-rate", "Zero rate"),
        ]
        self.settings = {"general": _general_settings(), "tax": _tax_settings()}

    # -- the clock -------------------------------------------------------

    def now(self) -> datetime:
        """The shop's time, UTC, to the second (as MySQL stores it)."""
        moment = datetime.now(UTC) + self.clock_offset
        return moment.replace(microsecond=0)

    # -- identifiers -----------------------------------------------------

    def post_id(self) -> int:
        """Products, orders, refunds and media share WordPress's post ids."""
        self.next_post_id += 1
        return self.next_post_id - 1

    def term_id(self) -> int:
        self.next_term_id += 1
        return self.next_term_id - 1

    def user_id(self) -> int:
        self.next_user_id += 1
        return self.next_user_id - 1

    def item_id(self) -> int:
        self.next_item_id += 1
        return self.next_item_id - 1

    def meta_id(self) -> int:
        self.next_meta_id += 1
        return self.next_meta_id - 1

    def comment_id(self) -> int:
        self.next_comment_id += 1
        return self.next_comment_id - 1

    # -- lookups ---------------------------------------------------------

    def index_product(self, product: dict[str, Any]) -> None:
        """Bring the lookups up to date with a stored product's fields."""
        product_id = product["id"]
        self.product_skus.put(product_id, product["sku"].lower())
        self.product_gtins.put(product_id, product["global_unique_id"])
        self.product_slugs.put(product_id, product["slug"])

    def unindex_product(self, product_id: int) -> None:
        """Free what a deleted product held."""
        for index in (self.product_skus, self.product_gtins, self.product_slugs):
            index.drop(product_id)

    def products_holding(self, index: Holders, value: str) -> list[dict[str, Any]]:
        """The products holding ``value`` in ``index``, in id order."""
        return [self.products[i] for i in sorted(index.holders(value))]

    # -- settings --------------------------------------------------------

    def setting(self, name: str) -> str:
        for group in self.settings.values():
            for setting in group:
                if setting.id == name:
                    return setting.value
        raise KeyError(name)

    def set_setting(self, name: str, value: str) -> None:
        for group in self.settings.values():
            for setting in group:
                if setting.id == name:
                    setting.value = value
                    return
        raise KeyError(name)

    @property
    def prices_include_tax(self) -> bool:
        return self.setting("woocommerce_prices_include_tax") == "yes"

    def tax_class_slugs(self) -> list[str]:
        return [slug for slug, _ in self.tax_classes]


def local_text(moment: datetime | None) -> str | None:
    """A UTC moment as the shop's naive local time string."""
    if moment is None:
        return None
    return moment.astimezone(SHOP_ZONE).replace(tzinfo=None).isoformat()


def gmt_text(moment: datetime | None) -> str | None:
    """A UTC moment as a naive UTC string, as the ``*_gmt`` fields show."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def shifted_twice(moment: datetime) -> str:
    """Product image dates carry the shop offset twice, as recorded."""
    offset = moment.astimezone(SHOP_ZONE).utcoffset() or timedelta()
    return (moment.astimezone(UTC).replace(tzinfo=None) + 2 * offset).isoformat()
