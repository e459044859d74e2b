"""The sync engine's rules, on in-memory OSM and shop stand-ins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync import RunOptions
from osmsyncd.sync import run_job
from tests.fakes import FakeErp
from tests.fakes import FakeHost
from tests.fakes import FakeShop
from tests.fakes import fake_config


def export(erp, shop, config=None, **options):
    return run_job(
        config or fake_config(),
        "shop",
        Resource.ARTICLES,
        Direction.EXPORT,
        plugins=FakeHost(shop),
        options=RunOptions(**options),
        erp=erp,
    )


def import_orders(erp, shop, config=None):
    return run_job(
        config or fake_config(),
        "shop",
        Resource.ORDERS,
        Direction.IMPORT,
        plugins=FakeHost(shop),
        erp=erp,
    )


@pytest.fixture
def world():
    erp = FakeErp()
    shop = FakeShop()
    erp.add_article("CAF-001", "Caffè Perù", "10.00", "25")
    erp.add_article("TE-002", "Tè verde", "4.50", "0")
    erp.add_article("TAZ-003", "Tazza", "3.20", "7.5")
    return erp, shop


def test_first_export_creates_every_article_once(world):
    """Every article in scope becomes one product with OSM's values."""
    erp, shop = world

    summary = export(erp, shop)

    assert (summary.created, summary.failed, summary.error) == (3, 0, None)
    by_sku = {p.sku: p for p in shop.products.values()}
    assert sorted(by_sku) == ["CAF-001", "TAZ-003", "TE-002"]
    assert by_sku["TAZ-003"].quantity == 7
    assert by_sku["CAF-001"].price == Decimal("10.00")


def test_second_run_with_nothing_changed_writes_nothing(world):
    """An unchanged catalogue costs no shop write and no OSM write."""
    erp, shop = world
    export(erp, shop)
    writes_before = sum(shop.writes.values())

    summary = export(erp, shop)

    assert summary.writes == 0
    assert summary.unchanged == 3
    assert summary.requests.get("POST", 0) + summary.requests.get("PUT", 0) == 0
    assert sum(shop.writes.values()) == writes_before


def test_an_edit_updates_only_that_article(world):
    """Changing one OSM article sends exactly one product update."""
    erp, shop = world
    export(erp, shop)
    erp.edit(2, price=Decimal("11.00"))

    summary = export(erp, shop)

    assert (summary.updated, summary.created, summary.unchanged) == (1, 0, 2)
    assert [p.price for p in shop.products.values() if p.sku == "CAF-001"] == [
        Decimal("11.00")
    ]


def test_zero_stock_is_hidden_and_shown_again_only_if_we_hid_it(world):
    """disable_zero_quantity hides at 0 and shows again, but never a hand-hidden one."""
    erp, shop = world
    config = fake_config(disable_zero_quantity=True)
    export(erp, shop, config)
    products = {p.sku: p for p in shop.products.values()}
    assert products["TE-002"].visible is False
    assert products["CAF-001"].visible is True

    products["TAZ-003"].visible = False
    erp.move_stock(3, Decimal("4"), "carico")
    erp.edit(4, price=Decimal("3.50"))
    summary = export(erp, shop, config)

    assert summary.shown == 1
    assert products["TE-002"].visible is True
    assert products["TAZ-003"].visible is False
    assert products["TAZ-003"].price == Decimal("3.50")


def test_an_article_leaving_the_sync_set_is_hidden_not_deleted(world):
    """Excluding or deleting an OSM article hides its product and keeps it."""
    erp, shop = world
    export(erp, shop)
    erp.edit(2, excluded=True)
    erp.edit(4, deleted=True)

    summary = export(erp, shop)

    assert summary.hidden == 2
    assert len(shop.products) == 3
    hidden = sorted(p.sku for p in shop.products.values() if not p.visible)
    assert hidden == ["CAF-001", "TAZ-003"]


