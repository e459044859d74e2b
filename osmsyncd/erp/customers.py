"""OSM customers (anagrafiche of type Cliente): read, match, create, update.

A customer is matched by e-mail (trimmed, case-insensitive), then VAT
number, then fiscal code. A new one is created the way OSM creates it: a
code from ``Formato codice anagrafica``, the Cliente type, and a ledger
account under the level-2 account of the setting, linked in
``id_conto_cliente``.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import case
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import AnAnagrafiche
from osmsyncd.erp.models import AnSedi
from osmsyncd.erp.models import AnTipiAnagrafiche
from osmsyncd.erp.models import AnTipiAnagraficheAnagrafiche
from osmsyncd.erp.models import CoPianoDeiConti3
from osmsyncd.erp.models import ZzSettings
from osmsyncd.erp.numbering import next_number
from osmsyncd.records import Address
from osmsyncd.records import Customer

PAGE_SIZE = 500
CODE_SETTING = "Formato codice anagrafica"
ACCOUNT_SETTING = "Conto di secondo livello per i crediti clienti"

# NOT NULL columns OSM leaves to sql_mode='' (0 for ids, '' for texts).
_BLANK: dict[str, Any] = {
    "id_cliente_finale": 0,
    "luogo_nascita": "",
    "sesso": "",
    "km": Decimal("0"),
    "fax": "",
    "cellulare": "",
    "sito_web": "",
    "note": "",
    "codice_r_i": "",
    "appoggio_bancario": "",
    "filiale": "",
    "codice_iban": "",
    "bic": "",
    "dicitura_fissa_fattura": "",
    "id_sede_fatturazione": 0,
    "id_conto_fornitore": 0,
    "id_settore": 0,
    "marche": "",
    "dipendenti": 0,
    "macchine": 0,
    "id_agente": 0,
    "id_relazione": 0,
    "id_zona": 0,
    "foro_competenza": "",
    "iscrizione_tribunale": "",
    "provvigione_default": Decimal("0"),
}


def fit(value: str | None, size: int) -> str:
    """Trimmed text cut to a column's size."""
    return (value or "").strip()[:size]


def _vat(value: str) -> str:
    return value.replace(" ", "").strip().upper()


