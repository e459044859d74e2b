"""The WooCommerce provider against a real sandbox shop over loopback."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from osmsyncd_woocommerce.products import DownloadPace
from wc_recordings import Shop
from wc_recordings import png

from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Visibility
from osmsyncd.records import Address
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import Image
from osmsyncd.records import OrderStock

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def article(erp_id: int = 1, code: str = "A1", **changes) -> Article:
    base = Article(
        erp_id=erp_id,
        code=code,
        name="Caffè & Tè «Perù»",
        description="<p>Miscela arabica</p>",
        short_description="Moka",
        barcode="2001234567893",
        quantity=7,
        purchase_price=Decimal("6.8"),
        price=Decimal("10.00"),
        price_gross=Decimal("12.20"),
        vat_rate=Decimal("22"),
    )
    return replace(base, **changes)


def image_file(folder: Path, name: str, width: int = 20) -> Image:
    path = folder / name
    data = png(width, 10)
    path.write_bytes(data)
    return Image(path=path, sha256=hashlib.sha256(data).hexdigest(), name=name)


def product_requests(shop) -> list[tuple[str, str]]:
    return [r for r in shop.admin_requests() if "/products" in r[1]]


def test_first_export_writes_exact_fields(https_shop, make_provider, tmp_path):
    """A first export creates products with exactly the values osmsyncd owns."""
    provider = make_provider(
        https_shop,
        media_user=https_shop.media_user,
        media_password=https_shop.media_password,
    )
    paths = provider.ensure_categories([("Caffè & Tè", "Miscele")], {})
    cover = image_file(tmp_path, "caffè moka.png")
    writes = [
        ProductWrite(
            article(images=(cover,)),
            visibility=Visibility.SHOW,
            category_ids=[paths[("Caffè & Tè", "Miscele")]],
        ),
        ProductWrite(article(2, "A2", name="Moka 3 tazze", barcode="", quantity=0)),
    ]

    outcomes = provider.write_products(writes)

    assert [o.ok for o in outcomes] == [True, True]
    first = https_shop.admin_product("A1")
    assert first is not None
    assert first["name"] == "Caffè &amp; Tè «Perù»"
    assert first["slug"] == "caffe-te-peru"
    assert first["regular_price"] == "10.00"
    assert first["manage_stock"] is True
    assert first["stock_quantity"] == 7
    assert first["status"] == "publish"
    assert first["tax_class"] == ""
    assert first["global_unique_id"] == "2001234567893"
    assert [c["name"] for c in first["categories"]] == ["Miscele"]
    assert {"key": "_osmsyncd_purchase_price", "value": "6.80"} in [
        {"key": m["key"], "value": m["value"]} for m in first["meta_data"]
    ]
    assert [i["id"] for i in first["images"]] == [int(outcomes[0].images[cover.sha256])]
    second = https_shop.admin_product("A2")
    assert second is not None
    assert (second["stock_quantity"], second["stock_status"]) == (0, "outofstock")
    assert outcomes[0].shop_id == str(first["id"])


def test_unchanged_write_sends_one_batch_and_no_image(
    https_shop, make_provider, tmp_path
):
    """Writing unchanged data again sends no image and changes no value."""
    provider = make_provider(
        https_shop,
        media_user=https_shop.media_user,
        media_password=https_shop.media_password,
    )
    cover = image_file(tmp_path, "vaso.png")
    first = provider.write_products([ProductWrite(article(images=(cover,)))])[0]
    before = https_shop.admin_product("A1")
    sent = len(https_shop.requests)

    again = provider.write_products(
        [
            ProductWrite(
                article(images=(cover,)), shop_id=first.shop_id, images=first.images
            )
        ]
    )[0]

    assert again.ok and again.shop_id == first.shop_id
    assert again.images == first.images
    assert https_shop.admin_media_count() == 1
    assert https_shop.requests[sent:] == [
        ("POST", "/wp-json/wc/v3/products/batch", 200)
    ]
    after = https_shop.admin_product("A1")
    assert after is not None and before is not None
    assert after["images"] == before["images"]
    assert after["regular_price"] == before["regular_price"]


def test_images_uploaded_once_then_referred_by_id(https_shop, make_provider, tmp_path):
    """BR-16: an image goes up once; a changed image goes up once and replaces it."""
    provider = make_provider(
        https_shop,
        media_user=https_shop.media_user,
        media_password=https_shop.media_password,
    )
    old = image_file(tmp_path, "pompa.png", width=20)
    run1 = provider.write_products([ProductWrite(article(images=(old,)))])[0]
    run2 = provider.write_products(
        [
            ProductWrite(
                article(images=(old,), price=Decimal("11.00")),
                shop_id=run1.shop_id,
                images=run1.images,
            )
        ]
    )[0]
    assert https_shop.admin_media_count() == 1
    assert run2.images == run1.images

    new = image_file(tmp_path, "pompa2.png", width=30)
    run3 = provider.write_products(
        [ProductWrite(article(images=(new,)), shop_id=run1.shop_id, images=run2.images)]
    )[0]

    assert https_shop.admin_media_count() == 2
    assert list(run3.images) == [new.sha256]
    product = https_shop.admin_product("A1")
    assert product is not None
    assert [i["id"] for i in product["images"]] == [int(run3.images[new.sha256])]


def test_unfetchable_image_still_creates_the_product(http_shop, make_provider, files):
    """BR-17: an image the shop cannot download leaves the product without images."""
    provider = make_provider(http_shop, images_url=files.url)
    missing = Image(path=Path("/nowhere/Lampada Ø 30 più.jpg"), sha256="f" * 64)

    outcome = provider.write_products([ProductWrite(article(images=(missing,)))])[0]

    assert outcome.ok
    assert outcome.images == {}
    assert any("images not accepted" in warning for warning in outcome.warnings)
    product = http_shop.admin_product("A1")
    assert product is not None
    assert product["images"] == []
    assert product["regular_price"] == "10.00"


def test_images_url_sends_an_encoded_src_once(
    http_shop, make_provider, files, tmp_path
):
    """With images_url the shop downloads /articoli/<encoded name>; the id is kept."""
    image = image_file(tmp_path / "articoli", "vaso blu.png")
    provider = make_provider(http_shop, images_url=files.url)

    outcome = provider.write_products([ProductWrite(article(images=(image,)))])[0]

    product = http_shop.admin_product("A1")
    assert product is not None
    assert [str(i["id"]) for i in product["images"]] == [outcome.images[image.sha256]]
    assert product["images"][0]["src"].endswith("/vaso-blu.png")


def test_images_by_url_go_ten_a_batch_then_more_while_the_shop_is_quick(
    http_shop, make_provider, files, tmp_path
):
    """A batch the shop downloads images for starts at 10 products and
    doubles after each full one answered within a quarter of the timeout."""
    folder = tmp_path / "articoli"
    provider = make_provider(http_shop, images_url=files.url, timeout=30)
    writes = [
        ProductWrite(
            article(n, f"P{n}", barcode="", images=(image_file(folder, f"p{n}.png"),))
        )
        for n in range(1, 76)
    ]

    outcomes = provider.write_products(writes)

    assert all(o.ok and len(o.images) == 1 for o in outcomes)
    batches = [r for r in http_shop.admin_requests() if r[1].endswith("/batch")]
    assert len(batches) == 4  # 10, 20, 40, then the last 5
    assert len(http_shop.admin_products()) == 75


def test_download_pace_halves_after_a_timeout_and_grows_only_when_quick():
    """The shared batch size for images by URL follows the shop's answers."""
    pace = DownloadPace(timeout=30)

    pace.answered(10, 9.0)
    slow = pace.size
    pace.answered(10, 2.0)
    grown = pace.size
    pace.answered(5, 0.1)
    partial = pace.size
    pace.timed_out(20)

    assert (slow, grown, partial, pace.size) == (10, 20, 20, 10)


