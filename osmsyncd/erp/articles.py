"""OSM articles as the shop should show them, and what changed since when.

Articles are read in pages with a fixed number of queries per page (rows,
names, barcodes, custom fields, files, stock, commitments), never one query
per article. Each page uses its own connection, so no read transaction stays
open while the engine works on the previous page.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from decimal import ROUND_FLOOR
from decimal import Decimal
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import String
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from osmsyncd.erp import fields
from osmsyncd.erp.images import ImageFiles
from osmsyncd.erp.images import is_image
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.lookups import ARTICLES_MODULE
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import CoIva
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgArticoliBarcode
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from osmsyncd.erp.models import OrStatiOrdine
from osmsyncd.erp.models import OrTipiOrdine
from osmsyncd.erp.models import ZzCategorie
from osmsyncd.erp.models import ZzCategorieLang
from osmsyncd.erp.models import ZzFiles
from osmsyncd.erp.models import ZzModules
from osmsyncd.erp.state import OsmsyncBinding
from osmsyncd.erp.state import OsmsyncStockMove
from osmsyncd.records import Article
from osmsyncd.records import Image
from osmsyncd.records import Resource

log = structlog.get_logger(__name__)

PAGE_SIZE = 500
DELETED_CODE = "DELETED"


def as_utc(value: datetime | None) -> datetime | None:
    """A naive database time (UTC by session setting) made timezone-aware."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal("0")
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass
class _Catalogue:
    """What every page needs, read once per call."""

    lang: int
    module: int
    folder: Path | None
    field_ids: dict[str, int]
    categories: dict[int, tuple[str, str, int | None]]
    in_categories: set[int] | None
    rates: dict[int, Decimal]
    default_rate: Decimal
    warehouses: list[int]


_COLUMNS = (
    MgArticoli.id,
    MgArticoli.codice,
    MgArticoli.name,
    MgArticoli.barcode,
    MgArticoli.qta,
    MgArticoli.prezzo_acquisto,
    MgArticoli.prezzo_vendita,
    MgArticoli.prezzo_vendita_ivato,
    MgArticoli.id_iva_vendita,
    MgArticoli.id_categoria,
    MgArticoli.id_sottocategoria,
    MgArticoli.peso_lordo,
    MgArticoli.updated_at,
)


def live_articles() -> list[ColumnElement[bool]]:
    """What every exported article is: not deleted, not a service, active."""
    return [
        MgArticoli.deleted_at.is_(None),
        MgArticoli.servizio == 0,
        MgArticoli.attivo == 1,
        MgArticoli.codice != DELETED_CODE,
    ]


def read_articles(
    engine: Engine,
    images: ImageFiles,
    scope: ArticleScope,
    ids: Iterable[int] | None = None,
) -> Iterator[list[Article]]:
    """Articles in scope, ``PAGE_SIZE`` at a time, ordered by id."""
    with engine.connect() as connection:
        catalogue = _catalogue(connection, images, scope)
    conditions = live_articles()
    if catalogue.in_categories is not None:
        chosen = catalogue.in_categories
        conditions.append(
            or_(
                MgArticoli.id_categoria.in_(chosen),
                MgArticoli.id_sottocategoria.in_(chosen),
            )
        )

    wanted = sorted(set(ids)) if ids is not None else None
    last = 0
    while True:
        query = select(*_COLUMNS).where(*conditions).order_by(MgArticoli.id)
        if wanted is not None:
            chunk = wanted[:PAGE_SIZE]
            wanted = wanted[PAGE_SIZE:]
            if not chunk:
                return
            query = query.where(MgArticoli.id.in_(chunk))
        else:
            query = query.where(MgArticoli.id > last).limit(PAGE_SIZE)

        with engine.connect() as connection:
            rows = list(connection.execute(query))
            if not rows and wanted is None:
                return
            last = rows[-1].id if rows else last
            page = _page(connection, images, catalogue, scope, rows)
        if page:
            yield page


def _catalogue(
    connection: Connection, images: ImageFiles, scope: ArticleScope
) -> _Catalogue:
    lookups = Lookups(connection)
    module = lookups.module_id(ARTICLES_MODULE)
    attachments = connection.scalar(
        select(ZzModules.attachments_directory).where(ZzModules.id == module)
    )
    categories = _categories(connection, lookups.lang_id)
    default = lookups.default_vat
    return _Catalogue(
        lang=lookups.lang_id,
        module=module,
        folder=images.folder(attachments or ""),
        field_ids=fields.field_ids(connection, module),
        categories=categories,
        in_categories=_chosen_categories(categories, scope.categories),
        rates={
            id_: decimal(rate)
            for id_, rate in connection.execute(select(CoIva.id, CoIva.percentuale))
        },
        default_rate=default.rate if default is not None else Decimal("22"),
        warehouses=lookups.warehouse_ids(scope.warehouses),
    )


