"""OSM customer orders out: what the export reads, and what it never reads."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.interface import Applied
from osmsyncd.erp.interface import Binding
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.records import ErpOrderLine
from osmsyncd.records import Resource
from tests.erp import osm

LONG_AGO = datetime(2025, 6, 1, 12, 0)


def _price(erp: OsmRepository, order_id: int, net: str, vat: str, **more: str) -> None:
    """Give every line of an order the same unit price, as OSM's form does."""
    with erp.engine.begin() as db:
        db.execute(
            update(OrRigheOrdini)
            .where(OrRigheOrdini.id_ordine == order_id)
            .values(
                prezzo_unitario=Decimal(net),
                subtotale=Decimal(net) * OrRigheOrdini.qta,
                iva=Decimal(vat) * OrRigheOrdini.qta,
                **{k: Decimal(v) for k, v in more.items()},
            )
        )


def _age(erp: OsmRepository, order_id: int) -> None:
    """Date an order and its lines long ago, as if nobody touched them since."""
    with erp.engine.begin() as db:
        db.execute(
            update(OrOrdini).where(OrOrdini.id == order_id).values(updated_at=LONG_AGO)
        )
        db.execute(
            update(OrRigheOrdini)
            .where(OrRigheOrdini.id_ordine == order_id)
            .values(updated_at=LONG_AGO)
        )


def _read(erp: OsmRepository, since: datetime | None = None) -> dict[int, object]:
    return {order.erp_id: order for page in erp.orders(since) for order in page}


def test_a_typed_order_reads_with_its_lines_customer_and_total(erp: OsmRepository):
    """Lines carry article, code, quantity, net price and VAT; the total is OSM's."""
    engine = erp.engine
    cup = osm.article(engine, "TAZ-1", "10")
    plate = osm.article(engine, "PIA-1", "5")
    anna = osm.osm_customer(engine, "Anna Bianchi srl", "anna@example.com")
    order_id = osm.osm_order(engine, anna, [(cup, "2", "0"), (plate, "1", "0")])
    _price(erp, order_id, "10", "2.2")

    [order] = _read(erp).values()

    assert order.erp_id == order_id
    assert (order.number, order.status) == ("90", "Accettato")
    assert order.customer.email == "anna@example.com"
    assert order.customer.erp_id == anna
    assert [(line.article_id, line.code, line.quantity) for line in order.lines] == [
        (cup, "TAZ-1", Decimal("2")),
        (plate, "PIA-1", Decimal("1")),
    ]
    assert order.lines[0].price == Decimal("10")
    assert order.lines[0].total == Decimal("20")
    assert order.lines[0].vat_rate == Decimal("22")
    assert order.total == Decimal("36.60")
    assert order.updated_at is not None and order.updated_at.tzinfo is UTC


def test_text_lines_keep_their_amount_and_descriptions_are_left_out(
    erp: OsmRepository,
):
    """A shipping line without article travels with its amount; a pure
    description line and a zero text line do not."""
    engine = erp.engine
    cup = osm.article(engine, "TAZ-1", "10")
    anna = osm.osm_customer(engine, "Anna Bianchi srl", "anna@example.com")
    order_id = osm.osm_order(
        engine, anna, [(cup, "1", "0"), (None, "1", "0"), (None, "1", "0")]
    )
    _price(erp, order_id, "5", "1.1")
    with engine.begin() as db:
        lines = list(
            db.scalars(
                select(OrRigheOrdini.id)
                .where(OrRigheOrdini.id_ordine == order_id)
                .order_by(OrRigheOrdini.id)
            )
        )
        db.execute(
            update(OrRigheOrdini)
            .where(OrRigheOrdini.id == lines[1])
            .values(descrizione="Spese di spedizione")
        )
        db.execute(
            update(OrRigheOrdini)
            .where(OrRigheOrdini.id == lines[2])
            .values(is_descrizione=1, subtotale=0, iva=0, prezzo_unitario=0)
        )

    [order] = _read(erp).values()

    assert order.lines[1] == ErpOrderLine(
        article_id=None,
        code="",
        description="Spese di spedizione",
        quantity=Decimal("1"),
        price=Decimal("5"),
        total=Decimal("5"),
        vat_rate=Decimal("22"),
    )
    assert len(order.lines) == 2
    assert order.total == Decimal("12.20")