def test_sku_lookups_carry_a_page_of_skus_in_a_short_url(http_shop, make_provider):
    """250 short SKUs are looked up 100 a request, live then trash; 100 long
    ones in requests whose SKU list stays within 2,000 characters."""
    provider = make_provider(http_shop)
    short = [f"S{n}" for n in range(250)]
    long = [f"{n:03d}" + "x" * 57 for n in range(100)]

    assert provider.find_products(short) == {}
    first = [
        r for r in http_shop.admin_requests() if r == ("GET", "/wp-json/wc/v3/products")
    ]
    assert provider.find_products(long) == {}
    second = [
        r for r in http_shop.admin_requests() if r == ("GET", "/wp-json/wc/v3/products")
    ]

    assert len(first) == 6
    assert len(second) - len(first) == 2 * 4  # 31, 31, 31 and 7 a status


def test_trashed_sku_is_adopted_and_restored(http_shop, make_provider):
    """BR-07: a SKU held by a trashed product is adopted, restored, not duplicated."""
    shop = Shop(http_shop.url, http_shop.token)
    old = shop.call(
        "POST",
        "/wp-json/wc/v3/products",
        body={"name": "Cavo", "sku": "CAV-3X15", "regular_price": "3.00"},
    ).json()
    http_shop.admin_trash_product(old["id"])
    provider = make_provider(http_shop)

    assert provider.find_products(["cav-3x15"]) == {"cav-3x15": str(old["id"])}
    outcome = provider.write_products([ProductWrite(article(code="CAV-3X15"))])[0]

    assert outcome.ok and outcome.adopted
    assert outcome.shop_id == str(old["id"])
    holders = [p for p in http_shop.admin_products() if p["sku"] == "CAV-3X15"]
    assert [(p["id"], p["status"]) for p in holders] == [(old["id"], "publish")]


