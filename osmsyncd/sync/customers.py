"""Customer runs: OSM customers out to the shop, shop accounts into OSM."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime
from datetime import timedelta
from typing import Any

import structlog

from osmsyncd.erp.interface import Binding
from osmsyncd.provider import CustomerWrite
from osmsyncd.records import Customer
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync.runner import Context

log = structlog.get_logger(__name__)

# OSM's updated_at has one-second resolution and the clocks of two
# machines drift: a small overlap costs a few hash comparisons, a gap
# costs a lost change.
OVERLAP = timedelta(seconds=5)
# The fingerprint of the shop's account as last applied to OSM.
SHOP_HASH = "shop_hash"


def fingerprint(customer: Customer) -> str:
    data: dict[str, Any] = asdict(customer)
    for volatile in ("erp_id", "shop_id", "updated_at"):
        data.pop(volatile)
    data["email"] = customer.identity
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def export_customers(ctx: Context) -> None:
    """Create or update shop accounts for OSM customers with an e-mail."""
    bindings = ctx.erp.bindings(ctx.connection, Resource.CUSTOMERS)
    stored = None if ctx.options.full else ctx.erp.cursor(ctx.job)
    since = datetime.fromisoformat(stored) - OVERLAP if stored else None
    ids = [int(ctx.options.record)] if ctx.options.record else None
    newest: datetime | None = None

    pending: list[tuple[Customer, Binding | None, str]] = []
    for page in ctx.erp.customers(since, ids):
        for customer in page:
            ctx.check_stop()
            customer = ctx.plugins.customer_fields(ctx.connection, customer)
            if customer.updated_at and (newest is None or customer.updated_at > newest):
                newest = customer.updated_at
            if not ctx.plugins.keep_record(
                ctx.connection, str(Resource.CUSTOMERS), str(Direction.EXPORT), customer
            ):
                continue
            if not customer.identity:
                log.warning(
                    "customer_without_email",
                    erp_id=customer.erp_id,
                    hint="add an e-mail in OSM to create its shop account",
                )
                continue
            binding = bindings.get(str(customer.erp_id))
            stamp = fingerprint(customer)
            if binding is not None and binding.hash == stamp and not ctx.options.full:
                ctx.count("unchanged")
                ctx.summary.succeeded.append(str(customer.erp_id))
                continue
            pending.append((customer, binding, stamp))

    if ctx.options.dry_run:
        for customer, binding, _ in pending:
            ctx.count("created" if binding is None else "updated")
            ctx.summary.plan.append(
                {
                    "action": "create" if binding is None else "update",
                    "erp_id": str(customer.erp_id),
                    "email": customer.identity,
                }
            )
        return

    _write(ctx, pending)
    if newest is not None and not ctx.options.record:
        ctx.erp.set_cursor(ctx.job, newest.isoformat())


def _write(ctx: Context, pending: list[tuple[Customer, Binding | None, str]]) -> None:
    unbound = [c.identity for c, b, _ in pending if b is None]
    found = {k.lower(): v for k, v in ctx.provider.find_customers(unbound).items()}
    taken = {
        b.shop_id for b in ctx.erp.bindings(ctx.connection, Resource.CUSTOMERS).values()
    }

    writes: list[CustomerWrite] = []
    for customer, binding, _ in pending:
        shop_id = binding.shop_id if binding else found.get(customer.identity)
        if binding is None and shop_id is not None and shop_id in taken:
            ctx.fail(
                str(customer.erp_id),
                f"the shop account {customer.identity} is already bound to another "
                "OSM customer; give each OSM customer its own e-mail",
            )
            continue
        writes.append(CustomerWrite(customer, shop_id))

    outcomes = {o.key: o for o in ctx.provider.write_customers(writes)}
    stamps = {str(c.erp_id): (b, s) for c, b, s in pending}
    bindings: list[Binding] = []
    for write in writes:
        key = str(write.customer.erp_id)
        outcome = outcomes.get(key)
        if outcome is None or not outcome.ok or outcome.shop_id is None:
            ctx.fail(key, outcome.error if outcome and outcome.error else "no answer")
            continue
        binding, stamp = stamps[key]
        bindings.append(
            Binding(
                ctx.connection,
                Resource.CUSTOMERS,
                key,
                outcome.shop_id,
                stamp,
                {"email": write.customer.identity},
            )
        )
        ctx.count("created" if write.shop_id is None else "updated")
        ctx.summary.succeeded.append(key)
        log.info(
            "customer_created" if write.shop_id is None else "customer_updated",
            erp_id=key,
            shop_id=outcome.shop_id,
        )
    ctx.erp.save_bindings(bindings)


def import_customers(ctx: Context) -> None:
    """Match or create OSM customers for the shop's accounts."""
    cursor = None if ctx.options.full else ctx.erp.cursor(ctx.job)
    bound = {
        b.shop_id: b
        for b in ctx.erp.bindings(ctx.connection, Resource.CUSTOMERS).values()
    }
    exported = Resource.CUSTOMERS in ctx.settings.export

    def handle(customer: Customer) -> bool:
        binding = bound.get(customer.shop_id or "")
        key = customer.shop_id or customer.identity
        if binding is not None and binding.values.get(SHOP_HASH) == fingerprint(
            customer
        ):
            ctx.count("unchanged")
            return True
        if exported and binding is not None and _changed_in_osm(ctx, binding):
            ctx.count("conflicts")
            log.warning(
                "customer_conflict",
                erp_id=binding.erp_id,
                shop_id=binding.shop_id,
                winner=ctx.settings.conflict,
            )
            if ctx.settings.conflict == "erp":
                return True
        if ctx.options.dry_run:
            ctx.count("updated" if binding else "created")
            ctx.summary.plan.append(
                {
                    "action": "update" if binding else "create",
                    "shop_id": customer.shop_id,
                    "email": customer.identity,
                }
            )
            return True
        applied = ctx.write_erp(
            key, lambda: ctx.erp.apply_customer(ctx.settings, customer)
        )
        if applied is None:
            return False
        ctx.applied(applied.applied, key)
        _remember_shop_hash(ctx, customer)
        return True

    ctx.import_feed(
        ctx.provider.changed_customers(cursor),
        lambda c: c.shop_id,
        handle,
        lambda c: ctx.plugins.customer_fields(ctx.connection, c),
    )


def _changed_in_osm(ctx: Context, binding: Binding) -> bool:
    """Whether the OSM customer differs from what was last exported."""
    for page in ctx.erp.customers(None, [int(binding.erp_id)]):
        for customer in page:
            return fingerprint(customer) != binding.hash
    return False


def _remember_shop_hash(ctx: Context, customer: Customer) -> None:
    for binding in ctx.erp.bindings(ctx.connection, Resource.CUSTOMERS).values():
        if binding.shop_id == customer.shop_id:
            binding.values[SHOP_HASH] = fingerprint(customer)
            ctx.erp.save_bindings([binding])
            return
