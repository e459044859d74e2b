"""The catalogue of the end-to-end tests: 25 OSM articles that test a shop.

Accents, ``&``, emoji, characters PrestaShop refuses in names, HTML
descriptions, categories with subcategories, images, zero and fractional
stock, an excluded article, one without a photo, one in a category the
connection does not sync and one deleted in OSM.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from osmsyncd.demo.images import png
from osmsyncd.erp.seed import SeedArticle

SYNCED_CATEGORIES = ("Caffè", "Tè & tisane", "Accessori")


def _photo(n: int) -> tuple[tuple[str, bytes], ...]:
    return ((f"foto-{n:02d}.png", png((20 * n % 255, 90, 160 - 5 * n))),)


def _article(n: int, **values: object) -> SeedArticle:
    base = SeedArticle(
        code=f"E2E-{n:03d}",
        name=f"Articolo di prova {n}",
        price=Decimal("10.00") + n,
        purchase_price=Decimal("4.00") + n,
        stock=Decimal(10 + n),
        category="Caffè",
        subcategory="Macinato",
        images=_photo(n),
    )
    return replace(base, **values)  # type: ignore[arg-type]


ARTICLES = (
    _article(1, name="Caffè Perù 250 g", barcodes=("2000000000015",)),
    _article(
        2,
        name="Caffè & Tè Miscela ☕",
        short_description="<p>Miscela <strong>100% arabica</strong>.</p>",
        description="<p>Dal <em>Perù</em>, tostatura media.</p><ul><li>250 g</li></ul>",
    ),
    _article(3, name="Tè verde Sencha «bio»", category="Tè & tisane", subcategory=None),
    _article(
        4,
        name='Raccordo <3/4"> ; filetto=M #2 {inox}',
        category="Accessori",
        subcategory="Ricambi moka",
    ),
    _article(
        5,
        name="Moka 3 tazze",
        category="Accessori",
        subcategory="Moka",
        friendly_url="moka-tre-tazze",
    ),  # fmt: skip
    _article(6, name="Tazzina espresso", stock=Decimal("7.5"), vat=22),
    _article(
        7,
        name="Tisana camomilla",
        category="Tè & tisane",
        subcategory=None,
        vat=10,
        price=Decimal("3.80"),
    ),  # fmt: skip
    _article(8, name="Capsule decaffeinato (x50)", stock=Decimal("0")),
    _article(
        9,
        name="Caffè in grani Etiopia 1 kg",
        subcategory="In grani",
        stock=Decimal("-2"),
    ),  # fmt: skip
    _article(10, name="Articolo escluso dal negozio", excluded=True),
    _article(11, name="Macinacaffè senza foto", images=()),
    _article(12, name="Guarnizione di ricambio", category="Ricambi", subcategory=None),
    _article(13, name="Articolo cancellato", deleted=True),
    *(
        _article(
            n,
            name=f"Miscela n. {n} — edizione «speciale»",
            barcodes=(f"21000000000{n:02d}",) if n % 2 else (),
        )  # fmt: skip
        for n in range(14, 26)
    ),
)

# What must reach the shop: every article except the excluded one, the one
# without a photo, the one outside the synced categories and the deleted one.
EXPORTED = tuple(
    a.code
    for a in ARTICLES
    if not (a.excluded or not a.images or a.deleted or a.category == "Ricambi")
)
HIDDEN = ("E2E-008", "E2E-009")


def published_quantity(article: SeedArticle) -> int:
    return max(0, int(article.stock // 1))


def by_code(code: str) -> SeedArticle:
    return next(a for a in ARTICLES if a.code == code)
