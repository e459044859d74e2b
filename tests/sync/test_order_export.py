"""Order export's rules, on the in-memory OSM and shop stand-ins."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from osmsyncd.records import Direction
from osmsyncd.records import OrderStock
from osmsyncd.records import Resource
from osmsyncd.sync import RunOptions
from osmsyncd.sync import run_job
from tests.fakes import FakeErp
from tests.fakes import FakeHost
from tests.fakes import FakeShop
from tests.fakes import fake_config


def run(erp, shop, resource, direction, config=None, **options):
    return run_job(
        config or fake_config(),
        "shop",
        resource,
        direction,
        plugins=FakeHost(shop),
        options=RunOptions(**options),
        erp=erp,
    )


def export_orders(erp, shop, **options):
    return run(erp, shop, Resource.ORDERS, Direction.EXPORT, **options)


def export_articles(erp, shop):
    return run(erp, shop, Resource.ARTICLES, Direction.EXPORT)


def import_orders(erp, shop):
    return run(erp, shop, Resource.ORDERS, Direction.IMPORT)


@pytest.fixture
def world():
    erp, shop = FakeErp(), FakeShop()
    erp.add_article("CAF-001", "Caffè Perù", "10.00", "25")
    erp.add_article("TAZ-003", "Tazza", "3.20", "8")
    export_articles(erp, shop)
    return erp, shop


def product(shop, sku):
    return next(p for p in shop.products.values() if p.sku == sku)


def test_an_order_goes_out_once_and_a_second_run_writes_nothing(world):
    """An OSM order becomes one shop order with its lines; the next run is idle."""
    erp, shop = world
    erp.add_order("anna@example.com", [(2, 2), (3, 1)])

    first = export_orders(erp, shop)
    second = export_orders(erp, shop)

    assert (first.created, first.failed, first.error) == (1, 0, None)
    [order] = shop.orders.values()
    assert [(line.sku, line.quantity) for line in order.lines] == [
        ("CAF-001", Decimal("2")),
        ("TAZ-003", Decimal("1")),
    ]
    assert order.status == "processing"
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    assert second.requests.get("POST", 0) + second.requests.get("PUT", 0) == 0


def test_a_line_whose_article_is_not_in_the_shop_fails_that_order_only(world):
    """The other orders go out; the refused one goes once its article is exported."""
    erp, shop = world
    new = erp.add_article("NEW-9", "Nuovo", "1.00", "3")
    erp.add_order("anna@example.com", [(2, 1)])
    waiting = erp.add_order("bruno@example.com", [(new, 1)])

    first = export_orders(erp, shop)

    assert (first.created, first.failed, first.error) == (1, 1, None)
    assert first.failures == {
        str(waiting): "article NEW-9 is not in the shop: export the articles first"
    }
    assert len(shop.orders) == 1

    export_articles(erp, shop)
    second = export_orders(erp, shop)

    assert (second.created, second.failed, second.unchanged) == (1, 0, 1)
    assert sorted(o.exported_from for o in shop.orders.values()) == [
        "1000",
        str(waiting),
    ]


def test_a_state_change_in_osm_moves_the_shop_order_on(world):
    """Only the state travels after the create: a cancel reaches the shop once."""
    erp, shop = world
    erp_id = erp.add_order("anna@example.com", [(2, 3)], status="In attesa di conferma")
    export_orders(erp, shop)
    [shop_id] = shop.orders
    assert shop.orders[shop_id].status == "pending"

    erp.set_order_status(erp_id, "Annullato")
    moved = export_orders(erp, shop)
    again = export_orders(erp, shop)

    assert (moved.updated, moved.created) == (1, 0)
    assert shop.orders[shop_id].status == "cancelled"
    assert (again.updated, again.unchanged) == (0, 1)
    assert len(shop.orders) == 1


def test_the_order_import_leaves_an_exported_order_alone(world):
    """An exported order read back by the import makes no OSM order and no
    stock movement, while a real shop sale still does."""
    erp, shop = world
    erp.add_order("anna@example.com", [(2, 2)])
    export_orders(erp, shop)
    [exported] = shop.orders.values()
    assert exported.stock is OrderStock.SOLD
    sold = shop.sell("TAZ-003", 1)

    first = import_orders(erp, shop)
    again = import_orders(erp, shop)

    assert (first.created, first.unchanged) == (1, 1)
    assert (again.created, again.updated) == (0, 0)
    assert len(erp.imported_orders) == 1
    assert erp.movements == [(3, Decimal("-1"), f"order #{sold}")]
    assert erp.items[2].stock == Decimal("25")


def test_a_create_whose_answer_was_lost_is_found_not_duplicated(world):
    """The shop kept the order but the answer was lost: the next run binds it."""
    erp, shop = world
    erp_id = erp.add_order("anna@example.com", [(2, 1)])
    shop.lose_next_answers = 1

    lost = export_orders(erp, shop)
    meanwhile = import_orders(erp, shop)
    found = export_orders(erp, shop)
    after = export_orders(erp, shop)

    assert lost.error == "connection reset after the write"
    assert (meanwhile.created, len(erp.movements)) == (0, 0)
    assert (found.created, found.failed, found.error) == (1, 0, None)
    assert len(shop.orders) == 1
    assert erp.state_bindings[("shop", "orders", str(erp_id))].shop_id in shop.orders
    assert (after.created, after.updated, after.unchanged) == (0, 0, 1)


def test_the_next_article_export_undoes_the_shops_own_stock_move(world):
    """OSM's published quantity already counts the open order: the shop's own
    decrement for the exported order is corrected, not doubled."""
    erp, shop = world
    erp.add_order("anna@example.com", [(2, 4)])
    shop_quantity = product(shop, "CAF-001").quantity
    export_orders(erp, shop)
    assert product(shop, "CAF-001").quantity == shop_quantity - 4

    fixed = export_articles(erp, shop)
    idle = export_articles(erp, shop)

    assert fixed.updated == 1
    assert product(shop, "CAF-001").quantity == shop_quantity
    assert idle.writes == 0


def test_dry_run_plans_what_the_real_run_then_does(world):
    """--dry-run writes nothing and counts the creates and updates to come."""
    erp, shop = world
    first = erp.add_order("anna@example.com", [(2, 1)], status="In attesa di conferma")
    export_orders(erp, shop)
    erp.set_order_status(first, "Accettato")
    erp.add_order("bruno@example.com", [(3, 2)])
    writes = sum(shop.writes.values())

    dry = export_orders(erp, shop, dry_run=True)
    assert sum(shop.writes.values()) == writes
    real = export_orders(erp, shop)

    assert (dry.created, dry.updated) == (real.created, real.updated) == (1, 1)
    assert [p["action"] for p in dry.plan] == ["update", "create"]


def test_a_draft_waits_until_it_leaves_the_draft_state(world):
    """A "Bozza" order is not sent; once confirmed in OSM it goes out."""
    erp, shop = world
    erp_id = erp.add_order("anna@example.com", [(2, 1)], status="Bozza")

    draft = export_orders(erp, shop)
    assert (draft.created, draft.failed, len(shop.orders)) == (0, 0, 0)
    erp.set_order_status(erp_id, "Accettato")
    confirmed = export_orders(erp, shop)

    assert (confirmed.created, len(shop.orders)) == (1, 1)


def test_orders_dated_before_the_connections_start_stay_in_osm(world):
    """OSM's order history is not sent on a first run; orders_since reaches
    further back when the operator asks."""
    erp, shop = world
    old = erp.add_order("anna@example.com", [(2, 1)], day=date(2025, 12, 31))
    erp.add_order("bruno@example.com", [(3, 1)], day=date(2026, 1, 1))

    first = export_orders(erp, shop)
    assert (first.created, first.failed) == (1, 0)
    config = fake_config(orders_since=date(2025, 12, 1))
    wider = run(erp, shop, Resource.ORDERS, Direction.EXPORT, config, full=True)

    assert wider.created == 1
    assert sorted(o.exported_from for o in shop.orders.values()) == [
        str(old),
        str(old + 1),
    ]