def test_imported_orders_never_go_out_and_exported_ones_do(erp: OsmRepository):
    """An order osmsyncd imported from a shop is not read; one it exported is,
    so that its state can follow."""
    engine = erp.engine
    osm.article(engine, "TAZ-1", "10")
    settings = osm.settings()
    imported = erp.apply_order(
        settings,
        osm.shop_order("1001", [osm.line("11", "TAZ-1", "1", "10", "2.2")], "12.20"),
    )
    assert imported.applied is Applied.CREATED
    anna = osm.osm_customer(engine, "Anna Bianchi srl", "anna@example.com")
    typed = osm.osm_order(engine, anna, [(None, "1", "0")])
    erp.save_bindings(
        [
            Binding(
                settings.name,
                Resource.ORDERS,
                str(typed),
                "77",
                "x",
                {"direction": "export", "status": "Accettato"},
            )
        ]
    )

    assert list(_read(erp)) == [typed]


def test_a_changed_line_brings_an_old_order_back(erp: OsmRepository):
    """Orders untouched since the cursor are skipped; editing one line of one
    of them makes it read again."""
    engine = erp.engine
    cup = osm.article(engine, "TAZ-1", "10")
    anna = osm.osm_customer(engine, "Anna Bianchi srl", "anna@example.com")
    old = osm.osm_order(engine, anna, [(cup, "1", "0")])
    edited = osm.osm_order(engine, anna, [(cup, "2", "0")])
    supplier = osm.osm_order(engine, anna, [(cup, "3", "0")])
    with engine.begin() as db:
        db.execute(
            update(OrOrdini).where(OrOrdini.id == supplier).values(id_tipo_ordine=1)
        )
    for order_id in (old, edited, supplier):
        _age(erp, order_id)
    since = datetime(2026, 1, 1, tzinfo=UTC)

    assert _read(erp, since) == {}
    with engine.begin() as db:
        db.execute(
            update(OrRigheOrdini)
            .where(OrRigheOrdini.id_ordine == edited)
            .values(qta=Decimal("4"), updated_at=datetime.now(UTC).replace(tzinfo=None))
        )

    assert list(_read(erp, since)) == [edited]
    assert sorted(_read(erp)) == [old, edited]


def test_the_import_leaves_an_exported_order_alone(erp: OsmRepository):
    """A shop order bound as an export, or carrying the export mark, writes no
    OSM order and moves no stock, whatever its state."""
    engine = erp.engine
    cup = osm.article(engine, "TAZ-1", "10")
    anna = osm.osm_customer(engine, "Anna Bianchi srl", "anna@example.com")
    typed = osm.osm_order(engine, anna, [(None, "1", "0")])
    settings = osm.settings()
    erp.save_bindings(
        [
            Binding(
                settings.name,
                Resource.ORDERS,
                str(typed),
                "1001",
                "x",
                {"direction": "export", "status": "Accettato"},
            )
        ]
    )
    sale = [osm.line("11", "TAZ-1", "2", "20", "4.4")]
    before = osm.counts(engine)

    bound = erp.apply_order(settings, osm.shop_order("1001", sale, "24.40"))
    marked = erp.apply_order(
        settings, osm.shop_order("1002", sale, "24.40", exported_from="555")
    )

    assert (bound.applied, bound.erp_id) == (Applied.UNCHANGED, typed)
    assert (marked.applied, marked.erp_id) == (Applied.UNCHANGED, 555)
    assert osm.counts(engine) == before
    assert osm.stock_of(engine, cup) == Decimal("10")
