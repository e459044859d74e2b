"""Writing a catalogue into OSM the way OSM's own forms do.

For the demo, the end-to-end tests and the benchmarks: categories with their
translations, articles with one ``_lang`` row per language, barcodes, the
per-article sync fields, an opening stock movement and image attachments.
Rows go in with explicit ids and in bulk, so that tens of thousands of
articles take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from osmsyncd.erp import fields
from osmsyncd.erp.models import CoIva
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgArticoliBarcode
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import ZzCategorie
from osmsyncd.erp.models import ZzCategorieLang
from osmsyncd.erp.models import ZzFieldRecord
from osmsyncd.erp.models import ZzFiles
from osmsyncd.erp.models import ZzLangs
from osmsyncd.erp.models import ZzModules
from osmsyncd.erp.models import ZzStorageAdapters

ZERO = Decimal("0")
CHUNK = 2000


@dataclass(frozen=True)
class SeedArticle:
    """One article as an OSM user would enter it."""

    code: str
    name: str
    price: Decimal
    vat: int = 22
    purchase_price: Decimal = ZERO
    stock: Decimal = ZERO
    category: str | None = None
    subcategory: str | None = None
    barcodes: tuple[str, ...] = ()
    short_description: str = ""
    description: str = ""
    friendly_url: str = ""
    excluded: bool = False
    images: tuple[tuple[str, bytes], ...] = ()
    deleted: bool = False
    service: bool = False


def seed_articles(
    engine: Engine, articles: Sequence[SeedArticle], files_dir: Path | None = None
) -> dict[str, int]:
    """Insert ``articles``; return their OSM ids by code.

    The sync fields must exist (``osmsyncd erp setup``) when an article
    carries a short or long description, a friendly URL or an exclusion.
    """
    with engine.begin() as db:
        categories = _categories(db, articles)
        vat = _vat_codes(db)
        languages = [row for row in db.scalars(select(ZzLangs.id))]
        field_ids = fields.field_ids(db, _module(db, "Articoli"))
        first = (db.scalar(select(func.max(MgArticoli.id))) or 0) + 1
        ids = {article.code: first + n for n, article in enumerate(articles)}

        rows: dict[type[Any], list[dict[str, Any]]] = {
            MgArticoli: [],
            MgArticoliLang: [],
            MgArticoliBarcode: [],
            MgMovimenti: [],
        }
        records: list[dict[str, Any]] = []
        for article in articles:
            erp_id = ids[article.code]
            rows[MgArticoli].append(_article_row(erp_id, article, categories, vat))
            for language in languages:
                rows[MgArticoliLang].append(
                    {"id_lang": language, "id_record": erp_id, "title": article.name}
                )
            for barcode in article.barcodes:
                rows[MgArticoliBarcode].append(
                    {"id_articolo": erp_id, "barcode": barcode}
                )
            if article.stock and not article.service:
                rows[MgMovimenti].append(_opening(erp_id, article.stock))
            records.extend(_sync_fields(erp_id, article, field_ids))

        for model, values in rows.items():
            _bulk(db, model, values)
        _bulk(db, ZzFieldRecord, records)
        _attach_images(db, articles, ids, files_dir)
    return ids


def _bulk(db: Connection, model: type[Any], values: list[dict[str, Any]]) -> None:
    for start in range(0, len(values), CHUNK):
        db.execute(insert(model), values[start : start + CHUNK])


def _categories(db: Connection, articles: Sequence[SeedArticle]) -> dict[Any, int]:
    """Ids of every category and (category, subcategory) pair, made if new."""
    known: dict[Any, int] = {}
    for row in db.execute(select(ZzCategorie.id, ZzCategorie.name, ZzCategorie.parent)):
        known[(row.parent, row.name)] = row.id
    languages = list(db.scalars(select(ZzLangs.id)))

    def ensure(name: str, parent: int | None) -> int:
        if (parent, name) not in known:
            key = db.execute(
                insert(ZzCategorie).values(name=name, parent=parent, is_articolo=1)
            ).inserted_primary_key
            assert key is not None
            known[(parent, name)] = int(key[0])
            for language in languages:
                db.execute(
                    insert(ZzCategorieLang).values(
                        id_lang=language, id_record=int(key[0]), title=name
                    )
                )
        return known[(parent, name)]

    result: dict[Any, int] = {}
    for article in articles:
        if article.category is None:
            continue
        parent = ensure(article.category, None)
        result[article.category] = parent
        if article.subcategory:
            result[(article.category, article.subcategory)] = ensure(
                article.subcategory, parent
            )
    return result


def _vat_codes(db: Connection) -> dict[int, int]:
    """The first plain VAT code of each whole rate, by rate."""
    codes: dict[int, int] = {}
    query = select(CoIva.id, CoIva.percentuale).where(
        CoIva.esente == 0, CoIva.indetraibile == 0, CoIva.deleted_at.is_(None)
    )
    for row in db.execute(query.order_by(CoIva.id)):
        codes.setdefault(int(row.percentuale), row.id)
    return codes


def _module(db: Connection, name: str) -> int:
    module = db.scalar(select(ZzModules.id).where(ZzModules.name == name))
    if module is None:
        raise LookupError(f"OSM has no module {name!r}")
    return int(module)


def _article_row(
    erp_id: int,
    article: SeedArticle,
    categories: dict[Any, int],
    vat: dict[int, int],
) -> dict[str, Any]:
    rate = Decimal(article.vat)
    gross = (article.price * (1 + rate / 100)).quantize(Decimal("0.000001"))
    return {
        "id": erp_id,
        "codice": article.code,
        "name": article.name,
        "um": "pz",
        "note": "",
        "qta": ZERO if article.service else article.stock,
        "ubicazione": "",
        "prezzo_acquisto": article.purchase_price,
        "coefficiente": ZERO,
        "prezzo_vendita": article.price,
        "prezzo_vendita_ivato": gross,
        "minimo_vendita": ZERO,
        "minimo_vendita_ivato": ZERO,
        "id_iva_vendita": vat.get(article.vat),
        "peso_lordo": ZERO,
        "volume": ZERO,
        "componente_filename": "",
        "attivo": 1,
        "servizio": int(article.service),
        "abilita_serial": 0,
        "id_categoria": categories.get(article.category),
        "id_sottocategoria": categories.get((article.category, article.subcategory)),
        "deleted_at": func.current_timestamp() if article.deleted else None,
    }


def _opening(erp_id: int, quantity: Decimal) -> dict[str, Any]:
    return {
        "id_articolo": erp_id,
        "qta": quantity,
        "movimento": "Carico iniziale",
        "data": date.today(),
        "manuale": 1,
        "id_ddt": 0,
        "id_documento": 0,
        "id_sede": 0,
    }


def _sync_fields(
    erp_id: int, article: SeedArticle, field_ids: dict[str, int]
) -> list[dict[str, Any]]:
    values = {
        fields.EXCLUDE: "1" if article.excluded else "",
        fields.SHORT_DESCRIPTION: article.short_description,
        fields.DESCRIPTION: article.description,
        fields.FRIENDLY_URL: article.friendly_url,
    }
    rows = []
    for label, value in values.items():
        if not value:
            continue
        if label not in field_ids:
            raise LookupError(
                f"the field {label!r} is missing: run `osmsyncd erp setup` first"
            )
        rows.append({"id_field": field_ids[label], "id_record": erp_id, "value": value})
    return rows


def _attach_images(
    db: Connection,
    articles: Sequence[SeedArticle],
    ids: dict[str, int],
    files_dir: Path | None,
) -> None:
    if not any(article.images for article in articles):
        return
    if files_dir is None:
        raise ValueError("articles with images need OSM's files folder")
    folder = files_dir / "articoli"
    folder.mkdir(parents=True, exist_ok=True)
    module = _module(db, "Articoli")
    adapter = db.scalar(
        select(ZzStorageAdapters.id).order_by(ZzStorageAdapters.is_default.desc())
    )
    rows = []
    for article in articles:
        for position, (filename, content) in enumerate(article.images):
            (folder / filename).write_bytes(content)
            rows.append(
                {
                    "name": "Immagine" if position == 0 else filename,
                    "filename": filename,
                    "original": filename,
                    "id_module": module,
                    "id_record": ids[article.code],
                    "id_adapter": adapter,
                    "key": "cover" if position == 0 else None,
                    "size": len(content),
                }
            )
    _bulk(db, ZzFiles, rows)
