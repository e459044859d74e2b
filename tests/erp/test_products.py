"""Shop products into OSM articles (article import)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from sqlalchemy import select

from osmsyncd.erp.interface import Applied
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgArticoliBarcode
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import ZzFiles
from osmsyncd.erp.models import ZzFilesCategories
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.records import Resource
from osmsyncd.records import ShopProduct
from tests.erp import osm

JPEG = b"\xff\xd8\xff\xe0 a tiny jpeg"


def _product(**extra) -> ShopProduct:
    values = {
        "shop_id": "501",
        "sku": "NEW-1",
        "name": "Lampada da tavolo",
        "description": "<p>Ottone</p>",
        "short_description": "Lampada",
        "slug": "lampada-tavolo",
        "barcode": "8001112223334",
        "price": Decimal("20"),
        "purchase_price": Decimal("9.5"),
        "quantity": 6,
    }
    return ShopProduct(**{**values, **extra})


def test_a_new_product_becomes_an_article_like_osm_makes_one(erp: OsmRepository):
    """Code, name in every language, both prices, barcode and opening stock."""
    applied = erp.apply_product(osm.settings(), _product())

    assert applied.applied is Applied.CREATED
    with erp.engine.connect() as db:
        row = db.execute(
            select(MgArticoli).where(MgArticoli.id == applied.erp_id)
        ).one()
        titles = db.execute(
            select(MgArticoliLang.id_lang, MgArticoliLang.title).where(
                MgArticoliLang.id_record == row.id
            )
        ).all()
        barcodes = db.scalars(select(MgArticoliBarcode.barcode)).all()
        moves = db.execute(select(MgMovimenti.qta, MgMovimenti.manuale)).all()
    assert (row.codice, row.name, row.attivo, row.servizio) == (
        "NEW-1",
        "Lampada da tavolo",
        1,
        0,
    )
    assert Decimal(str(row.prezzo_vendita)) == Decimal("20")
    assert Decimal(str(row.prezzo_vendita_ivato)) == Decimal("24.4")
    assert Decimal(str(row.prezzo_acquisto)) == Decimal("9.5")
    assert Decimal(str(row.qta)) == Decimal("6")
    assert sorted(titles) == [(1, "Lampada da tavolo"), (2, "Lampada da tavolo")]
    assert barcodes == ["8001112223334"]
    assert [(Decimal(str(q)), m) for q, m in moves] == [(Decimal("6"), 1)]
    exported = [a for page in erp.articles(ArticleScope()) for a in page]
    assert [(a.code, a.slug, a.short_description, a.description) for a in exported] == [
        ("NEW-1", "lampada-tavolo", "Lampada", "<p>Ottone</p>")
    ]
    assert list(erp.bindings("negozio", Resource.ARTICLES)) == [str(applied.erp_id)]


def test_an_existing_article_gets_texts_and_prices_but_keeps_its_stock(
    erp: OsmRepository,
):
    """Matching by SKU updates name and price; OSM's stock is not touched."""
    item = osm.article(erp.engine, "NEW-1", "2", title="Vecchio nome")
    settings = osm.settings()

    first = erp.apply_product(settings, _product(quantity=50))
    again = erp.apply_product(settings, _product(quantity=50))

    assert (first.applied, first.erp_id, again.applied) == (
        Applied.UPDATED,
        item,
        Applied.UNCHANGED,
    )
    assert osm.stock_of(erp.engine, item) == Decimal("2")
    article = next(a for page in erp.articles(ArticleScope()) for a in page)
    assert (article.name, article.price) == ("Lampada da tavolo", Decimal("20"))


def test_a_shop_image_is_stored_as_the_cover_once(erp: OsmRepository, osm_files):
    """With image bytes the article gets a cover file; the same bytes change nothing."""
    settings = osm.settings(local_images=True)
    product = _product(image_urls=("https://shop.example/img/lampada.jpg",))

    created = erp.apply_product(settings, product, JPEG)
    repeated = erp.apply_product(settings, product, JPEG)

    assert repeated.applied is Applied.UNCHANGED
    with erp.engine.connect() as db:
        cover = db.execute(select(ZzFiles)).one()
        category = db.scalar(
            select(ZzFilesCategories.name).where(
                ZzFilesCategories.id == cover.id_category
            )
        )
    assert (cover.key, cover.name, cover.original, cover.id_record) == (
        "cover",
        "Immagine",
        "lampada.jpg",
        created.erp_id,
    )
    assert category == "Immagini"
    assert (osm_files / "articoli" / cover.filename).read_bytes() == JPEG
    article = next(a for page in erp.articles(ArticleScope()) for a in page)
    assert article.cover is not None
    assert article.cover.sha256 == hashlib.sha256(JPEG).hexdigest()
