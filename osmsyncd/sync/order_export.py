"""Order export runs: OSM customer orders out to the shop, their state after.

An order is created in the shop once; later runs send only its state, since
a shop keeps the lines an order was placed with. Orders dated before the
connection's start (``orders_since``, else its first real run) and drafts
stay in OSM. Its binding (resource
orders, values ``direction = "export"``) tells the order import to leave
the shop's copy alone. Before a create the binding holds a pending shop id:
if the create's answer is lost, the next run looks the order up by the mark
the provider left on it instead of creating it twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import structlog

from osmsyncd.erp.interface import DIRECTION
from osmsyncd.erp.interface import Binding
from osmsyncd.errors import ErpError
from osmsyncd.errors import ShopError
from osmsyncd.provider import OrderWrite
from osmsyncd.provider import Outcome
from osmsyncd.records import Direction
from osmsyncd.records import ErpOrder
from osmsyncd.records import Resource
from osmsyncd.sync.plan import QUANTITY
from osmsyncd.sync.runner import Context

log = structlog.get_logger(__name__)

# OSM's updated_at has one-second resolution and clocks drift.
OVERLAP = timedelta(seconds=5)
# The shop's clock and ours differ: look a little before the lost create.
LOOKUP_MARGIN = timedelta(minutes=5)
# A draft is not an order yet: it goes out once it leaves this state.
DRAFT = "Bozza"
PENDING = "pending:"
SINCE = "since"
BATCH = 50


def fingerprint(order: ErpOrder) -> str:
    """What an export depends on: the state, the lines and the total."""
    data = {
        "status": order.status,
        "total": order.total,
        "lines": [asdict(line) for line in order.lines],
    }
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def pending(binding: Binding | None) -> bool:
    """Whether a create was sent for this binding without an answer."""
    return binding is not None and binding.shop_id.startswith(PENDING)


@dataclass
class Planned:
    """One order this run writes, and how it stood before."""

    order: ErpOrder
    binding: Binding | None
    stamp: str
    shop_id: str | None = None

    @property
    def key(self) -> str:
        return str(self.order.erp_id)

    @property
    def creating(self) -> bool:
        return self.binding is None or pending(self.binding)


class OrderExport:
    """One run of an order export: read, decide, then write."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.bindings = ctx.erp.bindings(ctx.connection, Resource.ORDERS)
        self.products = ctx.erp.bindings(ctx.connection, Resource.ARTICLES)
        self.accounts = {
            key: b.shop_id
            for key, b in ctx.erp.bindings(ctx.connection, Resource.CUSTOMERS).items()
        }
        self.planned: list[Planned] = []
        self.restamped: list[Binding] = []
        self.newest: datetime | None = None
        self.retry_from: datetime | None = None
        self.changed_at: dict[str, datetime | None] = {}
        self.start = _start(ctx)

    # -- reading -------------------------------------------------------------

    def read(self) -> None:
        ctx = self.ctx
        stored = None if ctx.options.full else ctx.erp.cursor(ctx.job)
        since = datetime.fromisoformat(stored) - OVERLAP if stored else None
        ids = [self._record_id(ctx.options.record)] if ctx.options.record else None
        for page in ctx.erp.orders(since, ids):
            for order in page:
                ctx.check_stop()
                self._consider(order)

    def _record_id(self, record: str) -> int:
        by_shop = {b.shop_id: key for key, b in self.bindings.items() if b.exported}
        if record in by_shop:
            return int(by_shop[record])
        if record.isdigit():
            return int(record)
        raise ErpError(
            f"--record {record!r} is neither an OSM order id nor the shop id of an "
            "exported order"
        )

    def _consider(self, order: ErpOrder) -> None:
        ctx = self.ctx
        key = str(order.erp_id)
        self.changed_at[key] = order.updated_at
        if order.updated_at and (self.newest is None or order.updated_at > self.newest):
            self.newest = order.updated_at
        if not ctx.plugins.keep_record(
            ctx.connection, str(Resource.ORDERS), str(Direction.EXPORT), order
        ):
            return

        binding = self.bindings.get(key)
        if binding is not None and not binding.exported:
            return  # imported from a shop: it never goes back to one
        if binding is None and order.status == DRAFT:
            log.debug("order_draft_not_exported", erp_id=key, number=order.number)
            return
        if binding is None and order.date is not None and order.date < self.start:
            # Orders from before the connection are history, not sales to send.
            log.debug("order_before_start", erp_id=key, number=order.number)
            return

        stamp = fingerprint(order)
        if binding is not None and not pending(binding) and not ctx.options.full:
            if binding.hash == stamp:
                self._unchanged(key)
                return
            if binding.values.get("status") == order.status:
                log.warning(
                    "order_changed_after_export",
                    erp_id=key,
                    number=order.number,
                    shop_id=binding.shop_id,
                    hint="the shop's order keeps the lines it was placed with: "
                    "change it in the shop as well",
                )
                binding.hash = stamp
                self.restamped.append(binding)
                self._unchanged(key)
                return

        if binding is None or pending(binding):
            missing = sorted(
                {
                    line.code or str(line.article_id)
                    for line in order.lines
                    if line.article_id is not None
                    and str(line.article_id) not in self.products
                }
            )
            if missing:
                self._fail(
                    key,
                    f"article {', '.join(missing)} is not in the shop: export the "
                    "articles first",
                )
                return
        self.planned.append(Planned(order, binding, stamp))

    def _unchanged(self, key: str) -> None:
        self.ctx.count("unchanged")
        self.ctx.summary.succeeded.append(key)

    def _fail(self, key: str, reason: str) -> None:
        """Count a failed order and keep the cursor before it, to retry it."""
        self.ctx.fail(key, reason)
        changed = self.changed_at.get(key)
        if changed is not None and (
            self.retry_from is None or changed < self.retry_from
        ):
            self.retry_from = changed

    # -- dry run -------------------------------------------------------------

    def plan(self) -> None:
        for item in self.planned:
            self.ctx.count("created" if item.creating else "updated")
            self.ctx.summary.plan.append(
                {
                    "action": "create" if item.creating else "update",
                    "erp_id": item.key,
                    "number": item.order.number,
                    "status": item.order.status,
                }
            )

    # -- writing -------------------------------------------------------------

    def write(self) -> None:
        ctx = self.ctx
        if self.restamped:
            ctx.erp.save_bindings(self.restamped)
        self._adopt_lost()
        for start in range(0, len(self.planned), BATCH):
            ctx.check_stop()
            ctx.progress(start, len(self.planned))
            chunk = self.planned[start : start + BATCH]
            self._mark_pending(chunk)
            try:
                outcomes = ctx.provider.write_orders([self._write(p) for p in chunk])
            except NotImplementedError as exc:
                raise ShopError(
                    f"the {ctx.settings.provider} provider cannot export orders",
                    hint=f'remove "orders" from connections.{ctx.connection}.export',
                ) from exc
            self._record(chunk, outcomes)
        ctx.progress(len(self.planned), len(self.planned))

        if self.newest is not None and not ctx.options.record:
            cursor = self.newest
            if self.retry_from is not None and self.retry_from < cursor:
                cursor = self.retry_from
            ctx.erp.set_cursor(ctx.job, cursor.isoformat())

    def _adopt_lost(self) -> None:
        """Find the orders whose create lost its answer; bind them, don't redo."""
        lost = [p for p in self.planned if pending(p.binding)]
        if not lost:
            return
        starts = [_since(p.binding) for p in lost]
        since = min(starts) - LOOKUP_MARGIN
        try:
            found = self.ctx.provider.find_orders([p.key for p in lost], since)
        except NotImplementedError:
            for item in lost:
                self.planned.remove(item)
                self._fail(
                    item.key,
                    f"an earlier create of order {item.order.number} got no answer "
                    f"and the {self.ctx.settings.provider} provider cannot look "
                    "orders up: check the shop, then drop its binding by hand",
                )
            return
        adopted = []
        for item in lost:
            shop_id = found.get(item.key)
            if shop_id is None:
                continue
            item.shop_id = shop_id
            adopted.append(self._binding(item, shop_id, stamp="", status=None))
            log.info("order_adopted", erp_id=item.key, shop_id=shop_id)
        self.ctx.erp.save_bindings(adopted)

    def _mark_pending(self, chunk: list[Planned]) -> None:
        now = datetime.now(UTC).isoformat()
        marks = []
        for item in chunk:
            if item.shop_id is not None or not item.creating:
                continue
            since = item.binding.values.get(SINCE, now) if item.binding else now
            marks.append(
                Binding(
                    self.ctx.connection,
                    Resource.ORDERS,
                    item.key,
                    PENDING + item.key,
                    "",
                    {DIRECTION: "export", SINCE: since},
                )
            )
        self.ctx.erp.save_bindings(marks)

    def _write(self, item: Planned) -> OrderWrite:
        shop_id = item.shop_id
        if shop_id is None and item.binding is not None and not pending(item.binding):
            shop_id = item.binding.shop_id
        order = item.order
        products = {
            line.article_id: self.products[str(line.article_id)].shop_id
            for line in order.lines
            if line.article_id is not None and str(line.article_id) in self.products
        }
        customer = order.customer.erp_id
        return OrderWrite(
            order,
            shop_id,
            products,
            self.accounts.get(str(customer)) if customer is not None else None,
        )

    def _record(self, chunk: list[Planned], outcomes: list[Outcome]) -> None:
        ctx = self.ctx
        answers = {o.key: o for o in outcomes}
        done: list[Binding] = []
        written: list[Planned] = []
        dropped: list[str] = []
        for item in chunk:
            outcome = answers.get(item.key)
            if outcome is None or not outcome.ok or outcome.shop_id is None:
                reason = outcome.error if outcome and outcome.error else "no answer"
                self._fail(item.key, reason)
                # The provider answers an error only for an order it did not
                # create; without an answer the pending mark stays.
                if outcome is not None and item.creating and item.shop_id is None:
                    dropped.append(item.key)
                continue
            for warning in outcome.warnings:
                log.warning("order_warning", erp_id=item.key, warning=warning)
            created = item.creating
            written.append(item)
            done.append(
                self._binding(item, outcome.shop_id, item.stamp, item.order.status)
            )
            ctx.count("created" if created else "updated")
            ctx.summary.succeeded.append(item.key)
            log.info(
                "order_exported" if created else "order_state_exported",
                erp_id=item.key,
                number=item.order.number,
                shop_id=outcome.shop_id,
                status=item.order.status,
            )
        ctx.erp.save_bindings(done)
        for key in dropped:
            ctx.erp.drop_binding(ctx.connection, Resource.ORDERS, key)
        self._forget_quantities(written)

    def _binding(
        self, item: Planned, shop_id: str, stamp: str, status: str | None
    ) -> Binding:
        return Binding(
            self.ctx.connection,
            Resource.ORDERS,
            item.key,
            shop_id,
            stamp,
            {DIRECTION: "export", "number": item.order.number, "status": status},
        )

    def _forget_quantities(self, items: list[Planned]) -> None:
        """The shop moved its stock for these orders by itself.

        OSM's published quantity already counts an open order, so the next
        article export pushes OSM's figure again rather than trusting the
        one it last sent.
        """
        changed = []
        for item in items:
            for line in item.order.lines:
                binding = self.products.get(str(line.article_id))
                if binding is not None and binding.values.get(QUANTITY) is not None:
                    binding.values[QUANTITY] = None
                    changed.append(binding)
        if changed:
            self.ctx.erp.save_bindings(changed)


def _start(ctx: Context) -> date:
    """The first order date that goes out: ``orders_since``, else the day of
    the connection's first real run (as for imports)."""
    if ctx.settings.orders_since is not None:
        return ctx.settings.orders_since
    started = ctx.erp.first_run_at(ctx.connection) or datetime.now(UTC)
    return started.astimezone().date()


def _since(binding: Binding | None) -> datetime:
    text = binding.values.get(SINCE) if binding is not None else None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return datetime.now(UTC) - timedelta(days=1)