def test_live_sku_owner_is_adopted_from_resource_id(http_shop, make_provider):
    """A create refused with product_invalid_sku updates the owner instead."""
    shop = Shop(http_shop.url, http_shop.token)
    owner = shop.call(
        "POST",
        "/wp-json/wc/v3/products",
        body={"name": "A mano", "sku": "A1", "regular_price": "1.00"},
    ).json()
    provider = make_provider(http_shop)

    outcome = provider.write_products([ProductWrite(article())])[0]

    assert outcome.adopted and outcome.shop_id == str(owner["id"])
    assert len(http_shop.admin_products()) == 1
    assert http_shop.admin_product("A1")["regular_price"] == "10.00"  # type: ignore[index]


def test_lost_create_is_adopted_after_500(http_shop, make_provider):
    """A batch answered 500 after it was applied is recovered by SKU, not doubled."""
    provider = make_provider(http_shop)
    http_shop.faults.force("500-after-write")

    outcome = provider.write_products([ProductWrite(article())])[0]

    assert outcome.ok and outcome.adopted
    assert len(http_shop.admin_products()) == 1
    assert outcome.shop_id == str(http_shop.admin_products()[0]["id"])


@pytest.mark.parametrize(("inclusive", "expected"), [(False, "10.00"), (True, "12.20")])
def test_prices_are_strings_per_tax_mode(http_shop, make_provider, inclusive, expected):
    """BR-24: net 10.00 is "10.00" in an exclusive shop, "12.20" in an inclusive one."""
    http_shop.admin_set_prices_include_tax(inclusive)
    provider = make_provider(http_shop)

    provider.write_products([ProductWrite(article())])

    product = http_shop.admin_product("A1")
    assert product is not None
    assert product["regular_price"] == expected


def test_visibility_hide_uses_private_status_and_keep_leaves_it(
    http_shop, make_provider
):
    """HIDE makes the product private; KEEP sends no status; SHOW publishes."""
    provider = make_provider(http_shop)
    made = provider.write_products(
        [ProductWrite(article(), visibility=Visibility.HIDE)]
    )
    shop_id = made[0].shop_id
    assert http_shop.admin_product("A1")["status"] == "private"  # type: ignore[index]

    provider.write_products([ProductWrite(article(quantity=3), shop_id=shop_id)])
    product = http_shop.admin_product("A1")
    assert product is not None
    assert (product["status"], product["stock_quantity"]) == ("private", 3)

    provider.write_products(
        [ProductWrite(article(), shop_id=shop_id, visibility=Visibility.SHOW)]
    )
    assert http_shop.admin_product("A1")["status"] == "publish"  # type: ignore[index]


def _product(shop: Shop, sku: str, price: str, stock: int = 10) -> int:
    body = {
        "name": f"Prodotto {sku}",
        "sku": sku,
        "regular_price": price,
        "manage_stock": True,
        "stock_quantity": stock,
    }
    return int(shop.call("POST", "/wp-json/wc/v3/products", body=body).json()["id"])


