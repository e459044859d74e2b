"""SQLAlchemy models of the OpenSTAManager 2.11 tables osmsyncd touches.

Table and column names, types, keys and NOT NULL columns are OSM's own, so
that ``Base.metadata.create_all`` on an empty MariaDB database gives tables
that match a real install for these columns. Nullable columns and columns
with a default that osmsyncd never reads or writes are left out; every NOT
NULL column without a default is here, because osmsyncd always sets them
(OSM itself relies on ``sql_mode=''`` filling in 0 and '').
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Numeric
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeEngine

_MYSQL = ("mysql", "mariadb")

TinyBool = SmallInteger().with_variant(mysql.TINYINT(1), *_MYSQL)
TinyInt = SmallInteger().with_variant(mysql.TINYINT(4), *_MYSQL)
Timestamp = DateTime().with_variant(mysql.TIMESTAMP(), *_MYSQL)
Money = Numeric(15, 6, asdecimal=True)
Percent = Numeric(5, 2, asdecimal=True)


def _enum(*values: str) -> TypeEngine[str]:
    width = max(len(value) for value in values)
    return String(width).with_variant(mysql.ENUM(*values), *_MYSQL)


def _zero() -> Mapped[int]:
    return mapped_column(TinyBool, nullable=False, server_default=text("0"))


class Base(DeclarativeBase):
    metadata = MetaData()


class _Stamped:
    """The ``created_at``/``updated_at`` pair OSM adds to every table."""

    created_at: Mapped[datetime | None] = mapped_column(
        Timestamp, server_default=func.current_timestamp()
    )
    updated_at: Mapped[datetime | None] = mapped_column(
        Timestamp,
        server_default=func.current_timestamp(),
        onupdate=func.current_timestamp(),
    )


_TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_general_ci",
}


# -- articles --------------------------------------------------------------


class MgArticoli(_Stamped, Base):
    __tablename__ = "mg_articoli"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    codice: Mapped[str] = mapped_column(String(255))
    um: Mapped[str] = mapped_column(String(20))
    abilita_serial: Mapped[int] = _zero()
    note: Mapped[str] = mapped_column(String(1000))
    qta: Mapped[Decimal] = mapped_column(Money)
    ubicazione: Mapped[str] = mapped_column(String(255))
    prezzo_acquisto: Mapped[Decimal] = mapped_column(Money)
    coefficiente: Mapped[Decimal] = mapped_column(Money)
    prezzo_vendita: Mapped[Decimal] = mapped_column(Money)
    prezzo_vendita_ivato: Mapped[Decimal] = mapped_column(Money)
    minimo_vendita: Mapped[Decimal] = mapped_column(Money)
    minimo_vendita_ivato: Mapped[Decimal] = mapped_column(Money)
    id_iva_vendita: Mapped[int | None] = mapped_column(Integer, index=True)
    peso_lordo: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    volume: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    componente_filename: Mapped[str] = mapped_column(String(255))
    attivo: Mapped[int] = mapped_column(TinyBool)
    id_categoria: Mapped[int | None] = mapped_column(Integer, index=True)
    id_sottocategoria: Mapped[int | None] = mapped_column(Integer, index=True)
    servizio: Mapped[int] = mapped_column(TinyBool)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    barcode: Mapped[str | None] = mapped_column(String(255))


class MgArticoliLang(_Stamped, Base):
    __tablename__ = "mg_articoli_lang"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_lang: Mapped[int] = mapped_column(ForeignKey("zz_langs.id", ondelete="CASCADE"))
    id_record: Mapped[int] = mapped_column(
        ForeignKey("mg_articoli.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(Text)


class MgArticoliBarcode(_Stamped, Base):
    __tablename__ = "mg_articoli_barcode"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(
        Integer().with_variant(mysql.INTEGER(display_width=4), *_MYSQL),
        primary_key=True,
    )
    id_articolo: Mapped[int] = mapped_column(
        ForeignKey("mg_articoli.id", ondelete="CASCADE")
    )
    barcode: Mapped[str] = mapped_column(String(100))


class ZzCategorie(_Stamped, Base):
    __tablename__ = "zz_categorie"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    colore: Mapped[str | None] = mapped_column(String(255))
    parent: Mapped[int | None] = mapped_column(
        ForeignKey("zz_categorie.id", ondelete="CASCADE")
    )
    name: Mapped[str | None] = mapped_column(String(255))
    is_articolo: Mapped[int] = mapped_column(TinyBool, server_default=text("1"))
    is_impianto: Mapped[int] = _zero()


class ZzCategorieLang(_Stamped, Base):
    __tablename__ = "zz_categorie_lang"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_lang: Mapped[int] = mapped_column(ForeignKey("zz_langs.id", ondelete="CASCADE"))
    id_record: Mapped[int] = mapped_column(
        ForeignKey("zz_categorie.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(255))


class MgMovimenti(_Stamped, Base):
    __tablename__ = "mg_movimenti"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_articolo: Mapped[int] = mapped_column(
        ForeignKey("mg_articoli.id", ondelete="CASCADE")
    )
    qta: Mapped[Decimal] = mapped_column(Money)
    movimento: Mapped[str] = mapped_column(String(255))
    data: Mapped[date | None] = mapped_column(Date)
    manuale: Mapped[int] = mapped_column(TinyBool)
    id_ddt: Mapped[int] = mapped_column(Integer)
    id_documento: Mapped[int] = mapped_column(Integer)
    id_sede: Mapped[int] = mapped_column(Integer)
    reference_id: Mapped[int | None] = mapped_column(Integer)
    reference_type: Mapped[str | None] = mapped_column(String(255))
    id_utente: Mapped[int | None] = mapped_column(Integer)


# -- files, custom fields, settings ----------------------------------------


class ZzFiles(_Stamped, Base):
    __tablename__ = "zz_files"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    original: Mapped[str] = mapped_column(String(255))
    id_category: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(Integer)
    id_module: Mapped[int | None] = mapped_column(
        ForeignKey("zz_modules.id", ondelete="CASCADE")
    )
    id_plugin: Mapped[int | None] = mapped_column(Integer)
    id_record: Mapped[int] = mapped_column(Integer, index=True)
    id_adapter: Mapped[int] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(Integer)


class ZzFilesCategories(_Stamped, Base):
    __tablename__ = "zz_files_categories"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ZzStorageAdapters(Base):
    __tablename__ = "zz_storage_adapters"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    class_: Mapped[str] = mapped_column("class", String(255))
    options: Mapped[str] = mapped_column(Text)
    can_delete: Mapped[int] = mapped_column(TinyBool, server_default=text("1"))
    is_default: Mapped[int] = mapped_column(TinyBool)
    is_local: Mapped[int] = mapped_column(TinyBool)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.current_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp,
        server_default=func.current_timestamp(),
        onupdate=func.current_timestamp(),
    )


class ZzFields(_Stamped, Base):
    __tablename__ = "zz_fields"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_module: Mapped[int | None] = mapped_column(
        ForeignKey("zz_modules.id", ondelete="CASCADE")
    )
    id_plugin: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    html_name: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    options: Mapped[str | None] = mapped_column(Text)
    order: Mapped[int] = mapped_column(Integer)
    on_add: Mapped[int] = mapped_column(TinyBool)
    top: Mapped[int] = mapped_column(TinyBool)


class ZzFieldRecord(_Stamped, Base):
    __tablename__ = "zz_field_record"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_field: Mapped[int] = mapped_column(
        ForeignKey("zz_fields.id", ondelete="CASCADE")
    )
    id_record: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(Text)


class ZzSettings(_Stamped, Base):
    __tablename__ = "zz_settings"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nome: Mapped[str] = mapped_column(String(150), unique=True)
    valore: Mapped[str | None] = mapped_column(Text)
    tipo: Mapped[str] = mapped_column(String(1000))
    editable: Mapped[int] = mapped_column(TinyBool)
    sezione: Mapped[str] = mapped_column(String(100))
    order: Mapped[int | None] = mapped_column(Integer)
    is_user_setting: Mapped[int] = _zero()


class ZzModules(_Stamped, Base):
    __tablename__ = "zz_modules"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    directory: Mapped[str] = mapped_column(String(50))
    attachments_directory: Mapped[str] = mapped_column(
        String(255), server_default=text("''")
    )
    options: Mapped[str | None] = mapped_column(Text)
    icon: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(15))
    compatibility: Mapped[str] = mapped_column(String(1000))
    order: Mapped[int] = mapped_column(Integer)
    parent: Mapped[int | None] = mapped_column(
        ForeignKey("zz_modules.id", ondelete="CASCADE")
    )
    default: Mapped[int] = _zero()
    enabled: Mapped[int] = mapped_column(TinyBool)


class ZzLangs(_Stamped, Base):
    __tablename__ = "zz_langs"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[int] = mapped_column(TinyBool)
    iso_code: Mapped[str] = mapped_column(String(2))
    language_code: Mapped[str] = mapped_column(String(5))
    date: Mapped[str] = mapped_column(String(100))
    time: Mapped[str] = mapped_column(String(100))
    timestamp: Mapped[str] = mapped_column(String(100))
    decimals: Mapped[str] = mapped_column(String(1))
    thousands: Mapped[str | None] = mapped_column(String(1))
    is_rtl: Mapped[int] = _zero()
    predefined: Mapped[int] = _zero()


class ZzSegments(_Stamped, Base):
    __tablename__ = "zz_segments"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_module: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    clause: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(
        _enum("WHR", "HVN"), server_default=text("'WHR'")
    )
    pattern: Mapped[str] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text)
    dicitura_fissa: Mapped[str] = mapped_column(Text)
    predefined: Mapped[int] = _zero()
    predefined_accredito: Mapped[int] = mapped_column(TinyBool)
    predefined_addebito: Mapped[int] = mapped_column(TinyBool)
    autofatture: Mapped[int] = mapped_column(TinyBool)
    for_fe: Mapped[int] = mapped_column(TinyBool)
    is_sezionale: Mapped[int] = mapped_column(TinyBool)
    is_fiscale: Mapped[int] = mapped_column(TinyBool, server_default=text("1"))


class Updates(Base):
    __tablename__ = "updates"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    directory: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    sql: Mapped[int] = mapped_column(TinyBool)
    script: Mapped[int] = mapped_column(TinyBool)
    done: Mapped[int | None] = mapped_column(Integer)


# -- customers --------------------------------------------------------------


class AnNazioni(_Stamped, Base):
    __tablename__ = "an_nazioni"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2))
    name: Mapped[str | None] = mapped_column(String(255))


class AnAnagrafiche(_Stamped, Base):
    __tablename__ = "an_anagrafiche"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_cliente_finale: Mapped[int] = mapped_column(Integer)
    codice: Mapped[str] = mapped_column(String(20))
    ragione_sociale: Mapped[str] = mapped_column(String(255))
    tipo: Mapped[str] = mapped_column(_enum("", "Azienda", "Privato", "Ente pubblico"))
    p_iva: Mapped[str] = mapped_column(String(16))
    codice_fiscale: Mapped[str] = mapped_column(String(16))
    luogo_nascita: Mapped[str] = mapped_column(String(255))
    sesso: Mapped[str] = mapped_column(_enum("", "M", "F"))
    indirizzo: Mapped[str] = mapped_column(String(255))
    citta: Mapped[str] = mapped_column(String(255))
    cap: Mapped[str] = mapped_column(String(10))
    provincia: Mapped[str] = mapped_column(String(2))
    km: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    id_nazione: Mapped[int | None] = mapped_column(ForeignKey("an_nazioni.id"))
    telefono: Mapped[str] = mapped_column(String(50))
    fax: Mapped[str] = mapped_column(String(50))
    cellulare: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(255))
    pec: Mapped[str] = mapped_column(String(255))
    sito_web: Mapped[str] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text)
    codice_r_i: Mapped[str] = mapped_column(String(15))
    appoggio_bancario: Mapped[str] = mapped_column(String(255))
    filiale: Mapped[str] = mapped_column(String(100))
    codice_iban: Mapped[str] = mapped_column(String(40))
    bic: Mapped[str] = mapped_column(String(25))
    dicitura_fissa_fattura: Mapped[str] = mapped_column(String(255))
    id_pagamento_vendite: Mapped[int | None] = mapped_column(Integer, index=True)
    id_iva_vendite: Mapped[int | None] = mapped_column(Integer, index=True)
    id_sede_fatturazione: Mapped[int] = mapped_column(Integer)
    id_conto_cliente: Mapped[int] = mapped_column(Integer)
    id_conto_fornitore: Mapped[int] = mapped_column(Integer)
    id_settore: Mapped[int] = mapped_column(Integer)
    marche: Mapped[str] = mapped_column(String(5000))
    dipendenti: Mapped[int] = mapped_column(Integer)
    macchine: Mapped[int] = mapped_column(Integer)
    id_agente: Mapped[int] = mapped_column(Integer)
    id_relazione: Mapped[int] = mapped_column(Integer)
    id_zona: Mapped[int] = mapped_column(Integer)
    foro_competenza: Mapped[str] = mapped_column(String(255))
    nome: Mapped[str] = mapped_column(String(255))
    cognome: Mapped[str] = mapped_column(String(255))
    iscrizione_tribunale: Mapped[str] = mapped_column(String(2))
    provvigione_default: Mapped[Decimal] = mapped_column(Money)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    codice_destinatario: Mapped[str | None] = mapped_column(String(7))


class AnTipiAnagrafiche(_Stamped, Base):
    __tablename__ = "an_tipi_anagrafiche"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    default: Mapped[int] = _zero()


class AnTipiAnagraficheAnagrafiche(_Stamped, Base):
    __tablename__ = "an_tipi_anagrafiche_anagrafiche"
    __table_args__ = _TABLE_ARGS

    id_tipo_anagrafica: Mapped[int] = mapped_column(
        ForeignKey("an_tipi_anagrafiche.id", ondelete="CASCADE"), primary_key=True
    )
    id_anagrafica: Mapped[int] = mapped_column(
        ForeignKey("an_anagrafiche.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )


class AnSedi(_Stamped, Base):
    __tablename__ = "an_sedi"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nome_sede: Mapped[str] = mapped_column(String(255))
    p_iva: Mapped[str] = mapped_column(String(15))
    codice_fiscale: Mapped[str] = mapped_column(String(16))
    indirizzo: Mapped[str] = mapped_column(String(255))
    citta: Mapped[str] = mapped_column(String(255))
    cap: Mapped[str] = mapped_column(String(10))
    provincia: Mapped[str] = mapped_column(String(2))
    km: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    id_nazione: Mapped[int | None] = mapped_column(ForeignKey("an_nazioni.id"))
    telefono: Mapped[str] = mapped_column(String(20))
    fax: Mapped[str] = mapped_column(String(20))
    cellulare: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(255))
    id_anagrafica: Mapped[int] = mapped_column(
        ForeignKey("an_anagrafiche.id", ondelete="CASCADE")
    )
    id_zona: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)


class CoPianoDeiConti1(_Stamped, Base):
    __tablename__ = "co_piano_dei_conti1"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    numero: Mapped[str] = mapped_column(String(10))
    descrizione: Mapped[str] = mapped_column(String(100))


class CoPianoDeiConti2(_Stamped, Base):
    __tablename__ = "co_piano_dei_conti2"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    numero: Mapped[str] = mapped_column(String(10))
    descrizione: Mapped[str] = mapped_column(String(100))
    id_piano_dei_conti1: Mapped[int] = mapped_column(Integer)
    dir: Mapped[str] = mapped_column(String(15))


class CoPianoDeiConti3(_Stamped, Base):
    __tablename__ = "co_piano_dei_conti3"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    numero: Mapped[str] = mapped_column(String(10))
    descrizione: Mapped[str] = mapped_column(String(255))
    id_piano_dei_conti2: Mapped[int] = mapped_column(Integer)
    dir: Mapped[str] = mapped_column(String(15))
    percentuale_deducibile: Mapped[Decimal] = mapped_column(
        Percent, server_default=text("100.00")
    )


# -- orders ------------------------------------------------------------------


class OrTipiOrdine(_Stamped, Base):
    __tablename__ = "or_tipi_ordine"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    dir: Mapped[str] = mapped_column(_enum("entrata", "uscita"))


class OrStatiOrdine(_Stamped, Base):
    __tablename__ = "or_stati_ordine"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    icona: Mapped[str] = mapped_column(String(100))
    colore: Mapped[str] = mapped_column(String(7))
    impegnato: Mapped[int] = _zero()
    is_bloccato: Mapped[int] = _zero()
    is_fatturabile: Mapped[int] = mapped_column(TinyBool)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    can_delete: Mapped[int] = mapped_column(TinyBool, server_default=text("1"))


class CoPagamenti(_Stamped, Base):
    __tablename__ = "co_pagamenti"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    giorno: Mapped[int] = mapped_column(TinyInt)
    num_giorni: Mapped[int] = mapped_column(Integer)
    prc: Mapped[Decimal] = mapped_column(Percent)
    id_conto_vendite: Mapped[int | None] = mapped_column(Integer)
    id_conto_acquisti: Mapped[int | None] = mapped_column(Integer)
    predefined: Mapped[int] = mapped_column(TinyInt)
    codice_modalita_pagamento_fe: Mapped[str | None] = mapped_column(String(4))
    descrizione_incasso: Mapped[str] = mapped_column(Text)
    importo_fisso_incasso: Mapped[Decimal] = mapped_column(Money)
    importo_percentuale_incasso: Mapped[Decimal] = mapped_column(Money)
    registra_pagamento_automatico: Mapped[int] = mapped_column(TinyBool)


class CoIva(_Stamped, Base):
    __tablename__ = "co_iva"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    percentuale: Mapped[Decimal] = mapped_column(Percent)
    indetraibile: Mapped[Decimal] = mapped_column(Percent)
    esente: Mapped[int] = mapped_column(TinyBool)
    dicitura: Mapped[str | None] = mapped_column(String(255))
    codice_natura_fe: Mapped[str | None] = mapped_column(String(4))
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    codice: Mapped[int | None] = mapped_column(Integer)
    esigibilita: Mapped[str] = mapped_column(
        _enum("I", "D", "S"), server_default=text("'I'")
    )
    default: Mapped[int] = _zero()
    enabled: Mapped[int] = mapped_column(TinyBool, server_default=text("1"))


class CoIvaLang(_Stamped, Base):
    __tablename__ = "co_iva_lang"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_lang: Mapped[int] = mapped_column(ForeignKey("zz_langs.id", ondelete="CASCADE"))
    id_record: Mapped[int] = mapped_column(ForeignKey("co_iva.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))


class OrOrdini(_Stamped, Base):
    __tablename__ = "or_ordini"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    numero: Mapped[str] = mapped_column(String(100))
    numero_esterno: Mapped[str] = mapped_column(String(100))
    data: Mapped[date | None] = mapped_column(Date)
    id_agente: Mapped[int] = mapped_column(Integer)
    id_anagrafica: Mapped[int] = mapped_column(ForeignKey("an_anagrafiche.id"))
    id_sede_destinazione: Mapped[int] = mapped_column(Integer)
    id_sede_partenza: Mapped[int] = mapped_column(Integer)
    id_tipo_ordine: Mapped[int] = mapped_column(TinyInt, index=True)
    id_stato: Mapped[int] = mapped_column(TinyInt, index=True)
    id_pagamento: Mapped[int] = mapped_column(ForeignKey("co_pagamenti.id"))
    id_banca_controparte: Mapped[int] = mapped_column(Integer)
    id_conto: Mapped[int] = mapped_column(Integer)
    id_rivalsa_inps: Mapped[int] = mapped_column(Integer)
    id_ritenuta_acconto: Mapped[int] = mapped_column(Integer)
    rivalsa_inps: Mapped[Decimal] = mapped_column(Money)
    iva_rivalsa_inps: Mapped[Decimal] = mapped_column(Money)
    ritenuta_acconto: Mapped[Decimal] = mapped_column(Money)
    bollo: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    note: Mapped[str] = mapped_column(String(255))
    note_aggiuntive: Mapped[str] = mapped_column(Text)
    data_cliente: Mapped[date | None] = mapped_column(Date)
    numero_cliente: Mapped[str | None] = mapped_column(String(255))
    sconto_finale: Mapped[Decimal] = mapped_column(Numeric(17, 8))
    sconto_finale_percentuale: Mapped[Decimal] = mapped_column(Numeric(17, 8))
    id_segment: Mapped[int] = mapped_column(Integer)
    nome: Mapped[str] = mapped_column(String(100))


class OrRigheOrdini(_Stamped, Base):
    __tablename__ = "or_righe_ordini"
    __table_args__ = _TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_ordine: Mapped[int] = mapped_column(
        ForeignKey("or_ordini.id", ondelete="CASCADE")
    )
    id_articolo: Mapped[int | None] = mapped_column(Integer)
    id_preventivo: Mapped[int] = mapped_column(Integer)
    is_descrizione: Mapped[int] = mapped_column(TinyBool)
    is_sconto: Mapped[int] = _zero()
    id_iva: Mapped[int] = mapped_column(ForeignKey("co_iva.id"))
    desc_iva: Mapped[str] = mapped_column(String(255))
    id_agente: Mapped[int] = mapped_column(Integer)
    iva: Mapped[Decimal] = mapped_column(Money)
    iva_indetraibile: Mapped[Decimal] = mapped_column(Money)
    descrizione: Mapped[str | None] = mapped_column(Text)
    subtotale: Mapped[Decimal] = mapped_column(Money)
    sconto: Mapped[Decimal] = mapped_column(Money)
    sconto_unitario: Mapped[Decimal] = mapped_column(Money)
    sconto_percentuale: Mapped[Decimal] = mapped_column(Money)
    sconto_iva_unitario: Mapped[Decimal] = mapped_column(Money)
    sconto_unitario_ivato: Mapped[Decimal] = mapped_column(Money)
    tipo_sconto: Mapped[str] = mapped_column(
        _enum("UNT", "PRC", "PRC+"), server_default=text("'UNT'")
    )
    um: Mapped[str | None] = mapped_column(String(20))
    qta: Mapped[Decimal] = mapped_column(Money)
    costo_unitario: Mapped[Decimal] = mapped_column(Money)
    prezzo_unitario: Mapped[Decimal] = mapped_column(Money)
    iva_unitaria: Mapped[Decimal] = mapped_column(Numeric(17, 8))
    prezzo_unitario_ivato: Mapped[Decimal] = mapped_column(Money)
    provvigione: Mapped[Decimal] = mapped_column(Money)
    provvigione_unitaria: Mapped[Decimal] = mapped_column(Money)
    provvigione_percentuale: Mapped[Decimal] = mapped_column(Money)
    qta_evasa: Mapped[Decimal] = mapped_column(Money)
    order: Mapped[int] = mapped_column(Integer)
    confermato: Mapped[int] = mapped_column(TinyBool)


def _add_on_update(table: Table) -> None:
    """Give MariaDB's ``updated_at`` the ``ON UPDATE`` clause OSM has.

    SQLAlchemy has no portable spelling for it; on SQLite the ORM-level
    ``onupdate`` keeps the column moving for osmsyncd's own writes.
    """
    null = "NULL" if table.c.updated_at.nullable else "NOT NULL"
    statement = (
        f"ALTER TABLE `{table.name}` MODIFY `updated_at` TIMESTAMP {null} "
        "DEFAULT current_timestamp() ON UPDATE current_timestamp()"
    )

    def alter(target: Table, connection: Connection, **_: Any) -> None:
        if connection.dialect.name in _MYSQL:
            connection.exec_driver_sql(statement)

    event.listen(table, "after_create", alter)


for _table in Base.metadata.tables.values():
    if "updated_at" in _table.c:
        _add_on_update(_table)
