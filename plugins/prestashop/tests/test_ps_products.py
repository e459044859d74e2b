"""Product export against a sandbox over loopback: values, requests, edge cases."""

from __future__ import annotations

import re
import threading
from collections import Counter
from decimal import Decimal

import pytest
from osmsyncd_prestashop.provider import PrestaShopProvider
from osmsyncd_prestashop.sandbox import Sandbox
from ps_support import api
from ps_support import image_file
from ps_support import make_article
from ps_support import settings_for

from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Visibility

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _category(provider, name="Utensili"):
    return provider.ensure_categories([(name,)], {})[(name,)]


def _delta(provider, before: Counter) -> dict[str, int]:
    return {k: v for k, v in (provider.requests - before).items() if v}


def test_first_export_writes_every_value_in_both_languages(provider, sandbox, tmp_path):
    """A new article lands with names, texts, URL, price, EAN, stock in it and en."""
    category = _category(provider)
    article = make_article(
        1,
        code="OSM-TRP-001",
        name="Trapano a percussione 750 W",
        description="<p>Trapano <strong>professionale</strong> 13&nbsp;mm</p>",
        short_description="<p>Compatto</p>",
        barcode="8012345678907",
        quantity=7,
        price=Decimal("89.9"),
        purchase_price=Decimal("52.5"),
        weight=Decimal("2.1"),
        images=(image_file(tmp_path, "trapano.jpg"),),
    )
    [outcome] = provider.write_products(
        [ProductWrite(article, category_ids=[category])]
    )

    assert outcome.ok and outcome.key == "1" and not outcome.adopted
    row = sandbox.row("products", int(outcome.shop_id))
    assert row["name"] == {
        1: "Trapano a percussione 750 W",
        2: "Trapano a percussione 750 W",
    }
    assert row["link_rewrite"] == {
        1: "trapano-a-percussione-750-w",
        2: "trapano-a-percussione-750-w",
    }
    assert (
        row["description"][1]
        == "<p>Trapano <strong>professionale</strong> 13\u00a0mm</p>"
    )
    assert row["description"][2] == row["description"][1]
    assert row["description_short"] == {1: "<p>Compatto</p>", 2: "<p>Compatto</p>"}
    assert (row["reference"], row["ean13"]) == ("OSM-TRP-001", "8012345678907")
    assert (row["price"], row["wholesale_price"]) == ("89.900000", "52.500000")
    assert (row["weight"], row["id_tax_rules_group"]) == ("2.100000", "1")
    assert (row["active"], row["state"], row["id_category_default"]) == (
        "1",
        "1",
        category,
    )
    assert [c["id"] for c in row["@assoc"]["categories"]] == [category]
    assert sandbox.stock(int(outcome.shop_id)) == 7
    [(image_id, cover, content)] = sandbox.images(int(outcome.shop_id))
    assert cover and content == article.images[0].path.read_bytes()
    assert outcome.images == {article.images[0].sha256: str(image_id)}


def test_request_counts_of_a_first_export_and_of_an_unchanged_write(provider, tmp_path):
    """N new articles with an image cost 2N+2 requests; unchanged ones 2 reads."""
    category = _category(provider)
    writes = [
        ProductWrite(
            make_article(n, images=(image_file(tmp_path, f"{n}.jpg", bytes([n])),)),
            category_ids=[category],
        )
        for n in range(1, 4)
    ]
    provider.facts()
    before = Counter(provider.requests)
    # As the engine does: look the references up, then write.
    assert provider.find_products([w.article.code for w in writes]) == {}
    outcomes = provider.write_products(writes)
    assert _delta(provider, before) == {"GET": 1, "POST": 6, "PATCH": 1}

    again = [
        ProductWrite(
            w.article, shop_id=o.shop_id, images=o.images, category_ids=[category]
        )
        for w, o in zip(writes, outcomes, strict=True)
    ]
    before = Counter(provider.requests)
    assert all(o.ok for o in provider.write_products(again))
    assert _delta(provider, before) == {"GET": 2}


def test_a_changed_price_is_patched_alone(provider, sandbox):
    """An update sends a PATCH with only the fields that differ."""
    [first] = provider.write_products([ProductWrite(make_article(1))])
    changed = make_article(1, price=Decimal("12.345678"))
    before = Counter(provider.requests)
    [outcome] = provider.write_products([ProductWrite(changed, shop_id=first.shop_id)])
    assert outcome.ok and outcome.shop_id == first.shop_id
    assert _delta(provider, before) == {"GET": 2, "PATCH": 1}
    row = sandbox.row("products", int(first.shop_id))
    assert row["price"] == "12.345678"
    assert row["name"] == {1: "Articolo 1", 2: "Articolo 1"}


