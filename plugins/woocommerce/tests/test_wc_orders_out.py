"""OSM orders out to the WooCommerce sandbox: created once, then moved on."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

import pytest

from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import OrderWrite
from osmsyncd.provider import ProductWrite
from osmsyncd.records import Address
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ErpOrder
from osmsyncd.records import ErpOrderLine
from osmsyncd.records import OrderStock

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
ANNA = Customer(
    email="Anna.Bianchi@example.com",
    first_name="Anna",
    last_name="Bianchi",
    phone="051 123456",
    address=Address(
        first_name="Anna",
        last_name="Bianchi",
        street="Via Indipendenza 8",
        postcode="40121",
        city="Bologna",
        province="BO",
    ),
    erp_id=7,
)


def line(article: int, code: str, quantity: str, price: str) -> ErpOrderLine:
    return ErpOrderLine(
        article_id=article,
        code=code,
        description=f"Articolo {code}",
        quantity=Decimal(quantity),
        price=Decimal(price),
        total=Decimal(price) * Decimal(quantity),
        vat_rate=Decimal("22"),
    )


def erp_order(erp_id: int, *lines: ErpOrderLine, **changes) -> ErpOrder:
    net = sum((item.total for item in lines), Decimal("0"))
    values = {
        "erp_id": erp_id,
        "number": "07",
        "date": date(2026, 3, 2),
        "customer": ANNA,
        "lines": lines,
        "total": (net * Decimal("1.22")).quantize(Decimal("0.01")),
        "status": "Accettato",
        **changes,
    }
    return ErpOrder(**values)


@pytest.fixture
def shop(http_shop, make_provider):
    provider = make_provider(http_shop)
    outcomes = provider.write_products(
        [
            ProductWrite(
                Article(erp_id=1, code="CAF-1", name="Caffè", quantity=20,
                        price=Decimal("10.00"))
            ),
            ProductWrite(
                Article(erp_id=2, code="TAZ-1", name="Tazza", quantity=5,
                        price=Decimal("3.50"))
            ),
        ]
    )  # fmt: skip
    products = {1: outcomes[0].shop_id, 2: outcomes[1].shop_id}
    return http_shop, provider, products


def stock(sandbox, sku: str) -> int:
    return sandbox.admin_product(sku)["stock_quantity"]


def test_an_accepted_order_lands_with_its_lines_marks_and_a_sale(shop):
    """Lines by product at OSM's prices, the OSM number and id as meta, status
    processing, paid, and the shop lowers its stock as for any sale."""
    sandbox, provider, products = shop
    order = erp_order(31, line(1, "CAF-1", "2", "10.00"), line(2, "TAZ-1", "1", "3.50"))

    [outcome] = provider.write_orders([OrderWrite(order, None, products)])

    assert (outcome.key, outcome.error, outcome.warnings) == ("31", None, ())
    placed = provider.client.get(f"orders/{outcome.shop_id}")
    assert placed["status"] == "processing"
    assert placed["date_paid"] is not None
    assert [
        (i["product_id"], i["quantity"], i["total"]) for i in placed["line_items"]
    ] == [
        (int(products[1]), 2, "20.00"),
        (int(products[2]), 1, "3.50"),
    ]
    assert placed["total"] == "28.67"
    assert placed["billing"]["email"] == "Anna.Bianchi@example.com"
    assert placed["billing"]["city"] == "Bologna"
    meta = {row["key"]: row["value"] for row in placed["meta_data"]}
    assert meta == {"_osmsyncd_order": "07/2026", "_osmsyncd_erp_id": "31"}
    assert (stock(sandbox, "CAF-1"), stock(sandbox, "TAZ-1")) == (18, 4)

    [read_back] = [
        o for p in provider.changed_orders(None, LONG_AGO) for o in p.records
    ]
    assert read_back.exported_from == "31"
    assert read_back.stock is OrderStock.SOLD


def test_a_waiting_order_moves_no_stock_and_a_state_change_follows(shop):
    """ "In attesa di conferma" goes out pending; later writes change only the
    status: accepted lowers stock, cancelled gives it back."""
    sandbox, provider, products = shop
    waiting = erp_order(
        32, line(1, "CAF-1", "3", "10.00"), status="In attesa di conferma"
    )

    [created] = provider.write_orders([OrderWrite(waiting, None, products)])
    assert stock(sandbox, "CAF-1") == 20
    accepted = erp_order(32, line(1, "CAF-1", "9", "1.00"), status="Accettato")
    [moved] = provider.write_orders([OrderWrite(accepted, created.shop_id, products)])
    assert stock(sandbox, "CAF-1") == 17
    cancelled = erp_order(32, status="Annullato")
    [undone] = provider.write_orders([OrderWrite(cancelled, created.shop_id, products)])

    assert moved.shop_id == undone.shop_id == created.shop_id
    placed = provider.client.get(f"orders/{created.shop_id}")
    assert placed["status"] == "cancelled"
    assert [(i["quantity"], i["total"]) for i in placed["line_items"]] == [(3, "30.00")]
    assert stock(sandbox, "CAF-1") == 20
    assert len(provider.client.get("orders")) == 1


def test_a_bound_or_known_account_is_the_orders_customer(shop):
    """The engine's bound account wins; else the account with the e-mail."""
    sandbox, provider, products = shop
    [account] = provider.write_customers([CustomerWrite(ANNA)])
    bound = erp_order(33, line(1, "CAF-1", "1", "10.00"))
    known = erp_order(34, line(1, "CAF-1", "1", "10.00"))

    outcomes = provider.write_orders(
        [
            OrderWrite(bound, None, products, customer_id=account.shop_id),
            OrderWrite(known, None, products),
        ]
    )

    for outcome in outcomes:
        placed = provider.client.get(f"orders/{outcome.shop_id}")
        assert placed["customer_id"] == int(account.shop_id)


