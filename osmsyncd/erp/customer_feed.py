"""OSM customers out (a changes feed) and shop customers in.

The feed reads anagrafiche of type Cliente in pages; a shop customer is
matched or created like an order's customer, updated from the shop's data,
and bound to its shop account.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import exists
from sqlalchemy import select

from osmsyncd.config import ConnectionSettings
from osmsyncd.erp.articles import as_utc
from osmsyncd.erp.articles import naive_utc
from osmsyncd.erp.bindings import bind
from osmsyncd.erp.bindings import find_binding
from osmsyncd.erp.customers import create_customer
from osmsyncd.erp.customers import ensure_client
from osmsyncd.erp.customers import find_customer
from osmsyncd.erp.customers import fingerprint
from osmsyncd.erp.customers import update_customer
from osmsyncd.erp.interface import Application
from osmsyncd.erp.interface import Applied
from osmsyncd.erp.interface import Binding
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import AnAnagrafiche
from osmsyncd.erp.models import AnNazioni
from osmsyncd.erp.models import AnTipiAnagrafiche
from osmsyncd.erp.models import AnTipiAnagraficheAnagrafiche
from osmsyncd.records import Address
from osmsyncd.records import Customer
from osmsyncd.records import Resource

PAGE_SIZE = 500


def read_customers(
    engine: Engine, since: datetime | None, ids: Iterable[int] | None = None
) -> Iterator[list[Customer]]:
    """Anagrafiche of type Cliente changed since ``since``, by id, in pages."""
    is_client = exists().where(
        AnTipiAnagraficheAnagrafiche.id_anagrafica == AnAnagrafiche.id,
        AnTipiAnagraficheAnagrafiche.id_tipo_anagrafica == AnTipiAnagrafiche.id,
        AnTipiAnagrafiche.name == "Cliente",
    )
    query = (
        select(AnAnagrafiche, AnNazioni.iso2)
        .outerjoin(AnNazioni, AnNazioni.id == AnAnagrafiche.id_nazione)
        .where(AnAnagrafiche.deleted_at.is_(None), is_client)
        .order_by(AnAnagrafiche.id)
    )
    if since is not None:
        start = naive_utc(since) - timedelta(seconds=1)
        query = query.where(AnAnagrafiche.updated_at >= start)
    if ids is not None:
        query = query.where(AnAnagrafiche.id.in_(set(ids)))

    last = 0
    while True:
        with engine.connect() as connection:
            rows = list(
                connection.execute(
                    query.where(AnAnagrafiche.id > last).limit(PAGE_SIZE)
                )
            )
        if not rows:
            return
        last = rows[-1].id
        yield [_customer(row) for row in rows]


def _customer(row: Any) -> Customer:
    person = bool((row.nome or "").strip() or (row.cognome or "").strip())
    company = "" if person and row.tipo != "Azienda" else (row.ragione_sociale or "")
    phone = (row.telefono or row.cellulare or "").strip()
    address = Address(
        first_name=(row.nome or "").strip(),
        last_name=(row.cognome or "").strip(),
        company=company.strip(),
        street=(row.indirizzo or "").strip(),
        postcode=(row.cap or "").strip(),
        city=(row.citta or "").strip(),
        province=(row.provincia or "").strip(),
        country=row.iso2 or "IT",
        phone=phone,
        vat_number=(row.p_iva or "").strip(),
        fiscal_code=(row.codice_fiscale or "").strip(),
    )
    return Customer(
        email=(row.email or "").strip(),
        first_name=address.first_name,
        last_name=address.last_name,
        company=address.company,
        vat_number=address.vat_number,
        fiscal_code=address.fiscal_code,
        sdi_code=(row.codice_destinatario or "").strip(),
        pec=(row.pec or "").strip(),
        phone=phone,
        address=address,
        erp_id=row.id,
        updated_at=as_utc(row.updated_at),
    )


def apply_customer(
    db: Connection, settings: ConnectionSettings, customer: Customer
) -> Application:
    """Match (binding, e-mail, VAT number, fiscal code) or create, then bind."""
    lookups = Lookups(db)
    wanted = fingerprint(customer)
    binding = None
    if customer.shop_id:
        binding = find_binding(
            db, settings.name, Resource.CUSTOMERS, shop_id=str(customer.shop_id)
        )
        if binding is not None and binding.hash == wanted:
            return Application(Applied.UNCHANGED, int(binding.erp_id))

    erp_id: int | None = None
    if binding is not None and binding.erp_id.isdigit():
        erp_id = db.scalar(
            select(AnAnagrafiche.id).where(
                AnAnagrafiche.id == int(binding.erp_id),
                AnAnagrafiche.deleted_at.is_(None),
            )
        )
    erp_id = erp_id or find_customer(db, customer)
    if erp_id is None:
        erp_id = create_customer(db, lookups, customer)
        applied = Applied.CREATED
    else:
        changed = update_customer(db, lookups, erp_id, customer)
        ensure_client(db, lookups, erp_id)
        applied = Applied.UPDATED if changed else Applied.UNCHANGED

    warnings: tuple[str, ...] = ()
    if customer.shop_id:
        holder = find_binding(db, settings.name, Resource.CUSTOMERS, erp_id=str(erp_id))
        if holder is None or holder.shop_id == str(customer.shop_id):
            bind(
                db,
                Binding(
                    settings.name,
                    Resource.CUSTOMERS,
                    str(erp_id),
                    str(customer.shop_id),
                    wanted,
                ),
            )
        else:
            warnings = (
                f"shop customer {customer.shop_id} matches OSM customer {erp_id}, "
                f"already bound to shop customer {holder.shop_id}",
            )
    return Application(applied, erp_id, warnings=warnings)