def test_a_create_whose_answer_was_lost_is_adopted_not_duplicated(world):
    """A create the shop applied without answering is found by SKU next run."""
    erp, shop = world
    shop.lose_next_answers = 1

    first = export(erp, shop)
    second = export(erp, shop)

    assert first.error == "connection reset after the write"
    assert (second.failed, second.error) == (0, None)
    assert second.created + second.updated == 3
    skus = [p.sku for p in shop.products.values()]
    assert sorted(skus) == ["CAF-001", "TAZ-003", "TE-002"]


def test_an_update_whose_answer_was_lost_is_sent_again(world):
    """After a lost answer the shop's state is unknown: the next run re-sends,
    even when OSM went back to what was sent before (found by the history
    test)."""
    erp, shop = world
    export(erp, shop)
    erp.edit(2, price=Decimal("11.00"))
    shop.lose_next_answers = 1
    lost = export(erp, shop)
    erp.edit(2, price=Decimal("10.00"))

    summary = export(erp, shop)

    assert lost.error == "connection reset after the write"
    assert summary.updated == 1
    product = next(p for p in shop.products.values() if p.sku == "CAF-001")
    assert product.price == Decimal("10.00")


def test_a_sale_moves_osm_stock_once_and_a_cancel_restores_it_once(world):
    """Each sold line lowers OSM stock once; cancelling gives it back once."""
    erp, shop = world
    export(erp, shop)
    order = shop.sell("CAF-001", 3)

    first = import_orders(erp, shop)
    again = import_orders(erp, shop)
    assert (first.created, again.created, again.updated) == (1, 0, 0)
    assert erp.items[2].stock == Decimal("22")

    shop.cancel(order)
    cancelled = import_orders(erp, shop)
    import_orders(erp, shop)
    assert cancelled.updated == 1
    assert erp.items[2].stock == Decimal("25")


def test_stock_export_counts_sales_not_yet_imported(world):
    """An article export imports pending orders first, so it never undoes a sale."""
    erp, shop = world
    export(erp, shop)
    shop.sell("CAF-001", 5)

    export(erp, shop)

    product = next(p for p in shop.products.values() if p.sku == "CAF-001")
    assert product.quantity == 20
    assert erp.items[2].stock == Decimal("20")


def test_an_export_after_an_imported_sale_has_nothing_to_push(world):
    """The shop already lowered its stock for the sale: no write follows."""
    erp, shop = world
    export(erp, shop)
    shop.sell("CAF-001", 2)
    import_orders(erp, shop)

    summary = export(erp, shop)

    assert summary.writes == 0
    assert erp.items[2].stock == Decimal("23")
    assert next(p for p in shop.products.values() if p.sku == "CAF-001").quantity == 23


def test_order_dry_run_counts_what_the_import_then_does(world):
    """--dry-run on orders plans the same creates and updates the import makes."""
    erp, shop = world
    export(erp, shop)
    first = shop.sell("CAF-001", 1)
    import_orders(erp, shop)
    shop.sell("TAZ-003", 2)
    shop.cancel(first)
    config = fake_config()

    dry = run_job(
        config,
        "shop",
        Resource.ORDERS,
        Direction.IMPORT,
        plugins=FakeHost(shop),
        options=RunOptions(dry_run=True),
        erp=erp,
    )
    real = import_orders(erp, shop, config)

    assert (dry.created, dry.updated) == (real.created, real.updated) == (1, 1)
    assert erp.items[2].stock == Decimal("25")


def test_dry_run_lists_exactly_what_the_real_run_then_does(world):
    """--dry-run writes nothing, and its plan matches the next real run."""
    erp, shop = world
    export(erp, shop)
    erp.edit(2, name="Caffè Perù 250 g")
    erp.edit(3, excluded=True)
    erp.add_article("NEW-9", "Nuovo", "1.00", "3")
    writes = sum(shop.writes.values())

    dry = export(erp, shop, dry_run=True)
    assert sum(shop.writes.values()) == writes
    real = export(erp, shop)

    counts = ("created", "updated", "hidden", "shown", "unchanged", "failed")
    assert [getattr(dry, c) for c in counts] == [getattr(real, c) for c in counts]
    assert (dry.created, dry.updated, dry.hidden) == (1, 1, 1)
    assert {a["code"] for a in dry.plan} == {"NEW-9", "CAF-001", "TE-002"}


