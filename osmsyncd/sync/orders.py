"""Order runs: shop orders into OSM, moving stock exactly once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from datetime import time
from decimal import Decimal

import structlog

from osmsyncd.erp.interface import Applied
from osmsyncd.erp.interface import Binding
from osmsyncd.records import Resource
from osmsyncd.records import ShopOrder
from osmsyncd.sync.order_export import OrderExport
from osmsyncd.sync.plan import QUANTITY
from osmsyncd.sync.runner import Context

log = structlog.get_logger(__name__)


def import_orders(ctx: Context) -> None:
    """Apply the shop's new and changed orders to OSM.

    The cursor moves only past pages whose every order was applied, so an
    order OSM refused is read again next run; repeats are absorbed by the
    order bindings.
    """
    placed_since = _placed_since(ctx)
    cursor = None if ctx.options.full else ctx.erp.cursor(ctx.job)
    # Bindings are read when the first order arrives: a cycle without
    # orders, the common case, does not read a large catalogue's bindings.
    bound: dict[str, Binding] = {}
    products: dict[str, Binding] = {}
    loaded = False

    def handle(order: ShopOrder) -> bool:
        nonlocal loaded
        if not loaded:
            loaded = True
            bound.update(
                (b.shop_id, b)
                for b in ctx.erp.bindings(ctx.connection, Resource.ORDERS).values()
            )
            products.update(
                (b.shop_id, b)
                for b in ctx.erp.bindings(ctx.connection, Resource.ARTICLES).values()
            )
        if ctx.options.dry_run:
            _plan(ctx, order, placed_since, bound.get(order.shop_id))
            return True
        return _apply(ctx, order, products)

    ctx.import_feed(
        ctx.provider.changed_orders(cursor, placed_since),
        lambda o: o.shop_id,
        handle,
        lambda o: ctx.plugins.order_fields(ctx.connection, o),
    )


def _placed_since(ctx: Context) -> datetime:
    if ctx.settings.orders_since is not None:
        return datetime.combine(ctx.settings.orders_since, time(), tzinfo=UTC)
    started = ctx.erp.first_run_at(ctx.connection)
    return started or datetime.now(UTC)


def _apply(ctx: Context, order: ShopOrder, products: dict[str, Binding]) -> bool:
    applied = ctx.write_erp(
        order.shop_id, lambda: ctx.erp.apply_order(ctx.settings, order)
    )
    if applied is None:
        return False

    for warning in applied.warnings:
        log.warning("order_warning", order=order.number, warning=warning)
    event = {"created": "order_created", "updated": "order_updated"}
    if applied.applied.value in event:
        log.info(
            event[applied.applied.value],
            order=order.number,
            shop_id=order.shop_id,
            erp_id=applied.erp_id,
            status=order.status,
            stock_moved=applied.stock_moved,
        )
    ctx.applied(applied.applied, order.shop_id)
    if applied.applied in (Applied.CREATED, Applied.UPDATED):
        _follow_shop_stock(ctx, order, applied.moves, products)
    return True


def _follow_shop_stock(
    ctx: Context,
    order: ShopOrder,
    moves: Mapping[int, Decimal],
    products: dict[str, Binding],
) -> None:
    """Keep the products' remembered shop quantity in step with the sale.

    The shop moved its own stock by what OSM just moved, so the quantity it
    holds is the remembered one plus the same change, and the next export
    has nothing to push. Without OSM movements the shop's change is unknown
    here: the quantity is forgotten and pushed again next time.
    """
    by_erp_id = {b.erp_id: b for b in products.values()}
    changed: list[Binding] = []
    if ctx.settings.stock_on_order_import:
        for article, delta in moves.items():
            binding = by_erp_id.get(str(article))
            held = binding.values.get(QUANTITY) if binding else None
            if binding is not None and isinstance(held, int):
                binding.values[QUANTITY] = held + int(delta)
                changed.append(binding)
    else:
        for line in order.lines:
            binding = products.get(line.product_shop_id or "")
            if binding is not None and binding.values.get(QUANTITY) is not None:
                binding.values[QUANTITY] = None
                changed.append(binding)
    if changed:
        ctx.erp.save_bindings(changed)


def _plan(
    ctx: Context, order: ShopOrder, placed_since: datetime, bound: Binding | None
) -> None:
    if bound is None and order.placed_at < placed_since:
        ctx.count("unchanged")
        return
    if (bound is not None and bound.exported) or (
        bound is None and order.exported_from
    ):
        # Exported from OSM: the import leaves it alone.
        ctx.count("unchanged")
        return
    if bound is not None and bound.hash == ctx.erp.order_fingerprint(
        ctx.settings, order
    ):
        ctx.count("unchanged")
        return
    act = "update" if bound else "create"
    ctx.count("updated" if bound else "created")
    ctx.summary.plan.append(
        {"action": act, "shop_id": order.shop_id, "number": order.number}
    )


def export_orders(ctx: Context) -> None:
    """Send OSM's customer orders to the shop: create once, then follow state."""
    export = OrderExport(ctx)
    export.read()
    if ctx.options.dry_run:
        export.plan()
        return
    export.write()