def test_order_read_back_with_exact_amounts(http_shop, make_provider):
    """An order placed through the API comes back with exact Decimal totals."""
    shop = Shop(http_shop.url, http_shop.token)
    coffee = _product(shop, "OSM-CAF-001", "11.90")
    wallet = _product(shop, "OSM-SEED-002", "37.90")
    customer = shop.call(
        "POST",
        "/wp-json/wc/v3/customers",
        body={"email": "mario.rossi@example.com", "first_name": "Mario"},
    ).json()
    shop.call(
        "POST",
        "/wp-json/wc/v3/orders",
        body={
            "customer_id": customer["id"],
            "status": "processing",
            "payment_method": "bacs",
            "billing": {
                "first_name": "Mario",
                "last_name": "Rossi",
                "address_1": "Via Garibaldi 15",
                "city": "Bologna",
                "postcode": "40124",
                "state": "BO",
                "country": "IT",
                "email": "mario.rossi@example.com",
            },
            "line_items": [
                {"product_id": coffee, "quantity": 2},
                {"product_id": wallet, "quantity": 1},
            ],
            "shipping_lines": [
                {"method_id": "flat_rate", "method_title": "Corriere", "total": "7.00"}
            ],
            "fee_lines": [{"name": "Imballo", "total": "1.00"}],
        },
    )
    provider = make_provider(http_shop)

    pages = list(provider.changed_orders(None, LONG_AGO))

    orders = [o for page in pages for o in page.records]
    assert len(orders) == 1
    order = orders[0]
    assert order.status == "processing" and order.stock is OrderStock.SOLD
    assert order.total == Decimal("85.04")
    assert order.shipping_total == Decimal("7.00")
    assert order.shipping_tax == Decimal("1.54")
    assert [
        (line.sku, line.quantity, line.total, line.total_tax) for line in order.lines
    ] == [
        ("OSM-CAF-001", Decimal("2"), Decimal("23.80"), Decimal("5.24")),
        ("OSM-SEED-002", Decimal("1"), Decimal("37.90"), Decimal("8.34")),
    ]
    assert [(fee.name, fee.total, fee.total_tax) for fee in order.fees] == [
        ("Imballo", Decimal("1.00"), Decimal("0.22"))
    ]
    assert order.customer.shop_id == str(customer["id"])
    assert order.customer.email == "mario.rossi@example.com"
    assert pages[-1].cursor is not None


def test_guest_order_with_deleted_product(http_shop, make_provider):
    """BR-22/23: a guest's line whose product was deleted keeps name and amounts."""
    shop = Shop(http_shop.url, http_shop.token)
    gone = _product(shop, "OSM-DEL-001", "10.00")
    kept = _product(shop, "PMP-500", "20.00")
    http_shop.admin_create_order(
        {
            "status": "on-hold",
            "billing": {"email": "Giulia.Verdi@Example.com ", "country": "IT"},
            "line_items": [
                {"product_id": gone, "quantity": 2},
                {"product_id": kept, "quantity": 1},
            ],
        }
    )
    http_shop.admin_delete_product(gone)
    provider = make_provider(http_shop)

    order = next(iter(provider.changed_orders(None, LONG_AGO))).records[0]

    assert order.customer.shop_id is None
    assert order.customer.identity == "giulia.verdi@example.com"
    first, second = order.lines
    assert (first.product_shop_id, first.sku, first.name) == (
        None,
        "",
        "Prodotto OSM-DEL-001",
    )
    assert (first.total, first.total_tax) == (Decimal("20.00"), Decimal("4.40"))
    assert (second.product_shop_id, second.sku) == (str(kept), "PMP-500")


def test_refunded_quantities_and_statuses(http_shop, make_provider):
    """A restocking refund shows as refunded quantity; cancelled means restocked."""
    shop = Shop(http_shop.url, http_shop.token)
    board = _product(shop, "OSM-RFND-001", "25.00")
    order = http_shop.admin_create_order(
        {
            "status": "processing",
            "billing": {"email": "a@example.com", "country": "IT"},
            "line_items": [{"product_id": board, "quantity": 3}],
        }
    )
    http_shop.admin_refund(
        order["id"],
        {
            "api_refund": False,
            "line_items": [
                {
                    "id": order["line_items"][0]["id"],
                    "quantity": 1,
                    "refund_total": "25.00",
                    "refund_tax": [{"id": 1, "refund_total": "5.50"}],
                }
            ],
        },
    )
    second = http_shop.admin_create_order(
        {"status": "pending", "line_items": [{"product_id": board, "quantity": 1}]}
    )
    http_shop.admin_update_order(second["id"], {"status": "cancelled"})
    provider = make_provider(http_shop)

    orders = {
        o.shop_id: o for p in provider.changed_orders(None, LONG_AGO) for o in p.records
    }

    refunded = orders[str(order["id"])]
    assert refunded.lines[0].refunded_quantity == Decimal("1")
    assert refunded.stock is OrderStock.SOLD
    assert orders[str(second["id"])].stock is OrderStock.RESTOCKED


