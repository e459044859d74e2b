"""The demo shop's catalogue: a small Italian coffee and kitchen shop."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoArticle:
    code: str
    name: str
    category: str
    subcategory: str | None
    price: Decimal
    purchase_price: Decimal
    vat: int
    stock: Decimal
    barcode: str = ""
    short_description: str = ""
    description: str = ""
    colour: tuple[int, int, int] = (120, 80, 40)
    photo: bool = True


@dataclass(frozen=True)
class DemoCustomer:
    first_name: str
    last_name: str
    email: str
    company: str = ""
    vat_number: str = ""
    fiscal_code: str = ""
    city: str = ""
    postcode: str = ""
    province: str = ""
    street: str = ""


ARTICLES = (
    DemoArticle(
        "CAF-001",
        "Caffè Miscela Perù 250 g",
        "Caffè",
        "Macinato",
        Decimal("8.20"),
        Decimal("4.10"),
        22,
        Decimal("40"),
        "2000000000015",
        "<p>Miscela 100% arabica, tostatura media.</p>",
        "<p>Caffè macinato per moka dal <strong>Perù</strong>.</p>",
        (101, 67, 33),
    ),
    DemoArticle(
        "CAF-002",
        "Caffè in grani Etiopia 1 kg",
        "Caffè",
        "In grani",
        Decimal("24.50"),
        Decimal("12.00"),
        22,
        Decimal("12"),
        "2000000000022",
        colour=(80, 50, 20),
    ),
    DemoArticle(
        "CAF-003",
        "Capsule compatibili & decaffeinato (x50)",
        "Caffè",
        "Capsule",
        Decimal("11.90"),
        Decimal("5.60"),
        22,
        Decimal("0"),
        colour=(150, 110, 60),
    ),
    DemoArticle(
        "TE-010",
        "Tè verde Sencha biologico",
        "Tè e tisane",
        None,
        Decimal("6.40"),
        Decimal("2.90"),
        10,
        Decimal("25.5"),
        "2000000000039",
        colour=(90, 140, 60),
    ),
    DemoArticle(
        "TE-011",
        "Tisana camomilla & melissa ☕",
        "Tè e tisane",
        None,
        Decimal("3.80"),
        Decimal("1.50"),
        10,
        Decimal("60"),
        colour=(220, 200, 90),
    ),
    DemoArticle(
        "MOK-020",
        "Moka in alluminio 3 tazze",
        "Accessori",
        "Caffettiere",
        Decimal("18.00"),
        Decimal("9.00"),
        22,
        Decimal("8"),
        "2000000000046",
        colour=(170, 170, 180),
    ),
    DemoArticle(
        "TAZ-021",
        "Tazzine espresso in ceramica (set da 6)",
        "Accessori",
        "Tazze",
        Decimal("15.50"),
        Decimal("6.20"),
        22,
        Decimal("15"),
        colour=(40, 90, 160),
    ),
    DemoArticle(
        "MAC-030",
        "Macinacaffè manuale in legno",
        "Accessori",
        None,
        Decimal("32.00"),
        Decimal("15.00"),
        22,
        Decimal("4"),
        colour=(140, 90, 50),
        photo=False,
    ),
)

CUSTOMERS = (
    DemoCustomer(
        "Giulia",
        "Verdi",
        "giulia.verdi@example.com",
        fiscal_code="VRDGLI85M41A944K",
        street="Via Roma 1",
        city="Bologna",
        postcode="40100",
        province="BO",
    ),
    DemoCustomer(
        "Marco",
        "Bianchi",
        "info@ferr-bianchi.example",
        company="Ferramenta Bianchi snc",
        vat_number="01234567890",
        street="Via Po 9",
        city="Torino",
        postcode="10100",
        province="TO",
    ),
)
