"""OSM customers out, shop customers in."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.interface import Applied
from osmsyncd.erp.models import AnAnagrafiche
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.records import Address
from osmsyncd.records import Customer
from osmsyncd.records import Resource
from tests.erp import osm


def test_customers_lists_clients_with_their_fiscal_data(erp: OsmRepository):
    """Only anagrafiche of type Cliente come out, with VAT, SDI, PEC and address."""
    client = osm.osm_customer(
        erp.engine,
        "Ferramenta Bianchi snc",
        "info@ferr-bianchi.example",
        p_iva="01234567890",
        codice_destinatario="ABC1234",
        pec="bianchi@pec.example",
        indirizzo="Via Emilia 5",
        cap="41121",
        citta="Modena",
        provincia="MO",
        id_nazione=82,
        telefono="059 123456",
    )
    osm.company_with_warehouse(erp.engine, "Magazzino")  # an Azienda, not a Cliente

    found = [c for page in erp.customers(None) for c in page]

    assert found == [
        Customer(
            email="info@ferr-bianchi.example",
            company="Ferramenta Bianchi snc",
            vat_number="01234567890",
            sdi_code="ABC1234",
            pec="bianchi@pec.example",
            phone="059 123456",
            address=Address(
                company="Ferramenta Bianchi snc",
                street="Via Emilia 5",
                postcode="41121",
                city="Modena",
                province="MO",
                country="IT",
                phone="059 123456",
                vat_number="01234567890",
            ),
            erp_id=client,
            updated_at=found[0].updated_at,
        )
    ]
    assert [c.erp_id for page in erp.customers(None, [client + 1]) for c in page] == []


def test_customers_since_returns_only_recent_changes(erp: OsmRepository):
    """A customer untouched since the cursor is not listed again."""
    old = osm.osm_customer(erp.engine, "Vecchio", "old@example.com")
    new = osm.osm_customer(erp.engine, "Nuovo", "new@example.com")
    with erp.engine.begin() as db:
        db.execute(
            update(AnAnagrafiche)
            .where(AnAnagrafiche.id == old)
            .values(updated_at=datetime(2020, 1, 1))
        )

    since = datetime(2025, 1, 1, tzinfo=UTC)
    assert [c.erp_id for page in erp.customers(since) for c in page] == [new]


def test_apply_customer_matches_by_email_vat_then_fiscal_code(erp: OsmRepository):
    """E-mail (any case), then VAT number, then fiscal code find the OSM customer."""
    by_mail = osm.osm_customer(erp.engine, "Uno", " Anna@Example.com")
    by_vat = osm.osm_customer(erp.engine, "Due srl", "", p_iva="01234567890")
    by_cf = osm.osm_customer(erp.engine, "Tre", "", codice_fiscale="RSSMRA80A01H501U")
    settings = osm.settings()

    one = erp.apply_customer(settings, Customer(email="anna@example.COM", shop_id="1"))
    two = erp.apply_customer(
        settings,
        Customer(email="x@example.com", vat_number="IT01234567890", shop_id="2"),
    )
    three = erp.apply_customer(
        settings,
        Customer(email="y@example.com", fiscal_code="rssmra80a01h501u", shop_id="3"),
    )

    assert [one.erp_id, two.erp_id, three.erp_id] == [by_mail, by_vat, by_cf]
    bound = erp.bindings("negozio", Resource.CUSTOMERS)
    assert {b.shop_id: int(k) for k, b in bound.items()} == {
        "1": by_mail,
        "2": by_vat,
        "3": by_cf,
    }


def test_apply_customer_creates_updates_and_then_changes_nothing(erp: OsmRepository):
    """A new shop customer is created; a changed phone updates; a repeat is idle."""
    settings = osm.settings()
    customer = Customer(
        email="luca@example.com",
        first_name="Luca",
        last_name="Neri",
        phone="333 1111111",
        shop_id="9",
        address=Address(street="Via Dante 2", postcode="20121", city="Milano"),
    )

    created = erp.apply_customer(settings, customer)
    again = erp.apply_customer(settings, customer)
    moved = erp.apply_customer(
        settings, Customer(**{**vars(customer), "phone": "02 1"})
    )

    assert (created.applied, again.applied, moved.applied) == (
        Applied.CREATED,
        Applied.UNCHANGED,
        Applied.UPDATED,
    )
    with erp.engine.connect() as db:
        row = db.execute(select(AnAnagrafiche)).one()
        total = db.scalar(select(func.count()).select_from(AnAnagrafiche))
    assert total == 1
    assert (row.ragione_sociale, row.telefono, row.citta) == (
        "Neri Luca",
        "02 1",
        "Milano",
    )


def test_a_shop_account_without_names_never_renames_a_customer(erp: OsmRepository):
    """A matching account with only an e-mail leaves the company name alone."""
    client = osm.osm_customer(erp.engine, "Bar Centrale sas", "bar@example.com")

    erp.apply_customer(osm.settings(), Customer(email="bar@example.com", shop_id="4"))

    with erp.engine.connect() as db:
        name = db.scalar(
            select(AnAnagrafiche.ragione_sociale).where(AnAnagrafiche.id == client)
        )
    assert name == "Bar Centrale sas"
