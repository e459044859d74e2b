"""The OSM reference rows a fresh install has and osmsyncd relies on.

Used by the tests and by ``osmsyncd demo`` to stand up a small OSM database
from the models. Ids and names are those of a fresh OSM 2.11 install, so
code that finds reference rows by name (as it must) behaves the same here
as on a real database.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from osmsyncd.erp.models import AnNazioni
from osmsyncd.erp.models import AnTipiAnagrafiche
from osmsyncd.erp.models import Base
from osmsyncd.erp.models import CoIva
from osmsyncd.erp.models import CoIvaLang
from osmsyncd.erp.models import CoPagamenti
from osmsyncd.erp.models import CoPianoDeiConti1
from osmsyncd.erp.models import CoPianoDeiConti2
from osmsyncd.erp.models import CoPianoDeiConti3
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.models import OrStatiOrdine
from osmsyncd.erp.models import OrTipiOrdine
from osmsyncd.erp.models import Updates
from osmsyncd.erp.models import ZzCategorie
from osmsyncd.erp.models import ZzCategorieLang
from osmsyncd.erp.models import ZzFilesCategories
from osmsyncd.erp.models import ZzLangs
from osmsyncd.erp.models import ZzModules
from osmsyncd.erp.models import ZzSegments
from osmsyncd.erp.models import ZzSettings
from osmsyncd.erp.models import ZzStorageAdapters

OSM_VERSION = "2.11.1"

ITALIAN, ENGLISH = 1, 2

_LANGS = [
    (ITALIAN, "Italiano", "it", "it_IT", "d/m/Y", ",", ".", 1),
    (ENGLISH, "English", "en", "en_GB", "m/d/Y", ".", ",", 0),
]

# id, name, directory, icon
_MODULES = [
    (2, "Anagrafiche", "anagrafiche", "fa fa-users"),
    (21, "Articoli", "articoli", "fa fa-circle-o"),
    (24, "Ordini cliente", "ordini", "fa fa-file-text-o"),
]

# id, name, value, type, section
_SETTINGS = [
    (2, "Azienda predefinita", "0", "query=SELECT id FROM an_anagrafiche", "Generali"),
    (6, "Iva predefinita", "171", "query=SELECT id FROM co_iva", "Fatturazione"),
    (
        7,
        "Tipo di pagamento predefinito",
        "82",
        "query=SELECT id FROM co_pagamenti",
        "Fatturazione",
    ),
    (29, "Formato codice anagrafica", "########", "string", "Anagrafiche"),
    (47, "Cifre decimali per importi", "2", "list[2,3,4,5]", "Generali"),
    (60, "Cifre decimali per quantità", "2", "list[0,1,2,3,4,5]", "Generali"),
    (
        111,
        "Utilizza prezzi di vendita comprensivi di IVA",
        "0",
        "boolean",
        "Fatturazione",
    ),
    (
        126,
        "Conferma automaticamente le quantità negli ordini cliente",
        "1",
        "boolean",
        "Ordini",
    ),
    (
        159,
        "Conto di secondo livello per i crediti clienti",
        "2",
        "query=SELECT id FROM co_piano_dei_conti2",
        "Piano dei conti",
    ),
    (199, "Lingua", "1", "query=SELECT id FROM zz_langs", "Generali"),
    (206, "Visualizza numero ordine cliente", "1", "boolean", "Ordini"),
    (228, "Rendi casuale il nome dei file allegati", "1", "boolean", "Generali"),
]

_NATIONS = [
    (11, "AT", "Austria"),
    (59, "FR", "Francia"),
    (64, "DE", "Germania"),
    (82, "IT", "Italia"),
    (142, "SM", "San Marino"),
    (155, "ES", "Spagna"),
    (165, "CH", "Svizzera"),
    (181, "GB", "Regno Unito"),
    (182, "US", "Stati Uniti"),
]

_CUSTOMER_TYPES = ["Cliente", "Tecnico", "Azienda", "Fornitore", "Vettore", "Agente"]

# id, name, icon, colour, impegnato, is_bloccato, is_fatturabile
_ORDER_STATES = [
    (1, "Bozza", "fa fa-file-text-o text-muted", "#ffef99", 0, 0, 0),
    (2, "Evaso", "fa fa-truck text-success", "#99ffff", 1, 1, 1),
    (3, "Parzialmente evaso", "fa fa-gear text-warning", "#FFDF80", 1, 1, 1),
    (4, "Parzialmente fatturato", "fa fa-file-text-o text-warning", "#b4ff99", 1, 1, 1),
    (5, "Fatturato", "fa fa-file-text-o text-success", "#98fb98", 1, 1, 0),
    (6, "In attesa di conferma", "fa fa-clock-o text-warning", "#f9f5be", 0, 0, 0),
    (7, "Accettato", "fa fa-thumbs-up text-success", "#99E6FF", 1, 1, 1),
    (8, "Annullato", "fa fa-thumbs-down text-danger", "#e5e4e2", 0, 1, 0),
]

# id, name, rate, non-deductible %, exempt, nature, code
_VAT = [
    (105, "Esente art. 10", "0", "0", 1, "N4", 310),
    (110, "Escluso art. 15", "0", "0", 1, "N1", 315),
    (163, "Aliq. Iva 4%", "4", "0", 0, None, 4),
    (164, "Aliq. Iva 5%", "5", "0", 0, None, 5),
    (167, "Aliq. Iva 10%", "10", "0", 0, None, 10),
    (171, "Aliq. Iva 22%", "22", "0", 0, None, 22),
    (208, "Iva Vent. 22%", "22", "0", 0, None, 222),
    (226, "Iva Tot. Indetr 22%", "22", "100", 0, None, 622),
]

# id, name, day, days, e-invoicing code, predefined
_PAYMENTS = [
    (1, "Rimessa diretta", 0, 0, "MP01", 0),
    (82, "Bonifico 30gg d.f.f.m.", -1, 30, "MP05", 0),
    (111, "Contanti", 0, 0, "MP01", 1),
    (112, "Visa", 0, 0, "MP08", 0),
    (113, "Bonifico bancario", 0, 10, "MP05", 1),
]

_VERSIONS = ["2.9", "2.10", "2.10.4", "2.11", OSM_VERSION]


def install_osm(engine: Engine) -> None:
    """Create OSM's tables (those osmsyncd touches) and a fresh install's rows."""
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        seed_reference(connection)


def seed_reference(connection: Connection) -> None:
    """Insert the reference rows into empty OSM tables; once only."""
    if connection.scalar(select(func.count()).select_from(ZzLangs)):
        return

    _insert(connection, ZzLangs, [_lang(*row) for row in _LANGS])
    _insert(connection, ZzModules, [_module(*row) for row in _MODULES])
    _insert(
        connection,
        ZzSettings,
        [
            {"id": i, "nome": n, "valore": v, "tipo": t, "editable": 1, "sezione": s}
            for i, n, v, t, s in _SETTINGS
        ],
    )
    _seed_customers(connection)
    _seed_orders(connection)
    _seed_articles(connection)
    _insert(
        connection,
        Updates,
        [
            {"directory": "", "version": v, "sql": 1, "script": 1, "done": 1}
            for v in _VERSIONS
        ],
    )


def _seed_customers(connection: Connection) -> None:
    _insert(
        connection,
        AnNazioni,
        [{"id": i, "iso2": iso, "name": name} for i, iso, name in _NATIONS],
    )
    _insert(
        connection,
        AnTipiAnagrafiche,
        [
            {"id": i, "name": name, "default": 1}
            for i, name in enumerate(_CUSTOMER_TYPES, start=1)
        ],
    )
    _insert(
        connection,
        CoPianoDeiConti1,
        [
            {"id": 1, "numero": "01", "descrizione": "Patrimoniale"},
            {"id": 2, "numero": "02", "descrizione": "Economico"},
        ],
    )
    _insert(
        connection,
        CoPianoDeiConti2,
        [
            {
                "id": 2,
                "numero": "110",
                "descrizione": "Crediti clienti e crediti diversi",
                "id_piano_dei_conti1": 1,
                "dir": "",
            },
            {
                "id": 20,
                "numero": "700",
                "descrizione": "Ricavi",
                "id_piano_dei_conti1": 2,
                "dir": "entrata",
            },
        ],
    )
    _insert(
        connection,
        CoPianoDeiConti3,
        [
            {
                "id": 6,
                "numero": "000010",
                "descrizione": "Riepilogativo clienti",
                "id_piano_dei_conti2": 2,
                "dir": "",
            },
            {
                "id": 7,
                "numero": "000030",
                "descrizione": "Clienti per fatture da emettere",
                "id_piano_dei_conti2": 2,
                "dir": "",
            },
        ],
    )


def _seed_orders(connection: Connection) -> None:
    _insert(
        connection,
        OrTipiOrdine,
        [
            {"id": 1, "name": "Ordine fornitore", "dir": "uscita"},
            {"id": 2, "name": "Ordine cliente", "dir": "entrata"},
        ],
    )
    _insert(
        connection,
        OrStatiOrdine,
        [
            {
                "id": i,
                "name": name,
                "icona": icon,
                "colore": colour,
                "impegnato": committed,
                "is_bloccato": locked,
                "is_fatturabile": billable,
                "can_delete": 0,
            }
            for i, name, icon, colour, committed, locked, billable in _ORDER_STATES
        ],
    )
    _insert(
        connection,
        CoIva,
        [
            {
                "id": i,
                "name": name,
                "percentuale": Decimal(rate),
                "indetraibile": Decimal(lost),
                "esente": exempt,
                "codice_natura_fe": nature,
                "codice": code,
                "default": 1,
            }
            for i, name, rate, lost, exempt, nature, code in _VAT
        ],
    )
    _insert(
        connection,
        CoIvaLang,
        [
            {"id_lang": lang, "id_record": row[0], "title": row[1]}
            for row in _VAT
            for lang in (ITALIAN, ENGLISH)
        ],
    )
    _insert(
        connection,
        CoPagamenti,
        [
            {
                "id": i,
                "name": name,
                "giorno": day,
                "num_giorni": days,
                "prc": Decimal("100"),
                "predefined": predefined,
                "codice_modalita_pagamento_fe": code,
                "descrizione_incasso": "",
                "importo_fisso_incasso": Decimal("0"),
                "importo_percentuale_incasso": Decimal("0"),
                "registra_pagamento_automatico": 0,
            }
            for i, name, day, days, code, predefined in _PAYMENTS
        ],
    )
    _insert(
        connection,
        ZzSegments,
        [
            {
                "id": 32,
                "id_module": 24,
                "name": "Standard ordini cliente",
                "clause": "1=1",
                "pattern": "##",
                "note": "",
                "dicitura_fissa": "",
                "predefined": 1,
                "predefined_accredito": 0,
                "predefined_addebito": 0,
                "autofatture": 0,
                "for_fe": 0,
                "is_sezionale": 1,
                "is_fiscale": 0,
            }
        ],
    )


def _seed_articles(connection: Connection) -> None:
    _insert(
        connection,
        ZzStorageAdapters,
        [
            {
                "id": 1,
                "name": "Adattatore locale",
                "class_": "\\Modules\\FileAdapters\\Adapters\\LocalAdapter",
                "options": '{"directory":"/files"}',
                "can_delete": 0,
                "is_default": 1,
                "is_local": 1,
            }
        ],
    )
    _insert(
        connection,
        ZzFilesCategories,
        [
            {"id": 1, "name": "Fattura elettronica"},
            {"id": 2, "name": "Allegati caricati tramite accesso condiviso"},
        ],
    )
    _insert(
        connection,
        ZzCategorie,
        [{"id": 1, "colore": "#ffffff", "name": "Componenti", "is_articolo": 1}],
    )
    _insert(
        connection,
        ZzCategorieLang,
        [
            {"id_lang": lang, "id_record": 1, "title": "Componenti", "note": ""}
            for lang in (ITALIAN, ENGLISH)
        ],
    )
    zero = Decimal("0")
    _insert(
        connection,
        MgArticoli,
        [
            {
                "id": 1,
                "name": "ARTICOLO RIMOSSO",
                "codice": "DELETED",
                "um": "",
                "note": "",
                "qta": zero,
                "ubicazione": "",
                "prezzo_acquisto": zero,
                "coefficiente": zero,
                "prezzo_vendita": zero,
                "prezzo_vendita_ivato": zero,
                "minimo_vendita": zero,
                "minimo_vendita_ivato": zero,
                "peso_lordo": zero,
                "volume": zero,
                "componente_filename": "",
                "attivo": 0,
                "servizio": 1,
                "deleted_at": func.current_timestamp(),
            }
        ],
    )
    _insert(
        connection,
        MgArticoliLang,
        [{"id_lang": ITALIAN, "id_record": 1, "title": "ARTICOLO RIMOSSO"}],
    )


def _lang(
    id_: int,
    name: str,
    iso: str,
    code: str,
    date: str,
    decimals: str,
    thousands: str,
    predefined: int,
) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "enabled": 1,
        "iso_code": iso,
        "language_code": code,
        "date": date,
        "time": "H:i",
        "timestamp": f"{date} H:i",
        "decimals": decimals,
        "thousands": thousands,
        "predefined": predefined,
    }


def _module(id_: int, name: str, directory: str, icon: str) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "directory": directory,
        "attachments_directory": directory,
        "icon": icon,
        "version": "2.0",
        "compatibility": "2.*",
        "order": id_,
        "enabled": 1,
    }


def _insert(
    connection: Connection, model: type[Base], rows: list[dict[str, Any]]
) -> None:
    for row in rows:
        connection.execute(insert(model).values(**row))
