"""Rows written the way OSM users and OSM itself write them, for the tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.config import ConnectionSettings
from osmsyncd.erp import fields
from osmsyncd.erp.models import AnAnagrafiche
from osmsyncd.erp.models import AnSedi
from osmsyncd.erp.models import AnTipiAnagraficheAnagrafiche
from osmsyncd.erp.models import Base
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.models import MgArticoliBarcode
from osmsyncd.erp.models import MgArticoliLang
from osmsyncd.erp.models import MgMovimenti
from osmsyncd.erp.models import OrOrdini
from osmsyncd.erp.models import OrRigheOrdini
from osmsyncd.erp.models import OrStatiOrdine
from osmsyncd.erp.models import ZzCategorie
from osmsyncd.erp.models import ZzFieldRecord
from osmsyncd.erp.models import ZzFields
from osmsyncd.erp.models import ZzFiles
from osmsyncd.erp.models import ZzSettings
from osmsyncd.records import Address
from osmsyncd.records import Customer
from osmsyncd.records import OrderLine
from osmsyncd.records import OrderStock
from osmsyncd.records import ShopOrder

ZERO = Decimal("0")
ARTICOLI = 21
PLACED = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def settings(**overrides: Any) -> ConnectionSettings:
    base = ConnectionSettings(
        name="negozio",
        provider="woocommerce",
        url="http://127.0.0.1:9",
        token="ck_x:cs_y",
        orders_since=date(2026, 1, 1),
    )
    return replace(base, **overrides)


def category(engine: Engine, name: str, parent: int | None = None) -> int:
    with engine.begin() as db:
        key = db.execute(
            insert(ZzCategorie).values(name=name, parent=parent, is_articolo=1)
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def article(
    engine: Engine,
    code: str,
    qta: str | Decimal = "0",
    *,
    name: str | None = None,
    title: str | None = None,
    net: str = "8.196721",
    gross: str = "10",
    vat: int | None = None,
    category: int | None = None,
    subcategory: int | None = None,
    service: bool = False,
    active: bool = True,
    deleted: bool = False,
    barcodes: Iterable[str] = (),
) -> int:
    """An article as OSM's form saves it (name, one _lang row, barcodes)."""
    with engine.begin() as db:
        key = db.execute(
            insert(MgArticoli).values(
                name=name if name is not None else code.lower(),
                codice=code,
                um="pz",
                note="",
                qta=Decimal(qta),
                ubicazione="",
                prezzo_acquisto=Decimal("4"),
                coefficiente=ZERO,
                prezzo_vendita=Decimal(net),
                prezzo_vendita_ivato=Decimal(gross),
                minimo_vendita=ZERO,
                minimo_vendita_ivato=ZERO,
                id_iva_vendita=vat,
                peso_lordo=Decimal("0.5"),
                volume=ZERO,
                componente_filename="",
                attivo=int(active),
                servizio=int(service),
                id_categoria=category,
                id_sottocategoria=subcategory,
                deleted_at=func.current_timestamp() if deleted else None,
            )
        ).inserted_primary_key
        assert key is not None
        id_ = int(key[0])
        if title is not None:
            db.execute(
                insert(MgArticoliLang).values(id_lang=1, id_record=id_, title=title)
            )
        for barcode in barcodes:
            db.execute(
                insert(MgArticoliBarcode).values(id_articolo=id_, barcode=barcode)
            )
    return id_


def stock_of(engine: Engine, article_id: int) -> Decimal:
    with engine.connect() as db:
        value = db.scalar(select(MgArticoli.qta).where(MgArticoli.id == article_id))
    return Decimal(str(value))


def movement(engine: Engine, article_id: int, qta: str, sede: int = 0) -> None:
    """A manual movement, as OSM's "Movimenti" module writes one."""
    with engine.begin() as db:
        db.execute(
            insert(MgMovimenti).values(
                id_articolo=article_id,
                qta=Decimal(qta),
                movimento="Carico manuale",
                data=date(2026, 1, 10),
                manuale=1,
                id_ddt=0,
                id_documento=0,
                id_sede=sede,
            )
        )
        db.execute(
            update(MgArticoli)
            .where(MgArticoli.id == article_id)
            .values(qta=MgArticoli.qta + Decimal(qta))
        )


