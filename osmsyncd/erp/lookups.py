"""OSM reference rows, found by name as the guide requires, once per run.

Ids differ between installs, so nothing here trusts a fresh install's ids;
each lookup runs once per :class:`ReferenceCache`: one run's, shared by all
of its transactions, or else one :class:`Lookups` (one transaction) of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from typing import cast

from sqlalchemy import Connection
from sqlalchemy import func
from sqlalchemy import select

from osmsyncd.erp.bindings import first_run_at
from osmsyncd.erp.models import AnNazioni
from osmsyncd.erp.models import AnSedi
from osmsyncd.erp.models import AnTipiAnagrafiche
from osmsyncd.erp.models import CoIva
from osmsyncd.erp.models import CoIvaLang
from osmsyncd.erp.models import CoPagamenti
from osmsyncd.erp.models import OrStatiOrdine
from osmsyncd.erp.models import OrTipiOrdine
from osmsyncd.erp.models import ZzLangs
from osmsyncd.erp.models import ZzModules
from osmsyncd.erp.models import ZzSegments
from osmsyncd.erp.models import ZzSettings
from osmsyncd.erp.models import ZzStorageAdapters
from osmsyncd.errors import ErpError

ARTICLES_MODULE = "Articoli"
ORDERS_MODULE = "Ordini cliente"
CUSTOMER_TYPE = "Cliente"
HEAD_OFFICE = "Sede legale"

T = TypeVar("T")


@dataclass(frozen=True)
class VatCode:
    """One ``co_iva`` row with its display title."""

    id: int
    name: str
    rate: Decimal
    non_deductible: Decimal
    exempt: bool
    title: str
    nature: str = ""

    @property
    def plain(self) -> bool:
        """A normal rate: not exempt and fully deductible."""
        return not self.exempt and self.non_deductible == 0


class ReferenceCache:
    """Reference rows already read, kept for the rest of one run.

    A run sees OSM's settings, modules, VAT codes, states, types, nations,
    warehouses and segments as they were when it first needed each one; the
    next run reads them again, so an edit in OSM counts from the next run.
    Only reads land here: a lookup that fails is asked again next time.
    """

    def __init__(self) -> None:
        self._values: dict[Hashable, object] = {}

    def get(self, key: Hashable, read: Callable[[], T], *, keep_none: bool = True) -> T:
        if key in self._values:
            return cast(T, self._values[key])

        value = read()
        if value is not None or keep_none:
            self._values[key] = value
        return value


class Lookups:
    """Reference data of one OSM database, read lazily within one connection.

    With a run's ``cache`` every transaction of the run shares what was read;
    without one, what this object reads lasts for its own transaction only.
    """

    def __init__(
        self, connection: Connection, cache: ReferenceCache | None = None
    ) -> None:
        self.connection = connection
        self.cache = cache if cache is not None else ReferenceCache()

    def setting(self, name: str) -> str | None:
        return self.cache.get(
            ("setting", name),
            lambda: self.connection.scalar(
                select(ZzSettings.valore).where(ZzSettings.nome == name)
            ),
        )

    def int_setting(self, name: str) -> int | None:
        value = (self.setting(name) or "").strip()
        return int(value) if value.lstrip("-").isdigit() else None

    def module_id(self, name: str) -> int:
        return self.cache.get(("module", name), lambda: self._module_id(name))

    def _module_id(self, name: str) -> int:
        found = self.connection.scalar(
            select(ZzModules.id).where(ZzModules.name == name).order_by(ZzModules.id)
        )
        if found is None:
            raise ErpError(f"OSM has no module named {name!r}; is this OSM 2.11?")
        return found

    def first_run_at(self, connection: str) -> datetime | None:
        """The connection's start: once set it never moves, so it is kept."""
        return self.cache.get(
            ("first_run_at", connection),
            lambda: first_run_at(self.connection, connection),
            keep_none=False,
        )

    @property
    def lang_id(self) -> int:
        """The default language: setting ``Lingua``, else the predefined one."""
        return self.cache.get("lang_id", self._lang_id)

    def _lang_id(self) -> int:
        chosen = self.int_setting("Lingua")
        if chosen is not None:
            return chosen
        found = self.connection.scalar(
            select(ZzLangs.id).order_by(ZzLangs.predefined.desc(), ZzLangs.id)
        )
        return found or 1

    @property
    def lang_ids(self) -> list[int]:
        return self.cache.get(
            "lang_ids",
            lambda: list(
                self.connection.scalars(select(ZzLangs.id).order_by(ZzLangs.id))
            ),
        )

    def order_state(self, name: str) -> int:
        key = name.strip().lower()
        return self.cache.get(("order_state", key), lambda: self._order_state(name))

    def _order_state(self, name: str) -> int:
        found = self.connection.scalar(
            select(OrStatiOrdine.id)
            .where(
                func.lower(OrStatiOrdine.name) == name.strip().lower(),
                OrStatiOrdine.deleted_at.is_(None),
            )
            .order_by(OrStatiOrdine.id)
        )
        if found is None:
            raise ErpError(
                f"OSM has no order state named {name!r}: fix order_states in the "
                "connection, or create the state in OSM"
            )
        return found

    @property
    def customer_order_type(self) -> int:
        return self.cache.get("customer_order_type", self._customer_order_type)

    def _customer_order_type(self) -> int:
        found = self.connection.scalar(
            select(OrTipiOrdine.id)
            .where(OrTipiOrdine.dir == "entrata")
            .order_by(OrTipiOrdine.id)
        )
        if found is None:
            raise ErpError("OSM has no customer order type (or_tipi_ordine entrata)")
        return found

    @property
    def customer_type(self) -> int:
        return self.cache.get("customer_type", self._customer_type)

    def _customer_type(self) -> int:
        found = self.connection.scalar(
            select(AnTipiAnagrafiche.id).where(AnTipiAnagrafiche.name == CUSTOMER_TYPE)
        )
        if found is None:
            raise ErpError("OSM has no anagrafica type named 'Cliente'")
        return found

    @property
    def order_segment(self) -> tuple[int, str]:
        """The predefined segment of customer orders: id and pattern."""
        return self.cache.get("order_segment", self._order_segment)

    def _order_segment(self) -> tuple[int, str]:
        row = self.connection.execute(
            select(ZzSegments.id, ZzSegments.pattern)
            .where(ZzSegments.id_module == self.module_id(ORDERS_MODULE))
            .order_by(ZzSegments.predefined.desc(), ZzSegments.id)
            .limit(1)
        ).one_or_none()
        if row is None:
            raise ErpError("OSM has no segment for module 'Ordini cliente'")
        return row.id, row.pattern or "#"

    @property
    def storage_adapter(self) -> int:
        return self.cache.get("storage_adapter", self._storage_adapter)

    def _storage_adapter(self) -> int:
        found = self.connection.scalar(
            select(ZzStorageAdapters.id)
            .where(ZzStorageAdapters.deleted_at.is_(None))
            .order_by(ZzStorageAdapters.is_default.desc(), ZzStorageAdapters.id)
        )
        if found is None:
            raise ErpError("OSM has no file storage adapter (zz_storage_adapters)")
        return found

    def warehouse_ids(self, names: Sequence[str]) -> list[int]:
        """Sede ids of warehouse names; "Sede legale" is the head office, 0."""
        return [self._warehouse_id(name) for name in names]

    def _warehouse_id(self, name: str) -> int:
        wanted = name.strip().lower()
        if wanted == HEAD_OFFICE.lower():
            return 0
        found = self.cache.get(
            ("warehouse", wanted), lambda: self._sede(wanted), keep_none=False
        )
        if found is None:
            raise ErpError(
                f"OSM has no warehouse (sede) named {name!r}: fix warehouses "
                'in the connection ("Sede legale" is the head office)'
            )
        return found

    def _sede(self, wanted: str) -> int | None:
        company = self.int_setting("Azienda predefinita")
        query = select(AnSedi.id).where(
            func.lower(AnSedi.nome_sede) == wanted, AnSedi.deleted_at.is_(None)
        )
        if company:
            query = query.where(AnSedi.id_anagrafica == company)
        return self.connection.scalar(query.order_by(AnSedi.id))

    def nation_id(self, iso2: str) -> int | None:
        if not iso2:
            return None
        code = iso2.strip().upper()
        return self.cache.get(
            ("nation", code),
            lambda: self.connection.scalar(
                select(AnNazioni.id)
                .where(AnNazioni.iso2 == code)
                .order_by(AnNazioni.id)
            ),
        )

    # -- payments ------------------------------------------------------------

    def payment(self, name: str) -> int | None:
        """The first instalment row of the payment method with this name."""
        wanted = name.strip().lower()
        return self.cache.get(
            ("payment", wanted),
            lambda: self.connection.scalar(
                select(CoPagamenti.id)
                .where(func.lower(CoPagamenti.name) == wanted)
                .order_by(CoPagamenti.id)
            ),
        )

    @property
    def default_payment(self) -> int:
        return self.cache.get("default_payment", self._default_payment)

    def _default_payment(self) -> int:
        chosen = self.int_setting("Tipo di pagamento predefinito")
        if chosen:
            return chosen
        found = self.connection.scalar(
            select(CoPagamenti.id).order_by(
                CoPagamenti.predefined.desc(), CoPagamenti.id
            )
        )
        if found is None:
            raise ErpError("OSM has no payment method (co_pagamenti)")
        return found

    # -- VAT -----------------------------------------------------------------

    @property
    def vat_codes(self) -> dict[int, VatCode]:
        return self.cache.get("vat_codes", self._vat_codes)

    def _vat_codes(self) -> dict[int, VatCode]:
        title = (
            select(CoIvaLang.title)
            .where(CoIvaLang.id_record == CoIva.id, CoIvaLang.id_lang == self.lang_id)
            .limit(1)
            .scalar_subquery()
        )
        rows = self.connection.execute(
            select(
                CoIva.id,
                CoIva.name,
                CoIva.percentuale,
                CoIva.indetraibile,
                CoIva.esente,
                CoIva.codice_natura_fe,
                title.label("title"),
            )
            .where(CoIva.deleted_at.is_(None), CoIva.enabled == 1)
            .order_by(CoIva.id)
        )
        return {
            row.id: VatCode(
                id=row.id,
                name=row.name or "",
                rate=Decimal(row.percentuale),
                non_deductible=Decimal(row.indetraibile),
                exempt=bool(row.esente),
                title=row.title or row.name or "",
                nature=row.codice_natura_fe or "",
            )
            for row in rows
        }

    @property
    def default_vat(self) -> VatCode | None:
        return self.cache.get("default_vat", self._default_vat)

    def _default_vat(self) -> VatCode | None:
        chosen = self.int_setting("Iva predefinita")
        return self.vat_codes.get(chosen) if chosen is not None else None

    def vat_named(self, name: str) -> VatCode | None:
        wanted = name.strip().lower()
        for code in self.vat_codes.values():
            if wanted in (code.name.lower(), code.title.lower()):
                return code
        return None

    def exempt_vat(self, name: str | None) -> VatCode | None:
        """The code for amounts outside VAT: the named one, else an N1 code."""
        if name:
            return self.vat_named(name)
        exempt = [c for c in self.vat_codes.values() if c.exempt and c.rate == 0]
        excluded = [c for c in exempt if c.nature == "N1"]
        chosen = excluded or exempt
        return chosen[0] if chosen else None

    def vat_for_rate(self, rate: Decimal) -> VatCode | None:
        """The default code when its rate matches, else the first plain one."""
        default = self.default_vat
        if default is not None and default.rate == rate and not default.exempt:
            return default
        for code in self.vat_codes.values():
            if code.plain and code.rate == rate:
                return code
        return None