def _categories(
    connection: Connection, lang: int
) -> dict[int, tuple[str, str, int | None]]:
    """id → (name column, title in the default language, parent)."""
    title = (
        select(ZzCategorieLang.title)
        .where(ZzCategorieLang.id_record == ZzCategorie.id)
        .where(ZzCategorieLang.id_lang == lang)
        .limit(1)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(
            ZzCategorie.id, ZzCategorie.name, title.label("title"), ZzCategorie.parent
        )
    )
    return {
        row.id: (row.name or "", row.title or row.name or "", row.parent)
        for row in rows
    }


def _chosen_categories(
    categories: dict[int, tuple[str, str, int | None]], names: tuple[str, ...]
) -> set[int] | None:
    """Ids of the named categories and of their subcategories; None = all."""
    if not names:
        return None
    wanted = {name.strip().lower() for name in names}
    chosen = {id_ for id_, (name, _, _) in categories.items() if name.lower() in wanted}
    unknown = wanted - {categories[id_][0].lower() for id_ in chosen}
    if unknown:
        log.warning("categories_not_found", categories=sorted(unknown))
    chosen |= {id_ for id_, (_, _, parent) in categories.items() if parent in chosen}
    return chosen


def _page(
    connection: Connection,
    images: ImageFiles,
    catalogue: _Catalogue,
    scope: ArticleScope,
    rows: list[Any],
) -> list[Article]:
    ids = [row.id for row in rows]
    titles: dict[int, str] = {
        id_: title
        for id_, title in connection.execute(
            select(MgArticoliLang.id_record, MgArticoliLang.title).where(
                MgArticoliLang.id_record.in_(ids),
                MgArticoliLang.id_lang == catalogue.lang,
            )
        )
    }
    barcodes: dict[int, list[str]] = {}
    for id_, barcode in connection.execute(
        select(MgArticoliBarcode.id_articolo, MgArticoliBarcode.barcode)
        .where(MgArticoliBarcode.id_articolo.in_(ids))
        .order_by(MgArticoliBarcode.id)
    ):
        if barcode and barcode.strip():
            barcodes.setdefault(id_, []).append(barcode.strip())
    extra = fields.read_values(connection, catalogue.field_ids, ids)
    files = _files(connection, catalogue.module, ids)
    stock = _stock(connection, ids, catalogue.warehouses)
    committed = _committed(connection, ids, catalogue.warehouses)

    page: list[Article] = []
    for row in rows:
        values = extra.get(row.id, {})
        if values.get(fields.EXCLUDE, "").strip() == "1":
            continue
        pictures, has_cover = _images(images, catalogue.folder, files.get(row.id, []))
        if scope.only_with_photo and not has_cover:
            continue
        # Without chosen warehouses the article's total is the stock.
        on_hand = (
            stock.get(row.id, Decimal("0"))
            if catalogue.warehouses
            else decimal(row.qta)
        )
        available = on_hand - committed.get(row.id, Decimal("0"))
        name = (titles.get(row.id) or row.name or row.codice).strip()
        codes = barcodes.get(row.id) or ([row.barcode.strip()] if row.barcode else [])
        page.append(
            Article(
                erp_id=row.id,
                code=row.codice.strip(),
                name=name,
                description=values.get(fields.DESCRIPTION, "").strip() or name,
                short_description=values.get(fields.SHORT_DESCRIPTION, "").strip(),
                slug=values.get(fields.FRIENDLY_URL, "").strip(),
                barcode=codes[0] if codes else "",
                extra_barcodes=tuple(codes[1:]),
                quantity=publishable(available),
                purchase_price=decimal(row.prezzo_acquisto),
                price=decimal(row.prezzo_vendita),
                price_gross=decimal(row.prezzo_vendita_ivato),
                vat_rate=_rate(catalogue, row.id_iva_vendita),
                categories=_paths(catalogue, row.id_categoria, row.id_sottocategoria),
                images=pictures,
                weight=decimal(row.peso_lordo),
                updated_at=as_utc(row.updated_at),
            )
        )
    return page


