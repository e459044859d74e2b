"""Order import against a sandbox: orders placed through its API, read back."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal

from osmsyncd_prestashop.provider import PrestaShopProvider
from ps_support import api
from ps_support import make_article
from ps_support import settings_for

from osmsyncd.provider import ProductWrite
from osmsyncd.records import OrderStock

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)

CUSTOMER = """<prestashop><customer><firstname>Giulia</firstname>
<lastname>Bianchi</lastname><email>Giulia.Bianchi@example.com</email>
<passwd>Password-Prova-2025</passwd><id_default_group>3</id_default_group>
<active>1</active><is_guest>0</is_guest></customer></prestashop>"""

ADDRESS = """<prestashop><address><id_customer>{customer}</id_customer>
<id_country>10</id_country><id_state>211</id_state><alias>Casa</alias>
<company>Bianchi Srl</company><lastname>Bianchi</lastname><firstname>Giulia</firstname>
<vat_number>IT01234567897</vat_number><dni>BNCGLI80A41H501X</dni>
<address1>Via Garibaldi 12</address1><postcode>00153</postcode><city>Roma</city>
<phone>+39 06 7654321</phone></address></prestashop>"""


def _products(provider, *specs):
    """Export articles (code, net price, stock) and return their shop ids."""
    writes = [
        ProductWrite(make_article(n, code=code, name=f"Prodotto {code}", price=price,
                                  quantity=stock))
        for n, (code, price, stock) in enumerate(specs, 1)
    ]  # fmt: skip
    return [int(outcome.shop_id) for outcome in provider.write_products(writes)]


def _customer(shop):
    customer = api(shop, "POST", "customers", CUSTOMER).json()["customer"]["id"]
    address = api(shop, "POST", "addresses", ADDRESS.format(customer=customer))
    return int(customer), int(address.json()["address"]["id"])


def place_order(shop, lines, *, prices, paid=None):
    """An order made as a payment module would: cart, then order at its total."""
    customer, address = _customer(shop) if not hasattr(shop, "_buyer") else shop._buyer
    shop._buyer = (customer, address)
    rows = "".join(
        f"<cart_row><id_product>{p}</id_product><id_product_attribute>0"
        f"</id_product_attribute><quantity>{q}</quantity></cart_row>"
        for p, q in lines
    )
    cart = api(
        shop,
        "POST",
        "carts",
        f"<prestashop><cart><id_currency>1</id_currency><id_lang>1</id_lang>"
        f"<id_customer>{customer}</id_customer><id_address_delivery>{address}"
        f"</id_address_delivery><id_address_invoice>{address}</id_address_invoice>"
        f"<id_carrier>1</id_carrier><associations><cart_rows>{rows}</cart_rows>"
        "</associations></cart></prestashop>",
    ).json()["cart"]["id"]
    net = sum((prices[p] * q for p, q in lines), Decimal(0))
    total = (net * Decimal("1.22")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    order = api(
        shop,
        "POST",
        "orders",
        f"<prestashop><order><id_address_delivery>{address}</id_address_delivery>"
        f"<id_address_invoice>{address}</id_address_invoice><id_cart>{cart}</id_cart>"
        f"<id_currency>1</id_currency><id_lang>1</id_lang>"
        f"<id_customer>{customer}</id_customer><id_carrier>1</id_carrier>"
        "<module>ps_checkpayment</module><payment>Pagamento con assegno</payment>"
        f"<total_paid>{paid if paid is not None else total}</total_paid>"
        f"<total_paid_real>{total}</total_paid_real><total_products>{net}</total_products>"
        f"<total_products_wt>{total}</total_products_wt>"
        "<conversion_rate>1</conversion_rate></order></prestashop>",
    )
    assert order.status_code == 201, order.text
    return int(order.json()["order"]["id"])


def _read(provider, cursor=None, since=LONG_AGO):
    orders, last = [], cursor
    for page in provider.changed_orders(cursor, since):
        orders.extend(page.records)
        last = page.cursor
    return orders, last


def test_an_order_is_read_back_with_exact_amounts(provider, sandbox):
    """A valid order comes back with its lines, customer and exact Decimal totals."""
    hammer, drill = _products(
        provider,
        ("OSM-MRT-004", Decimal("12.90"), 10),
        ("OSM-TRP-001", Decimal("99.90"), 25),
    )
    order_id = place_order(
        sandbox,
        [(hammer, 2), (drill, 1)],
        prices={hammer: Decimal("12.90"), drill: Decimal("99.90")},
    )
    [order], _ = _read(provider)

    assert order.shop_id == str(order_id)
    assert re.fullmatch(r"[A-Z]{9}", order.number)
    assert (order.status, order.stock) == ("11", OrderStock.SOLD)
    assert order.total == Decimal("153.35")
    assert (order.shipping_total, order.shipping_tax) == (Decimal(0), Decimal(0))
    assert order.shipping_name == "Click and collect"
    assert (order.payment_method, order.currency) == ("Pagamento con assegno", "EUR")
    first, second = order.lines
    assert (first.sku, first.name, first.quantity) == (
        "OSM-MRT-004", "Prodotto OSM-MRT-004", Decimal(2),
    )  # fmt: skip
    assert (first.total, first.total_tax) == (Decimal("25.80"), Decimal("5.68"))
    assert (second.total, second.total_tax) == (Decimal("99.90"), Decimal("21.98"))
    assert first.product_shop_id == str(hammer)
    assert first.vat_rate == Decimal("22.02")
    customer = order.customer
    assert (customer.email, customer.first_name, customer.last_name) == (
        "Giulia.Bianchi@example.com", "Giulia", "Bianchi",
    )  # fmt: skip
    assert (customer.vat_number, customer.fiscal_code) == (
        "IT01234567897",
        "BNCGLI80A41H501X",
    )
    assert customer.address.province == "RM" and customer.address.country == "IT"
    assert order.shipping_address.street == "Via Garibaldi 12"
    assert order.placed_at.tzinfo is not None
    assert sandbox.stock(hammer) == 8 and sandbox.stock(drill) == 24


def test_a_cancelled_order_is_restocked(provider, sandbox):
    """Cancelling a valid order reaches OSM as RESTOCKED through its date_upd."""
    [hammer] = _products(provider, ("OSM-MRT-004", Decimal("12.90"), 10))
    order_id = place_order(sandbox, [(hammer, 2)], prices={hammer: Decimal("12.90")})
    [first], cursor = _read(provider)
    assert first.stock is OrderStock.SOLD

    history = api(
        sandbox,
        "POST",
        "order_histories",
        f"<prestashop><order_history><id_order>{order_id}</id_order>"
        "<id_order_state>6</id_order_state></order_history></prestashop>",
    )
    assert history.status_code == 201
    again, _ = _read(provider, cursor)
    assert [(o.shop_id, o.status, o.stock) for o in again] == [
        (str(order_id), "6", OrderStock.RESTOCKED)
    ]
    assert sandbox.stock(hammer) == 10


def test_a_payment_error_order_moved_nothing(provider, sandbox):
    """An order whose total did not match lands in Payment error: stock NONE."""
    [hammer] = _products(provider, ("OSM-MRT-004", Decimal("12.90"), 10))
    place_order(sandbox, [(hammer, 1)], prices={hammer: Decimal("12.90")}, paid="1.00")
    [order], _ = _read(provider)
    assert (order.status, order.stock) == ("8", OrderStock.NONE)
    assert sandbox.stock(hammer) == 10


def test_a_line_of_a_deleted_product_keeps_its_reference_and_name(provider, sandbox):
    """BR-22: a product deleted after the sale still gives its line as ordered."""
    hammer, drill = _products(
        provider, ("OLD-412", Decimal("5.00"), 10), ("PMP-500", Decimal("20.00"), 10)
    )
    place_order(
        sandbox,
        [(hammer, 3), (drill, 1)],
        prices={hammer: Decimal("5.00"), drill: Decimal("20.00")},
    )
    assert api(sandbox, "DELETE", f"products/{hammer}").status_code == 200
    [order], _ = _read(provider)
    gone = order.lines[0]
    assert (gone.sku, gone.name, gone.quantity) == (
        "OLD-412",
        "Prodotto OLD-412",
        Decimal(3),
    )
    assert (gone.total, gone.total_tax) == (Decimal("15.00"), Decimal("3.30"))
    assert order.total == Decimal("42.70")


def test_orders_placed_before_the_start_are_left_out(provider, sandbox):
    """Orders older than placed_since are skipped; new ones arrive by their id."""
    [hammer] = _products(provider, ("OSM-MRT-004", Decimal("12.90"), 50))
    now = [datetime(2026, 12, 4, 10, 0, 0)]
    sandbox.set_clock(lambda: now[0])
    old = place_order(sandbox, [(hammer, 1)], prices={hammer: Decimal("12.90")})
    now[0] += timedelta(hours=2)
    new = place_order(sandbox, [(hammer, 1)], prices={hammer: Decimal("12.90")})
    # 11:00 in Rome is 10:00 UTC in December.
    start = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    orders, cursor = _read(provider, since=start)
    assert [o.shop_id for o in orders] == [str(new)]
    assert str(old) not in {o.shop_id for o in orders}

    now[0] += timedelta(hours=1)
    newer = place_order(sandbox, [(hammer, 1)], prices={hammer: Decimal("12.90")})
    later, _ = _read(provider, cursor, since=start)
    # The changed-orders pass overlaps the watermark by five minutes, so the
    # order that set it comes again; the engine absorbs the repeat.
    assert [o.shop_id for o in later] == [str(newer), str(new)]


def test_request_count_of_an_order_import(sandbox):
    """Importing M orders in one page costs a fixed number of reads, no writes."""
    seller = PrestaShopProvider(settings_for(sandbox), threading.Event())
    [hammer] = _products(seller, ("OSM-MRT-004", Decimal("12.90"), 50))
    seller.close()
    for _ in range(3):
        place_order(sandbox, [(hammer, 1)], prices={hammer: Decimal("12.90")})

    reader = PrestaShopProvider(settings_for(sandbox), threading.Event())
    try:
        reader.facts()
        before = Counter(reader.requests)
        orders, _ = _read(reader)
        assert len(orders) == 3
        spent = reader.requests - before
    finally:
        reader.close()
    # order states, first id, 1 page of orders, lines, customers, addresses,
    # countries, provinces, carriers, currencies.
    assert dict(spent) == {"GET": 10}


def test_finding_no_new_order_reads_the_time_zone_and_nothing_else(sandbox):
    """A cycle's check that finds no new order asks for the shop's settings
    once and the orders once; languages, taxes and order states wait for an
    order to arrive."""
    since = datetime.now(UTC) - timedelta(days=1)
    first = PrestaShopProvider(settings_for(sandbox), threading.Event())
    try:
        _, cursor = _read(first, since=since)
    finally:
        first.close()
    before = len(sandbox.requests_made())

    again = PrestaShopProvider(settings_for(sandbox), threading.Event())
    try:
        orders, _ = _read(again, cursor, since=since)
    finally:
        again.close()
    asked = [p.rsplit("/", 1)[-1] for _, p in sandbox.requests_made()[before:]]

    assert orders == []
    assert sorted(asked) == ["configurations", "orders"]
