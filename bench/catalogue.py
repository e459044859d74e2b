"""A synthetic OSM catalogue in a throwaway MariaDB database.

Every article has a subcategory, a barcode, stock, a short description and
one small picture of its own, so that a first export moves products, stock
and images. The catalogue is the same for a given size on every run.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import text
from sqlalchemy import update

from osmsyncd.config import ErpSettings
from osmsyncd.demo.images import png
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.reference import install_osm
from osmsyncd.erp.seed import SeedArticle
from osmsyncd.erp.seed import seed_articles
from osmsyncd.erp.session import build_engine
from osmsyncd.erp.session import open_erp

SERVER = "mysql+pymysql://root@127.0.0.1:3306"
CATEGORIES = (
    "Caffè", "Tè e tisane", "Cucina", "Pulizia", "Giardino", "Ufficio",
    "Illuminazione", "Ferramenta",
)  # fmt: skip
SUBCATEGORIES = ("Base", "Premium", "Ricambi", "Accessori", "Offerte")
PICTURE_SIZE = 8
OVERLAP = 2.0


@dataclass(frozen=True)
class Osm:
    """One throwaway OSM: its URL, its files folder and the article ids."""

    url: str
    files_dir: Path
    ids: list[int]

    @property
    def settings(self) -> ErpSettings:
        return ErpSettings(url=self.url, files_dir=self.files_dir)


def articles(size: int) -> list[SeedArticle]:
    """``size`` articles, spread over 8 categories of 5 subcategories each."""
    draw = random.Random(size)
    made = []
    for n in range(1, size + 1):
        category = CATEGORIES[n % len(CATEGORIES)]
        subcategory = SUBCATEGORIES[(n // len(CATEGORIES)) % len(SUBCATEGORIES)]
        price = Decimal(draw.randrange(150, 25000)) / 100
        colour = (n % 251, (n // 251) % 251, (n * 7) % 251)
        made.append(
            SeedArticle(
                code=f"BN-{n:06d}",
                name=f"Articolo {category} {subcategory} n. {n}",
                price=price,
                purchase_price=(price / 2).quantize(Decimal("0.01")),
                stock=Decimal(draw.randrange(20, 400)),
                category=category,
                subcategory=subcategory,
                barcodes=(ean13(f"2{n:011d}"),),
                short_description=f"<p>Articolo numero <strong>{n}</strong>.</p>",
                images=((f"bench-{n:06d}.png", png(colour, PICTURE_SIZE)),),
            )
        )
    return made


def ean13(first12: str) -> str:
    """The 13-digit barcode: ``first12`` and its check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str(-total % 10)


@contextmanager
def throwaway_osm(size: int, folder: Path) -> Iterator[Osm]:
    """An OSM database holding ``size`` articles, dropped on the way out."""
    name = f"osmsyncd_test_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(SERVER)
    with admin.begin() as db:
        db.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = f"{SERVER}/{name}?charset=utf8mb4"
    try:
        engine = create_engine(url)
        install_osm(engine)
        engine.dispose()
        files = folder / "files"
        repository = open_erp(ErpSettings(url=url, files_dir=files))
        try:
            repository.setup()
            ids = seed_articles(repository.engine, articles(size), files)
        finally:
            repository.close()
        # A catalogue is older than the second of overlap every export reads
        # again: without this the first cycles would re-read what was just
        # seeded.
        time.sleep(OVERLAP)
        yield Osm(url, files, sorted(ids.values()))
    finally:
        with admin.begin() as db:
            db.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def change_prices(osm: Osm, share: float = 0.01) -> int:
    """Raise the price of one article in 1/share, as an OSM user would."""
    chosen = osm.ids[:: round(1 / share)]
    # osmsyncd's own engine: its session clock is UTC, like the cursors.
    engine = build_engine(osm.settings)
    try:
        with engine.begin() as db:
            db.execute(
                update(MgArticoli)
                .where(MgArticoli.id.in_(chosen))
                .values(
                    prezzo_vendita=MgArticoli.prezzo_vendita + 1,
                    prezzo_vendita_ivato=MgArticoli.prezzo_vendita_ivato
                    + Decimal("1.22"),
                    updated_at=func.now(),
                )
            )
    finally:
        engine.dispose()
    return len(chosen)
