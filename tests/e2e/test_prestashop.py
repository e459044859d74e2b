"""OSM on MariaDB → `osmsyncd sync` → the PrestaShop sandbox, and back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from osmsyncd_prestashop.sandbox import Sandbox
from osmsyncd_prestashop.sandbox.faults import parse_fault
from osmsyncd_prestashop.sandbox.shopper import Shopper
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from tests.e2e.catalogue import EXPORTED
from tests.e2e.catalogue import HIDDEN
from tests.e2e.catalogue import by_code
from tests.e2e.catalogue import published_quantity
from tests.e2e.conftest import run_cli
from tests.e2e.conftest import sync_json
from tests.e2e.conftest import write_config
from tests.e2e.conftest import writes

pytestmark = pytest.mark.mysql

LANGUAGES = (1, 2)


def ean13_valid(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    weighted = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == digits[12]


@pytest.fixture
def shop():
    with Sandbox(seed=7) as sandbox:
        yield sandbox


def products_by_reference(shop):
    return {row["reference"]: row for row in shop.rows("products")}


def category_paths(shop, product):
    """Each category of the product as its path from Home down."""
    paths = []
    for link in product["@assoc"]["categories"]:
        path, category = [], shop.row("categories", int(link["id"]))
        while category is not None and category["name"][1] != "Root":
            path.insert(0, category["name"][1])
            category = shop.row("categories", int(category["id_parent"]))
        paths.append(path)
    return sorted(paths)


def test_catalogue_goes_out_exactly_and_a_sale_comes_back_once(osm, shop, tmp_path):
    """25 OSM articles land as the right products in two languages; an order
    placed in the shop lands in OSM with its stock movement; second runs of
    both jobs write nothing."""
    config = write_config(tmp_path, osm, "prestashop", shop.url, shop.token)

    first = sync_json(config, "articles", "--export")

    assert (first["created"], first["failed"], first["error"]) == (
        len(EXPORTED),
        0,
        None,
    )
    products = products_by_reference(shop)
    assert sorted(products) == sorted(EXPORTED)
    for code, product in products.items():
        article = by_code(code)
        assert set(product["name"]) == set(LANGUAGES)
        assert product["name"][1] == product["name"][2]
        assert product["link_rewrite"][1] == product["link_rewrite"][2]
        assert Decimal(product["price"]) == article.price
        assert Decimal(product["wholesale_price"]) == article.purchase_price
        wanted_ean = next((b for b in article.barcodes if ean13_valid(b)), "")
        assert product["ean13"] == wanted_ean
        assert shop.stock(product["id"]) == published_quantity(article)
        assert product["active"] == ("0" if code in HIDDEN else "1")
        assert len(shop.images(product["id"])) == 1
        assert product["state"] == "1"

    # Names PrestaShop would refuse are cleaned, friendly URLs are ASCII.
    assert products["E2E-004"]["name"][1] == 'Raccordo 3/4" filetto M 2 inox'
    assert products["E2E-002"]["name"][1] == "Caffè & Tè Miscela ☕"
    assert products["E2E-005"]["link_rewrite"][1] == "moka-tre-tazze"
    assert products["E2E-001"]["link_rewrite"][1] == "caffe-peru-250-g"
    assert (
        "<strong>100% arabica</strong>" in products["E2E-002"]["description_short"][2]
    )
    assert products["E2E-002"]["description"][1].startswith("<p>Dal <em>Perù</em>")
    assert category_paths(shop, products["E2E-005"]) == [["Home", "Accessori", "Moka"]]
    assert category_paths(shop, products["E2E-003"]) == [["Home", "Tè & tisane"]]

    second = sync_json(config, "articles", "--export")
    assert (second["created"], second["updated"], second["hidden"]) == (0, 0, 0)
    assert writes(second) == 0

    # A customer buys 2 × E2E-001 and 1 × E2E-007 (10% VAT) in the shop.
    shopper = Shopper(shop.url, shop.token)
    order_id = shopper.place_order(
        [(products["E2E-001"]["id"], 2), (products["E2E-007"]["id"], 1)]
    )
    shopper.close()
    order = shop.row("orders", order_id)
    assert order["valid"] == "1"
    osm_stock = {code: _stock(osm, code) for code in ("E2E-001", "E2E-007", "E2E-002")}

    imported = sync_json(config, "orders", "--import")

    assert (imported["created"], imported["failed"]) == (1, 0)
    assert _stock(osm, "E2E-001") == osm_stock["E2E-001"] - 2
    assert _stock(osm, "E2E-007") == osm_stock["E2E-007"] - 1
    assert _stock(osm, "E2E-002") == osm_stock["E2E-002"]
    header, lines = _osm_order(osm, order["reference"])
    total = sum((line.subtotale + line.iva for line in lines), Decimal(0))
    assert total.quantize(Decimal("0.01")) == Decimal(order["total_paid"])
    assert header.data_cliente is not None
    articles = sorted(line.id_articolo for line in lines if line.id_articolo)
    assert articles == sorted([_id(osm, "E2E-001"), _id(osm, "E2E-007")])
    movements = _movements(osm, order["reference"])
    assert sorted(movements) == [Decimal("-2"), Decimal("-1")]

    again = sync_json(config, "orders", "--import")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert _movements(osm, order["reference"]) == movements

    after_sale = sync_json(config, "articles", "--export")
    assert writes(after_sale) == 0
    assert shop.stock(products["E2E-001"]["id"]) == _stock(osm, "E2E-001")


def test_check_names_a_stripped_authorization_header(osm, tmp_path):
    """`osmsyncd check` on a host that drops the header says so and shows the
    fix; with the key allowed in the query string it still works."""
    with Sandbox(seed=3, faults=[parse_fault("strip-auth")]) as shop:
        config = write_config(tmp_path, osm, "prestashop", shop.url, shop.token)
        fallback = run_cli(config, "check")
        config = write_config(
            tmp_path, osm, "prestashop", shop.url, shop.token, auth="basic"
        )
        strict = run_cli(config, "check")

    assert fallback.returncode == 0
    assert "strips the Authorization header" in fallback.stdout
    assert "RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]" in (
        fallback.stdout
    )
    assert strict.returncode == 1
    assert "FAIL" in strict.stdout and "Authorization" in strict.stdout
    for done in (fallback, strict):
        assert shop.token not in done.stdout + done.stderr


def _id(osm, code):
    with osm.engine.connect() as db:
        return db.scalar(select(MgArticoli.id).where(MgArticoli.codice == code))


def _stock(osm, code):
    with osm.engine.connect() as db:
        value = db.scalar(select(MgArticoli.qta).where(MgArticoli.codice == code))
    return Decimal(str(value))


def _osm_order(osm, reference):
    with Session(osm.engine) as db:
        header = db.scalars(
            select(OrOrdini).where(OrOrdini.numero_cliente == reference)
        ).one()
        lines = db.scalars(
            select(OrRigheOrdini).where(OrRigheOrdini.id_ordine == header.id)
        ).all()
        db.expunge_all()
    return header, lines


def _movements(osm, reference):
    with osm.engine.connect() as db:
        return [
            Decimal(str(qta))
            for (qta,) in db.execute(
                select(MgMovimenti.qta).where(MgMovimenti.movimento.contains(reference))
            )
        ]


def test_dry_run_lists_the_plan_and_the_real_run_does_exactly_that(osm, shop, tmp_path):
    """`--dry-run` prints the planned actions and writes nothing; the next real
    run performs exactly those."""
    config = write_config(tmp_path, osm, "prestashop", shop.url, shop.token)
    sync_json(config, "articles", "--export")
    with osm.engine.begin() as db:
        db.execute(
            update(MgArticoli)
            .where(MgArticoli.codice.in_(["E2E-001", "E2E-014"]))
            .values(prezzo_vendita=MgArticoli.prezzo_vendita + 1)
        )
    osm_exclude(osm, "E2E-002")
    prices = {ref: p["price"] for ref, p in products_by_reference(shop).items()}

    text = run_cli(config, "sync", "articles", "--export", "--dry-run")
    dry = sync_json(config, "articles", "--export", "--dry-run")
    assert {ref: p["price"] for ref, p in products_by_reference(shop).items()} == (
        prices
    )
    real = sync_json(config, "articles", "--export")

    assert text.returncode == 0
    assert "update  erp_id=" in text.stdout and "code=E2E-001" in text.stdout
    assert "hide    erp_id=" in text.stdout and "code=E2E-002" in text.stdout
    counts = ("created", "updated", "hidden", "shown", "failed")
    assert [dry[c] for c in counts] == [real[c] for c in counts] == [0, 2, 1, 0, 0]
    assert sorted(step["code"] for step in dry["plan"]) == [
        "E2E-001",
        "E2E-002",
        "E2E-014",
    ]
    assert products_by_reference(shop)["E2E-002"]["active"] == "0"


def osm_exclude(osm, code):
    """Tick "Escludi dalla sincronizzazione" in the article's OSM form."""
    from osmsyncd.erp import fields
    from osmsyncd.erp.models import ZzFieldRecord
    from osmsyncd.erp.models import ZzFields

    with osm.engine.begin() as db:
        field = db.scalar(select(ZzFields.id).where(ZzFields.name == fields.EXCLUDE))
        db.execute(
            insert(ZzFieldRecord).values(
                id_field=field, id_record=_id(osm, code), value="1"
            )
        )
