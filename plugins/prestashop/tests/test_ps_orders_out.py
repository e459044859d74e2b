"""OSM orders out to the PrestaShop sandbox: valid orders, or a clear refusal."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from ps_support import make_article

from osmsyncd.provider import OrderWrite
from osmsyncd.provider import ProductWrite
from osmsyncd.records import Address
from osmsyncd.records import Customer
from osmsyncd.records import ErpOrder
from osmsyncd.records import ErpOrderLine
from osmsyncd.records import OrderStock

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
ANNA = Customer(
    email="anna.bianchi@example.com",
    first_name="Anna",
    last_name="Bianchi",
    vat_number="IT01234567897",
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
def products(provider):
    outcomes = provider.write_products(
        [
            ProductWrite(make_article(1, code="CAF-1", price=Decimal("8.196721"),
                                      quantity=20)),
            ProductWrite(make_article(2, code="TAZ-1", price=Decimal("3.50"),
                                      quantity=5)),
        ]
    )  # fmt: skip
    return {1: outcomes[0].shop_id, 2: outcomes[1].shop_id}


def test_an_accepted_order_lands_valid_with_its_lines_and_mark(
    sandbox, provider, products
):
    """Account, OSM address, cart and order at the shop's own total: the order
    is valid, lowers the shop's stock and reads back as exported from OSM."""
    order = erp_order(
        31, line(1, "CAF-1", "3", "8.196721"), line(2, "TAZ-1", "1", "3.5")
    )
    assert order.total == Decimal("34.27")

    [outcome] = provider.write_orders([OrderWrite(order, None, products)])

    assert (outcome.key, outcome.error, outcome.warnings) == ("31", None, ())
    placed = sandbox.row("orders", int(outcome.shop_id))
    assert placed["valid"] == "1"
    assert placed["current_state"] == "11"
    assert placed["total_paid"] == "34.270000"
    assert placed["note"] == "Ordine OpenSTAManager 07/2026 [osmsyncd:31]"
    assert (sandbox.stock(int(products[1])), sandbox.stock(int(products[2]))) == (17, 4)
    [customer] = sandbox.rows("customers")
    assert customer["email"] == "anna.bianchi@example.com"
    [address] = sandbox.rows("addresses")
    assert (address["alias"], address["city"], address["vat_number"]) == (
        "OSM",
        "Bologna",
        "IT01234567897",
    )

    [read_back] = [
        o for p in provider.changed_orders(None, LONG_AGO) for o in p.records
    ]
    assert read_back.exported_from == "31"
    assert read_back.stock is OrderStock.SOLD
    assert [(li.sku, li.quantity) for li in read_back.lines] == [
        ("CAF-1", Decimal("3")),
        ("TAZ-1", Decimal("1")),
    ]


def test_a_waiting_order_is_moved_to_its_state_and_a_cancel_follows(
    sandbox, provider, products
):
    """OSM's state is set through order histories; a cancel gives the stock
    back, and a repeat of the same state sends nothing."""
    waiting = erp_order(
        32, line(1, "CAF-1", "2", "8.196721"), status="In attesa di conferma"
    )

    [created] = provider.write_orders([OrderWrite(waiting, None, products)])
    shop_id = int(created.shop_id)
    assert sandbox.row("orders", shop_id)["current_state"] == "10"
    cancelled = erp_order(32, line(1, "CAF-1", "2", "8.196721"), status="Annullato")
    [undone] = provider.write_orders([OrderWrite(cancelled, created.shop_id, products)])
    before = len(sandbox.requests_made())
    [repeat] = provider.write_orders([OrderWrite(cancelled, created.shop_id, products)])

    assert undone.ok and repeat.ok
    assert sandbox.row("orders", shop_id)["current_state"] == "6"
    assert sandbox.stock(int(products[1])) == 20
    assert [m for m, _ in sandbox.requests_made()[before:]] == ["GET"]
    assert len(sandbox.rows("orders")) == 1


def test_prices_that_differ_from_osms_refuse_the_order_before_any_cart(
    sandbox, provider, products
):
    """OSM sold at another price: the order fails with both totals and the
    shop gets no cart and no Payment error order."""
    cheaper = erp_order(33, line(1, "CAF-1", "1", "7.00"))

    [outcome] = provider.write_orders([OrderWrite(cheaper, None, products)])

    assert outcome.error == (
        "the shop's prices give a total of 10.00, OSM's order totals 8.54: align "
        "the prices (or the discounts) in OSM and the shop, then the order goes out"
    )
    assert sandbox.rows("carts") == []
    assert sandbox.rows("orders") == []


def test_what_a_cart_cannot_hold_fails_that_order_alone(sandbox, provider, products):
    """A shipping line or a fractional quantity fails its order with the
    reason; a customer without e-mail too; the good order lands."""
    shipping = ErpOrderLine(None, "", "Spese di spedizione", Decimal("1"),
                            Decimal("5"), Decimal("5"), Decimal("22"))  # fmt: skip
    nameless = Customer(email="", last_name="Rossi", erp_id=8)
    outcomes = provider.write_orders(
        [
            OrderWrite(erp_order(34, line(2, "TAZ-1", "1", "3.5"), shipping), None,
                       products),
            OrderWrite(erp_order(35, line(2, "TAZ-1", "1.5", "3.5")), None, products),
            OrderWrite(erp_order(36, line(2, "TAZ-1", "1", "3.5"), customer=nameless),
                       None, products),
            OrderWrite(erp_order(37, line(2, "TAZ-1", "2", "3.5")), None, products),
        ]
    )  # fmt: skip

    assert [o.error for o in outcomes[:3]] == [
        "line 'Spese di spedizione' has no article: a PrestaShop order holds only "
        "products (shipping goes with the carrier)",
        "line TAZ-1: quantity 1.5 is not whole, and a PrestaShop cart takes whole "
        "quantities",
        "the customer has no e-mail, which a PrestaShop account needs; add one in "
        "OSM to export it",
    ]
    assert outcomes[3].ok
    assert [o["id"] for o in sandbox.rows("orders")] == [int(outcomes[3].shop_id)]


def test_a_lost_create_is_found_by_the_mark_in_its_note(sandbox, provider, products):
    """find_orders returns the shop ids of the orders marked with OSM ids."""
    before = datetime.now(UTC) - timedelta(minutes=5)
    outcomes = provider.write_orders(
        [
            OrderWrite(
                erp_order(40, line(1, "CAF-1", "1", "8.196721")), None, products
            ),
            OrderWrite(erp_order(41, line(2, "TAZ-1", "1", "3.5")), None, products),
        ]
    )

    found = provider.find_orders(["41", "99"], before)

    assert found == {"41": outcomes[1].shop_id}
