"""The list parameters of a GET: display, filter, sort, limit and language.

Each parse function raises :class:`WsError` with the code and wording a
PrestaShop 8.2 on PHP 8 answers (status 500, followed by the PHP warnings
it adds), so that a client meets the same errors as on a real shop.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from osmsyncd_prestashop.sandbox.rules import closest
from osmsyncd_prestashop.sandbox.schema import Field
from osmsyncd_prestashop.sandbox.schema import ResourceDef
from osmsyncd_prestashop.sandbox.store import Row

DATE_FIELDS = ("date_add", "date_upd")

_WARNING = (
    "[PHP Warning #2] Trying to access array offset on value of type bool "
    "(/var/www/shop/classes/webservice/WebserviceRequest.php, line {line})"
)
LIST_WARNINGS = tuple((3, _WARNING.format(line=line)) for line in range(1333, 1337))


class WsError(Exception):
    """An answer made of PrestaShop error entries."""

    def __init__(
        self,
        status: int,
        errors: Sequence[tuple[int, str]],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(errors[0][1] if errors else "")
        self.status = status
        self.errors = list(errors)
        self.headers = dict(headers or {})


def list_error(code: int, message: str) -> WsError:
    return WsError(500, [(code, message), *LIST_WARNINGS])


@dataclass
class Display:
    """``fields`` None means ``display=full``."""

    fields: list[str] | None
    assocs: dict[str, list[str]] | None


def split_top(text: str) -> list[str]:
    """Split ``a,b[c,d],e`` on the commas outside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def parse_display(definition: ResourceDef, value: str | None) -> Display | None:
    if value is None:
        return None
    if value == "full":
        return Display(None, None)
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    fields: list[str] = []
    assocs: dict[str, list[str]] = {}
    for part in split_top(inner):
        found = re.fullmatch(r"(\w+)\[(.*)\]", part)
        if found and definition.assoc(found[1]) is not None:
            assocs[found[1]] = split_top(found[2])
            continue
        if definition.field(part) is None and part not in definition.hidden:
            available = ", ".join(spec.name for spec in definition.fields)
            raise list_error(
                35,
                f'Unable to display this field "{part}". However, these are '
                f"available: {available}",
            )
        fields.append(part)
    return Display(fields, assocs)


def filterable(definition: ResourceDef, dates: bool) -> list[Field]:
    return [
        spec
        for spec in definition.fields
        if not spec.i18n and (dates or spec.name not in DATE_FIELDS)
    ]


@dataclass
class Condition:
    spec: Field
    kind: str  # eq, in, range, start, end, contains, gt, lt, not
    values: list[str]
    # For "in": the values as numbers, as non-numeric text, and all as text.
    sets: tuple[set[Decimal], set[str], set[str]] | None = None


def parse_filters(
    definition: ResourceDef, params: Mapping[str, str], dates: bool
) -> list[Condition]:
    conditions = []
    for key, raw in params.items():
        found = re.fullmatch(r"filter\[(\w+)\]", key)
        if found is None:
            continue
        name = found[1]
        spec = definition.field(name)
        allowed = filterable(definition, dates)
        if spec is None or (not spec.i18n and spec not in allowed):
            names = [s.name for s in allowed]
            listing = ", ".join(f'"{n}"' for n in names)
            raise list_error(
                32,
                f'This filter does not exist. Did you mean: "{closest(name, names)}"? '
                f"The full list is: {listing}",
            )
        if spec.virtual:
            raise list_error(
                34,
                f'The field "{name}" is dynamic. It is not possible to filter GET '
                "query with this field.",
            )
        conditions.append(_condition(spec, raw))
    return conditions


def _condition(spec: Field, raw: str) -> Condition:
    patterns = (
        (r"%\[(.*)\]%", "contains"),
        (r"\[(.*)\]%", "start"),
        (r"%\[(.*)\]", "end"),
        (r">\[(.*)\]", "gt"),
        (r"<\[(.*)\]", "lt"),
        (r"!\[(.*)\]", "not"),
        (r"\[(.*)\]", "eq"),
    )
    for pattern, kind in patterns:
        found = re.fullmatch(pattern, raw, re.DOTALL)
        if found is None:
            continue
        body = found[1]
        if kind in ("eq", "not") and "|" in body:
            return Condition(spec, "in" if kind == "eq" else "not", body.split("|"))
        if kind == "eq" and re.fullmatch(r"[\d.\-: ]+,[\d.\-: ]+", body):
            return Condition(spec, "range", body.split(",", 1))
        return Condition(spec, kind, [body])
    return Condition(spec, "eq", [raw])


