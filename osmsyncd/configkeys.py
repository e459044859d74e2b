"""The keys of ``osmsyncd.toml`` and how each value is read.

Each converter takes the raw TOML value and returns the Python value the
settings hold, or raises :class:`InvalidValue` with the fix in its message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from osmsyncd.records import Resource

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
DURATION_PATTERN = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h)$")
DURATION_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
CUSTOMER_META_KEYS = ("vat_number", "fiscal_code", "sdi_code", "pec")
DATABASE_DRIVERS = ("mysql", "mariadb", "sqlite")


class InvalidValue(Exception):
    """One value is wrong; the message says what to write instead."""


Converter = Callable[[Any], Any]


# -- converters: each returns the Python value or raises InvalidValue -----------


def as_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{_show(value)} is not a text; write it in quotes")
    return value.strip()


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(f"{_show(value)} is not true or false; write true or false")
    return value


def _integer(minimum: int | None = None) -> Converter:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue(f"{_show(value)} is not a whole number; write e.g. 4")
        if minimum is not None and value < minimum:
            raise InvalidValue(f"{value} is too small; write {minimum} or more")
        return value

    return convert


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{_show(value)} is not a number; write e.g. 2.5")
    if value <= 0:
        raise InvalidValue(f"{value} must be greater than 0")
    return float(value)


def _url(value: Any) -> str:
    text = as_text(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValue(
            f"{_show(value)} is not a web address; write e.g. "
            '"https://shop.example.com"'
        )
    return text


def _duration(value: Any) -> float:
    match = DURATION_PATTERN.match(value.strip()) if isinstance(value, str) else None
    if not match or float(match[1]) <= 0:
        raise InvalidValue(
            f"{_show(value)} is not a duration; write a number and a unit, "
            'e.g. "30s", "10m" or "1h"'
        )
    return float(match[1]) * DURATION_UNITS[match[2]]


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidValue(f"{_show(value)} is not a date; write e.g. 2025-01-31")


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise InvalidValue(f'{_show(value)} is not a list of texts; write e.g. ["a"]')
    return tuple(item.strip() for item in value)


def _resources(value: Any) -> frozenset[Resource]:
    names = ", ".join(f'"{r}"' for r in Resource)
    if not isinstance(value, list):
        raise InvalidValue(f"{_show(value)} is not a list; write e.g. [{names}]")
    unknown = [item for item in value if item not in {str(r) for r in Resource}]
    if unknown:
        raise InvalidValue(
            f"{', '.join(_show(u) for u in unknown)} is not a resource; "
            f"pick from {names}"
        )
    return frozenset(Resource(item) for item in value)


def _choice(*choices: str) -> Converter:
    def convert(value: Any) -> str:
        if value not in choices:
            listed = ", ".join(f'"{c}"' for c in choices)
            raise InvalidValue(f"{_show(value)} is not allowed; write one of {listed}")
        return str(value)

    return convert


def _text_table(value: Any, *, empty: bool = False) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and (empty or v.strip()) for v in value.values()
    ):
        raise InvalidValue('is not a table of texts; write e.g. { "a" = "b" }')
    return {str(k): v.strip() for k, v in value.items()}


def _customer_meta(value: Any) -> dict[str, str]:
    table = _text_table(value)
    unknown = sorted(set(table) - set(CUSTOMER_META_KEYS))
    if unknown:
        raise InvalidValue(
            f"{', '.join(unknown)} is not known; use only "
            f"{', '.join(CUSTOMER_META_KEYS)}"
        )
    return table


def _tax_classes(value: Any) -> dict[Decimal, str]:
    # WooCommerce names its standard class with the empty string.
    table = _text_table(value, empty=True)
    classes: dict[Decimal, str] = {}
    for rate, name in table.items():
        try:
            number = Decimal(rate.strip().rstrip("%"))
        except InvalidOperation:
            raise InvalidValue(
                f"{_show(rate)} is not a VAT rate; write the rate as the key, "
                'e.g. "22" = "standard"'
            ) from None
        classes[number] = name
    return classes


def _any_table(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidValue(f"{_show(value)} is not a table; write e.g. {{ a = 1 }}")
    return value


def _any_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidValue(f"{_show(value)} is not a list; write e.g. [1, 2]")
    return value


def converter_for(kind: type) -> Converter:
    """The converter for a key a provider declared with a Python type."""
    known: dict[type, Converter] = {
        str: as_text,
        bool: _boolean,
        int: _integer(),
        float: _number,
        dict: _any_table,
        list: _any_list,
    }
    if kind in known:
        return known[kind]

    def convert(value: Any) -> Any:
        if not isinstance(value, kind):
            raise InvalidValue(f"{_show(value)} is not a {kind.__name__}")
        return value

    return convert


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{_show(value)} is not a number; write e.g. 2.5")
    return float(value)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- the keys ------------------------------------------------------------------

# key -> (converter, ConnectionSettings field). Secrets are read apart.
CONNECTION_KEYS: dict[str, tuple[Converter, str]] = {
    "provider": (as_text, "provider"),
    "url": (_url, "url"),
    "auth": (_choice("auto", "basic", "query", "oauth1"), "auth"),
    "max_requests_per_second": (_positive_number, "max_requests_per_second"),
    "debug": (_boolean, "debug"),
    "categories": (_strings, "categories"),
    "disable_zero_quantity": (_boolean, "disable_zero_quantity"),
    "only_with_photo": (_boolean, "only_with_photo"),
    "local_images": (_boolean, "local_images"),
    "import": (_resources, "import_"),
    "export": (_resources, "export"),
    "interval": (_duration, "interval"),
    "orders_since": (_date, "orders_since"),
    "stock_on_order_import": (_boolean, "stock_on_order_import"),
    "order_states": (_text_table, "order_states"),
    "payment_methods": (_text_table, "payment_methods"),
    "vat_exempt": (as_text, "vat_exempt"),
    "warehouses": (_strings, "warehouses"),
    "conflict": (_choice("erp", "shop"), "conflict"),
    "verify_tls": (_boolean, "verify_tls"),
    "concurrency": (_integer(1), "concurrency"),
    "timeout": (_positive_number, "timeout"),
    "images_url": (_url, "images_url"),
    "media_user": (as_text, "media_user"),
    "barcode_meta_key": (as_text, "barcode_meta_key"),
    "customer_meta": (_customer_meta, "customer_meta"),
    "tax_classes": (_tax_classes, "tax_classes"),
}
TOKEN_KEYS = ("token", "token_file", "token_credential")
CONNECTION_SECRET_KEYS = (*TOKEN_KEYS, "media_password_file")
ERP_KEYS = ("url", "password_file", "password_credential", "files_dir")
TOP_KEYS = ("erp", "connections", "plugins")


def connection_keys() -> tuple[str, ...]:
    """Every core key of a ``[connections.NAME]`` table."""
    return (*CONNECTION_KEYS, *CONNECTION_SECRET_KEYS)