def test_visibility_hide_show_and_keep(provider, sandbox):
    """HIDE sets active 0, SHOW 1, KEEP leaves a hand-made change alone."""
    [made] = provider.write_products(
        [ProductWrite(make_article(1), visibility=Visibility.HIDE)]
    )
    product = int(made.shop_id)
    assert sandbox.row("products", product)["active"] == "0"
    provider.write_products(
        [
            ProductWrite(
                make_article(1), shop_id=made.shop_id, visibility=Visibility.SHOW
            )
        ]
    )
    assert sandbox.row("products", product)["active"] == "1"
    sandbox.update_row("products", product, active="0")
    provider.write_products(
        [ProductWrite(make_article(1, price=Decimal(3)), shop_id=made.shop_id)]
    )
    assert sandbox.row("products", product)["active"] == "0"
    [shown] = provider.set_visibility([(made.shop_id, True)])
    assert shown.ok and sandbox.row("products", product)["active"] == "1"


def test_forbidden_characters_and_long_names_are_cleaned(provider, sandbox):
    """BR-01/BR-03: names lose < > ; = # { } and fit 128 code points."""
    long_name = (
        "Kit completo di manutenzione per caldaia murale a condensazione da 24 kW "
        "con guarnizioni, filtri, elettrodi di accensione e rilevazione, sifone e "
        "istruzioni in più lingue (ediz. 2024)"
    )
    outcomes = provider.write_products(
        [
            ProductWrite(
                make_article(
                    1, code="TB-020", name='Raccordo <3/4"> ; filetto=M #2 {inox}'
                )
            ),
            ProductWrite(make_article(2, code="KIT-CALD-24", name=long_name)),
        ]
    )
    assert all(o.ok for o in outcomes)
    first = sandbox.row("products", int(outcomes[0].shop_id))
    assert first["name"][1] == 'Raccordo 3/4" filetto M 2 inox'
    second = sandbox.row("products", int(outcomes[1].shop_id))
    assert len(second["name"][1]) <= 128
    assert long_name.startswith(second["name"][1])
    assert not second["name"][1].endswith((" ", ","))
    assert len(second["link_rewrite"][1]) <= 128
    assert SLUG.fullmatch(second["link_rewrite"][1])


def test_friendly_urls_follow_the_slug_rule(provider, sandbox):
    """BR-02: the OSM slug or the name gives an ASCII URL, else the code does."""
    outcomes = provider.write_products(
        [
            ProductWrite(
                make_article(
                    1, code="CND-10U", name="Condensatore 10µF – 50V (conf. 2²)"
                )
            ),
            ProductWrite(
                make_article(
                    2, code="CND-11U", name="Condensatore", slug="condensatore.10uf"
                )
            ),
            ProductWrite(make_article(3, code="GR-001", name="———")),
        ]
    )
    urls = [sandbox.row("products", int(o.shop_id))["link_rewrite"] for o in outcomes]
    assert urls[0] == {
        1: "condensatore-10uf-50v-conf-22",
        2: "condensatore-10uf-50v-conf-22",
    }
    assert urls[1][1] == "condensatore-10uf"
    assert urls[2][1] == "gr-001"
    # The same input gives the same URL: a second write changes nothing.
    name = "Condensatore 10µF – 50V (conf. 2²)"
    again = [
        ProductWrite(
            make_article(1, code="CND-10U", name=name), shop_id=outcomes[0].shop_id
        )
    ]
    before = Counter(provider.requests)
    provider.write_products(again)
    assert "PATCH" not in _delta(provider, before)


def test_cdata_terminator_and_control_characters_survive(provider, sandbox):
    """BR-05: ]]> round-trips, XML-illegal characters become spaces, emoji stay."""
    description = "<p>Confronta a[b[0]]>c</p>Larghezza\x0b30 cm\x0c 🔧 ok"
    [outcome] = provider.write_products(
        [ProductWrite(make_article(1, code="DOC-7", description=description))]
    )
    assert outcome.ok
    stored = sandbox.row("products", int(outcome.shop_id))["description"]
    assert stored[1] == "<p>Confronta a[b[0]]>c</p>Larghezza 30 cm  🔧 ok"
    [page] = list(provider.changed_products(None))
    assert page.records[0].description == stored[1]


