"""Running one job: connection × resource × direction, start to summary."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING
from typing import TypeVar

import structlog

from osmsyncd.config import Config
from osmsyncd.config import ConnectionSettings
from osmsyncd.erp.interface import Application
from osmsyncd.erp.interface import Applied
from osmsyncd.errors import ConfigError
from osmsyncd.errors import ErpError
from osmsyncd.errors import ErpUnavailable
from osmsyncd.errors import Interrupted
from osmsyncd.errors import JobBusy
from osmsyncd.errors import OsmsyncdError
from osmsyncd.errors import ShopError
from osmsyncd.provider import Provider
from osmsyncd.records import Direction
from osmsyncd.records import Page
from osmsyncd.records import Resource
from osmsyncd.sync.report import COUNTS
from osmsyncd.sync.report import RunOptions
from osmsyncd.sync.report import RunSummary
from osmsyncd.sync.report import job_id

if TYPE_CHECKING:
    from osmsyncd.erp.interface import Erp
    from osmsyncd.plugins import PluginHost

log = structlog.get_logger(__name__)

T = TypeVar("T")

FAILING_RUNS = 5


@dataclass
class Context:
    """Everything one run's steps work with."""

    settings: ConnectionSettings
    erp: Erp
    provider: Provider
    plugins: PluginHost
    options: RunOptions
    stop: threading.Event
    job: str
    summary: RunSummary

    @property
    def connection(self) -> str:
        return self.settings.name

    def fail(self, key: str, reason: str) -> None:
        """Count one record as failed; it is tried again next run."""
        self.summary.failed += 1
        self.summary.failures[key] = reason
        log.warning("record_failed", record=key, reason=reason)

    def count(self, counter: str) -> None:
        setattr(self.summary, counter, getattr(self.summary, counter) + 1)

    def applied(self, applied: Applied, key: str) -> None:
        """Count one record written into OSM."""
        counter = {
            Applied.CREATED: "created",
            Applied.UPDATED: "updated",
            Applied.UNCHANGED: "unchanged",
            Applied.SKIPPED: "unchanged",
        }[applied]
        self.count(counter)
        self.summary.succeeded.append(key)

    def progress(self, done: int, total: int) -> None:
        """Show how far a manual run on a terminal has got."""
        if not self.options.progress or not total:
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        print(
            f"\r  {self.job} [{bar}] {done}/{total}",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    def write_erp(
        self, key: str, write: Callable[[], Application]
    ) -> Application | None:
        """Write one shop record into OSM; None when OSM refused it.

        A refused record is counted as failed and read again next run; an
        unreachable database stops the whole run.
        """
        try:
            return write()
        except ErpUnavailable:
            raise
        except (ErpError, ValueError, ArithmeticError) as exc:
            self.fail(key, str(exc))
            return None

    def import_feed(
        self,
        pages: Iterable[Page[T]],
        shop_id: Callable[[T], str | None],
        handle: Callable[[T], bool],
        prepare: Callable[[T], T] | None = None,
    ) -> None:
        """Hand every record of a shop's changes feed to ``handle``.

        ``prepare`` runs the plugins' field hooks, then their filter decides;
        ``handle`` returns False when OSM refused the record. The cursor moves
        only past pages whose every record was applied, so a refused record
        is read again next run; repeats are absorbed by the bindings.
        """
        for page in pages:
            page_ok = True
            for record in page.records:
                self.check_stop()
                if self.options.record and shop_id(record) != self.options.record:
                    continue
                if prepare is not None:
                    record = prepare(record)
                if not self.plugins.keep_record(
                    self.connection,
                    str(self.summary.resource),
                    str(self.summary.direction),
                    record,
                ):
                    continue
                page_ok = handle(record) and page_ok
            if (
                page_ok
                and page.cursor
                and not self.options.dry_run
                and not self.options.record
            ):
                self.erp.set_cursor(self.job, page.cursor)

    def check_stop(self) -> None:
        if self.stop.is_set():
            raise Interrupted("the daemon is stopping")


Step = Callable[[Context], None]


def run_job(
    config: Config,
    connection: str,
    resource: Resource,
    direction: Direction,
    *,
    plugins: PluginHost,
    options: RunOptions | None = None,
    stop: threading.Event | None = None,
    erp: Erp | None = None,
) -> RunSummary:
    """Run one job to the end and return its summary.

    Raises :class:`~osmsyncd.errors.JobBusy` when the job runs elsewhere. A
    failure of the whole run (shop or OSM unreachable) ends in
    ``summary.error``; records that failed are counted in ``summary.failed``
    and tried again next run.
    """
    options = options or RunOptions()
    stop = stop or threading.Event()
    settings = config.connections.get(connection)
    if settings is None:
        raise ConfigError([f"connections.{connection}: no such connection"])
    step = _step(resource, direction)

    orders_first = _imports_orders_first(settings, resource, direction, options)
    if erp is None and orders_first:
        # One opened OSM serves the order import and the export after it:
        # opening costs a connection and a version and schema check.
        try:
            shared = _open_erp(config)
        except ErpError:
            shared = None  # each run below reports the failure itself
        if shared is not None:
            try:
                return run_job(
                    config,
                    connection,
                    resource,
                    direction,
                    plugins=plugins,
                    options=options,
                    stop=stop,
                    erp=shared,
                )
            finally:
                _close(shared)

    # Orders are imported before stock is exported, so that the quantity
    # pushed already counts every sale the shop has reported.
    if orders_first:
        first = _import_orders_before_export(config, connection, plugins, stop, erp)
    else:
        first = None

    summary = RunSummary(
        connection=connection,
        resource=resource,
        direction=direction,
        run_id=options.run_id or uuid.uuid4().hex[:12],
        dry_run=options.dry_run,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    job = job_id(connection, resource, direction)
    started = time.monotonic()
    with structlog.contextvars.bound_contextvars(
        connection=connection,
        resource=str(resource),
        direction=str(direction),
        run_id=summary.run_id,
    ):
        if first is not None:
            summary.orders_first = first.as_dict()
            if first.error:
                summary.error = (
                    "the order import that runs before every article export "
                    f"failed, so no stock was pushed: {first.error}"
                )
                log.error("run_failed", error=summary.error)
                plugins.run_finished(summary.as_dict())
                return summary
        opened = erp is None
        if erp is None:
            try:
                erp = _open_erp(config)
            except ErpError as exc:
                summary.error = str(exc)
                log.error("run_failed", error=summary.error)
                plugins.run_finished(summary.as_dict())
                return summary
        log.info("run_started", dry_run=options.dry_run, full=options.full)
        try:
            with erp.job_guard(job) as held:
                if not held:
                    raise JobBusy(
                        f"job {job} is already running in another osmsyncd "
                        "process; wait for it to finish"
                    )
                _run_step(step, config, settings, erp, plugins, options, stop, summary)
        except JobBusy:
            raise
        except (ShopError, ErpError, Interrupted, ConfigError) as exc:
            summary.error = str(exc)
            log.error("run_failed", error=summary.error)
        except OsmsyncdError as exc:
            summary.error = str(exc)
            log.error("run_failed", error=summary.error)
        summary.seconds = time.monotonic() - started
        try:
            _finish(erp, plugins, options, job, summary)
        finally:
            if opened:
                _close(erp)
    return summary


def _close(erp: Erp) -> None:
    close = getattr(erp, "close", None)
    if callable(close):
        close()


def _run_step(
    step: Step,
    config: Config,
    settings: ConnectionSettings,
    erp: Erp,
    plugins: PluginHost,
    options: RunOptions,
    stop: threading.Event,
    summary: RunSummary,
) -> None:
    spec = plugins.provider(settings.provider)
    provider = spec.factory(settings, stop)
    job = job_id(settings.name, summary.resource, summary.direction)
    context = Context(settings, erp, provider, plugins, options, stop, job, summary)
    try:
        if not options.dry_run:
            # Shops date orders to the second: a sale in the first run's own
            # second must count as placed after the start.
            erp.mark_first_run(settings.name, datetime.now(UTC).replace(microsecond=0))
        step(context)
    finally:
        summary.requests = Counter(provider.requests)
        provider.close()


def _finish(
    erp: Erp,
    plugins: PluginHost,
    options: RunOptions,
    job: str,
    summary: RunSummary,
) -> None:
    if summary.error:
        # Records the run never reached are not known to be in step.
        summary.unchanged = 0
    counts = {name: getattr(summary, name) for name in COUNTS}
    if not options.dry_run:
        try:
            if summary.error is None:
                stuck = erp.record_failures(job, summary.failures, summary.succeeded)
                for key in stuck:
                    log.error(
                        "record_keeps_failing",
                        record=key,
                        runs=FAILING_RUNS,
                        reason=summary.failures.get(key, ""),
                    )
            erp.record_run(summary.as_dict())
        except ErpError as exc:
            log.error("run_not_recorded", error=str(exc))
    log.info(
        "run_finished",
        **counts,
        requests=dict(summary.requests),
        seconds=round(summary.seconds, 3),
        dry_run=summary.dry_run,
        error=summary.error,
    )
    plugins.run_finished(summary.as_dict())


def _open_erp(config: Config) -> Erp:
    from osmsyncd.erp.session import open_erp

    return open_erp(config.erp)


def _imports_orders_first(
    settings: ConnectionSettings,
    resource: Resource,
    direction: Direction,
    options: RunOptions,
) -> bool:
    return (
        resource is Resource.ARTICLES
        and direction is Direction.EXPORT
        and Resource.ORDERS in settings.import_
        and not options.dry_run
        and options.record is None
        and options.orders_first
    )


def _import_orders_before_export(
    config: Config,
    connection: str,
    plugins: PluginHost,
    stop: threading.Event,
    erp: Erp | None,
) -> RunSummary | None:
    try:
        return run_job(
            config,
            connection,
            Resource.ORDERS,
            Direction.IMPORT,
            plugins=plugins,
            stop=stop,
            erp=erp,
        )
    except JobBusy:
        # The daemon or another sync is importing them right now.
        log.info("orders_import_running_elsewhere", connection=connection)
        return None


def _step(resource: Resource, direction: Direction) -> Step:
    from osmsyncd.sync import article_import
    from osmsyncd.sync import articles
    from osmsyncd.sync import customers
    from osmsyncd.sync import orders

    steps: dict[tuple[Resource, Direction], Step] = {
        (Resource.ARTICLES, Direction.EXPORT): articles.export_articles,
        (Resource.ARTICLES, Direction.IMPORT): article_import.import_articles,
        (Resource.CUSTOMERS, Direction.EXPORT): customers.export_customers,
        (Resource.CUSTOMERS, Direction.IMPORT): customers.import_customers,
        (Resource.ORDERS, Direction.IMPORT): orders.import_orders,
        (Resource.ORDERS, Direction.EXPORT): orders.export_orders,
    }
    return steps[(resource, direction)]
