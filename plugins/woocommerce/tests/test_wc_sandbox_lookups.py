"""What the sandbox's SKU, GTIN, slug and nonce lookups guarantee, seen
through the API: a value held by a product (trashed ones included) is
refused to the others, and one freed by a delete or a change is given
again, exactly as a shop that scanned every product would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from osmsyncd_woocommerce.sandbox import Sandbox
from wc_recordings import Shop

from osmsyncd.demo.images import png

PRODUCTS = "/wp-json/wc/v3/products"
GTIN = "8001234567890"


@pytest.fixture
def shop() -> Iterator[tuple[Shop, Sandbox]]:
    with Sandbox() as sandbox:
        yield Shop(sandbox.url, sandbox.token), sandbox


def create(shop: Shop, **fields: Any) -> dict[str, Any]:
    answer = shop.call("POST", PRODUCTS, body={"regular_price": "5.00", **fields})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def refused(shop: Shop, method: str, path: str, **fields: Any) -> dict[str, Any]:
    answer = shop.call(method, path, body=fields)
    assert answer.status_code == 400, answer.text
    body: dict[str, Any] = answer.json()
    return body


def skus_listed(shop: Shop, skus: str, status: str) -> list[tuple[int, str]]:
    query = {"sku": skus, "status": status, "_fields": "id,sku"}
    query.update({"orderby": "id", "order": "asc"})
    answer = shop.call("GET", PRODUCTS, query)
    assert answer.status_code == 200
    return [(item["id"], item["sku"]) for item in answer.json()]


def test_a_sku_freed_by_a_delete_or_a_rename_can_be_taken_again(shop):
    """Deleting a product for good or changing its SKU frees the old SKU, in
    any case; the new SKU is then refused to others with a free suggestion."""
    api, _ = shop
    first = create(api, name="Vaso", sku="V-1")
    second = create(api, name="Tazza", sku="T-1")
    assert api.call("DELETE", f"{PRODUCTS}/{first['id']}", {"force": "true"}).ok
    again = create(api, name="Vaso nuovo", sku="v-1")
    assert again["sku"] == "v-1"

    answer = api.call("PUT", f"{PRODUCTS}/{second['id']}", body={"sku": "T-2"})
    assert answer.json()["sku"] == "T-2"
    taken_again = create(api, name="Altra tazza", sku="t-1")
    create(api, name="Suggerita", sku="t-2-1")
    error = refused(api, "POST", PRODUCTS, name="Doppia", sku="t-2")
    assert error == {
        "code": "product_invalid_sku",
        "message": "Invalid or duplicated SKU.",
        "data": {"status": 400, "resource_id": second["id"], "unique_sku": "t-2-2"},
    }
    assert skus_listed(api, "V-1,t-2,T-1", "any") == [
        (second["id"], "T-2"),
        (again["id"], "v-1"),
        (taken_again["id"], "t-1"),
    ]


def test_a_trashed_product_keeps_its_sku_until_deleted_for_good(shop):
    """A trashed SKU refuses a create and an update with the lookup-table
    error, is listed under status=trash only, and frees up once deleted."""
    api, _ = shop
    trashed = create(api, name="Vaso", sku="V-1")
    other = create(api, name="Tazza", sku="T-1")
    assert api.call("DELETE", f"{PRODUCTS}/{trashed['id']}").json()["id"]

    assert refused(api, "POST", PRODUCTS, name="Nuovo", sku="v-1") == {
        "code": "woocommerce_rest_product_not_created",
        "message": "The product with SKU (v-1) you are trying to insert is already "
        "present in the lookup table",
        "data": {"status": 400},
    }
    assert refused(api, "PUT", f"{PRODUCTS}/{other['id']}", sku="V-1") == {
        "code": "woocommerce_rest_product_not_updated",
        "message": "The product with SKU (V-1) you are trying to update is already "
        "present in the lookup table",
        "data": {"status": 400},
    }
    assert skus_listed(api, "v-1", "any") == []
    assert skus_listed(api, "v-1", "trash") == [(trashed["id"], "V-1")]

    api.call("DELETE", f"{PRODUCTS}/{trashed['id']}", {"force": "true"})
    assert skus_listed(api, "v-1", "trash") == []
    assert create(api, name="Nuovo", sku="v-1")["sku"] == "v-1"


def test_a_restored_product_holds_its_sku_as_a_live_one(shop):
    """Out of the trash, a product's SKU gets the duplicate error again."""
    api, sandbox = shop
    product = create(api, name="Vaso", sku="V-1")
    sandbox.admin_trash_product(product["id"])
    answer = api.call("PUT", f"{PRODUCTS}/{product['id']}", body={"status": "draft"})
    assert answer.json()["status"] == "draft"

    error = refused(api, "POST", PRODUCTS, name="Nuovo", sku="V-1")
    assert error["code"] == "product_invalid_sku"
    assert error["data"]["resource_id"] == product["id"]
    assert error["data"]["unique_sku"] == "V-1-1"
    assert skus_listed(api, "V-1", "draft") == [(product["id"], "V-1")]
    holder = sandbox.admin_product("v-1")
    assert holder is not None
    assert holder["id"] == product["id"]


