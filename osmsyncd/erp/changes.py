"""Which articles may need exporting again since a cursor time.

A change to a child row (a name, a barcode, a custom field, a file, a stock
movement, an open order line) does not touch the article's own
``updated_at``, so one UNION asks every child table.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import CompoundSelect
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union

from osmsyncd.erp.articles import as_utc
from osmsyncd.erp.articles import live_articles
from osmsyncd.erp.articles import naive_utc
from osmsyncd.erp.lookups import ARTICLES_MODULE
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgArticoliBarcode
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from osmsyncd.erp.models import ZzCategorie
from osmsyncd.erp.models import ZzFieldRecord
from osmsyncd.erp.models import ZzFields
from osmsyncd.erp.models import ZzFiles


def changed_article_ids(
    engine: Engine, since: datetime | None
) -> tuple[set[int], datetime]:
    """Articles whose export may differ since ``since``, and the DB's now.

    One UNION over the article row and every child that feeds an export.
    The window starts a second early: OSM's timestamps have whole seconds,
    and a repeat costs nothing because unchanged articles are not sent.
    """
    with engine.connect() as connection:
        now = connection.scalar(select(func.now()))
        assert now is not None
        if since is None:
            live = connection.scalars(select(MgArticoli.id).where(*live_articles()))
            return set(live), as_utc(_as_datetime(now)) or now

        start = naive_utc(since) - timedelta(seconds=1)
        module = Lookups(connection).module_id(ARTICLES_MODULE)
        by_category = select(MgArticoli.id).where(
            or_(
                MgArticoli.id_categoria.in_(
                    select(ZzCategorie.id).where(ZzCategorie.updated_at >= start)
                ),
                MgArticoli.id_sottocategoria.in_(
                    select(ZzCategorie.id).where(ZzCategorie.updated_at >= start)
                ),
            )
        )
        lines = (
            select(OrRigheOrdini.id_articolo.label("id"))
            .join(OrOrdini, OrOrdini.id == OrRigheOrdini.id_ordine)
            .where(
                OrRigheOrdini.id_articolo.is_not(None),
                or_(OrRigheOrdini.updated_at >= start, OrOrdini.updated_at >= start),
            )
        )
        custom = (
            select(ZzFieldRecord.id_record.label("id"))
            .join(ZzFields, ZzFields.id == ZzFieldRecord.id_field)
            .where(ZzFields.id_module == module, ZzFieldRecord.updated_at >= start)
        )
        query: CompoundSelect[Any] = union(
            select(MgArticoli.id).where(MgArticoli.updated_at >= start),
            select(MgArticoliLang.id_record).where(MgArticoliLang.updated_at >= start),
            select(MgArticoliBarcode.id_articolo).where(
                MgArticoliBarcode.updated_at >= start
            ),
            custom,
            select(ZzFiles.id_record).where(
                ZzFiles.id_module == module, ZzFiles.updated_at >= start
            ),
            select(MgMovimenti.id_articolo).where(MgMovimenti.updated_at >= start),
            lines,
            by_category,
        )
        ids = {int(id_) for id_ in connection.scalars(query) if id_ is not None}
    return ids, as_utc(_as_datetime(now)) or now


def _as_datetime(value: Any) -> datetime:
    # SQLite hands CURRENT_TIMESTAMP back as text.
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