def test_order_scan_pages_neither_skip_nor_repeat(http_shop, make_provider):
    """Over 200 orders come back once each, in ⌈M/95⌉ list requests."""
    shop = Shop(http_shop.url, http_shop.token)
    item = _product(shop, "BULK", "1.00", stock=1000)
    for _ in range(230):
        http_shop.admin_create_order(
            {"status": "pending", "line_items": [{"product_id": item, "quantity": 1}]}
        )
    provider = make_provider(http_shop)

    pages = list(provider.changed_orders(None, LONG_AGO))

    ids = [o.shop_id for page in pages for o in page.records]
    assert len(ids) == 230 and len(set(ids)) == 230
    assert provider.requests["GET"] == 3
    cursors = [page.cursor for page in pages]
    assert cursors == sorted(cursors)


def test_order_cursor_sends_naive_utc_with_overlap(http_shop, make_provider):
    """A second scan asks for modified_after = cursor − 5 min, naive UTC, GMT flag."""
    provider = make_provider(http_shop)
    cursor = "2026-12-04T15:56:07+00:00"
    list(provider.changed_orders(cursor, LONG_AGO))
    assert http_shop.requests[-1][1] == "/wp-json/wc/v3/orders"
    params = http_shop.queries[-1]
    assert params["modified_after"] == "2026-12-04T15:51:07"
    assert params["dates_are_gmt"] == "true"
    assert params["orderby"] == "id" and params["order"] == "asc"


def test_429_is_retried_after_retry_after(http_shop, make_provider):
    """A 429 with Retry-After is waited out and the request sent again."""
    provider = make_provider(http_shop)
    http_shop.faults.force("429")

    assert provider.find_products(["NONE"]) == {}
    assert http_shop.faults.fired["429"] == 1
    assert provider.requests["GET"] == 3  # the refused one, then live and trash


def test_strip_auth_probe_names_the_header_and_the_fix(make_provider):
    """BR-13: with the header stripped auto falls back to query keys and says why."""
    from osmsyncd_woocommerce.sandbox import Sandbox

    with Sandbox(https=True, faults=["strip-auth"]) as sandbox:
        findings = make_provider(sandbox).probe()
        forced = make_provider(sandbox, auth="basic").probe()

    auth = next(f for f in findings if f.what == "authentication")
    assert auth.ok
    assert "Authorization header" in auth.detail
    assert 'SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1' in auth.fix
    failed = next(f for f in forced if f.what == "authentication")
    assert not failed.ok
    assert 'auth = "query"' in failed.fix


def test_probe_reports_version_permission_tax_and_images(http_shop, make_provider):
    """probe() names the version, write permission, tax mode and image route."""
    findings = {f.what: f for f in make_provider(http_shop).probe()}
    assert findings["WooCommerce version"].detail.startswith("10.0.2")
    assert findings["write permission"].ok
    assert "without tax" in findings["prices"].detail
    assert "articles sync without images" in findings["images"].detail

    read_only = http_shop.admin_add_key("read")
    denied = {f.what: f for f in make_provider(http_shop, token=read_only).probe()}
    assert not denied["write permission"].ok


def test_probe_fetches_one_image_through_images_url(
    http_shop, make_provider, files, tmp_path
):
    """With images_url probe() fetches one image from this host and reports it."""
    image_file(tmp_path / "articoli", "campione.png")
    provider = make_provider(http_shop, images_url=files.url)
    provider.sample_image = "campione.png"

    images = next(f for f in provider.probe() if f.what == "images")

    assert "answered 200" in images.detail
    assert "loopback" in images.detail
    assert not images.ok


