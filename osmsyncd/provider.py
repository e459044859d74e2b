"""The contract between the sync engine and a shop.

Glossary, used the same way everywhere in osmsyncd:

connection
    One configured shop (``[connections.NAME]``): a provider plus settings.
provider
    The adapter for one kind of shop (WooCommerce, PrestaShop, a plugin's).
resource
    What a job moves: articles, customers or orders.
binding
    The stored link between an OSM id and a shop id for one connection and
    resource, with the hash of what was last sent or applied.
cursor
    Where a changes feed stopped: a shop watermark or OSM's ``updated_at``.
run
    One execution of a job (connection × resource × direction).
plan
    The pure list of actions a run decided on before it writes anything.

A provider never decides what to sync: it reads what the engine asks for,
and writes what the engine planned, in as few requests as its API allows.
Every method that writes returns one :class:`Outcome` per record, so that one
rejected record never hides the others.
"""

from __future__ import annotations

import abc
import enum
import threading
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ErpOrder
from osmsyncd.records import Page
from osmsyncd.records import ShopOrder
from osmsyncd.records import ShopProduct

if TYPE_CHECKING:
    from osmsyncd.config import ConnectionSettings


class Visibility(enum.StrEnum):
    """What a product write does to the product's visibility in the shop.

    ``KEEP`` leaves the shop's value alone, so that a product hidden by hand
    stays hidden; only the engine decides to hide or show.
    """

    KEEP = "keep"
    SHOW = "show"
    HIDE = "hide"


@dataclass(frozen=True)
class ProductWrite:
    """One product to create (``shop_id`` None) or update.

    ``images`` maps the sha256 of each OSM image already in the shop to the
    shop's image or media id: those are referred to, never uploaded again.
    """

    article: Article
    shop_id: str | None = None
    visibility: Visibility = Visibility.KEEP
    images: Mapping[str, str] = field(default_factory=dict)
    category_ids: Sequence[str] = ()
    push_images: bool = True


@dataclass(frozen=True)
class CustomerWrite:
    customer: Customer
    shop_id: str | None = None