def publishable(available: Decimal) -> int:
    """``max(0, floor(available))``: shops take whole, non-negative stock."""
    return max(0, int(available.to_integral_value(rounding=ROUND_FLOOR)))


def _files(connection: Connection, module: int, ids: list[int]) -> dict[int, list[Any]]:
    cover_first = case((ZzFiles.key == "cover", 0), else_=1)
    found: dict[int, list[Any]] = {}
    for row in connection.execute(
        select(ZzFiles.id_record, ZzFiles.filename, ZzFiles.name, ZzFiles.key)
        .where(ZzFiles.id_module == module, ZzFiles.id_record.in_(ids))
        .order_by(cover_first, ZzFiles.id)
    ):
        found.setdefault(row.id_record, []).append(row)
    return found


def _images(
    images: ImageFiles, folder: Path | None, rows: list[Any]
) -> tuple[tuple[Image, ...], bool]:
    """The article's images, cover first, and whether it has a cover.

    Without a files folder nothing can be read; the cover row alone then
    counts as a photo, so ``only_with_photo`` does not hide the catalogue.
    """
    if folder is None:
        return (), any(row.key == "cover" for row in rows)
    found: list[Image] = []
    has_cover = False
    for row in rows:
        if row.key != "cover" and not is_image(row.filename):
            continue
        image = images.image(folder, row.filename, row.name or "")
        if image is None:
            continue
        has_cover = has_cover or row.key == "cover"
        found.append(image)
    return tuple(found), has_cover


def _stock(
    connection: Connection, ids: list[int], sedi: list[int]
) -> dict[int, Decimal]:
    """Stock per article in the chosen warehouses (movements summed)."""
    if not sedi:
        return {}
    rows = connection.execute(
        select(MgMovimenti.id_articolo, func.sum(MgMovimenti.qta))
        .where(MgMovimenti.id_articolo.in_(ids), MgMovimenti.id_sede.in_(sedi))
        .group_by(MgMovimenti.id_articolo)
    )
    return {id_: decimal(total) for id_, total in rows}


def _committed(
    connection: Connection, ids: list[int], sedi: list[int]
) -> dict[int, Decimal]:
    """What open customer orders promise, except shop sales already moved.

    An imported order whose sale lowered the stock by a movement must not be
    subtracted a second time. One imported without a movement (the
    connection leaves stock to OSM's delivery notes) still commits its lines.
    """
    left = OrRigheOrdini.qta - OrRigheOrdini.qta_evasa
    imported = (
        select(OsmsyncBinding.erp_id)
        .join(
            OsmsyncStockMove,
            (OsmsyncStockMove.connection == OsmsyncBinding.connection)
            & (OsmsyncStockMove.shop_order_id == OsmsyncBinding.shop_id),
        )
        .where(OsmsyncBinding.resource == str(Resource.ORDERS))
    )
    query = (
        select(OrRigheOrdini.id_articolo, func.sum(left))
        .join(OrOrdini, OrOrdini.id == OrRigheOrdini.id_ordine)
        .join(OrStatiOrdine, OrStatiOrdine.id == OrOrdini.id_stato)
        .join(OrTipiOrdine, OrTipiOrdine.id == OrOrdini.id_tipo_ordine)
        .where(
            OrRigheOrdini.id_articolo.in_(ids),
            OrTipiOrdine.dir == "entrata",
            OrStatiOrdine.impegnato == 1,
            OrRigheOrdini.confermato == 1,
            left > 0,
            cast(OrOrdini.id, String).not_in(imported),
        )
        .group_by(OrRigheOrdini.id_articolo)
    )
    if sedi:
        query = query.where(OrOrdini.id_sede_partenza.in_(sedi))
    return {
        id_: decimal(total)
        for id_, total in connection.execute(query)
        if id_ is not None
    }


def _rate(catalogue: _Catalogue, vat_id: int | None) -> Decimal:
    if vat_id is not None and vat_id in catalogue.rates:
        return catalogue.rates[vat_id]
    return catalogue.default_rate


def _paths(
    catalogue: _Catalogue, category: int | None, subcategory: int | None
) -> tuple[tuple[str, ...], ...]:
    known = catalogue.categories
    if subcategory in known:
        parent = known[subcategory][2]
        top = category if category in known else parent
        if top in known and top != subcategory:
            return ((known[top][1], known[subcategory][1]),)
        return ((known[subcategory][1],),)
    if category in known:
        return ((known[category][1],),)
    return ()