def test_categories_created_parent_first_and_adopted(http_shop, make_provider):
    """Missing category paths are created parent first; existing ones adopted."""
    shop = Shop(http_shop.url, http_shop.token)
    existing = shop.call(
        "POST", "/wp-json/wc/v3/products/categories", body={"name": "Casa & Cucina"}
    ).json()
    provider = make_provider(http_shop)

    found = provider.ensure_categories(
        [("casa & cucina", "Tazze"), ("Pelletteria",)], {}
    )

    assert found[("casa & cucina", "Tazze")] != str(existing["id"])
    terms = shop.call("GET", "/wp-json/wc/v3/products/categories").json()
    by_id = {str(t["id"]): t for t in terms}
    child = by_id[found[("casa & cucina", "Tazze")]]
    assert child["parent"] == existing["id"]
    assert by_id[found[("Pelletteria",)]]["parent"] == 0
    assert len(terms) == 4  # Uncategorized, Casa & Cucina, Tazze, Pelletteria


def test_missing_categories_go_in_one_batch_per_level(http_shop, make_provider):
    """Five missing paths over two levels are two batch requests; a name the
    same batch already created under that parent is the same category."""
    provider = make_provider(http_shop)

    found = provider.ensure_categories(
        [
            ("Casa", "Tazze"),
            ("Casa", "Vasi"),
            ("Ufficio", "Penne"),
            ("ufficio",),
        ],
        {},
    )

    writes = [r for r in http_shop.admin_requests() if r[0] == "POST"]
    assert writes == [("POST", "/wp-json/wc/v3/products/categories/batch")] * 2
    terms = (
        Shop(http_shop.url, http_shop.token)
        .call("GET", "/wp-json/wc/v3/products/categories", {"per_page": "100"})
        .json()
    )
    names = sorted((t["name"], t["parent"] != 0) for t in terms)
    assert names == [
        ("Casa", False),
        ("Penne", True),
        ("Tazze", True),
        ("Ufficio", False),
        ("Uncategorized", False),
        ("Vasi", True),
    ]
    by_id = {str(t["id"]): t for t in terms}
    assert by_id[found[("Ufficio", "Penne")]]["parent"] == int(found[("ufficio",)])


def test_customers_written_with_fiscal_meta_and_adopted(http_shop, make_provider):
    """Customers go out in a batch with fiscal meta; an existing e-mail is adopted."""
    shop = Shop(http_shop.url, http_shop.token)
    old = shop.call(
        "POST", "/wp-json/wc/v3/customers", body={"email": "anna@example.com"}
    ).json()
    provider = make_provider(
        http_shop, customer_meta={"fiscal_code": "codice_fiscale", "vat_number": "piva"}
    )
    anna = Customer(
        email="Anna@Example.com",
        first_name="Anna",
        fiscal_code="BNCNNA80A41H501U",
        vat_number="IT01234567890",
        address=Address(street="Via Po 9", city="Torino", postcode="10100"),
        erp_id=5,
    )
    luca = Customer(email="luca@example.com", first_name="Luca", erp_id=6)

    outcomes = provider.write_customers([CustomerWrite(anna), CustomerWrite(luca)])

    assert [o.ok for o in outcomes] == [True, True]
    assert outcomes[0].shop_id == str(old["id"])
    found = provider.find_customers(["LUCA@example.com"])
    assert found == {"LUCA@example.com": outcomes[1].shop_id}
    back = {c.shop_id: c for p in provider.changed_customers(None) for c in p.records}
    assert back[str(old["id"])].fiscal_code == "BNCNNA80A41H501U"
    assert back[str(old["id"])].address.street == "Via Po 9"  # type: ignore[union-attr]


def test_changed_products_for_article_import(http_shop, make_provider):
    """changed_products reads products changed after the cursor with net prices."""
    provider = make_provider(http_shop)
    provider.write_products([ProductWrite(article()), ProductWrite(article(2, "A2"))])
    products = [p for page in provider.changed_products(None) for p in page.records]
    assert sorted(p.sku for p in products) == ["A1", "A2"]
    first = next(p for p in products if p.sku == "A1")
    assert (first.price, first.quantity, first.purchase_price) == (
        Decimal("10.00"),
        7,
        Decimal("6.80"),
    )
    later = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    assert [p.records for p in provider.changed_products(later)] == [[]]