@dataclass(frozen=True)
class OrderWrite:
    """One OSM order to create in the shop (``shop_id`` None) or move on.

    ``products`` maps the OSM article id of every article line to its bound
    shop product; ``customer_id`` is the customer's bound shop account, if
    any. An update changes only the order's status.
    """

    order: ErpOrder
    shop_id: str | None = None
    products: Mapping[int, str] = field(default_factory=dict)
    customer_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one record of a write.

    ``key`` is the record's OSM id as a string. On success ``shop_id`` is set;
    on failure ``error`` says why, in the shop's words. ``images`` is the full
    sha256 → shop image id map after the write; ``adopted`` is true when an
    existing shop record with the same natural key was taken over instead of
    creating a duplicate.
    """

    key: str
    shop_id: str | None = None
    error: str | None = None
    images: Mapping[str, str] = field(default_factory=dict)
    adopted: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Finding:
    """One line of ``osmsyncd check`` for a shop."""

    ok: bool
    what: str
    detail: str = ""
    fix: str = ""


class Provider(abc.ABC):
    """An adapter for one kind of shop, bound to one connection.

    Providers are built by a plugin's ``osmsyncd_provider_factory`` hook with
    the connection's settings. ``requests`` counts the HTTP requests made, by
    method, for run summaries and benchmarks.
    """

    name: str = ""
    # True when find_products and write_products may run on several threads
    # at once (up to the connection's ``concurrency``): the engine then
    # overlaps batches of writes instead of sending them one after another.
    concurrent_writes: bool = False
    # The most products one write request carries: 1 where each product is
    # a request of its own, more where the API takes them in batches. Fewer
    # writes than that go out as one request instead of one per worker.
    products_per_request: int = 1

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        # A file of OSM's articoli folder that ``probe`` may ask the shop to
        # fetch, to prove images can reach it; ``check`` sets it.
        self.sample_image: str | None = None

    # -- connection --------------------------------------------------------

    @abc.abstractmethod
    def probe(self) -> list[Finding]:
        """Check reachability, authentication, permissions and images."""

    def close(self) -> None:  # noqa: B027 - optional for providers
        """Release sessions and sockets."""

    # -- categories --------------------------------------------------------

    @abc.abstractmethod
    def ensure_categories(
        self, paths: Sequence[tuple[str, ...]], known: Mapping[tuple[str, ...], str]
    ) -> dict[tuple[str, ...], str]:
        """Create the category paths the shop lacks; return path → shop id.

        ``known`` holds the bindings already stored; a provider may trust
        them and create only the rest, looking each up by name first.
        """

    # -- articles ----------------------------------------------------------

    @abc.abstractmethod
    def find_products(self, skus: Sequence[str]) -> dict[str, str]:
        """Shop ids of products that already carry these SKUs (any status).

        Used before every create, so that a create whose answer was lost, a
        product made by hand or one in the trash is adopted, not duplicated.
        Keys are the SKUs as given.
        """

    @abc.abstractmethod
    def write_products(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        """Create or update products, stock and images, in batches."""

    def set_visibility(self, changes: Sequence[tuple[str, bool]]) -> list[Outcome]:
        """Hide (False) or show (True) products by shop id, touching nothing else.

        Used for products whose article left the sync set, which OSM no longer
        describes. Outcome keys are the shop ids.
        """
        raise NotImplementedError(f"{self.name} cannot change visibility alone")

    @abc.abstractmethod
    def changed_products(self, cursor: str | None) -> Iterator[Page[ShopProduct]]:
        """Products changed since ``cursor``, oldest first, for article import."""

    def fetch_image(self, url: str) -> bytes:
        """Download a product image for ``local_images``."""
        raise NotImplementedError(f"{self.name} cannot download images")

    # -- customers ---------------------------------------------------------

    @abc.abstractmethod
    def find_customers(self, emails: Sequence[str]) -> dict[str, str]:
        """Shop ids of accounts with these e-mails (compared lowercased)."""

    @abc.abstractmethod
    def write_customers(self, writes: Sequence[CustomerWrite]) -> list[Outcome]:
        """Create or update customer accounts; never e-mails the customer."""

    @abc.abstractmethod
    def changed_customers(self, cursor: str | None) -> Iterator[Page[Customer]]:
        """Customers changed since ``cursor``, oldest first."""

    # -- orders ------------------------------------------------------------

    @abc.abstractmethod
    def changed_orders(
        self, cursor: str | None, placed_since: datetime
    ) -> Iterator[Page[ShopOrder]]:
        """Orders placed since ``placed_since`` and changed since ``cursor``.

        The feed overlaps the cursor a little (clocks and filters are not
        exact); the engine absorbs repeats through bindings.
        """

    def write_orders(self, orders: Sequence[Any]) -> list[Outcome]:
        """Export OSM orders (:class:`OrderWrite`) to the shop, where it can.

        Every order created carries a mark with its OSM id, which the
        shop's order feed reads back as ``ShopOrder.exported_from``.
        """
        raise NotImplementedError(f"{self.name} cannot export orders")

    def find_orders(self, erp_ids: Sequence[str], since: datetime) -> dict[str, str]:
        """Shop ids of orders exported from these OSM ids, created since ``since``.

        Used before creating again an order whose create lost its answer.
        """
        raise NotImplementedError(f"{self.name} cannot look up exported orders")

    def settings_summary(self) -> dict[str, Any]:
        """Facts about the shop worth a line in the log (version, tax mode)."""
        return {}


ProviderFactory = Callable[["ConnectionSettings", "threading.Event"], Provider]


@dataclass(frozen=True)
class ProviderSpec:
    """How a plugin announces a provider.

    ``keys`` declares the connection keys the provider understands beyond the
    core ones, as key → Python type (``str``, ``bool``, ``int``, ``float``,
    ``dict``); they are validated like core keys and reach the provider in
    ``ConnectionSettings.extra`` unless the core already knows them.
    """

    name: str
    factory: ProviderFactory
    keys: Mapping[str, type] = field(default_factory=dict)
    description: str = ""
