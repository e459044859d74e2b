"""OSM on MariaDB → `osmsyncd sync` → the WooCommerce sandbox, and back."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from osmsyncd_woocommerce.sandbox import Sandbox
from osmsyncd_woocommerce.sandbox.shopper import Shopper

from osmsyncd.demo.shops import serve_folder
from tests.e2e.catalogue import EXPORTED
from tests.e2e.catalogue import HIDDEN
from tests.e2e.catalogue import by_code
from tests.e2e.catalogue import published_quantity
from tests.e2e.conftest import run_cli
from tests.e2e.conftest import sync_json
from tests.e2e.conftest import write_config
from tests.e2e.conftest import writes
from tests.e2e.test_prestashop import _movements
from tests.e2e.test_prestashop import _osm_order
from tests.e2e.test_prestashop import _stock

pytestmark = pytest.mark.mysql


@pytest.fixture
def shop():
    with Sandbox(seed=5) as sandbox:
        yield sandbox


@pytest.fixture
def images_url(osm):
    server = serve_folder(osm.files_dir)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def products_by_sku(shop):
    return {p["sku"]: p for p in shop.admin_products()}


def test_catalogue_goes_out_exactly_and_a_sale_comes_back_once(
    osm, shop, images_url, tmp_path
):
    """25 OSM articles land as the right products; an order placed through the
    REST API lands in OSM with its stock movements; second runs write nothing."""
    config = write_config(
        tmp_path, osm, "woocommerce", shop.url, shop.token, images_url=images_url
    )

    first = sync_json(config, "articles", "--export")

    assert (first["created"], first["failed"], first["error"]) == (
        len(EXPORTED),
        0,
        None,
    )
    products = products_by_sku(shop)
    assert sorted(products) == sorted(EXPORTED)
    for code, product in products.items():
        article = by_code(code)
        assert unescape(product["name"]) == article.name
        assert product["regular_price"] == f"{article.price:.2f}"
        assert product["manage_stock"] is True
        assert product["stock_quantity"] == published_quantity(article)
        assert product["status"] == ("private" if code in HIDDEN else "publish")
        assert product["global_unique_id"] == (
            article.barcodes[0] if article.barcodes else ""
        )
        assert len(product["images"]) == 1
        assert product["slug"].isascii()

    # The shop escapes names itself; osmsyncd sends them as OSM has them.
    assert products["E2E-002"]["name"] == "Caffè &amp; Tè Miscela ☕"
    # WooCommerce takes the characters PrestaShop refuses: nothing is cut.
    assert products["E2E-004"]["name"] == 'Raccordo <3/4"> ; filetto=M #2 {inox}'
    assert products["E2E-005"]["slug"] == "moka-tre-tazze"
    assert "<strong>100% arabica</strong>" in products["E2E-002"]["short_description"]
    assert [c["name"] for c in products["E2E-005"]["categories"]] == ["Moka"]
    assert [c["name"] for c in products["E2E-003"]["categories"]] == ["Tè &amp; tisane"]

    second = sync_json(config, "articles", "--export")
    assert (second["created"], second["updated"], second["hidden"]) == (0, 0, 0)
    assert writes(second) == 0

    shopper = Shopper(shop.url, shop.token)
    order = shopper.place_order(
        [(products["E2E-001"]["id"], 2), (products["E2E-007"]["id"], 1)],
        shipping="4.92",
    )
    shopper.close()
    assert order["status"] == "processing"
    before = {code: _stock(osm, code) for code in ("E2E-001", "E2E-007", "E2E-002")}

    imported = sync_json(config, "orders", "--import")

    assert (imported["created"], imported["failed"]) == (1, 0)
    assert _stock(osm, "E2E-001") == before["E2E-001"] - 2
    assert _stock(osm, "E2E-007") == before["E2E-007"] - 1
    assert _stock(osm, "E2E-002") == before["E2E-002"]
    header, lines = _osm_order(osm, order["number"])
    total = sum((line.subtotale + line.iva for line in lines), Decimal(0))
    assert total.quantize(Decimal("0.01")) == Decimal(order["total"])
    assert len(lines) == 3  # two articles and the shipping line
    assert sorted(_movements(osm, order["number"])) == [Decimal("-2"), Decimal("-1")]

    again = sync_json(config, "orders", "--import")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)

    after_sale = sync_json(config, "articles", "--export")
    assert writes(after_sale) == 0
    assert products_by_sku(shop)["E2E-001"]["stock_quantity"] == int(
        _stock(osm, "E2E-001")
    )

    shopper = Shopper(shop.url, shop.token)
    shopper.set_status(order["id"], "cancelled")
    shopper.close()
    cancelled = sync_json(config, "orders", "--import")
    assert cancelled["updated"] == 1
    assert _stock(osm, "E2E-001") == before["E2E-001"]
    assert _stock(osm, "E2E-007") == before["E2E-007"]


def test_check_names_a_stripped_authorization_header(osm, tmp_path):
    """Over HTTPS a host that drops the header is named, with the fix."""
    with Sandbox(seed=3, https=True, faults=["strip-auth"]) as shop:
        config = write_config(
            tmp_path, osm, "woocommerce", shop.url, shop.token, verify_tls=False
        )
        done = run_cli(config, "check")

    assert "Authorization" in done.stdout
    assert 'auth = "query"' in done.stdout or "HTTP_AUTHORIZATION" in done.stdout
    assert shop.token.split(":")[1] not in done.stdout + done.stderr