def test_a_control_character_in_a_shop_answer_does_not_stop_the_read(provider, sandbox):
    """BR-05: a description holding U+000B in the shop is still read."""
    [outcome] = provider.write_products([ProductWrite(make_article(1))])
    sandbox.update_row(
        "products", int(outcome.shop_id), description={1: "a\x0bb", 2: "a\x0bb"}
    )
    [page] = list(provider.changed_products(None))
    assert page.records[0].description == "a\x0bb"
    xml_answer = api(sandbox, "GET", f"products/{outcome.shop_id}", output_format="XML")
    assert b"\x0b" in xml_answer.content


def test_languages_come_from_the_shop(tmp_path):
    """BR-06: with languages 2 (default) and 3, every text goes to both, none to 1."""
    with Sandbox() as shop:
        shop.renumber_languages({1: 2, 2: 3}, default=2)
        made = PrestaShopProvider(settings_for(shop), threading.Event())
        try:
            [outcome] = made.write_products(
                [ProductWrite(make_article(1, name="Lampada da tavolo Ottone"))]
            )
        finally:
            made.close()
        row = shop.row("products", int(outcome.shop_id))
    assert row["name"] == {2: "Lampada da tavolo Ottone", 3: "Lampada da tavolo Ottone"}
    assert set(row["link_rewrite"]) == {2, 3}
    assert all(row["link_rewrite"].values()) and all(row["description"].values())


def test_a_product_with_the_same_reference_is_adopted(provider, sandbox):
    """BR-07: a product with the SKU (any case) is taken over, not duplicated."""
    existing = api(
        sandbox,
        "POST",
        "products",
        "<prestashop><product><price>1</price><reference>cav-3x15</reference>"
        "<state>1</state></product></prestashop>",
    ).json()["product"]
    assert provider.find_products(["CAV-3X15"]) == {"CAV-3X15": str(existing["id"])}
    [outcome] = provider.write_products(
        [ProductWrite(make_article(9, code="CAV-3X15"))]
    )
    assert outcome.ok and outcome.adopted and outcome.shop_id == str(existing["id"])
    rows = [r for r in sandbox.rows("products") if r["reference"].lower() == "cav-3x15"]
    assert len(rows) == 1 and rows[0]["reference"] == "CAV-3X15"


def test_a_firewall_404_on_update_is_not_a_deleted_product(provider, sandbox):
    """BR-15: an HTML 404 on PATCH fails the record with a hint and creates nothing."""
    [made] = provider.write_products([ProductWrite(make_article(1))])
    sandbox.add_waf_rule("PATCH", "onmouseover-like")
    changed = make_article(1, description="<p>onmouseover-like text</p>")
    before = Counter(provider.requests)
    [outcome] = provider.write_products([ProductWrite(changed, shop_id=made.shop_id)])
    assert not outcome.ok and "firewall" in outcome.error
    assert outcome.shop_id == made.shop_id
    assert "POST" not in _delta(provider, before)
    assert len(sandbox.rows("products")) == 1


def test_a_product_deleted_in_the_shop_is_created_again(provider, sandbox):
    """BR-15 contrast: a product the API confirms gone is recreated once."""
    [made] = provider.write_products([ProductWrite(make_article(1))])
    assert api(sandbox, "DELETE", f"products/{made.shop_id}").status_code == 200
    [outcome] = provider.write_products(
        [ProductWrite(make_article(1), shop_id=made.shop_id)]
    )
    assert outcome.ok and outcome.shop_id != made.shop_id
    assert any("no longer exists" in w for w in outcome.warnings)
    assert [r["reference"] for r in sandbox.rows("products")] == ["OSM-001"]


def test_images_are_uploaded_once_and_replaced(provider, sandbox, tmp_path):
    """BR-16: an image goes up once; a new file replaces the old, which is deleted."""
    first_image = image_file(tmp_path, "pompa.jpg")
    [made] = provider.write_products(
        [ProductWrite(make_article(1, images=(first_image,)))]
    )
    product = int(made.shop_id)

    before = Counter(provider.requests)
    [again] = provider.write_products(
        [ProductWrite(make_article(1, price=Decimal(11), images=(first_image,)),
                      shop_id=made.shop_id, images=made.images)]
    )  # fmt: skip
    assert again.images == made.images
    assert _delta(provider, before) == {"GET": 2, "PATCH": 1}

    second_image = image_file(tmp_path, "pompa-nuova.jpg", b"\x01")
    before = Counter(provider.requests)
    [replaced] = provider.write_products(
        [ProductWrite(make_article(1, price=Decimal(11), images=(second_image,)),
                      shop_id=made.shop_id, images=again.images)]
    )  # fmt: skip
    assert _delta(provider, before) == {"GET": 2, "POST": 1, "DELETE": 1}
    [(image_id, cover, content)] = sandbox.images(product)
    assert cover and content == second_image.path.read_bytes()
    assert replaced.images == {second_image.sha256: str(image_id)}