def fingerprint(customer: Customer) -> str:
    """What identifies one version of a customer record, for change checks."""
    data = {
        k: v
        for k, v in vars(customer).items()
        if k not in ("erp_id", "shop_id", "updated_at")
    }
    text = json.dumps(data, default=lambda o: vars(o), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def find_customer(db: Connection, customer: Customer) -> int | None:
    """The anagrafica for a shop customer: e-mail, then VAT, then fiscal code."""
    is_client = exists().where(
        AnTipiAnagraficheAnagrafiche.id_anagrafica == AnAnagrafiche.id,
        AnTipiAnagraficheAnagrafiche.id_tipo_anagrafica == AnTipiAnagrafiche.id,
        AnTipiAnagrafiche.name == "Cliente",
    )
    clients_first = (case((is_client, 0), else_=1), AnAnagrafiche.id)
    live = AnAnagrafiche.deleted_at.is_(None)
    address = customer.address or Address()

    email = customer.identity
    if email:
        found = db.scalar(
            select(AnAnagrafiche.id)
            .where(live, func.lower(func.trim(AnAnagrafiche.email)) == email)
            .order_by(*clients_first)
        )
        if found is not None:
            return found
    vat = _vat(customer.vat_number or address.vat_number)
    if vat:
        plain = vat[2:] if vat.startswith("IT") and vat[2:].isdigit() else vat
        found = db.scalar(
            select(AnAnagrafiche.id)
            .where(live, func.upper(func.trim(AnAnagrafiche.p_iva)).in_({vat, plain}))
            .order_by(*clients_first)
        )
        if found is not None:
            return found
    fiscal = _vat(customer.fiscal_code or address.fiscal_code)
    if fiscal:
        return db.scalar(
            select(AnAnagrafiche.id)
            .where(live, func.upper(func.trim(AnAnagrafiche.codice_fiscale)) == fiscal)
            .order_by(*clients_first)
        )
    return None


def _columns(lookups: Lookups, customer: Customer) -> dict[str, Any]:
    """The an_anagrafiche columns a shop customer fills."""
    address = customer.address or Address()
    first = fit(customer.first_name or address.first_name, 255)
    last = fit(customer.last_name or address.last_name, 255)
    company = fit(customer.company or address.company, 255)
    street = ", ".join(
        p.strip() for p in (address.street, address.street2) if p.strip()
    )
    province = address.province.strip().upper()
    columns: dict[str, Any] = {
        "email": fit(customer.email, 255),
        "telefono": fit(customer.phone or address.phone, 50),
        "p_iva": fit(_vat(customer.vat_number or address.vat_number), 16),
        "codice_fiscale": fit(_vat(customer.fiscal_code or address.fiscal_code), 16),
        "pec": fit(customer.pec, 255),
        "indirizzo": fit(street, 255),
        "cap": fit(address.postcode, 10),
        "citta": fit(address.city, 255),
        "provincia": province if len(province) == 2 else "",
        "id_nazione": lookups.nation_id(address.country) if customer.address else None,
    }
    if customer.sdi_code.strip():
        columns["codice_destinatario"] = fit(customer.sdi_code.upper(), 7)
    if company:
        # OSM rewrites ragione_sociale from nome/cognome when either is set,
        # so a company keeps them empty.
        columns.update(ragione_sociale=company, tipo="Azienda", nome="", cognome="")
    else:
        person = f"{last} {first}".strip()
        columns.update(
            ragione_sociale=person or columns["email"] or "N.D.",
            tipo="Privato",
            nome=first,
            cognome=last,
        )
    return columns


def create_customer(db: Connection, lookups: Lookups, customer: Customer) -> int:
    """A new anagrafica of type Cliente, with its ledger account."""
    # Locking the mask's setting row serialises code generation between
    # osmsyncd processes; OSM itself takes no lock.
    db.execute(
        select(ZzSettings.id).where(ZzSettings.nome == CODE_SETTING).with_for_update()
    )
    mask = lookups.setting(CODE_SETTING) or "########"
    codes = db.scalars(
        select(AnAnagrafiche.codice).where(
            AnAnagrafiche.codice != "", AnAnagrafiche.deleted_at.is_(None)
        )
    )
    columns = {
        **_BLANK,
        **_columns(lookups, customer),
        "codice": next_number(codes, mask)[:20],
        "id_conto_cliente": 0,
    }
    columns.setdefault("codice_destinatario", None)
    new_id = db.execute(insert(AnAnagrafiche).values(**columns)).inserted_primary_key
    assert new_id is not None
    anagrafica = int(new_id[0])
    ensure_client(db, lookups, anagrafica)
    return anagrafica


def ensure_client(db: Connection, lookups: Lookups, anagrafica: int) -> None:
    """Make an anagrafica a Cliente with a ledger account, as OSM would."""
    client = lookups.customer_type
    has_type = exists().where(
        AnTipiAnagraficheAnagrafiche.id_anagrafica == anagrafica,
        AnTipiAnagraficheAnagrafiche.id_tipo_anagrafica == client,
    )
    row = db.execute(
        select(
            AnAnagrafiche.id_conto_cliente,
            AnAnagrafiche.ragione_sociale,
            has_type.label("is_client"),
        ).where(AnAnagrafiche.id == anagrafica)
    ).one()
    if not row.is_client:
        db.execute(
            insert(AnTipiAnagraficheAnagrafiche).values(
                id_tipo_anagrafica=client, id_anagrafica=anagrafica
            )
        )

    level2 = lookups.int_setting(ACCOUNT_SETTING)
    if row.id_conto_cliente or not level2:
        return
    account = _ledger_account(db, level2, row.ragione_sociale or "N.D.")
    db.execute(
        update(AnAnagrafiche)
        .where(AnAnagrafiche.id == anagrafica)
        .values(id_conto_cliente=account)
    )


def _ledger_account(db: Connection, level2: int, name: str) -> int:
    """An unlinked account of that name, or a new one numbered after the last."""
    linked = select(AnAnagrafiche.id_conto_cliente)
    existing = db.scalar(
        select(CoPianoDeiConti3.id)
        .where(
            CoPianoDeiConti3.id_piano_dei_conti2 == level2,
            CoPianoDeiConti3.descrizione == name,
            CoPianoDeiConti3.id.not_in(linked),
        )
        .order_by(CoPianoDeiConti3.id)
    )
    if existing is not None:
        return existing
    numbers = db.scalars(
        select(CoPianoDeiConti3.numero).where(
            CoPianoDeiConti3.id_piano_dei_conti2 == level2
        )
    )
    highest = max((int(n) for n in numbers if n and n.strip().isdigit()), default=0)
    new_id = db.execute(
        insert(CoPianoDeiConti3).values(
            numero=str(highest + 1).zfill(6),
            descrizione=name[:255],
            id_piano_dei_conti2=level2,
            dir="",
        )
    ).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def update_customer(
    db: Connection, lookups: Lookups, anagrafica: int, customer: Customer
) -> bool:
    """Bring an anagrafica in line with the shop's data; returns whether it changed.

    Empty shop values never blank what OSM has.
    """
    current = db.execute(
        select(AnAnagrafiche).where(AnAnagrafiche.id == anagrafica)
    ).one()
    columns = _columns(lookups, customer)
    if not _same_kind(current, columns):
        # A shop account without names, or a person where OSM has a company
        # (or the reverse), must not rename the anagrafica.
        for key in _IDENTITY:
            columns.pop(key, None)
    wanted = {
        key: value
        for key, value in columns.items()
        if value not in ("", None) and getattr(current, key) != value
    }
    if not wanted:
        return False
    db.execute(
        update(AnAnagrafiche).where(AnAnagrafiche.id == anagrafica).values(**wanted)
    )
    if "ragione_sociale" in wanted and current.id_conto_cliente:
        db.execute(
            update(CoPianoDeiConti3)
            .where(CoPianoDeiConti3.id == current.id_conto_cliente)
            .values(descrizione=wanted["ragione_sociale"])
        )
    return True


_IDENTITY = ("ragione_sociale", "tipo", "nome", "cognome")


def _same_kind(current: Any, columns: dict[str, Any]) -> bool:
    named = bool(columns["nome"] or columns["cognome"]) or columns["tipo"] == "Azienda"
    if not named:
        return False
    osm_company = current.tipo in ("Azienda", "Ente pubblico") or not (
        (current.nome or "").strip() or (current.cognome or "").strip()
    )
    return bool(osm_company == (columns["tipo"] == "Azienda"))


def destination(
    db: Connection, lookups: Lookups, anagrafica: int, address: Address | None
) -> int:
    """The sede to ship to: 0 for the legal address, else an an_sedi row.

    An identical sede of the customer is reused; a new address becomes a
    new sede.
    """
    if address is None or not (address.street.strip() or address.city.strip()):
        return 0
    street = ", ".join(
        p.strip() for p in (address.street, address.street2) if p.strip()
    )
    nation = lookups.nation_id(address.country)
    key = _address_key(street, address.postcode, address.city, nation)

    legal = db.execute(
        select(
            AnAnagrafiche.indirizzo,
            AnAnagrafiche.cap,
            AnAnagrafiche.citta,
            AnAnagrafiche.id_nazione,
        ).where(AnAnagrafiche.id == anagrafica)
    ).one()
    if _address_key(*legal) == key:
        return 0
    for sede in db.execute(
        select(AnSedi.id, AnSedi.indirizzo, AnSedi.cap, AnSedi.citta, AnSedi.id_nazione)
        .where(AnSedi.id_anagrafica == anagrafica, AnSedi.deleted_at.is_(None))
        .order_by(AnSedi.id)
    ):
        if _address_key(sede.indirizzo, sede.cap, sede.citta, sede.id_nazione) == key:
            return int(sede.id)

    recipient = address.company.strip() or (
        f"{address.first_name.strip()} {address.last_name.strip()}".strip()
    )
    province = address.province.strip().upper()
    new_id = db.execute(
        insert(AnSedi).values(
            nome_sede=fit(recipient or "Indirizzo di spedizione", 255),
            p_iva="",
            codice_fiscale="",
            indirizzo=fit(street, 255),
            citta=fit(address.city, 255),
            cap=fit(address.postcode, 10),
            provincia=province if len(province) == 2 else "",
            km=Decimal("0"),
            id_nazione=nation,
            telefono=fit(address.phone, 20),
            fax="",
            cellulare="",
            email="",
            id_anagrafica=anagrafica,
            id_zona=0,
        )
    ).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def _address_key(
    street: str | None, postcode: str | None, city: str | None, nation: int | None
) -> tuple[str, str, str, int | None]:
    def norm(value: str | None) -> str:
        return " ".join((value or "").lower().replace(",", " ").split())

    return norm(street), norm(postcode), norm(city), nation
