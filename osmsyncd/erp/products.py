"""Shop products into OSM articles (article import).

A new article is created as OSM creates one: code, name and one ``_lang``
row per language, active, both sale prices, a barcode row, and its shop
stock as an opening movement. An existing article gets the shop's texts
and prices; OSM keeps its own stock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Connection
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.config import ConnectionSettings
from osmsyncd.erp import fields
from osmsyncd.erp.bindings import bind
from osmsyncd.erp.bindings import find_binding
from osmsyncd.erp.images import ImageFiles
from osmsyncd.erp.images import image_suffix
from osmsyncd.erp.interface import Application
from osmsyncd.erp.interface import Applied
from osmsyncd.erp.interface import Binding
from osmsyncd.erp.lines import q6
from osmsyncd.erp.lookups import ARTICLES_MODULE
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import CoIva
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgArticoliBarcode
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.models import ZzCategorie
from osmsyncd.erp.models import ZzFiles
from osmsyncd.erp.models import ZzFilesCategories
from osmsyncd.erp.models import ZzModules
from osmsyncd.erp.stock import move_stock
from osmsyncd.records import Resource
from osmsyncd.records import ShopProduct

log = structlog.get_logger(__name__)

IMAGES_CATEGORY = "Immagini"


@dataclass
class FileChanges:
    """Files written in a transaction, to undo or tidy once it ends."""

    written: list[Path] = field(default_factory=list)
    obsolete: list[Path] = field(default_factory=list)


def fingerprint(product: ShopProduct, image: bytes | None) -> str:
    data = {k: v for k, v in vars(product).items() if k != "updated_at"}
    data["image"] = hashlib.sha256(image).hexdigest() if image else ""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def apply_product(
    db: Connection,
    settings: ConnectionSettings,
    product: ShopProduct,
    image: bytes | None,
    images: ImageFiles,
    files: FileChanges,
    today: date,
) -> Application:
    """Create or update the article bound to a shop product (caller's transaction)."""
    lookups = Lookups(db)
    wanted = fingerprint(product, image)
    binding = find_binding(
        db, settings.name, Resource.ARTICLES, shop_id=product.shop_id
    )
    article = _bound_article(db, binding)
    if article is not None and binding is not None:
        if binding.values.get("import_hash") == wanted:
            return Application(Applied.UNCHANGED, article)
    if article is None and product.sku.strip():
        article = db.scalar(
            select(MgArticoli.id)
            .where(
                MgArticoli.codice == product.sku.strip(),
                MgArticoli.deleted_at.is_(None),
            )
            .order_by(MgArticoli.id)
        )

    warnings: list[str] = []
    moved = 0
    if article is None:
        article, moved = _create(db, lookups, settings, product, today)
        applied = Applied.CREATED
    else:
        changed = _update(db, lookups, article, product)
        applied = Applied.UPDATED if changed else Applied.UNCHANGED
    if _extras(db, lookups, article, product):
        applied = Applied.UPDATED if applied is Applied.UNCHANGED else applied
    if image is not None:
        stored = store_cover(db, lookups, images, files, article, image, product)
        if isinstance(stored, str):
            warnings.append(stored)
        elif stored and applied is Applied.UNCHANGED:
            applied = Applied.UPDATED

    holder = find_binding(db, settings.name, Resource.ARTICLES, erp_id=str(article))
    if holder is None or holder.shop_id == product.shop_id:
        values = {**(holder.values if holder else {}), "import_hash": wanted}
        bind(
            db,
            Binding(
                settings.name,
                Resource.ARTICLES,
                str(article),
                product.shop_id,
                holder.hash if holder else "",
                values,
            ),
        )
    else:
        warnings.append(
            f"article {article} is already bound to shop product {holder.shop_id}"
        )
    return Application(applied, article, moved, tuple(warnings))


def _bound_article(db: Connection, binding: Binding | None) -> int | None:
    if binding is None or not binding.erp_id.isdigit():
        return None
    return db.scalar(
        select(MgArticoli.id).where(
            MgArticoli.id == int(binding.erp_id), MgArticoli.deleted_at.is_(None)
        )
    )


def _rate(db: Connection, lookups: Lookups, vat_id: int | None) -> Decimal:
    if vat_id is not None:
        found = db.scalar(select(CoIva.percentuale).where(CoIva.id == vat_id))
        if found is not None:
            return Decimal(found)
    default = lookups.default_vat
    return default.rate if default is not None else Decimal("22")


def _create(
    db: Connection,
    lookups: Lookups,
    settings: ConnectionSettings,
    product: ShopProduct,
    today: date,
) -> tuple[int, int]:
    name = product.name.strip() or product.sku.strip() or product.shop_id
    net = q6(product.price or Decimal("0"))
    rate = _rate(db, lookups, None)
    zero = Decimal("0")
    new_id = db.execute(
        insert(MgArticoli).values(
            name=name[:255],
            codice=(product.sku.strip() or f"{settings.name}-{product.shop_id}")[:255],
            um="pz",
            abilita_serial=0,
            note="",
            qta=zero,
            ubicazione="",
            prezzo_acquisto=q6(product.purchase_price or zero),
            coefficiente=zero,
            prezzo_vendita=net,
            prezzo_vendita_ivato=q6(net * (1 + rate / 100)),
            minimo_vendita=zero,
            minimo_vendita_ivato=zero,
            peso_lordo=zero,
            volume=zero,
            componente_filename="",
            attivo=1,
            servizio=0,
            id_categoria=_category(db, product.categories),
        )
    ).inserted_primary_key
    assert new_id is not None
    article = int(new_id[0])
    for lang in lookups.lang_ids:
        db.execute(
            insert(MgArticoliLang).values(id_lang=lang, id_record=article, title=name)
        )
    if product.barcode.strip():
        db.execute(
            insert(MgArticoliBarcode).values(
                id_articolo=article, barcode=product.barcode.strip()[:100]
            )
        )

    moved = 0
    if product.quantity and product.quantity > 0:
        sede = (lookups.warehouse_ids(settings.warehouses) or [0])[0]
        move_stock(
            db,
            article,
            Decimal(product.quantity),
            f"Giacenza iniziale da e-commerce {settings.name}",
            sede,
            today,
        )
        moved = 1
    log.info("article_created", erp_id=article, code=product.sku)
    return article, moved


def _category(db: Connection, names: tuple[str, ...]) -> int | None:
    """An existing OSM article category named like the shop's first one."""
    if not names:
        return None
    return db.scalar(
        select(ZzCategorie.id)
        .where(
            func.lower(ZzCategorie.name) == names[0].strip().lower(),
            ZzCategorie.is_articolo == 1,
            ZzCategorie.parent.is_(None),
        )
        .order_by(ZzCategorie.id)
    )


def _update(
    db: Connection, lookups: Lookups, article: int, product: ShopProduct
) -> bool:
    row = db.execute(
        select(
            MgArticoli.name,
            MgArticoli.prezzo_vendita,
            MgArticoli.prezzo_acquisto,
            MgArticoli.id_iva_vendita,
        ).where(MgArticoli.id == article)
    ).one()
    changes: dict[str, Any] = {}
    if product.price is not None and q6(product.price) != q6(row.prezzo_vendita):
        rate = _rate(db, lookups, row.id_iva_vendita)
        net = q6(product.price)
        changes.update(
            prezzo_vendita=net, prezzo_vendita_ivato=q6(net * (1 + rate / 100))
        )
    if product.purchase_price is not None and q6(product.purchase_price) != q6(
        row.prezzo_acquisto
    ):
        changes["prezzo_acquisto"] = q6(product.purchase_price)

    name = product.name.strip()
    renamed = False
    if name:
        title = db.execute(
            select(MgArticoliLang.id, MgArticoliLang.title).where(
                MgArticoliLang.id_record == article,
                MgArticoliLang.id_lang == lookups.lang_id,
            )
        ).first()
        if (title.title if title else row.name) != name:
            renamed = True
            changes["name"] = name[:255]
            if title is None:
                db.execute(
                    insert(MgArticoliLang).values(
                        id_lang=lookups.lang_id, id_record=article, title=name
                    )
                )
            else:
                db.execute(
                    update(MgArticoliLang)
                    .where(MgArticoliLang.id == title.id)
                    .values(title=name)
                )
    if changes:
        db.execute(update(MgArticoli).where(MgArticoli.id == article).values(**changes))
    return bool(changes) or renamed


def _extras(
    db: Connection, lookups: Lookups, article: int, product: ShopProduct
) -> bool:
    """Shop-only texts into the custom fields, and a first barcode."""
    changed = False
    ids = fields.field_ids(db, lookups.module_id(ARTICLES_MODULE))
    name = product.name.strip()
    texts = {
        fields.SHORT_DESCRIPTION: product.short_description.strip(),
        # The long description falls back to the name: storing that copy
        # would freeze it when the name changes.
        fields.DESCRIPTION: ""
        if product.description.strip() == name
        else product.description.strip(),
        fields.FRIENDLY_URL: product.slug.strip(),
    }
    for label, value in texts.items():
        if label in ids and (value or _has_value(db, ids[label], article)):
            changed |= fields.write_value(db, ids[label], article, value)

    barcode = product.barcode.strip()
    if barcode:
        present = db.scalar(
            select(func.count()).where(MgArticoliBarcode.id_articolo == article)
        )
        if not present:
            db.execute(
                insert(MgArticoliBarcode).values(
                    id_articolo=article, barcode=barcode[:100]
                )
            )
            changed = True
    return changed


def _has_value(db: Connection, field_id: int, article: int) -> bool:
    return bool(fields.read_values(db, {"x": field_id}, [article]).get(article))


def store_cover(
    db: Connection,
    lookups: Lookups,
    images: ImageFiles,
    files: FileChanges,
    article: int,
    image: bytes,
    product: ShopProduct,
) -> bool | str:
    """Make ``image`` the article's cover; True when it changed, or a warning."""
    module = lookups.module_id(ARTICLES_MODULE)
    attachments = db.scalar(
        select(ZzModules.attachments_directory).where(ZzModules.id == module)
    )
    folder = images.folder(attachments or "")
    if folder is None:
        return "files_dir is not set in [erp]: the shop image was not stored"
    suffix = image_suffix(image)
    if suffix is None:
        return "the shop image is not a JPEG, PNG, GIF or WebP file: not stored"

    digest = hashlib.sha256(image).hexdigest()
    cover = db.execute(
        select(ZzFiles.id, ZzFiles.filename).where(
            ZzFiles.id_module == module,
            ZzFiles.id_record == article,
            ZzFiles.key == "cover",
        )
    ).first()
    if cover is not None and images.digest(folder / cover.filename) == digest:
        return False

    filename = images.store(folder, image, suffix)
    files.written.append(folder / filename)
    original = Path(product.image_urls[0]).name if product.image_urls else filename
    columns = {"filename": filename, "original": original[:255], "size": len(image)}
    if cover is not None:
        db.execute(update(ZzFiles).where(ZzFiles.id == cover.id).values(**columns))
        files.obsolete.append(folder / cover.filename)
    else:
        db.execute(
            insert(ZzFiles).values(
                name="Immagine",
                id_category=_images_category(db),
                id_module=module,
                id_record=article,
                id_adapter=lookups.storage_adapter,
                key="cover",
                **columns,
            )
        )
    return True


def _images_category(db: Connection) -> int:
    """OSM's "Immagini" file category, created on first use as OSM does."""
    found = db.scalar(
        select(ZzFilesCategories.id)
        .where(
            ZzFilesCategories.name == IMAGES_CATEGORY,
            ZzFilesCategories.deleted_at.is_(None),
        )
        .order_by(ZzFilesCategories.id)
    )
    if found is not None:
        return found
    new_id = db.execute(
        insert(ZzFilesCategories).values(name=IMAGES_CATEGORY)
    ).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])
