"""Shop order lines as OSM order lines: article, VAT code and amounts.

Amounts come from the shop's line totals (never its float unit price):
OSM stores a net unit price, and derives the line's subtotal and VAT from
it, so those are computed the same way here. When OSM's rounded total still
differs from what the customer paid, an explicit rounding line closes the
gap and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import and_
from sqlalchemy import cast
from sqlalchemy import select

from osmsyncd.config import ConnectionSettings
from osmsyncd.erp.bindings import find_binding
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.lookups import VatCode
from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.state import OsmsyncBinding
from osmsyncd.errors import ErpError
from osmsyncd.records import OrderLine
from osmsyncd.records import Resource
from osmsyncd.records import ShopOrder

SIX = Decimal("0.000001")
EIGHT = Decimal("0.00000001")
CENT = Decimal("0.01")
ROUNDING = "Arrotondamento"
SHIPPING = "Spese di spedizione"


def q6(value: Decimal) -> Decimal:
    return value.quantize(SIX, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ArticleRef:
    id: int
    um: str
    cost: Decimal
    service: bool


@dataclass
class PlannedLine:
    """One ``or_righe_ordini`` row to write, and the stock it stands for."""

    columns: dict[str, Any]
    shop_line_id: str = ""
    article: ArticleRef | None = None
    sold: Decimal = Decimal("0")

    @property
    def total(self) -> Decimal:
        return Decimal(self.columns["subtotale"]) + Decimal(self.columns["iva"])


@dataclass
class LinePlan:
    lines: list[PlannedLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_ARTICLE = (
    MgArticoli.id,
    MgArticoli.um,
    MgArticoli.prezzo_acquisto,
    MgArticoli.servizio,
)
_LIVE = MgArticoli.deleted_at.is_(None)


def match_articles(
    db: Connection, settings: ConnectionSettings, lines: Sequence[OrderLine]
) -> list[ArticleRef | None]:
    """The OSM article of each line: by product binding, then by code = SKU.

    The bound articles of all the lines come in one SELECT. MariaDB compares
    shop ids ignoring case and trailing spaces, so a line that SELECT did not
    answer under its exact id is looked up on its own, as before, unless it
    found no binding at all: then there is surely none to find.
    """
    wanted = {str(line.product_shop_id) for line in lines if line.product_shop_id}
    bound: dict[str, ArticleRef | None] = {}
    if wanted:
        rows = db.execute(
            select(OsmsyncBinding.shop_id, OsmsyncBinding.erp_id, *_ARTICLE)
            .select_from(OsmsyncBinding)
            .outerjoin(
                MgArticoli,
                and_(MgArticoli.id == cast(OsmsyncBinding.erp_id, Integer), _LIVE),
            )
            .where(
                OsmsyncBinding.connection == settings.name,
                OsmsyncBinding.resource == str(Resource.ARTICLES),
                OsmsyncBinding.shop_id.in_(sorted(wanted)),
            )
        ).all()
        for row in rows:
            usable = row.erp_id.isdigit() and row.id == int(row.erp_id)
            bound[row.shop_id] = _article(row) if usable else None
    any_bound = bool(bound)

    found: list[ArticleRef | None] = []
    for line in lines:
        shop_id = str(line.product_shop_id) if line.product_shop_id else ""
        if shop_id in bound:
            article = bound[shop_id]
        elif shop_id and any_bound:
            article = _bound_article(db, settings, shop_id)
        else:
            article = None
        found.append(article or _article_by_code(db, line))
    return found


def _bound_article(
    db: Connection, settings: ConnectionSettings, shop_id: str
) -> ArticleRef | None:
    binding = find_binding(db, settings.name, Resource.ARTICLES, shop_id=shop_id)
    if binding is None or not binding.erp_id.isdigit():
        return None
    row = db.execute(
        select(*_ARTICLE).where(MgArticoli.id == int(binding.erp_id), _LIVE)
    ).one_or_none()
    return _article(row) if row is not None else None


def _article_by_code(db: Connection, line: OrderLine) -> ArticleRef | None:
    sku = (line.sku or "").strip()
    if not sku:
        return None
    row = db.execute(
        select(*_ARTICLE)
        .where(MgArticoli.codice == sku, _LIVE)
        .order_by(MgArticoli.id)
        .limit(1)
    ).one_or_none()
    return _article(row) if row is not None else None


def _article(row: Any) -> ArticleRef:
    return ArticleRef(
        id=row.id,
        um=row.um or "",
        cost=Decimal(row.prezzo_acquisto or 0),
        service=bool(row.servizio),
    )


def plan_lines(
    db: Connection, lookups: Lookups, settings: ConnectionSettings, order: ShopOrder
) -> LinePlan:
    """Every line of the OSM order: products, shipping, fees, rounding."""
    plan = LinePlan()
    confirmed = 0 if lookups.setting(_CONFIRM) == "0" else 1

    articles = match_articles(db, settings, order.lines)
    for line, article in zip(order.lines, articles, strict=True):
        name = (line.name or line.sku or "").strip() or "Articolo e-commerce"
        if article is None:
            plan.warnings.append(
                f"line {line.shop_line_id} ({name}) matches no OSM article: "
                "imported as a text line, no stock moved"
            )
        vat = choose_vat(lookups, settings, line.total, line.total_tax)
        columns = line_columns(name, line.quantity, line.total, vat, confirmed)
        if article is not None:
            columns.update(
                id_articolo=article.id,
                um=article.um or None,
                costo_unitario=article.cost,
            )
        plan.lines.append(
            PlannedLine(
                columns,
                shop_line_id=str(line.shop_line_id),
                article=article,
                sold=line.quantity - line.refunded_quantity,
            )
        )

    if order.shipping_total or order.shipping_tax:
        vat = choose_vat(lookups, settings, order.shipping_total, order.shipping_tax)
        name = order.shipping_name.strip() or SHIPPING
        plan.lines.append(
            PlannedLine(line_columns(name, Decimal(1), order.shipping_total, vat, 1))
        )
    for fee in order.fees:
        vat = choose_vat(lookups, settings, fee.total, fee.total_tax)
        name = fee.name.strip() or "Commissione"
        plan.lines.append(
            PlannedLine(line_columns(name, fee.quantity, fee.total, vat, 1))
        )

    _close_gap(lookups, settings, order, plan)
    for position, planned in enumerate(plan.lines, start=1):
        planned.columns["order"] = position
    return plan


_CONFIRM = "Conferma automaticamente le quantità negli ordini cliente"


def _close_gap(
    lookups: Lookups, settings: ConnectionSettings, order: ShopOrder, plan: LinePlan
) -> None:
    osm_total = sum((line.total for line in plan.lines), Decimal("0"))
    gap = order.total - osm_total.quantize(CENT, rounding=ROUND_HALF_UP)
    if not gap:
        return
    vat = lookups.exempt_vat(settings.vat_exempt)
    if vat is None:
        raise ErpError(
            f"order total {order.total} differs from OSM's {osm_total:.2f} and OSM "
            "has no exempt VAT code for the rounding line: set vat_exempt in the "
            "connection"
        )
    plan.lines.append(PlannedLine(line_columns(ROUNDING, Decimal(1), gap, vat, 1)))
    plan.warnings.append(
        f"OSM's total {osm_total:.2f} differed from the shop's {order.total}: "
        f"added a rounding line of {gap}"
    )


def choose_vat(
    lookups: Lookups, settings: ConnectionSettings, total: Decimal, tax: Decimal
) -> VatCode:
    """The VAT code for a line whose shop totals are ``total`` and ``tax``."""
    if not total and not tax:
        code = lookups.default_vat or lookups.vat_for_rate(Decimal("22"))
        if code is not None:
            return code
    if not tax:
        exempt = lookups.exempt_vat(settings.vat_exempt)
        if exempt is None:
            raise ErpError(
                "a line without VAT needs an exempt VAT code: set vat_exempt in "
                "the connection to the name of an OSM VAT code"
                + (
                    f" ({settings.vat_exempt!r} was not found)"
                    if settings.vat_exempt
                    else ""
                )
            )
        return exempt

    rate = _standard_rate(lookups, total, tax)
    code = lookups.vat_for_rate(rate)
    if code is None:
        raise ErpError(f"OSM has no plain VAT code of {rate}%: create one in OSM")
    return code


def _standard_rate(lookups: Lookups, total: Decimal, tax: Decimal) -> Decimal:
    """The OSM rate that explains the shop's tax; shops round per unit or line."""
    shop_rate = tax / total * 100 if total else Decimal("0")
    rates = {code.rate for code in lookups.vat_codes.values() if code.plain}
    if not rates:
        return shop_rate.quantize(CENT)
    best = min(rates, key=lambda rate: abs(total * rate / 100 - tax))
    near = abs(total * best / 100 - tax) <= Decimal("0.02") or abs(
        shop_rate - best
    ) <= Decimal("0.5")
    return best if near else shop_rate.quantize(CENT)


