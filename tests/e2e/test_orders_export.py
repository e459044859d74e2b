"""OSM orders on MariaDB → `osmsyncd sync orders --export` → each sandbox shop."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from osmsyncd_prestashop.sandbox import Sandbox as PrestaShop
from osmsyncd_woocommerce.sandbox import Sandbox as WooCommerce
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.lines import line_columns
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from tests.e2e.conftest import sync_json
from tests.e2e.conftest import write_config
from tests.e2e.conftest import writes
from tests.erp.osm import osm_customer
from tests.erp.osm import osm_order

pytestmark = pytest.mark.mysql

# The typed order is dated 2026-02-01; older OSM orders would stay home.
SINCE = date(2026, 1, 1)


def _article(osm, code):
    with osm.engine.connect() as db:
        return db.execute(
            select(MgArticoli.id, MgArticoli.qta).where(MgArticoli.codice == code)
        ).one()


def _typed_order(osm, lines):
    """An order typed into OSM for a customer: lines of (code, quantity), at
    the articles' prices, with the amounts OSM's form computes."""
    engine = osm.engine
    anna = osm_customer(
        engine,
        "Anna Bianchi",
        "anna.bianchi@example.com",
        nome="Anna",
        cognome="Bianchi",
        indirizzo="Via Indipendenza 8",
        cap="40121",
        citta="Bologna",
        provincia="BO",
    )
    ids = [_article(osm, code).id for code, _ in lines]
    order_id = osm_order(
        engine, anna, [(i, str(q), "0") for i, (_, q) in zip(ids, lines, strict=True)]
    )
    with engine.begin() as db:
        vat_codes = Lookups(db).vat_codes
        for article_id, (_, quantity) in zip(ids, lines, strict=True):
            price, vat = db.execute(
                select(MgArticoli.prezzo_vendita, MgArticoli.id_iva_vendita).where(
                    MgArticoli.id == article_id
                )
            ).one()
            columns = line_columns(
                "riga", Decimal(quantity), Decimal(price) * quantity, vat_codes[vat], 1
            )
            columns.pop("order")
            columns.pop("id_articolo")
            db.execute(
                update(OrRigheOrdini)
                .where(
                    OrRigheOrdini.id_ordine == order_id,
                    OrRigheOrdini.id_articolo == article_id,
                )
                .values(**columns)
            )
    return order_id


def _osm_facts(osm):
    with osm.engine.connect() as db:
        orders = db.scalar(select(func.count()).select_from(OrOrdini))
        moves = db.scalar(select(func.count()).select_from(MgMovimenti))
    return orders, moves


def _export_then_import(osm, config, lines):
    """Articles out, an OSM order out twice, the shop's orders in: the
    summaries of the three order runs."""
    articles = sync_json(config, "articles", "--export")
    assert (articles["failed"], articles["error"]) == (0, None)
    order_id = _typed_order(osm, lines)

    first = sync_json(config, "orders", "--export")
    second = sync_json(config, "orders", "--export")
    before = _osm_facts(osm), [_article(osm, code).qta for code, _ in lines]
    imported = sync_json(config, "orders", "--import")
    after = _osm_facts(osm), [_article(osm, code).qta for code, _ in lines]

    assert (first["created"], first["failed"], first["error"]) == (1, 0, None)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 1)
    assert writes(second) == 0
    assert (imported["created"], imported["updated"], imported["failed"]) == (0, 0, 0)
    assert after == before
    assert before[0][0] == 1
    return order_id, first


def test_woocommerce_gets_the_order_once_and_the_import_leaves_it(osm, tmp_path):
    """An OSM order for two exported articles lands once in WooCommerce with
    those lines; a second run writes nothing; the order import neither
    duplicates it in OSM nor moves OSM stock; the next article export puts
    OSM's quantity back where the shop lowered its own."""
    with WooCommerce(seed=7) as shop:
        config = write_config(
            tmp_path, osm, "woocommerce", shop.url, shop.token,
            export=["articles", "orders"], orders_since=SINCE,
        )  # fmt: skip
        order_id, first = _export_then_import(
            osm, config, [("E2E-001", 2), ("E2E-002", 1)]
        )
        products = {p["sku"]: p for p in shop.admin_products()}
        [order] = shop.state.orders.values()

        assert first["requests"] == {"GET": 1, "POST": 1}
        assert order["status"] == "processing"
        assert [(line["product_id"], line["quantity"]) for line in order["lines"]] == [
            (products["E2E-001"]["id"], 2),
            (products["E2E-002"]["id"], 1),
        ]
        assert str(order["total"]) == "41.48"
        meta = {row["key"]: row["value"] for row in order["meta"]}
        assert meta["_osmsyncd_erp_id"] == str(order_id)

        pushed = sync_json(config, "articles", "--export")
        stock = {p["sku"]: p["stock_quantity"] for p in shop.admin_products()}
        assert pushed["updated"] == 2
        assert (stock["E2E-001"], stock["E2E-002"]) == (11 - 2, 12 - 1)


def test_prestashop_gets_a_valid_order_once_and_the_import_leaves_it(osm, tmp_path):
    """An OSM order for two exported articles at 22 % and 10 % lands once in
    PrestaShop as a valid order at OSM's total; a second run writes nothing;
    the order import neither duplicates it nor moves OSM stock."""
    with PrestaShop(seed=7) as shop:
        config = write_config(
            tmp_path, osm, "prestashop", shop.url, shop.token,
            export=["articles", "orders"], orders_since=SINCE,
        )  # fmt: skip
        order_id, first = _export_then_import(
            osm, config, [("E2E-001", 2), ("E2E-007", 1)]
        )
        [order] = shop.rows("orders")
        details = shop.rows("order_details")

        assert (first["requests"]["POST"], first["requests"]["PATCH"]) == (4, 1)
        assert order["valid"] == "1"
        assert order["total_paid"] == "31.020000"
        assert order["note"].endswith(f"[osmsyncd:{order_id}]")
        assert sorted(
            (d["product_reference"], d["product_quantity"]) for d in details
        ) == [("E2E-001", "2"), ("E2E-007", "1")]
