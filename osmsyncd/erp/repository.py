"""The OSM side of the sync: one facade over OSM's database and osmsyncd's state.

:class:`OsmRepository` implements :class:`osmsyncd.erp.interface.Erp`. Each
write runs in its own transaction, the OSM rows and their binding together.
Database errors leave as :class:`ErpUnavailable` (try again next run) or
:class:`ErpError` (fix something), never as driver exceptions.

While a run holds its job's guard, the OSM reference rows its order writes
read (settings, VAT codes, states, segments...) are read once for the run;
outside a run every write reads them afresh.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

import structlog
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError

from osmsyncd.config import ConnectionSettings
from osmsyncd.erp import bindings as state
from osmsyncd.erp import runs
from osmsyncd.erp.articles import read_articles
from osmsyncd.erp.changes import changed_article_ids
from osmsyncd.erp.customer_feed import apply_customer
from osmsyncd.erp.customer_feed import read_customers
from osmsyncd.erp.guard import job_guard
from osmsyncd.erp.health import check
from osmsyncd.erp.images import ImageFiles
from osmsyncd.erp.interface import Application
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.interface import Binding
from osmsyncd.erp.lookups import ReferenceCache
from osmsyncd.erp.order_feed import read_orders
from osmsyncd.erp.orders import apply_order
from osmsyncd.erp.orders import fingerprint as order_fingerprint
from osmsyncd.erp.products import FileChanges
from osmsyncd.erp.products import apply_product
from osmsyncd.erp.session import classify
from osmsyncd.erp.session import describe
from osmsyncd.erp.setup import setup
from osmsyncd.erp.setup import teardown
from osmsyncd.errors import ErpError
from osmsyncd.provider import Finding
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ErpOrder
from osmsyncd.records import Resource
from osmsyncd.records import ShopOrder
from osmsyncd.records import ShopProduct

log = structlog.get_logger(__name__)

T = TypeVar("T")

# Another osmsyncd wrote the same binding first, or InnoDB chose this
# transaction as a deadlock victim: the second attempt sees the winner.
_RETRIES = 2
_DEADLOCK = {1213, 1205}


class OsmRepository:
    """OSM's data and osmsyncd's state, in OSM's database."""

    def __init__(
        self, engine: Engine, files_dir: Path | None = None, version: str = ""
    ) -> None:
        self.engine = engine
        self.files_dir = files_dir
        self.version = version
        self.images = ImageFiles(files_dir)
        # A run's reads and writes happen on the thread that holds its guard.
        self._run = threading.local()
        self._first_runs: dict[str, datetime] = {}

    def close(self) -> None:
        self.engine.dispose()

    # -- plumbing ------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            raise classify(exc, describe(self.engine.url)) from exc

    def _read(self, work: Callable[[Connection], T]) -> T:
        with self._errors(), self.engine.connect() as db:
            return work(db)

    def _write(self, work: Callable[[Connection], T]) -> T:
        for attempt in range(1, _RETRIES + 1):
            try:
                with self._errors():
                    with self.engine.begin() as db:
                        return work(db)
            except ErpError as exc:
                cause = exc.__cause__
                retry = isinstance(cause, IntegrityError) or (
                    isinstance(cause, DBAPIError)
                    and getattr(cause.orig, "args", [None])[0] in _DEADLOCK
                )
                if not retry or attempt == _RETRIES:
                    raise
                log.info("erp_write_retried", reason=str(getattr(cause, "orig", exc)))
        raise AssertionError("unreachable")

    # -- articles out ------------------------------------------------------------

    def changed_article_ids(self, since: datetime | None) -> tuple[set[int], datetime]:
        with self._errors():
            return changed_article_ids(self.engine, since)

    def articles(
        self, scope: ArticleScope, ids: Iterable[int] | None = None
    ) -> Iterator[list[Article]]:
        with self._errors():
            yield from read_articles(self.engine, self.images, scope, ids)

    # -- articles in ---------------------------------------------------------------

    def apply_product(
        self,
        settings: ConnectionSettings,
        product: ShopProduct,
        image: bytes | None = None,
    ) -> Application:
        files = FileChanges()
        try:
            applied = self._write(
                lambda db: apply_product(
                    db, settings, product, image, self.images, files, date.today()
                )
            )
        except BaseException:
            for path in files.written:
                path.unlink(missing_ok=True)
            raise
        for path in files.obsolete:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        return applied

    # -- customers -------------------------------------------------------------

    def customers(
        self, since: datetime | None, ids: Iterable[int] | None = None
    ) -> Iterator[list[Customer]]:
        with self._errors():
            yield from read_customers(self.engine, since, ids)

    def apply_customer(
        self, settings: ConnectionSettings, customer: Customer
    ) -> Application:
        return self._write(lambda db: apply_customer(db, settings, customer))

    # -- orders ----------------------------------------------------------------

    def orders(
        self, since: datetime | None, ids: Iterable[int] | None = None
    ) -> Iterator[list[ErpOrder]]:
        with self._errors():
            yield from read_orders(self.engine, since, ids)

    def order_fingerprint(self, settings: ConnectionSettings, order: ShopOrder) -> str:
        return order_fingerprint(settings, order)

    def apply_order(
        self, settings: ConnectionSettings, order: ShopOrder
    ) -> Application:
        reference = self._reference()
        return self._write(
            lambda db: apply_order(db, settings, order, date.today(), reference)
        )

    # -- state -------------------------------------------------------------------

    def bindings(self, connection: str, resource: Resource) -> dict[str, Binding]:
        return self._read(lambda db: state.load_bindings(db, connection, resource))

    def save_bindings(self, bindings: Iterable[Binding]) -> None:
        items = list(bindings)
        if items:
            self._write(lambda db: state.save_bindings(db, items))

    def drop_binding(self, connection: str, resource: Resource, erp_id: str) -> None:
        self._write(lambda db: state.drop_binding(db, connection, resource, erp_id))

    def cursor(self, job: str) -> str | None:
        return self._read(lambda db: state.get_cursor(db, job))

    def set_cursor(self, job: str, value: str) -> None:
        self._write(lambda db: state.set_cursor(db, job, value))

    def first_run_at(self, connection: str) -> datetime | None:
        # Once set it never changes, and every run asks for it.
        if connection not in self._first_runs:
            found = self._read(lambda db: state.first_run_at(db, connection))
            if found is None:
                return None
            self._first_runs[connection] = found
        return self._first_runs[connection]

    def mark_first_run(self, connection: str, at: datetime) -> None:
        if connection not in self._first_runs:
            self._first_runs[connection] = self._write(
                lambda db: state.mark_first_run(db, connection, at)
            )

    def record_run(self, summary: dict[str, Any]) -> None:
        self._write(lambda db: runs.record_run(db, summary))

    def last_runs(self) -> list[dict[str, Any]]:
        return self._read(runs.last_runs)

    def record_failures(
        self, job: str, failed: dict[str, str], succeeded: Iterable[str]
    ) -> list[str]:
        done = list(succeeded)
        return self._write(lambda db: runs.record_failures(db, job, failed, done))

    def failing_records(self, threshold: int = 5) -> list[dict[str, Any]]:
        return self._read(lambda db: runs.failing_records(db, threshold))

    def job_guard(self, job: str) -> AbstractContextManager[bool]:
        return self._guarded(job)

    @contextlib.contextmanager
    def _guarded(self, job: str) -> Iterator[bool]:
        """The job's guard; while it is held the run has its reference cache."""
        with job_guard(self.engine, job) as held:
            if not held:
                yield False
                return
            outer = self._reference()
            self._run.reference = ReferenceCache()
            try:
                yield True
            finally:
                self._run.reference = outer

    def _reference(self) -> ReferenceCache | None:
        found: ReferenceCache | None = getattr(self._run, "reference", None)
        return found

    # -- operator commands -------------------------------------------------------

    def check(self) -> list[Finding]:
        """What ``osmsyncd check`` reports about OSM and osmsyncd's tables."""
        return check(self.engine, self.files_dir)

    def setup(self) -> list[str]:
        """``osmsyncd erp setup``: tables and custom fields; idempotent."""
        with self._errors():
            return setup(self.engine)

    def teardown(self) -> list[str]:
        """``osmsyncd erp teardown``: remove tables and custom fields."""
        with self._errors():
            return teardown(self.engine)


if TYPE_CHECKING:
    from osmsyncd.erp.interface import Erp

    def _implements_erp(repository: OsmRepository) -> Erp:
        # mypy proves here that the facade keeps the Erp contract.
        return repository