def test_gtins_are_refused_only_while_a_live_product_holds_them(shop):
    """A trashed product's GTIN is free to others; with two live holders the
    lowest id is named; a changed or deleted GTIN is free again."""
    api, sandbox = shop
    first = create(api, name="Vaso", global_unique_id=GTIN)
    sandbox.admin_trash_product(first["id"])
    second = create(api, name="Tazza", global_unique_id=GTIN)
    api.call("PUT", f"{PRODUCTS}/{first['id']}", body={"status": "publish"})

    error = refused(api, "POST", PRODUCTS, name="Terzo", global_unique_id=GTIN)
    assert error == {
        "code": "product_invalid_global_unique_id",
        "message": "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
        "data": {"status": 400, "resource_id": first["id"]},
    }
    listed = api.call("GET", PRODUCTS, {"global_unique_id": GTIN}).json()
    assert sorted(item["id"] for item in listed) == [first["id"], second["id"]]

    api.call("PUT", f"{PRODUCTS}/{first['id']}", body={"global_unique_id": "1"})
    sandbox.admin_delete_product(second["id"])
    assert create(api, name="Terzo", global_unique_id=GTIN)["global_unique_id"] == GTIN


def test_slug_numbers_freed_by_a_delete_are_given_again(shop):
    """Taken slugs get -2, -3…; a number freed by a delete or a slug change
    is the next one given, a trashed product keeps its number, and a
    product asking for a taken slug keeps the number it has."""
    api, sandbox = shop
    made = [create(api, name="Vaso") for _ in range(4)]
    assert [p["slug"] for p in made] == ["vaso", "vaso-2", "vaso-3", "vaso-4"]

    sandbox.admin_delete_product(made[1]["id"])
    sandbox.admin_trash_product(made[2]["id"])
    assert create(api, name="Vaso")["slug"] == "vaso-2"
    assert create(api, name="Vaso")["slug"] == "vaso-5"

    answer = api.call("PUT", f"{PRODUCTS}/{made[3]['id']}", body={"slug": "tazza"})
    assert answer.json()["slug"] == "tazza"
    assert create(api, name="Vaso")["slug"] == "vaso-4"
    answer = api.call("PUT", f"{PRODUCTS}/{made[3]['id']}", body={"slug": "vaso"})
    assert answer.json()["slug"] == "vaso-6"
    answer = api.call("PUT", f"{PRODUCTS}/{made[3]['id']}", body={"slug": "Vaso"})
    assert answer.json()["slug"] == "vaso-6"
    trashed = api.call("GET", f"{PRODUCTS}/{made[2]['id']}").json()
    assert trashed["slug"] == "vaso-3__trashed"


def test_images_of_one_name_get_numbered_files_and_slugs(files, tmp_path):
    """Each download of the same file name is a new attachment: files
    foto.png, foto-1.png, foto-2.png and slugs foto, foto-2, foto-3."""
    (tmp_path / "articoli" / "foto.png").write_bytes(png((200, 30, 30), 8))
    with Sandbox() as sandbox:
        api = Shop(sandbox.url, sandbox.token)
        image = {"src": f"{files.url}/articoli/foto.png"}
        made = create(api, name="Vaso", images=[image, image])
        again = create(api, name="Tazza", images=[image])
        ids = [i["id"] for i in made["images"] + again["images"]]
        sources = [i["src"].rsplit("/", 1)[1] for i in made["images"]]
        sources += [i["src"].rsplit("/", 1)[1] for i in again["images"]]
        slugs = [
            api.call("GET", f"/wp-json/wp/v2/media/{i}", auth="none").json()["slug"]
            for i in ids
        ]
    assert sources == ["foto.png", "foto-1.png", "foto-2.png"]
    assert slugs == ["foto", "foto-2", "foto-3"]


def test_order_lines_by_sku_find_the_product_holding_it_now(shop):
    """An order line given by SKU (any case) is the product holding it now."""
    api, sandbox = shop
    product = create(api, name="Vaso", sku="V-1")
    api.call("PUT", f"{PRODUCTS}/{product['id']}", body={"sku": "V-9"})

    order = sandbox.admin_create_order(
        {"line_items": [{"sku": "v-9", "quantity": 1}, {"sku": "V-1", "quantity": 1}]}
    )
    assert [line["product_id"] for line in order["line_items"]] == [product["id"], 0]


def test_a_nonce_is_refused_until_its_window_has_passed(shop):
    """An OAuth nonce is refused while its timestamp is within 15 minutes,
    and taken again once the shop's clock has moved past that."""
    api, sandbox = shop
    old = int(time.time()) - 14 * 60
    assert api.call("GET", PRODUCTS, stamp=old, nonce="n-1").status_code == 200
    answer = api.call("GET", PRODUCTS, nonce="n-1")
    assert answer.status_code == 401
    assert answer.json()["message"] == "Invalid nonce - nonce has already been used."

    sandbox.auth.clock_skew = 90
    assert api.call("GET", PRODUCTS, nonce="n-1").status_code == 200
    assert api.call("GET", PRODUCTS, nonce="n-1").status_code == 401