@functools.lru_cache(maxsize=1 << 17)
def _number(text: str) -> Decimal | None:
    # Cached: a list request compares the same stored values again and again,
    # and most of them are not numbers (a failed parse is slow).
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _compare(left: str, right: str) -> int:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    left, right = left.lower(), right.lower()
    return (left > right) - (left < right)


def _holds(condition: Condition, value: str) -> bool:
    low = value.lower()
    values = condition.values
    kind = condition.kind
    if kind == "eq":
        return _compare(value, values[0]) == 0 if value else values[0] == value
    if kind == "in":
        return _one_of(condition, value)
    if kind == "not":
        return all(_compare(value, v) != 0 for v in values)
    if kind == "range":
        return _compare(value, values[0]) >= 0 and _compare(value, values[1]) <= 0
    if kind == "start":
        return low.startswith(values[0].lower())
    if kind == "end":
        return low.endswith(values[0].lower())
    if kind == "contains":
        return values[0].lower() in low
    if kind == "gt":
        return _compare(value, values[0]) > 0
    if kind == "lt":
        return _compare(value, values[0]) < 0
    return False


def _one_of(condition: Condition, value: str) -> bool:
    """``_compare(value, v) == 0`` for some ``v``, through sets made once.

    Two numbers compare as numbers, anything else as lowercased text.
    """
    if condition.sets is None:
        numbers = {n for v in condition.values if (n := _number(v)) is not None}
        texts = {v.lower() for v in condition.values if _number(v) is None}
        every = {v.lower() for v in condition.values}
        condition.sets = (numbers, texts, every)
    numbers, texts, every = condition.sets
    number = _number(value)
    if number is None:
        return value.lower() in every
    return number in numbers or value.lower() in texts


def matches(
    row: Row, conditions: Sequence[Condition], languages: Sequence[int]
) -> bool:
    for condition in conditions:
        value: Any = row.get(condition.spec.name)
        if condition.spec.i18n:
            texts = [str((value or {}).get(lang, "")) for lang in languages]
            if not any(_holds(condition, text) for text in texts):
                return False
        elif not _holds(condition, "" if value is None else str(value)):
            return False
    return True


def parse_sort(
    definition: ResourceDef, value: str | None, dates: bool
) -> list[tuple[Field, bool]]:
    if not value:
        return []
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    keys = []
    for part in split_top(inner):
        found = re.fullmatch(r"(\w+)_(ASC|DESC)", part)
        if found is None:
            raise list_error(
                37,
                'The "sort" value has to be formed as this example: "field_ASC" or '
                "'[field_1_DESC,field_2_ASC,field_3_ASC,...]' (\"field\" has to be "
                "an available field)",
            )
        spec = definition.field(found[1])
        allowed = filterable(definition, dates)
        if spec is None or (not spec.i18n and spec not in allowed):
            plain = ", ".join(s.name for s in allowed)
            i18n = ", ".join(s.name for s in definition.fields if s.i18n)
            raise list_error(
                38,
                "Unable to filter by this field. However, these are available: "
                f"{plain}, for i18n fields:{i18n}",
            )
        keys.append((spec, found[2] == "DESC"))
    return keys


def sort_rows(
    rows: list[Row], keys: Sequence[tuple[Field, bool]], language: int
) -> list[Row]:
    for spec, descending in reversed(keys):

        def key(row: Row, spec: Field = spec) -> tuple[int, Decimal, str]:
            return _sort_key(row, spec, language)

        rows.sort(key=key, reverse=descending)
    return rows


def _sort_key(row: Row, spec: Field, language: int) -> tuple[int, Decimal, str]:
    value = row.get(spec.name)
    if spec.i18n:
        value = (value or {}).get(language, "")
    text = "" if value is None else str(value)
    number = _number(text)
    if number is not None:
        return (0, number, "")
    return (1, Decimal(0), text.lower())


def parse_limit(value: str | None) -> tuple[int, int | None] | None:
    """Offset and count; None when the value is unusable (an empty page)."""
    if value is None:
        return (0, None)
    found = re.fullmatch(r"\s*(\d+)\s*(?:,\s*(\d+)\s*)?", value)
    if found is None:
        return None
    if found[2] is None:
        return (0, int(found[1]))
    return (int(found[1]), int(found[2]))


def parse_languages(value: str | None, available: Sequence[int]) -> list[int]:
    if not value:
        return list(available)
    inner = value.strip("[]")
    if "," in inner:
        low, high = (int(part) for part in inner.split(",", 1))
        return [lang for lang in available if low <= lang <= high]
    wanted = {int(part) for part in inner.split("|") if part.strip().isdigit()}
    return [lang for lang in available if lang in wanted]