def custom_field(engine: Engine, article_id: int, label: str, value: str) -> None:
    with engine.begin() as db:
        field_id = db.scalar(
            select(ZzFields.id).where(
                ZzFields.name == label, ZzFields.id_module == ARTICOLI
            )
        )
        db.execute(
            insert(ZzFieldRecord).values(
                id_field=field_id, id_record=article_id, value=value
            )
        )


def exclude(engine: Engine, article_id: int) -> None:
    custom_field(engine, article_id, fields.EXCLUDE, "1")


def attach(
    engine: Engine,
    files_dir: Path,
    article_id: int,
    filename: str,
    content: bytes | None,
    cover: bool = False,
) -> str:
    """A zz_files row of module Articoli; the file is written unless None."""
    if content is not None:
        (files_dir / "articoli" / filename).write_bytes(content)
    with engine.begin() as db:
        db.execute(
            insert(ZzFiles).values(
                name="Immagine" if cover else filename,
                filename=filename,
                original=filename,
                id_module=ARTICOLI,
                id_record=article_id,
                id_adapter=1,
                key="cover" if cover else None,
                size=len(content or b""),
            )
        )
    return hashlib.sha256(content or b"").hexdigest()


def company_with_warehouse(engine: Engine, name: str) -> int:
    """The user's own company (Azienda predefinita) with one more sede."""
    with engine.begin() as db:
        key = db.execute(
            insert(AnAnagrafiche).values(**_anagrafica("Azienda Demo srl", "Azienda"))
        ).inserted_primary_key
        assert key is not None
        company = int(key[0])
        db.execute(
            insert(AnTipiAnagraficheAnagrafiche).values(
                id_tipo_anagrafica=3, id_anagrafica=company
            )
        )
        db.execute(
            update(ZzSettings)
            .where(ZzSettings.nome == "Azienda predefinita")
            .values(valore=str(company))
        )
        sede = db.execute(
            insert(AnSedi).values(
                nome_sede=name,
                p_iva="",
                codice_fiscale="",
                indirizzo="Via Magazzini 3",
                citta="Modena",
                cap="41100",
                provincia="MO",
                km=ZERO,
                telefono="",
                fax="",
                cellulare="",
                email="",
                id_anagrafica=company,
                id_zona=0,
            )
        ).inserted_primary_key
    assert sede is not None
    return int(sede[0])


def osm_customer(engine: Engine, name: str, email: str = "", **columns: Any) -> int:
    """A Cliente created in OSM (type row included)."""
    with engine.begin() as db:
        values = {**_anagrafica(name, "Azienda"), "email": email, **columns}
        key = db.execute(insert(AnAnagrafiche).values(**values)).inserted_primary_key
        assert key is not None
        db.execute(
            insert(AnTipiAnagraficheAnagrafiche).values(
                id_tipo_anagrafica=1, id_anagrafica=int(key[0])
            )
        )
    return int(key[0])


def _anagrafica(name: str, kind: str) -> dict[str, Any]:
    text = (
        "p_iva codice_fiscale luogo_nascita sesso indirizzo citta cap provincia "
        "telefono fax cellulare email pec sito_web note codice_r_i "
        "appoggio_bancario filiale codice_iban bic dicitura_fissa_fattura marche "
        "foro_competenza nome cognome iscrizione_tribunale"
    )
    ids = (
        "id_cliente_finale id_sede_fatturazione id_conto_cliente id_conto_fornitore "
        "id_settore dipendenti macchine id_agente id_relazione id_zona"
    )
    return {
        **dict.fromkeys(text.split(), ""),
        **dict.fromkeys(ids.split(), 0),
        "km": ZERO,
        "provvigione_default": ZERO,
        "codice": name[:8].upper(),
        "ragione_sociale": name,
        "tipo": kind,
    }