def test_an_unreadable_image_does_not_block_the_product(provider, sandbox, tmp_path):
    """An image that cannot be read is a warning; the product is still written."""
    missing = image_file(tmp_path, "gone.jpg")
    missing.path.unlink()
    [outcome] = provider.write_products(
        [ProductWrite(make_article(1, images=(missing,)))]
    )
    assert outcome.ok and outcome.images == {}
    assert any("gone.jpg" in warning for warning in outcome.warnings)
    assert sandbox.row("products", int(outcome.shop_id)) is not None


def test_categories_are_created_under_home_and_found_by_name(provider, sandbox):
    """Missing paths are made under Home; an existing category is reused by name."""
    made = provider.ensure_categories([("Giardino", "Attrezzi"), ("Giardino",)], {})
    parent, child = made[("Giardino",)], made[("Giardino", "Attrezzi")]
    assert sandbox.row("categories", int(parent))["id_parent"] == "2"
    assert sandbox.row("categories", int(child))["id_parent"] == parent
    assert sandbox.row("categories", int(child))["name"] == {
        1: "Attrezzi",
        2: "Attrezzi",
    }

    fresh = PrestaShopProvider(settings_for(sandbox), threading.Event())
    try:
        again = fresh.ensure_categories([("giardino", "attrezzi")], {})
    finally:
        fresh.close()
    assert again[("giardino", "attrezzi")] == child
    assert len(sandbox.rows("categories")) == 4


def test_categories_of_one_level_are_created_side_by_side_once_each(sandbox):
    """With four workers, a level's missing categories are made together; a
    name that differs only in case is one category, and children hang under
    the parent made in the level before."""
    made = PrestaShopProvider(settings_for(sandbox, concurrency=4), threading.Event())
    before = len(sandbox.rows("categories"))
    try:
        found = made.ensure_categories(
            [
                ("Casa", "Tazze"),
                ("Casa", "Vasi"),
                ("casa", "vasi"),
                ("Ufficio", "Penne"),
                ("Giardino",),
            ],
            {},
        )
    finally:
        made.close()

    assert len(sandbox.rows("categories")) == before + 6
    assert found[("casa", "vasi")] == found[("Casa", "Vasi")]
    assert found[("casa",)] == found[("Casa",)]
    for child, parent in [
        (("Casa", "Tazze"), ("Casa",)),
        (("Casa", "Vasi"), ("Casa",)),
        (("Ufficio", "Penne"), ("Ufficio",)),
    ]:
        assert (
            sandbox.row("categories", int(found[child]))["id_parent"] == found[parent]
        )
    assert sandbox.row("categories", int(found[("Giardino",)]))["id_parent"] == "2"


def test_prestashop_17_gets_whole_puts_for_products_and_stock():
    """Without PATCH (1.7) updates send whole objects back and lose nothing."""
    with Sandbox(version="1.7.8.11") as shop:
        made = PrestaShopProvider(settings_for(shop), threading.Event())
        try:
            [first] = made.write_products(
                [ProductWrite(make_article(1, barcode="8012345678907"))]
            )
            assert first.ok and made.client.version == (1, 7, 8, 11)
            before = Counter(made.requests)
            [outcome] = made.write_products(
                [ProductWrite(make_article(1, price=Decimal("20"), quantity=9,
                                           barcode="8012345678907"),
                              shop_id=first.shop_id)]
            )  # fmt: skip
        finally:
            made.close()
        assert outcome.ok, outcome.error
        assert _delta(made, before) == {"GET": 3, "PUT": 2}
        row = shop.row("products", int(first.shop_id))
        assert row["price"] == "20.000000" and row["ean13"] == "8012345678907"
        assert row["name"] == {1: "Articolo 1", 2: "Articolo 1"}
        assert (row["state"], row["active"], row["visibility"]) == ("1", "1", "both")
        assert shop.stock(int(first.shop_id)) == 9


@pytest.mark.parametrize(
    ("barcode", "sent"),
    [("8012345678907", "8012345678907"), ("8012345678901", ""), ("ABC", "")],
)
def test_only_valid_ean13_are_sent(provider, sandbox, barcode, sent):
    """An invalid EAN-13 (bad check digit, letters) is left out of the product."""
    [outcome] = provider.write_products(
        [ProductWrite(make_article(1, barcode=barcode))]
    )
    assert outcome.ok
    assert sandbox.row("products", int(outcome.shop_id))["ean13"] == sent
