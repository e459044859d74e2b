"""Shop orders into OSM: totals to the cent, stock exactly once, customers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.interface import Applied
from osmsyncd.erp.models import AnAnagrafiche
from osmsyncd.erp.models import AnSedi
from osmsyncd.erp.models import AnTipiAnagraficheAnagrafiche
from osmsyncd.erp.models import CoPianoDeiConti3
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from osmsyncd.erp.models import ZzSettings
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.errors import ErpError
from osmsyncd.records import Address
from osmsyncd.records import Customer
from osmsyncd.records import OrderStock
from osmsyncd.records import Resource
from tests.erp import osm

CENT = Decimal("0.01")


def _osm_total(erp: OsmRepository, order_id: int) -> Decimal:
    with erp.engine.connect() as db:
        total = db.scalar(
            select(func.sum(OrRigheOrdini.subtotale + OrRigheOrdini.iva)).where(
                OrRigheOrdini.id_ordine == order_id
            )
        )
    return Decimal(str(total)).quantize(CENT)


def _lines(erp: OsmRepository, order_id: int) -> list[dict[str, object]]:
    with erp.engine.connect() as db:
        rows = db.execute(
            select(OrRigheOrdini)
            .where(OrRigheOrdini.id_ordine == order_id)
            .order_by(OrRigheOrdini.order)
        ).mappings()
        return [dict(row) for row in rows]


def _two_lines_and_shipping(status: str = "processing", **extra: object):
    return osm.shop_order(
        "1001",
        [
            osm.line("11", "TAZ-1", "2", "16.393442", "3.606558"),
            osm.line("12", "PIA-1", "1", "8.196721", "1.803279"),
        ],
        "36.00",
        shipping=("4.92", "1.08"),
        status=status,
        **extra,
    )


def test_order_lands_once_and_cancel_restores_stock_once(erp: OsmRepository):
    """Two lines plus shipping at 22% match the shop to the cent; repeats change
    nothing; a cancel gives the stock back once."""
    engine = erp.engine
    cup = osm.article(engine, "TAZ-1", "10")
    plate = osm.article(engine, "PIA-1", "5")
    settings = osm.settings()
    order = _two_lines_and_shipping()

    first = erp.apply_order(settings, order)

    assert first.applied is Applied.CREATED
    assert first.stock_moved == 2
    assert _osm_total(erp, first.erp_id) == Decimal("36.00")
    lines = _lines(erp, first.erp_id)
    assert [line["descrizione"] for line in lines] == [
        "Prodotto TAZ-1",
        "Prodotto PIA-1",
        "Corriere espresso",
    ]
    assert [line["id_articolo"] for line in lines] == [cup, plate, None]
    assert {line["id_iva"] for line in lines} == {171}
    assert Decimal(str(lines[0]["prezzo_unitario"])) == Decimal("8.196721")
    assert osm.stock_of(engine, cup) == Decimal("8")
    assert osm.stock_of(engine, plate) == Decimal("4")

    before = osm.counts(engine)
    again = erp.apply_order(settings, order)
    assert again.applied is Applied.UNCHANGED
    assert osm.counts(engine) == before
    assert osm.stock_of(engine, cup) == Decimal("8")

    cancelled = replace(order, status="cancelled", stock=OrderStock.RESTOCKED)
    undone = erp.apply_order(settings, cancelled)
    assert undone.applied is Applied.UPDATED
    assert osm.stock_of(engine, cup) == Decimal("10")
    assert osm.stock_of(engine, plate) == Decimal("5")
    with engine.connect() as db:
        state = db.scalar(select(OrOrdini.id_stato).where(OrOrdini.id == first.erp_id))
    assert state == 8  # Annullato

    before = osm.counts(engine)
    assert erp.apply_order(settings, cancelled).applied is Applied.UNCHANGED
    assert osm.counts(engine) == before
    assert osm.stock_of(engine, cup) == Decimal("10")


def test_order_movements_are_manual_and_name_the_order(erp: OsmRepository):
    """A sale is a manual movement naming connection and order, at the head office."""
    cup = osm.article(erp.engine, "TAZ-1", "10")
    osm.article(erp.engine, "PIA-1", "5")

    erp.apply_order(osm.settings(), _two_lines_and_shipping())

    with erp.engine.connect() as db:
        row = db.execute(
            select(MgMovimenti).where(MgMovimenti.id_articolo == cup)
        ).one()
    assert row.manuale == 1
    assert row.id_sede == 0
    assert Decimal(str(row.qta)) == Decimal("-2")
    assert row.movimento == "Scarico e-commerce negozio ordine #1001"
    assert row.reference_type is None


def test_stock_is_left_alone_when_the_connection_says_so(erp: OsmRepository):
    """With stock_on_order_import off, importing a sale moves nothing."""
    cup = osm.article(erp.engine, "TAZ-1", "10")
    osm.article(erp.engine, "PIA-1", "5")

    applied = erp.apply_order(
        osm.settings(stock_on_order_import=False), _two_lines_and_shipping()
    )

    assert applied.stock_moved == 0
    assert osm.stock_of(erp.engine, cup) == Decimal("10")


def test_partial_refund_gives_back_the_refunded_quantity_once(erp: OsmRepository):
    """Refunding one of three units restores one unit, and only once."""
    mug = osm.article(erp.engine, "A2", "20")
    settings = osm.settings()
    sold = osm.shop_order(
        "1700", [osm.line("1", "A2", "3", "24.590164", "5.409836")], "30.00"
    )
    erp.apply_order(settings, sold)
    assert osm.stock_of(erp.engine, mug) == Decimal("17")

    refunded = replace(
        sold,
        lines=(replace(sold.lines[0], refunded_quantity=Decimal("1")),),
        status="completed",
    )
    erp.apply_order(settings, refunded)
    erp.apply_order(settings, refunded)

    assert osm.stock_of(erp.engine, mug) == Decimal("18")


def test_br24_order_total_is_what_the_customer_paid(erp: OsmRepository):
    """BR-24: A2 ×3 (24.590164 + 5.409836) plus 4.92 + 1.08 shipping is 36.00 in OSM."""
    osm.article(erp.engine, "A2", "10")
    order = osm.shop_order(
        "1700",
        [osm.line("1", "A2", "3", "24.590164", "5.409836")],
        "36.00",
        shipping=("4.92", "1.08"),
    )

    applied = erp.apply_order(osm.settings(), order)

    assert _osm_total(erp, applied.erp_id) == Decimal("36.00")
    assert [line["descrizione"] for line in _lines(erp, applied.erp_id)] == [
        "Prodotto A2",
        "Corriere espresso",
    ]
    assert applied.warnings == ()


def test_a_total_osm_cannot_reproduce_gets_a_rounding_line(erp: OsmRepository):
    """When per-line rounding leaves a cent, a named rounding line closes the gap."""
    osm.article(erp.engine, "A2", "10")
    order = osm.shop_order(
        "1701", [osm.line("1", "A2", "3", "24.590164", "5.409836")], "30.01"
    )

    applied = erp.apply_order(osm.settings(), order)

    lines = _lines(erp, applied.erp_id)
    assert lines[-1]["descrizione"] == "Arrotondamento"
    assert Decimal(str(lines[-1]["subtotale"])) == Decimal("0.01")
    assert lines[-1]["id_iva"] == 110  # Escluso art. 15
    assert _osm_total(erp, applied.erp_id) == Decimal("30.01")
    assert any("rounding line of 0.01" in w for w in applied.warnings)


def test_br22_unknown_product_becomes_a_text_line(erp: OsmRepository):
    """BR-22: a line with no product and an empty SKU is kept as text, no stock."""
    lamp = osm.article(erp.engine, "PMP-500", "4")
    order = osm.shop_order(
        "1500",
        [
            osm.line(
                "1",
                "",
                "2",
                "16.393443",
                "3.606557",
                name="Tazza ceramica blu 330 ml",
                product_shop_id=None,
            ),
            osm.line("2", "PMP-500", "1", "8.196721", "1.803279"),
        ],
        "30.00",
    )

    applied = erp.apply_order(osm.settings(), order)

    lines = _lines(erp, applied.erp_id)
    assert lines[0]["descrizione"] == "Tazza ceramica blu 330 ml"
    assert lines[0]["id_articolo"] is None
    assert Decimal(str(lines[0]["subtotale"])) == Decimal("16.393444")
    assert lines[1]["id_articolo"] == lamp
    assert applied.stock_moved == 1
    assert osm.stock_of(erp.engine, lamp) == Decimal("3")
    assert any("Tazza ceramica blu 330 ml" in w for w in applied.warnings)


def test_br23_guest_orders_share_one_customer_and_ship_apart(erp: OsmRepository):
    """BR-23: two guest orders by one e-mail make one customer; the second ships
    to its own new address."""
    osm.article(erp.engine, "A2", "10")
    first = osm.shop_order(
        "1600",
        [osm.line("1", "A2", "1", "8.196721", "1.803279")],
        "10.00",
        email="Giulia.Verdi@Example.com ",
    )
    second = osm.shop_order(
        "1601",
        [osm.line("1", "A2", "1", "8.196721", "1.803279")],
        "10.00",
        email="giulia.verdi@example.com",
        shipping_address=Address(
            first_name="Giulia",
            last_name="Verdi",
            street="Via Po 9",
            postcode="10100",
            city="Torino",
            province="TO",
        ),
    )
    settings = osm.settings()

    one = erp.apply_order(settings, first)
    two = erp.apply_order(settings, second)

    with erp.engine.connect() as db:
        customers = db.execute(select(AnAnagrafiche.id, AnAnagrafiche.email)).all()
        orders = {
            id_: sede
            for id_, sede in db.execute(
                select(OrOrdini.id, OrOrdini.id_sede_destinazione)
            )
        }
        sedi = db.execute(select(AnSedi.id, AnSedi.indirizzo, AnSedi.citta)).all()
    assert len(customers) == 1
    assert customers[0].email == "Giulia.Verdi@Example.com"
    assert orders[one.erp_id] == 0
    assert [(s.indirizzo, s.citta) for s in sedi] == [("Via Po 9", "Torino")]
    assert orders[two.erp_id] == sedi[0].id

    third = replace(second, shop_id="1602", number="1602")
    three = erp.apply_order(settings, third)
    with erp.engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(AnSedi)) == 1
        destination = db.scalar(
            select(OrOrdini.id_sede_destinazione).where(OrOrdini.id == three.erp_id)
        )
    assert destination == sedi[0].id


def test_new_customer_is_created_the_way_osm_creates_one(erp: OsmRepository):
    """A new customer gets the next code, the Cliente type and a ledger account."""
    osm.article(erp.engine, "A2", "10")
    order = osm.shop_order(
        "1800", [osm.line("1", "A2", "1", "8.196721", "1.803279")], "10.00"
    )

    applied = erp.apply_order(osm.settings(), order)

    with erp.engine.connect() as db:
        customer = db.execute(select(AnAnagrafiche)).one()
        types = db.scalars(
            select(AnTipiAnagraficheAnagrafiche.id_tipo_anagrafica).where(
                AnTipiAnagraficheAnagrafiche.id_anagrafica == customer.id
            )
        ).all()
        account = db.execute(
            select(CoPianoDeiConti3).where(
                CoPianoDeiConti3.id == customer.id_conto_cliente
            )
        ).one()
        order_row = db.execute(select(OrOrdini)).one()
    assert customer.codice == "00000001"
    assert customer.ragione_sociale == "Rossi Mario"
    assert customer.tipo == "Privato"
    assert (customer.nome, customer.cognome) == ("Mario", "Rossi")
    assert customer.id_nazione is not None
    assert types == [1]
    assert (account.numero, account.descrizione) == ("000031", "Rossi Mario")
    assert account.id_piano_dei_conti2 == 2
    assert order_row.id_anagrafica == customer.id
    assert order_row.id == applied.erp_id


def test_orders_are_numbered_like_osm_within_the_year(erp: OsmRepository):
    """numero counts plainly, numero_esterno follows the segment mask ``##``."""
    osm.article(erp.engine, "A2", "10")
    settings = osm.settings()
    for shop_id in ("2001", "2002"):
        erp.apply_order(
            settings,
            osm.shop_order(
                shop_id, [osm.line("1", "A2", "1", "8.196721", "1.803279")], "10.00"
            ),
        )

    with erp.engine.connect() as db:
        rows = db.execute(
            select(
                OrOrdini.numero,
                OrOrdini.numero_esterno,
                OrOrdini.numero_cliente,
                OrOrdini.id_segment,
                OrOrdini.id_tipo_ordine,
                OrOrdini.id_pagamento,
            ).order_by(OrOrdini.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("1", "01", "2001", 32, 2, 82),
        ("2", "02", "2002", 32, 2, 82),
    ]


def test_orders_placed_before_the_connection_started_are_skipped(erp: OsmRepository):
    """An order older than orders_since, or from before the first run, is skipped."""
    osm.article(erp.engine, "A2", "10")
    old = osm.shop_order(
        "900",
        [osm.line("1", "A2", "1", "8.196721", "1.803279")],
        "10.00",
        placed_at=datetime(2025, 12, 31, 22, 0, tzinfo=UTC),
    )

    assert erp.apply_order(osm.settings(), old).applied is Applied.SKIPPED

    fresh = osm.settings(orders_since=None)
    assert erp.apply_order(fresh, old).applied is Applied.SKIPPED
    erp.mark_first_run("negozio", datetime(2026, 3, 1, tzinfo=UTC))
    recent = replace(old, shop_id="901", placed_at=osm.PLACED)
    assert erp.apply_order(fresh, recent).applied is Applied.CREATED
    assert osm.counts(erp.engine)["or_ordini"] == 1


def test_a_status_change_updates_the_state_and_keeps_osm_edits(erp: OsmRepository):
    """pending → processing moves the state; a state set by hand in OSM stays."""
    osm.article(erp.engine, "A2", "10")
    settings = osm.settings()
    order = osm.shop_order(
        "3001",
        [osm.line("1", "A2", "1", "8.196721", "1.803279")],
        "10.00",
        status="pending",
        stock=OrderStock.NONE,
    )
    erp_id = erp.apply_order(settings, order).erp_id

    def state() -> int:
        with erp.engine.connect() as db:
            value = db.scalar(select(OrOrdini.id_stato).where(OrOrdini.id == erp_id))
        return int(value)

    assert state() == 6  # In attesa di conferma
    erp.apply_order(settings, replace(order, status="processing"))
    assert state() == 7  # Accettato

    with erp.engine.begin() as db:
        db.execute(update(OrOrdini).where(OrOrdini.id == erp_id).values(id_stato=2))
    result = erp.apply_order(settings, replace(order, status="completed", note="x"))
    assert state() == 2  # Evaso, set in OSM, wins
    assert any("state changed in OSM" in w for w in result.warnings)


def test_prestashop_state_ids_and_overrides_map_to_osm_states(erp: OsmRepository):
    """PrestaShop's 2 is Accettato, 6 Annullato; order_states overrides both."""
    osm.article(erp.engine, "A2", "10")
    lines = [osm.line("1", "A2", "1", "8.196721", "1.803279")]
    ps = osm.settings(provider="prestashop")
    custom = osm.settings(order_states={"2": "Bozza"})

    paid = erp.apply_order(ps, osm.shop_order("1", lines, "10.00", status="2"))
    void = erp.apply_order(ps, osm.shop_order("2", lines, "10.00", status="6"))
    draft = erp.apply_order(custom, osm.shop_order("3", lines, "10.00", status="2"))

    with erp.engine.connect() as db:
        states = {
            id_: state
            for id_, state in db.execute(select(OrOrdini.id, OrOrdini.id_stato))
        }
    assert [states[paid.erp_id], states[void.erp_id], states[draft.erp_id]] == [7, 8, 1]


def test_vat_codes_follow_the_rate_and_the_exempt_setting(erp: OsmRepository):
    """22% takes the default code, 10% the first plain one, 0% the vat_exempt code."""
    osm.article(erp.engine, "A2", "10")
    order = osm.shop_order(
        "4001",
        [
            osm.line("1", "A2", "1", "8.196721", "1.803279"),
            osm.line("2", "", "1", "10.00", "1.00", name="Libro"),
            osm.line("3", "", "1", "5.00", "0", name="Export"),
        ],
        "26.00",
    )

    applied = erp.apply_order(osm.settings(vat_exempt="Esente art. 10"), order)

    assert [line["id_iva"] for line in _lines(erp, applied.erp_id)] == [171, 167, 105]
    assert _osm_total(erp, applied.erp_id) == Decimal("26.00")


def test_a_zero_vat_line_without_vat_exempt_fails_with_the_key_to_set(
    erp: OsmRepository,
):
    """A 0% line with vat_exempt naming no OSM code stops that order only."""
    order = osm.shop_order(
        "4002", [osm.line("1", "", "1", "5.00", "0", name="Export")], "5.00"
    )

    with pytest.raises(ErpError, match="vat_exempt"):
        erp.apply_order(osm.settings(vat_exempt="Nessuno"), order)
    assert osm.counts(erp.engine)["or_ordini"] == 0


def test_an_order_matches_its_lines_by_product_binding_first(erp: OsmRepository):
    """A line whose product is bound goes to the bound article, whatever its SKU."""
    bound = osm.article(erp.engine, "OLD-CODE", "10")
    osm.article(erp.engine, "NEW-CODE", "10")
    from osmsyncd.erp.interface import Binding

    erp.save_bindings([Binding("negozio", Resource.ARTICLES, str(bound), "77")])
    order = osm.shop_order(
        "5001",
        [osm.line("1", "NEW-CODE", "1", "8.196721", "1.803279", product_shop_id="77")],
        "10.00",
    )

    applied = erp.apply_order(osm.settings(), order)

    assert _lines(erp, applied.erp_id)[0]["id_articolo"] == bound
    assert osm.stock_of(erp.engine, bound) == Decimal("9")


def test_each_line_finds_its_own_article_when_an_order_mixes_them(
    erp: OsmRepository,
):
    """Bound lines go to their article; a binding to a deleted article, or none,
    falls back to the SKU; a line matching nothing stays text."""
    bound = osm.article(erp.engine, "BOUND", "10")
    gone = osm.article(erp.engine, "GONE", "10", deleted=True)
    by_code = osm.article(erp.engine, "BY-CODE", "10")
    fallback = osm.article(erp.engine, "FALLBACK", "10")
    from osmsyncd.erp.interface import Binding

    erp.save_bindings(
        [
            Binding("negozio", Resource.ARTICLES, str(bound), "71"),
            Binding("negozio", Resource.ARTICLES, str(gone), "72"),
        ]
    )
    net, tax = "8.196721", "1.803279"
    order = osm.shop_order(
        "5002",
        [
            osm.line("1", "BY-CODE", "1", net, tax, product_shop_id="71"),
            osm.line("2", "FALLBACK", "1", net, tax, product_shop_id="72"),
            osm.line("3", "BY-CODE", "1", net, tax, product_shop_id="73"),
            osm.line("4", "NOWHERE", "1", net, tax, product_shop_id="74"),
        ],
        "40.00",
    )

    applied = erp.apply_order(osm.settings(), order)

    lines = _lines(erp, applied.erp_id)
    assert [line["id_articolo"] for line in lines] == [bound, fallback, by_code, None]
    assert [osm.stock_of(erp.engine, a) for a in (bound, by_code, fallback)] == [
        Decimal("9"),
        Decimal("9"),
        Decimal("9"),
    ]
    assert osm.stock_of(erp.engine, gone) == Decimal("10")


def test_a_run_reads_each_setting_once_and_the_next_run_sees_osm_edits(
    erp: OsmRepository,
):
    """Within one run OSM's reference rows are read once, however many orders
    it imports; an edit made in OSM between two runs counts from the next."""
    osm.article(erp.engine, "A2", "10")
    lines = [osm.line("1", "A2", "1", "8.196721", "1.803279")]
    settings = osm.settings()
    reads: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and (
            "zz_settings.valore" in statement
        ):
            reads.append(repr(parameters))

    event.listen(erp.engine, "before_cursor_execute", count)
    try:
        with erp.job_guard("negozio:orders:import") as held:
            assert held
            first = [
                erp.apply_order(settings, osm.shop_order(n, lines, "10.00")).erp_id
                for n in ("1", "2", "3")
            ]
    finally:
        event.remove(erp.engine, "before_cursor_execute", count)
    with erp.engine.begin() as db:
        db.execute(
            update(ZzSettings)
            .where(ZzSettings.nome == "Iva predefinita")
            .values(valore="208")
        )
    with erp.job_guard("negozio:orders:import") as held:
        second = erp.apply_order(settings, osm.shop_order("4", lines, "10.00"))

    assert reads and len(reads) == len(set(reads))
    assert [_lines(erp, erp_id)[0]["id_iva"] for erp_id in first] == [171] * 3
    assert _lines(erp, second.erp_id)[0]["id_iva"] == 208  # Iva Vent. 22%


def test_imported_customers_with_a_shop_account_are_bound(erp: OsmRepository):
    """A registered shop customer is bound to the OSM customer of its order."""
    osm.article(erp.engine, "A2", "10")
    customer = Customer(email="anna@example.com", first_name="Anna", shop_id="55")
    order = osm.shop_order(
        "6001",
        [osm.line("1", "A2", "1", "8.196721", "1.803279")],
        "10.00",
        customer=customer,
    )

    erp.apply_order(osm.settings(), order)

    bindings = erp.bindings("negozio", Resource.CUSTOMERS)
    assert [b.shop_id for b in bindings.values()] == ["55"]


def test_br20_two_workers_importing_one_order_make_one_order(osm_url: str):
    """BR-20: the same order applied by two processes at once lands once."""
    import threading

    from osmsyncd.config import ErpSettings
    from osmsyncd.erp.session import open_erp

    workers = [open_erp(ErpSettings(url=osm_url)) for _ in range(2)]
    item = osm.article(workers[0].engine, "A2", "10")
    order = osm.shop_order(
        "1310", [osm.line("1", "A2", "2", "16.393442", "3.606558")], "20.00"
    )
    start = threading.Barrier(2)
    results: list[Applied] = []

    def work(repository: OsmRepository) -> None:
        start.wait()
        results.append(repository.apply_order(osm.settings(), order).applied)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [Applied.CREATED, Applied.UNCHANGED]
    counts = osm.counts(workers[0].engine)
    assert (counts["or_ordini"], counts["or_righe_ordini"]) == (1, 1)
    assert osm.stock_of(workers[0].engine, item) == Decimal("8")
    for worker in workers:
        worker.close()