def osm_order(
    engine: Engine,
    customer: int,
    lines: Iterable[tuple[int, str, str]],
    state: str = "Accettato",
    sede: int = 0,
    confirmed: int = 1,
) -> int:
    """A customer order typed into OSM: lines of (article, qta, qta_evasa)."""
    with engine.begin() as db:
        state_id = db.scalar(
            select(OrStatiOrdine.id).where(OrStatiOrdine.name == state)
        )
        key = db.execute(
            insert(OrOrdini).values(
                numero="90",
                numero_esterno="90",
                data=date(2026, 2, 1),
                id_agente=0,
                id_anagrafica=customer,
                id_sede_destinazione=0,
                id_sede_partenza=sede,
                id_tipo_ordine=2,
                id_stato=state_id,
                id_pagamento=82,
                id_banca_controparte=0,
                id_conto=0,
                id_rivalsa_inps=0,
                id_ritenuta_acconto=0,
                rivalsa_inps=ZERO,
                iva_rivalsa_inps=ZERO,
                ritenuta_acconto=ZERO,
                bollo=ZERO,
                note="",
                note_aggiuntive="",
                sconto_finale=ZERO,
                sconto_finale_percentuale=ZERO,
                id_segment=32,
                nome="Ordine telefonico",
            )
        ).inserted_primary_key
        assert key is not None
        order_id = int(key[0])
        for position, (article_id, qta, done) in enumerate(lines, start=1):
            db.execute(
                insert(OrRigheOrdini).values(
                    id_ordine=order_id,
                    id_articolo=article_id,
                    id_preventivo=0,
                    is_descrizione=0,
                    id_iva=171,
                    desc_iva="Aliq. Iva 22%",
                    id_agente=0,
                    iva=ZERO,
                    iva_indetraibile=ZERO,
                    descrizione="riga",
                    subtotale=ZERO,
                    sconto=ZERO,
                    sconto_unitario=ZERO,
                    sconto_percentuale=ZERO,
                    sconto_iva_unitario=ZERO,
                    sconto_unitario_ivato=ZERO,
                    qta=Decimal(qta),
                    costo_unitario=ZERO,
                    prezzo_unitario=ZERO,
                    iva_unitaria=ZERO,
                    prezzo_unitario_ivato=ZERO,
                    provvigione=ZERO,
                    provvigione_unitaria=ZERO,
                    provvigione_percentuale=ZERO,
                    qta_evasa=Decimal(done),
                    order=position,
                    confermato=confirmed,
                )
            )
    return order_id


def shop_order(
    shop_id: str,
    lines: Iterable[OrderLine],
    total: str,
    *,
    email: str = "mario.rossi@example.com",
    status: str = "processing",
    stock: OrderStock = OrderStock.SOLD,
    shipping: tuple[str, str] = ("0", "0"),
    shipping_address: Address | None = None,
    placed_at: datetime = PLACED,
    **extra: Any,
) -> ShopOrder:
    customer = extra.pop(
        "customer",
        Customer(
            email=email,
            first_name="Mario",
            last_name="Rossi",
            address=Address(
                first_name="Mario",
                last_name="Rossi",
                street="Via Roma 1",
                postcode="40100",
                city="Bologna",
                province="BO",
            ),
        ),
    )
    return ShopOrder(
        shop_id=shop_id,
        number=shop_id,
        placed_at=placed_at,
        updated_at=placed_at,
        status=status,
        stock=stock,
        customer=customer,
        lines=tuple(lines),
        total=Decimal(total),
        shipping_total=Decimal(shipping[0]),
        shipping_tax=Decimal(shipping[1]),
        shipping_name="Corriere espresso" if shipping != ("0", "0") else "",
        shipping_address=shipping_address,
        **extra,
    )


def line(
    line_id: str, sku: str, qty: str, total: str, tax: str, **extra: Any
) -> OrderLine:
    return OrderLine(
        shop_line_id=line_id,
        name=extra.pop("name", f"Prodotto {sku}"),
        quantity=Decimal(qty),
        total=Decimal(total),
        total_tax=Decimal(tax),
        sku=sku,
        **extra,
    )


def counts(engine: Engine) -> dict[str, int]:
    """Row counts of every OSM table and every osmsyncd table."""
    from osmsyncd.erp.state import StateBase

    tables = Base.metadata.sorted_tables + StateBase.metadata.sorted_tables
    with engine.connect() as db:
        return {
            table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in tables
        }


def all_stock(engine: Engine) -> dict[int, Decimal]:
    with engine.connect() as db:
        return {
            id_: Decimal(str(qta))
            for id_, qta in db.execute(select(MgArticoli.id, MgArticoli.qta))
        }