def test_full_resends_everything(world):
    """--full ignores stored hashes, repairing edits made by hand in the shop."""
    erp, shop = world
    export(erp, shop)
    product = next(p for p in shop.products.values() if p.sku == "CAF-001")
    product.price = Decimal("99")

    summary = export(erp, shop, full=True)

    assert summary.updated == 3
    assert product.price == Decimal("10.00")


def test_a_rejected_article_stops_itself_only_and_is_retried_until_fixed(world):
    """A product the shop refuses fails alone, is tried on every run, is
    listed as stuck after five runs in a row, and syncs once fixed."""
    erp, shop = world
    erp.edit(3, name="Tè #verde")

    runs = [export(erp, shop) for _ in range(5)]

    assert [r.failed for r in runs] == [1, 1, 1, 1, 1]
    assert runs[0].created == 2
    assert runs[0].failures == {"3": "name: invalid character #"}
    assert erp.failing_records() == [
        {"job": "shop:articles:export", "record": "3", "count": 5}
    ]
    erp.edit(3, name="Tè verde")
    fixed = export(erp, shop)
    assert (fixed.created, fixed.failed) == (1, 0)
    assert erp.failing_records(threshold=1) == []


def test_a_busy_job_is_refused():
    """A second run of a job that holds its guard stops at once."""
    from osmsyncd.errors import JobBusy

    erp, shop = FakeErp(), FakeShop()
    erp.locks.add("shop:articles:export")
    with pytest.raises(JobBusy, match="already running"):
        export(erp, shop)


events = st.lists(
    st.one_of(
        st.tuples(st.just("edit"), st.integers(2, 5), st.integers(1, 30)),
        st.tuples(st.just("restock"), st.integers(2, 5), st.integers(1, 9)),
        st.tuples(st.just("sell"), st.integers(2, 5), st.integers(1, 4)),
        st.tuples(st.just("pending"), st.integers(2, 5), st.integers(1, 4)),
        st.tuples(st.just("cancel"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("lose"), st.integers(1, 2), st.just(0)),
        st.tuples(st.just("sync"), st.just(0), st.just(0)),
        st.tuples(st.just("orders"), st.just(0), st.just(0)),
    ),
    max_size=40,
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=events)
def test_any_history_ends_with_shop_and_osm_in_step(history):
    """After any interleaving and a final sync, shop equals OSM, nothing twice."""
    erp, shop = FakeErp(), FakeShop()
    start = {}
    for code in ["A", "B", "C", "D"]:
        erp_id = erp.add_article(code, f"Articolo {code}", "10.00", "20")
        start[erp_id] = Decimal("20")
    restocked = {erp_id: Decimal("0") for erp_id in start}
    export(erp, shop)

    for kind, target, amount in history:
        skus = {p.sku: p for p in shop.products.values()}
        code = "ABCD"[target - 2] if 2 <= target <= 5 else ""
        if kind == "edit":
            erp.edit(target, price=Decimal(amount))
        elif kind == "restock":
            erp.move_stock(target, Decimal(amount), "carico")
            restocked[target] += amount
        elif kind in ("sell", "pending") and code in skus:
            if skus[code].quantity >= amount:
                shop.sell(code, amount, paid=kind == "sell")
        elif kind == "cancel" and shop.orders:
            ids = sorted(shop.orders)
            shop.cancel(ids[target % len(ids)])
        elif kind == "lose":
            shop.lose_next_answers = target
        elif kind == "sync":
            export(erp, shop)
        elif kind == "orders":
            import_orders(erp, shop)

    shop.lose_next_answers = 0
    export(erp, shop)
    final = export(erp, shop)

    assert final.writes == 0 and final.failed == 0
    skus = [p.sku for p in shop.products.values()]
    assert sorted(skus) == ["A", "B", "C", "D"]
    assert len(erp.imported_orders) == len(shop.orders)
    for erp_id, article in erp.items.items():
        sold = shop.live_sold(article.code)
        assert article.stock == start[erp_id] + restocked[erp_id] - sold
        product = next(p for p in shop.products.values() if p.sku == article.code)
        assert product.quantity == max(0, int(article.stock))
        assert product.price == article.price
