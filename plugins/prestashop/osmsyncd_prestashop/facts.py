"""What the provider must know about a shop before writing to it.

Read once per provider: the active languages (never assumed to start at 1),
the shop's time zone (its dates are local wall-clock time), the Home
category, the tax rules groups of Italy by VAT rate, and the order states
with the flags that say whether an order moved stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.client import bracket

CONFIG_KEYS = (
    "PS_LANG_DEFAULT",
    "PS_TIMEZONE",
    "PS_HOME_CATEGORY",
    "PS_SHOP_DEFAULT",
    "PS_COUNTRY_DEFAULT",
    "PS_CURRENCY_DEFAULT",
    "PS_OS_CANCELED",
    "PS_OS_REFUND",
    "PS_OS_ERROR",
    "PS_OS_WS_PAYMENT",
    "PS_OS_BANKWIRE",
    "PS_OS_PREPARATION",
    "PS_OS_SHIPPING",
)
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def rate_key(value: str | Decimal) -> Decimal:
    """A VAT rate comparable whatever its printed decimals (22, 22.00, 22.000)."""
    try:
        return Decimal(str(value)).quantize(Decimal("0.001"))
    except InvalidOperation:
        return Decimal("-1")


@dataclass(frozen=True)
class OrderState:
    id: int
    name: str
    logable: bool
    paid: bool


@dataclass
class ShopFacts:
    languages: list[int]
    default_language: int
    iso_codes: dict[int, str]
    timezone: ZoneInfo
    home_category: int
    shop_id: int
    italy_id: int
    tax_groups: dict[Decimal, int]
    config: dict[str, str]
    order_states: dict[int, OrderState] = field(default_factory=dict)

    def to_local(self, moment: datetime) -> str:
        return to_local(self.timezone, moment)

    def from_local(self, text: str | None) -> datetime | None:
        return from_local(self.timezone, text)

    def state_id(self, key: str) -> int:
        return int(self.config.get(key) or 0)


def to_local(zone: ZoneInfo, moment: datetime) -> str:
    """A UTC moment as the shop's filters expect it: local wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime(DATE_FORMAT)


def from_local(zone: ZoneInfo, text: str | None) -> datetime | None:
    """A shop date as an aware UTC datetime; None for an empty date."""
    if not text or text.startswith("0000"):
        return None
    try:
        naive = datetime.strptime(text, DATE_FORMAT)
    except ValueError:
        return None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def load_config(client: PrestaShopClient) -> dict[str, str]:
    """The shop's settings osmsyncd reads (CONFIG_KEYS), in one request."""
    return {
        str(row["name"]): str(row.get("value") or "")
        for row in client.select(
            "configurations",
            display="[id,name,value]",
            filters={"name": bracket(CONFIG_KEYS)},
        )
    }


def time_zone(config: dict[str, str]) -> ZoneInfo:
    """The shop's time zone: its dates are wall-clock time there."""
    try:
        return ZoneInfo(config.get("PS_TIMEZONE") or "Europe/Rome")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Rome")


def load_facts(
    client: PrestaShopClient, config: dict[str, str] | None = None
) -> ShopFacts:
    languages = client.select(
        "languages", display="[id,iso_code,active]", filters={"active": "[1]"}
    )
    if config is None:
        config = load_config(client)
    italy = client.select(
        "countries", display="[id,iso_code]", filters={"iso_code": "[IT]"}
    )
    italy_id = (
        int(italy[0]["id"]) if italy else int(config.get("PS_COUNTRY_DEFAULT") or 0)
    )

    ids = sorted(int(row["id"]) for row in languages)
    default = int(config.get("PS_LANG_DEFAULT") or (ids[0] if ids else 0))
    zone = time_zone(config)
    return ShopFacts(
        languages=ids,
        default_language=default if default in ids else (ids[0] if ids else default),
        iso_codes={int(row["id"]): str(row.get("iso_code") or "") for row in languages},
        timezone=zone,
        home_category=int(config.get("PS_HOME_CATEGORY") or 2),
        shop_id=int(config.get("PS_SHOP_DEFAULT") or 1),
        italy_id=italy_id,
        tax_groups=_tax_groups(client, italy_id),
        config=config,
    )


def _tax_groups(client: PrestaShopClient, country_id: int) -> dict[Decimal, int]:
    """The lowest usable tax rules group id for each VAT rate in ``country_id``."""
    rules = client.select(
        "tax_rules",
        display="[id,id_tax_rules_group,id_state,id_country,id_tax]",
        filters={"id_country": f"[{country_id}]"},
    )
    taxes = {
        int(row["id"]): row
        for row in client.select("taxes", display="[id,rate,active,deleted]")
    }
    groups = {
        int(row["id"]): row
        for row in client.select("tax_rule_groups", display="[id,active,deleted]")
    }
    found: dict[Decimal, int] = {}
    for rule in sorted(rules, key=lambda r: int(r["id_tax_rules_group"])):
        if int(rule.get("id_state") or 0):
            continue
        group = groups.get(int(rule["id_tax_rules_group"]))
        tax = taxes.get(int(rule.get("id_tax") or 0))
        if group is None or tax is None:
            continue
        if str(group.get("active")) != "1" or str(group.get("deleted")) == "1":
            continue
        if str(tax.get("deleted")) == "1":
            continue
        found.setdefault(rate_key(str(tax["rate"])), int(rule["id_tax_rules_group"]))
    return found


def load_order_states(
    client: PrestaShopClient, facts: ShopFacts
) -> dict[int, OrderState]:
    if not facts.order_states:
        for row in client.select("order_states", display="[id,name,logable,paid]"):
            names = row.get("name")
            facts.order_states[int(row["id"])] = OrderState(
                id=int(row["id"]),
                name=language_value(names, facts.default_language),
                logable=str(row.get("logable")) == "1",
                paid=str(row.get("paid")) == "1",
            )
    return facts.order_states


def language_value(value: object, language: int) -> str:
    """One language's text of a JSON multi-language field, whatever its shape."""
    if isinstance(value, list):
        texts = {str(item.get("id")): str(item.get("value") or "") for item in value}
        return texts.get(str(language)) or next(iter(texts.values()), "")
    if value is None or value is False:
        return ""
    return str(value)


def language_values(value: object, languages: list[int]) -> dict[int, str]:
    """Every language's text of a JSON multi-language field."""
    if isinstance(value, list):
        texts = {str(item.get("id")): str(item.get("value") or "") for item in value}
        return {lang: texts.get(str(lang), "") for lang in languages}
    text = language_value(value, languages[0] if languages else 0)
    return {lang: text for lang in languages}
