"""Payloads and records: slugs, prices, statuses and recorded orders."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from osmsyncd_woocommerce.mapping import ShopFacts
from osmsyncd_woocommerce.mapping import image_url
from osmsyncd_woocommerce.mapping import order_stock
from osmsyncd_woocommerce.mapping import product_payload
from osmsyncd_woocommerce.mapping import shop_order
from osmsyncd_woocommerce.mapping import slugify
from wc_recordings import FIXTURES

from osmsyncd.config import ConnectionSettings
from osmsyncd.provider import Visibility
from osmsyncd.records import Article
from osmsyncd.records import OrderStock

SETTINGS = ConnectionSettings(
    name="shop", provider="woocommerce", url="http://127.0.0.1", token="ck_a:cs_b"
)


@pytest.mark.parametrize(
    ("title", "code", "slug"),
    [
        (
            "Condensatore 10µF – 50V (conf. 2²)",
            "CND-10U",
            "condensatore-10uf-50v-conf-22",
        ),
        ("condensatore.10uf", "CND-10U", "condensatore-10uf"),
        ("———", "GR-001", "gr-001"),
        ("Caffè & Tè Miscela Perù ☕", "X", "caffe-te-miscela-peru"),
        ("Lampada d’ottone «Età dell’oro»", "X", "lampada-d-ottone-eta-dell-oro"),
    ],
)
def test_slugs_are_ascii_and_stable(title, code, slug):
    """BR-02: slugs are ASCII, lowercase, single dashes, with the code as fallback."""
    assert slugify(title, fallback=code) == slug
    assert slugify(title, fallback=code) == slugify(title, fallback=code)


def test_long_names_give_slugs_of_at_most_190_characters():
    """BR-03: a long Italian name keeps its name but its slug is cut at a dash."""
    name = (
        "Kit completo di manutenzione per caldaia murale a condensazione da 24 kW "
        "con guarnizioni, filtri, elettrodi di accensione e rilevazione, sifone e "
        "istruzioni in più lingue (ediz. 2024) e accessori"
    )
    slug = slugify(name)
    assert len(slug) <= 190
    assert not slug.endswith("-")
    assert name.replace(" ", "-").lower().startswith(slug[:20])


def test_image_urls_are_percent_encoded_without_query():
    """BR-17: the image URL is encoded and ends with the file's extension."""
    url = image_url("https://files.example/osm/", "Lampada Ø 30 più.jpg")
    assert (
        url == "https://files.example/osm/articoli/Lampada%20%C3%98%2030%20pi%C3%B9.jpg"
    )


def test_payload_holds_only_owned_fields_and_string_prices():
    """BR-09/BR-24: only managed fields; prices are 2-decimal strings, stock an int."""
    article = Article(
        erp_id=1,
        code="A2",
        name="Orzo",
        quantity=7,
        price=Decimal("8.196721"),
        price_gross=Decimal("10.00"),
    )
    payload, warnings = product_payload(
        article,
        visibility=Visibility.KEEP,
        category_ids=[],
        settings=SETTINGS,
        facts=ShopFacts(prices_include_tax=True),
        creating=False,
    )
    assert warnings == []
    assert payload["regular_price"] == "10.00"
    assert payload["stock_quantity"] == 7 and payload["manage_stock"] is True
    assert set(payload) == {
        "name",
        "sku",
        "slug",
        "description",
        "short_description",
        "regular_price",
        "tax_class",
        "manage_stock",
        "stock_quantity",
        "meta_data",
    }


def test_barcode_with_letters_is_not_sent_to_the_gtin_field():
    """A GTIN the shop would mangle (ABC-123 → -123) is kept out, with a warning."""
    article = Article(erp_id=1, code="A", name="A", barcode="ABC-123")
    payload, warnings = product_payload(
        article,
        visibility=Visibility.KEEP,
        category_ids=[],
        settings=SETTINGS,
        facts=ShopFacts(),
        creating=True,
    )
    assert "global_unique_id" not in payload
    assert "ABC-123" in warnings[0]


@pytest.mark.parametrize(
    ("status", "stock"),
    [
        ("pending", OrderStock.NONE),
        ("failed", OrderStock.NONE),
        ("checkout-draft", OrderStock.NONE),
        ("processing", OrderStock.SOLD),
        ("on-hold", OrderStock.SOLD),
        ("completed", OrderStock.SOLD),
        ("cancelled", OrderStock.RESTOCKED),
        ("refunded", OrderStock.RESTOCKED),
    ],
)
def test_order_status_tells_what_the_shop_did_to_stock(status, stock):
    """Processing, on-hold and completed sold; cancelled and refunded gave back."""
    assert order_stock(status) is stock


def test_recorded_order_maps_to_exact_decimals():
    """The recorded order 29 maps to Decimals from total/total_tax, not price."""
    exchanges = json.loads((FIXTURES / "13_orders_create_stock.json").read_text())
    order = shop_order(exchanges[1]["response_json"], SETTINGS)
    assert order.total == Decimal("83.82")
    assert order.shipping_total == Decimal("7.00")
    assert order.shipping_name == "Corriere espresso"
    assert order.lines[0].name == "Caffè & Tè Miscela Perù ☕"
    assert (order.lines[0].total, order.lines[0].total_tax) == (
        Decimal("23.80"),
        Decimal("5.24"),
    )
    assert order.lines[0].vat_rate == Decimal("22.02")
    assert order.note == "Consegna al piano terra, citofono «Rossi» & figli."
    deleted = json.loads((FIXTURES / "15_order_deleted_product.json").read_text())
    line = shop_order(deleted[5]["response_json"], SETTINGS).lines[0]
    assert (line.product_shop_id, line.sku) == (None, "")