def test_auto_auth_behind_a_tls_proxy_signs_for_http(make_provider):
    """A shop that believes requests are plain HTTP gets OAuth signed for http://."""
    from osmsyncd_woocommerce.sandbox import Sandbox

    with Sandbox(https=True) as sandbox:
        sandbox.admin_proxied = True
        provider = make_provider(sandbox)
        assert provider.find_products(["NONE"]) == {}
        assert (provider.client.mode, provider.client.sign_scheme) == ("oauth1", "http")


def test_html_page_with_200_is_retried_not_taken_for_data(http_shop, make_provider):
    """BR-14: a 200 HTML page is a failure to retry, never an empty answer."""
    provider = make_provider(http_shop)
    provider.write_products([ProductWrite(article())])
    http_shop.faults.force("html-200")

    found = provider.find_products(["A1"])

    assert found == {"A1": str(http_shop.admin_product("A1")["id"])}  # type: ignore[index]
    assert http_shop.faults.fired["html-200"] == 1


def test_batch_timeout_halves_the_batch_and_writes_everything(http_shop, make_provider):
    """BR-14: after a batch times out the rest goes in halves; nothing is doubled."""
    provider = make_provider(http_shop, timeout=0.5)
    http_shop.faults.force("timeout")
    writes = [ProductWrite(article(i, f"T{i}")) for i in range(1, 5)]

    outcomes = provider.write_products(writes)

    assert [o.ok for o in outcomes] == [True] * 4
    assert sorted(p["sku"] for p in http_shop.admin_products()) == [
        "T1",
        "T2",
        "T3",
        "T4",
    ]
    batches = [r for r in http_shop.admin_requests() if r[1].endswith("/batch")]
    assert len(batches) == 2  # the stalled one never reached the shop


def test_purchase_price_goes_to_cogs_when_the_shop_has_it(http_shop, make_provider):
    """With the COGS feature on, the purchase price uses it instead of meta."""
    http_shop.state.cogs_enabled = True
    provider = make_provider(http_shop)

    provider.write_products([ProductWrite(article())])

    product = http_shop.admin_product("A1")
    assert product is not None
    assert product["cost_of_goods_sold"]["total_value"] == "6.8"
    assert "_osmsyncd_purchase_price" not in [m["key"] for m in product["meta_data"]]
    back = next(iter(provider.changed_products(None))).records[0]
    assert back.purchase_price == Decimal("6.8")


def test_barcode_meta_key_keeps_codes_the_gtin_field_cannot(http_shop, make_provider):
    """A barcode with letters goes to barcode_meta_key; a clean one to the GTIN."""
    provider = make_provider(http_shop, barcode_meta_key="_ean")
    provider.write_products(
        [ProductWrite(article(barcode="ABC-123")), ProductWrite(article(2, "A2"))]
    )
    first = http_shop.admin_product("A1")
    second = http_shop.admin_product("A2")
    assert first is not None and second is not None
    assert first["global_unique_id"] == ""
    assert {"key": "_ean", "value": "ABC-123"} in [
        {"key": m["key"], "value": m["value"]} for m in first["meta_data"]
    ]
    assert second["global_unique_id"] == "2001234567893"


def test_engine_adoption_of_a_trashed_product_restores_it(http_shop, make_provider):
    """find_products then a write with that id takes the product out of the trash."""
    shop = Shop(http_shop.url, http_shop.token)
    old = _product(shop, "CAV-9", "3.00")
    http_shop.admin_trash_product(old)
    provider = make_provider(http_shop)

    found = provider.find_products(["CAV-9"])
    outcome = provider.write_products(
        [ProductWrite(article(code="CAV-9"), shop_id=found["CAV-9"])]
    )[0]

    assert outcome.ok and outcome.shop_id == str(old)
    assert http_shop.admin_product("CAV-9")["status"] == "publish"  # type: ignore[index]


def test_adopted_live_product_hidden_by_hand_stays_hidden(http_shop, make_provider):
    """Adopting a live product with KEEP leaves its status (hidden by hand) alone."""
    shop = Shop(http_shop.url, http_shop.token)
    shop.call(
        "POST",
        "/wp-json/wc/v3/products",
        body={"name": "Nascosto", "sku": "A1", "status": "private"},
    )
    provider = make_provider(http_shop)

    outcome = provider.write_products([ProductWrite(article())])[0]

    assert outcome.adopted
    product = http_shop.admin_product("A1")
    assert product is not None
    assert (product["status"], product["regular_price"]) == ("private", "10.00")
