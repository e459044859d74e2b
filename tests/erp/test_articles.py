"""OSM articles as the shop should see them, and change detection."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import update

from osmsyncd.erp import fields
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.interface import Binding
from osmsyncd.erp.models import MgArticoliBarcode
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.erp.state import OsmsyncStockMove
from osmsyncd.records import Article
from osmsyncd.records import Resource
from tests.erp import osm


def _all(erp: OsmRepository, scope: ArticleScope | None = None, ids=None):
    return {
        a.code: a for page in erp.articles(scope or ArticleScope(), ids) for a in page
    }


def test_br19_quantity_is_whole_non_negative_and_net_of_osm_commitments(
    erp: OsmRepository,
):
    """BR-19: 80−29 → 51, −3 → 0, 7.5 → 7, 0.4 → 0, 2−5 → 0."""
    engine = erp.engine
    a = osm.article(engine, "Q80", "80")
    osm.article(engine, "QNEG", "-3")
    osm.article(engine, "Q7.5", "7.5")
    osm.article(engine, "Q0.4", "0.4")
    b = osm.article(engine, "Q2", "2")
    customer = osm.osm_customer(engine, "Bar Centrale")
    osm.osm_order(engine, customer, [(a, "30", "1"), (b, "5", "0")])

    quantities = {code: art.quantity for code, art in _all(erp).items()}

    assert quantities == {"Q80": 51, "QNEG": 0, "Q7.5": 7, "Q0.4": 0, "Q2": 0}


def test_only_open_confirmed_osm_orders_commit_stock(erp: OsmRepository):
    """Draft, unconfirmed, fulfilled orders and shop sales already moved commit
    nothing; a shop order imported without a stock movement still commits."""
    engine = erp.engine
    item = osm.article(engine, "ITEM", "100")
    customer = osm.osm_customer(engine, "Bar Centrale")
    osm.osm_order(engine, customer, [(item, "10", "0")])  # counts: 10
    osm.osm_order(engine, customer, [(item, "20", "0")], state="Bozza")
    osm.osm_order(engine, customer, [(item, "30", "0")], confirmed=0)
    osm.osm_order(engine, customer, [(item, "5", "5")])
    moved = osm.osm_order(engine, customer, [(item, "7", "0")])
    unmoved = osm.osm_order(engine, customer, [(item, "3", "0")])  # counts: 3
    erp.save_bindings(
        [
            Binding("altro-negozio", Resource.ORDERS, str(moved), "9001"),
            Binding("altro-negozio", Resource.ORDERS, str(unmoved), "9002"),
        ]
    )
    with engine.begin() as db:
        db.execute(
            insert(OsmsyncStockMove).values(
                connection="altro-negozio",
                shop_order_id="9001",
                shop_line_id="1",
                id_articolo=item,
                qta=Decimal("7"),
                id_movimento=0,
            )
        )

    assert _all(erp)["ITEM"].quantity == 87


def test_catalogue_scope_categories_exclusions_and_what_is_never_sent(
    erp: OsmRepository,
):
    """Categories match by name with subcategories; excluded, deleted, inactive,
    service and DELETED articles are never returned."""
    engine = erp.engine
    cups = osm.category(engine, "Tazze")
    espresso = osm.category(engine, "Espresso", parent=cups)
    plates = osm.category(engine, "Piatti")
    osm.article(engine, "CUP", category=cups)
    osm.article(engine, "ESP", category=cups, subcategory=espresso)
    osm.article(engine, "PLATE", category=plates)
    excluded = osm.article(engine, "HIDDEN", category=cups)
    osm.exclude(engine, excluded)
    osm.article(engine, "GONE", category=cups, deleted=True)
    osm.article(engine, "OFF", category=cups, active=False)
    osm.article(engine, "SERVICE", category=cups, service=True)

    assert sorted(_all(erp)) == ["CUP", "ESP", "PLATE"]
    assert sorted(_all(erp, ArticleScope(categories=("tazze",)))) == ["CUP", "ESP"]
    assert sorted(_all(erp, ArticleScope(categories=("ESPRESSO",)))) == ["ESP"]
    assert _all(erp, ArticleScope(categories=("Nessuna",))) == {}
    assert _all(erp)["ESP"].categories == (("Tazze", "Espresso"),)
    assert _all(erp)["CUP"].categories == (("Tazze",),)


def test_article_fields_and_their_fallbacks(erp: OsmRepository):
    """Names come from the default language, custom fields fill shop texts, and
    empty ones fall back to the name (description) or stay empty (slug)."""
    engine = erp.engine
    full = osm.article(
        engine,
        "FULL",
        "3",
        name="nome base",
        title="Tazza grande",
        vat=167,
        barcodes=("8001234567890", "8009876543210"),
    )
    osm.custom_field(engine, full, fields.DESCRIPTION, "<p>Lunga</p>")
    osm.custom_field(engine, full, fields.SHORT_DESCRIPTION, "Breve")
    osm.custom_field(engine, full, fields.FRIENDLY_URL, "tazza-grande")
    osm.article(engine, "BARE", name="Piattino")

    found = _all(erp)

    assert found["FULL"] == Article(
        erp_id=full,
        code="FULL",
        name="Tazza grande",
        description="<p>Lunga</p>",
        short_description="Breve",
        slug="tazza-grande",
        barcode="8001234567890",
        extra_barcodes=("8009876543210",),
        quantity=3,
        purchase_price=Decimal("4"),
        price=Decimal("8.196721"),
        price_gross=Decimal("10"),
        vat_rate=Decimal("10"),
        categories=(),
        images=(),
        weight=Decimal("0.5"),
        updated_at=found["FULL"].updated_at,
    )
    bare = found["BARE"]
    assert (bare.name, bare.description, bare.short_description, bare.slug) == (
        "Piattino",
        "Piattino",
        "",
        "",
    )
    assert bare.vat_rate == Decimal("22")
    assert bare.barcode == ""
    assert found["FULL"].updated_at is not None
    assert found["FULL"].updated_at.tzinfo is UTC


def test_images_cover_first_missing_files_left_out(erp: OsmRepository, osm_files):
    """The cover comes first with its sha256; a missing file is left out, and
    only_with_photo keeps articles whose cover exists on disk."""
    engine = erp.engine
    shown = osm.article(engine, "PHOTO")
    lost = osm.article(engine, "LOST")
    osm.article(engine, "NONE")
    side = osm.attach(engine, osm_files, shown, "side.jpg", b"\xff\xd8\xffside")
    cover = osm.attach(
        engine, osm_files, shown, "cover.jpg", b"\xff\xd8\xffcover", True
    )
    osm.attach(engine, osm_files, shown, "manual.pdf", b"%PDF-1.4")
    osm.attach(engine, osm_files, shown, "gone.png", None)
    osm.attach(engine, osm_files, lost, "missing.jpg", None, cover=True)

    articles = _all(erp)
    photos = _all(erp, ArticleScope(only_with_photo=True))

    images = articles["PHOTO"].images
    assert [i.path for i in images] == [
        osm_files / "articoli" / "cover.jpg",
        osm_files / "articoli" / "side.jpg",
    ]
    assert [i.sha256 for i in images] == [cover, side]
    assert articles["LOST"].images == ()
    assert sorted(photos) == ["PHOTO"]


def test_stock_of_chosen_warehouses_only(erp: OsmRepository):
    """warehouses limits stock (and commitments) to those sedi; Sede legale is 0."""
    engine = erp.engine
    north = osm.company_with_warehouse(engine, "Magazzino Nord")
    item = osm.article(engine, "WH")
    osm.movement(engine, item, "10", sede=0)
    osm.movement(engine, item, "4", sede=north)
    customer = osm.osm_customer(engine, "Bar Centrale")
    osm.osm_order(engine, customer, [(item, "1", "0")], sede=north)

    def quantity(*warehouses: str) -> int:
        return _all(erp, ArticleScope(warehouses=warehouses))["WH"].quantity

    assert quantity() == 13
    assert quantity("magazzino nord") == 3
    assert quantity("Sede legale") == 10
    assert quantity("Sede legale", "Magazzino Nord") == 13


def test_pages_take_a_fixed_number_of_queries(erp: OsmRepository):
    """Reading 40 articles costs as many queries as reading 4: never one each."""
    engine = erp.engine
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for(codes: list[str]) -> int:
        statements.clear()
        found = _all(erp)
        assert set(codes) <= set(found)
        return len(statements)

    few = [osm.article(engine, f"F{i}", "1", barcodes=[f"80{i}"]) for i in range(4)]
    small = queries_for([f"F{i}" for i in range(4)])
    for i in range(36):
        osm.article(engine, f"M{i}", "1", barcodes=[f"81{i}"])
    large = queries_for([f"M{i}" for i in range(36)])

    event.remove(engine, "before_cursor_execute", count)
    assert len(few) == 4
    assert large == small


def test_changed_ids_cover_every_child_and_return_the_database_time(
    erp: OsmRepository, osm_files
):
    """A new barcode, name, custom field, file or movement marks the article."""
    engine = erp.engine
    ids = {code: osm.article(engine, code, "1") for code in "ABCDEFG"}

    every, now = erp.changed_article_ids(None)
    assert every == set(ids.values())
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=5)

    with engine.begin() as db:
        old = datetime(2020, 1, 1)
        for table in osm.Base.metadata.sorted_tables:
            if "updated_at" in table.c:
                db.execute(update(table).values(updated_at=old))
    since = datetime(2025, 1, 1, tzinfo=UTC)
    assert erp.changed_article_ids(since)[0] == set()

    with engine.begin() as db:
        db.execute(insert(MgArticoliBarcode).values(id_articolo=ids["A"], barcode="1"))
        db.execute(
            insert(MgArticoliLang).values(id_lang=2, id_record=ids["B"], title="B")
        )
    osm.custom_field(engine, ids["C"], fields.SHORT_DESCRIPTION, "nuova")
    osm.attach(engine, osm_files, ids["D"], "d.jpg", b"\xff\xd8\xff", cover=True)
    osm.movement(engine, ids["E"], "1")
    customer = osm.osm_customer(engine, "Bar Centrale")
    osm.osm_order(engine, customer, [(ids["F"], "1", "0")])

    changed, _ = erp.changed_article_ids(since)
    assert changed == {ids[code] for code in "ABCDEF"}
