"""What the sync engine needs from the OSM side.

:class:`Erp` is implemented by :class:`osmsyncd.erp.repository.OsmRepository`
on OSM's real database, and by an in-memory fake in the tests. It holds both
OSM's data and osmsyncd's own state (bindings, cursors, runs), because an
OSM write and its binding must commit in one transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from typing import Any
from typing import Protocol

from osmsyncd.config import ConnectionSettings
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ErpOrder
from osmsyncd.records import Resource
from osmsyncd.records import ShopOrder
from osmsyncd.records import ShopProduct


@dataclass(frozen=True)
class ArticleScope:
    """Which OSM articles a connection exports, and whose stock it sees."""

    categories: tuple[str, ...] = ()
    only_with_photo: bool = False
    warehouses: tuple[str, ...] = ()
    connection: str = ""

    @classmethod
    def of(cls, settings: ConnectionSettings) -> ArticleScope:
        return cls(
            categories=settings.categories,
            only_with_photo=settings.only_with_photo,
            warehouses=settings.warehouses,
            connection=settings.name,
        )


# The ``Binding.values`` key that marks an order osmsyncd exported from OSM
# to the shop, as opposed to one it imported: its value is ``"export"``.
DIRECTION = "direction"


@dataclass(slots=True)
class Binding:
    """The link between one OSM record and one shop record.

    ``hash`` fingerprints what was last sent (export) or applied (import);
    ``values`` keeps what later runs need to know about that write, such as
    the image map, the published quantity or whether osmsyncd hid the
    product.
    """

    connection: str
    resource: Resource
    erp_id: str
    shop_id: str
    hash: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def exported(self) -> bool:
        """Whether this order binding records an export from OSM."""
        return self.values.get(DIRECTION) == "export"


class Applied(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Application:
    """What writing one shop record into OSM did.

    ``moves`` says how much each article's stock changed (negative for a
    sale), by OSM article id; ``stock_moved`` counts the movements written.
    """

    applied: Applied
    erp_id: int | None = None
    stock_moved: int = 0
    warnings: tuple[str, ...] = ()
    moves: Mapping[int, Decimal] = field(default_factory=dict)


class Erp(Protocol):
    # -- articles out ------------------------------------------------------

    def changed_article_ids(self, since: datetime | None) -> tuple[set[int], datetime]:
        """Ids of articles whose exported data may differ since ``since``.

        Covers the article row and every child that feeds an export (names,
        barcodes, custom fields, images, stock movements, open order lines).
        Returns the ids and the database's own time to use as next cursor.
        With ``since`` None every live article id is returned.
        """
        ...

    def articles(
        self, scope: ArticleScope, ids: Iterable[int] | None = None
    ) -> Iterator[list[Article]]:
        """Articles in ``scope`` (only ``ids`` when given), in pages.

        ``quantity`` is the figure to publish: stock in the scope's warehouses
        minus what open OSM orders commit, except orders osmsyncd imported
        from a shop, floored at zero. Articles outside the scope, excluded
        in their sync fields or deleted are not returned.
        """
        ...

    # -- articles in -------------------------------------------------------

    def apply_product(
        self,
        settings: ConnectionSettings,
        product: ShopProduct,
        image: bytes | None = None,
    ) -> Application:
        """Create or update the OSM article bound to a shop product."""
        ...

    # -- customers ---------------------------------------------------------

    def customers(
        self, since: datetime | None, ids: Iterable[int] | None = None
    ) -> Iterator[list[Customer]]:
        """OSM customers (anagrafiche of type Cliente) changed since ``since``."""
        ...

    def apply_customer(
        self, settings: ConnectionSettings, customer: Customer
    ) -> Application:
        """Match (e-mail, VAT number, fiscal code) or create, then bind."""
        ...

    # -- orders ------------------------------------------------------------

    def orders(
        self, since: datetime | None, ids: Iterable[int] | None = None
    ) -> Iterator[list[ErpOrder]]:
        """OSM customer orders changed since ``since`` (only ``ids`` when given).

        In pages, by id. Orders osmsyncd imported from a shop never come
        back out; the ones it exported do, so that their state follows.
        """
        ...

    def order_fingerprint(self, settings: ConnectionSettings, order: ShopOrder) -> str:
        """What ``apply_order`` compares with the order's binding hash.

        Equal means a real import would leave the order unchanged; used by
        ``--dry-run``.
        """
        ...

    def apply_order(
        self, settings: ConnectionSettings, order: ShopOrder
    ) -> Application:
        """Import or update one shop order, moving stock exactly once.

        In one transaction: the customer, the order and its lines, the stock
        movements that bring OSM in line with what the shop did to its own
        stock (``order.stock``), and the binding.
        """
        ...

    # -- state -------------------------------------------------------------

    def bindings(self, connection: str, resource: Resource) -> dict[str, Binding]:
        """Every binding of one connection and resource, by OSM id."""
        ...

    def save_bindings(self, bindings: Iterable[Binding]) -> None: ...

    def drop_binding(
        self, connection: str, resource: Resource, erp_id: str
    ) -> None: ...

    def cursor(self, job: str) -> str | None: ...

    def set_cursor(self, job: str, value: str) -> None: ...

    def first_run_at(self, connection: str) -> datetime | None:
        """When the connection first ran for real, or None."""
        ...

    def mark_first_run(self, connection: str, at: datetime) -> None:
        """Remember the first real run; later calls change nothing."""
        ...

    def record_run(self, summary: dict[str, Any]) -> None:
        """Store a finished run and forget runs older than 30 days."""
        ...

    def last_runs(self) -> list[dict[str, Any]]:
        """The newest run of every job."""
        ...

    def record_failures(
        self, job: str, failed: dict[str, str], succeeded: Iterable[str]
    ) -> list[str]:
        """Count consecutive failures per record; return keys now at five."""
        ...

    def failing_records(self, threshold: int = 5) -> list[dict[str, Any]]: ...

    def job_guard(self, job: str) -> AbstractContextManager[bool]:
        """Hold the job's run lock; yields False when another holder has it.

        The lock dies with its holder (a database lock or a file lock), so a
        killed run never blocks the next one.
        """
        ...