def line_columns(
    name: str, quantity: Decimal, total: Decimal, vat: VatCode, confirmed: int
) -> dict[str, Any]:
    """An ``or_righe_ordini`` row as OSM computes it from the net line total."""
    qty = quantity if quantity > 0 else Decimal(1)
    unit = q6(total / qty)
    unit_vat = (unit * vat.rate / 100).quantize(EIGHT, rounding=ROUND_HALF_UP)
    iva = q6(unit_vat * qty)
    zero = Decimal("0")
    return {
        "id_articolo": None,
        "id_preventivo": 0,
        "is_descrizione": 0,
        "is_sconto": 0,
        "id_iva": vat.id,
        "desc_iva": vat.title[:255],
        "id_agente": 0,
        "iva": iva,
        "iva_indetraibile": q6(iva * vat.non_deductible / 100),
        "descrizione": name,
        "subtotale": q6(unit * qty),
        "sconto": zero,
        "sconto_unitario": zero,
        "sconto_percentuale": zero,
        "sconto_iva_unitario": zero,
        "sconto_unitario_ivato": zero,
        "tipo_sconto": "UNT",
        "um": None,
        "qta": qty,
        "costo_unitario": zero,
        "prezzo_unitario": unit,
        "iva_unitaria": unit_vat,
        "prezzo_unitario_ivato": q6(unit + unit_vat),
        "provvigione": zero,
        "provvigione_unitaria": zero,
        "provvigione_percentuale": zero,
        "qta_evasa": zero,
        "order": 0,
        "confermato": confirmed,
    }