def test_a_fractional_quantity_fails_that_order_alone(shop):
    """WooCommerce takes whole quantities: 1.5 kg is refused with the reason,
    the other order of the batch is created."""
    sandbox, provider, products = shop
    outcomes = provider.write_orders(
        [
            OrderWrite(erp_order(35, line(1, "CAF-1", "1.5", "10.00")), None, products),
            OrderWrite(erp_order(36, line(2, "TAZ-1", "2", "3.50")), None, products),
        ]
    )

    assert outcomes[0].error == (
        "line CAF-1: quantity 1.5 is not whole, and WooCommerce orders take whole "
        "quantities"
    )
    assert outcomes[1].ok
    assert len(provider.client.get("orders")) == 1


def test_text_lines_go_out_as_fees_and_a_different_total_is_a_warning(shop):
    """OSM's shipping line becomes a taxed fee; a total the shop computes
    differently from OSM's is reported, not hidden."""
    sandbox, provider, products = shop
    shipping = ErpOrderLine(None, "", "Spese di spedizione", Decimal("1"),
                            Decimal("5"), Decimal("5"), Decimal("22"))  # fmt: skip
    order = erp_order(37, line(1, "CAF-1", "1", "10.00"), shipping)

    [outcome] = provider.write_orders([OrderWrite(order, None, products)])
    cheaper = erp_order(38, line(1, "CAF-1", "1", "9.00"), total=Decimal("12.20"))
    [odd] = provider.write_orders([OrderWrite(cheaper, None, products)])

    placed = provider.client.get(f"orders/{outcome.shop_id}")
    assert [(f["name"], f["total"], f["total_tax"]) for f in placed["fee_lines"]] == [
        ("Spese di spedizione", "5.00", "1.10")
    ]
    assert placed["total"] == "18.30" == str(order.total)
    assert outcome.warnings == ()
    assert odd.warnings == (
        "the shop's total 10.98 differs from OSM's 12.20: check the articles' tax "
        "classes (tax_classes) and prices",
    )


def test_a_lost_create_is_found_by_its_mark(shop):
    """find_orders returns the shop ids of the orders marked with OSM ids."""
    sandbox, provider, products = shop
    before = datetime.now(UTC) - timedelta(minutes=5)
    provider.write_orders(
        [
            OrderWrite(erp_order(40, line(1, "CAF-1", "1", "10.00")), None, products),
            OrderWrite(erp_order(41, line(2, "TAZ-1", "1", "3.50")), None, products),
        ]
    )
    sandbox.admin_create_order({"line_items": [{"product_id": int(products[1])}]})

    found = provider.find_orders(["41", "99"], before)

    placed = provider.client.get(f"orders/{found['41']}")
    assert list(found) == ["41"]
    assert placed["line_items"][0]["product_id"] == int(products[2])
