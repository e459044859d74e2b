"""The sandbox's database: rows per resource, auto-increment ids, images.

A row is a dict of field name to its database value: a string, ``None`` for
SQL NULL, or for multi-language fields a dict of language id to string.
Associations live under the ``ASSOC`` key as lists of dicts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from osmsyncd_prestashop.sandbox.rules import purify_html
from osmsyncd_prestashop.sandbox.schema import RESOURCES
from osmsyncd_prestashop.sandbox.schema import Field
from osmsyncd_prestashop.sandbox.schema import ResourceDef

Row = dict[str, Any]
ASSOC = "@assoc"

_PLACES = {"d6": 6, "d3": 3, "d2": 2}


@dataclass
class StoredImage:
    id: int
    product_id: int
    position: int
    cover: bool
    data: bytes
    mime: str
    legend: dict[int, str] = field(default_factory=dict)


def decimal_text(value: Any, places: int) -> str:
    """A number printed the way MySQL returns a DECIMAL column."""
    try:
        number = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        number = Decimal(0)
    quantum = Decimal(1).scaleb(-places)
    return str(number.quantize(quantum, rounding=ROUND_HALF_UP))


def to_db(spec: Field, value: Any, languages: list[int]) -> Any:
    """What the database keeps for ``value`` in a column of this kind."""
    if spec.i18n:
        values = value if isinstance(value, dict) else {}
        stored = {lang: str(values.get(lang) or "") for lang in languages}
        if spec.kind == "hlang":
            stored = {lang: purify_html(text) for lang, text in stored.items()}
        return stored
    if spec.kind == "none" or (value is None and spec.nullable):
        return None
    if value is None or value == "":
        return _empty(spec)
    text = str(value)
    if spec.kind in ("id", "int"):
        try:
            return str(int(Decimal(text)))
        except InvalidOperation:
            return "0"
    if spec.kind == "bool":
        return "1" if text in ("1", "true") else "0"
    if spec.kind in _PLACES:
        return decimal_text(text, _PLACES[spec.kind])
    if spec.kind == "html":
        return purify_html(text)
    return text


def _empty(spec: Field) -> str:
    if spec.kind in ("id", "int", "bool"):
        return "0"
    if spec.kind in _PLACES:
        return decimal_text(0, _PLACES[spec.kind])
    if spec.kind == "date":
        return "0000-00-00"
    if spec.kind == "dt":
        return "0000-00-00 00:00:00"
    return ""


# Reference fields looked up by value, which no write changes once a row
# exists: indexed, so that a catalogue of 50,000 products stays as quick to
# answer as one of 50.
INDEXED = {
    "stock_availables": ("id_product",),
    "order_details": ("id_order",),
    "order_carriers": ("id_order",),
}


class Table(dict[int, Row]):
    """The rows of one resource by id, with indexes on ``keys``."""

    def __init__(self, keys: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.indexes: dict[str, dict[str, dict[int, None]]] = {k: {} for k in keys}

    def __setitem__(self, row_id: int, row: Row) -> None:
        self._unindex(row_id)
        super().__setitem__(row_id, row)
        for key, index in self.indexes.items():
            index.setdefault(str(row.get(key)), {})[row_id] = None

    def __delitem__(self, row_id: int) -> None:
        self._unindex(row_id)
        super().__delitem__(row_id)

    def pop(self, row_id: int, *default: Any) -> Any:
        self._unindex(row_id)
        return super().pop(row_id, *default)

    def ids_with(self, key: str, value: str) -> list[int]:
        return sorted(self.indexes[key].get(value, ()))

    def _unindex(self, row_id: int) -> None:
        old = self.get(row_id)
        if old is None:
            return
        for key, index in self.indexes.items():
            index.get(str(old.get(key)), {}).pop(row_id, None)


class ImageTable(dict[int, StoredImage]):
    """Stored images by id, and by product."""

    def __init__(self) -> None:
        super().__init__()
        self.by_product: dict[int, dict[int, StoredImage]] = {}

    def __setitem__(self, image_id: int, image: StoredImage) -> None:
        self._unindex(image_id)
        super().__setitem__(image_id, image)
        self.by_product.setdefault(image.product_id, {})[image_id] = image

    def __delitem__(self, image_id: int) -> None:
        self._unindex(image_id)
        super().__delitem__(image_id)

    def pop(self, image_id: int, *default: Any) -> Any:
        self._unindex(image_id)
        return super().pop(image_id, *default)

    def _unindex(self, image_id: int) -> None:
        old = self.get(image_id)
        if old is not None:
            self.by_product.get(old.product_id, {}).pop(image_id, None)


class Store:
    """Tables of rows, guarded by one lock so that a request sees one state."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, Row]] = {
            name: Table(INDEXED.get(name, ())) for name in RESOURCES
        }
        self.next_ids: dict[str, int] = {name: 1 for name in RESOURCES}
        self.images: dict[int, StoredImage] = ImageTable()
        self.next_image_id = 1

    def definition(self, resource: str) -> ResourceDef:
        return RESOURCES[resource]

    def languages(self) -> list[int]:
        return sorted(self.tables["languages"])

    def allocate(self, resource: str) -> int:
        new_id = self.next_ids[resource]
        self.next_ids[resource] = new_id + 1
        return new_id

    def set_next_id(self, resource: str, next_id: int) -> None:
        """Make the next row of ``resource`` take this id (tests, replays)."""
        self.next_ids[resource] = next_id

    def insert(self, resource: str, row: Row) -> int:
        given = int(row.get("id") or 0)
        row_id = given if given > 0 else self.allocate(resource)
        row["id"] = row_id
        row.setdefault(ASSOC, {})
        self.tables[resource][row_id] = row
        self.next_ids[resource] = max(self.next_ids[resource], row_id + 1)
        return row_id

    def get(self, resource: str, row_id: int) -> Row | None:
        return self.tables[resource].get(row_id)

    def rows(self, resource: str) -> list[Row]:
        return [self.tables[resource][key] for key in sorted(self.tables[resource])]

    def delete(self, resource: str, row_id: int) -> None:
        self.tables[resource].pop(row_id, None)

    def normalized(self, resource: str, raw: Row) -> Row:
        """The row as the database would store ``raw``, virtual fields left out."""
        definition = self.definition(resource)
        languages = self.languages()
        row: Row = {}
        for spec in definition.fields:
            if spec.virtual:
                continue
            row[spec.name] = to_db(spec, raw.get(spec.name), languages)
        row[ASSOC] = {name: list(items) for name, items in raw.get(ASSOC, {}).items()}
        return row

    def find(self, resource: str, **values: str) -> list[Row]:
        """Rows whose fields equal the given strings (case-sensitive)."""
        table = self.tables[resource]
        indexed = [k for k in values if isinstance(table, Table) and k in table.indexes]
        if indexed and isinstance(table, Table):
            key = indexed[0]
            candidates = [table[i] for i in table.ids_with(key, values[key])]
        else:
            candidates = self.rows(resource)
        return [
            row
            for row in candidates
            if all(str(row.get(key)) == value for key, value in values.items())
        ]

    def config(self, name: str) -> str:
        for row in self.tables["configurations"].values():
            if row["name"] == name:
                return str(row["value"])
        return ""

    def set_config(self, name: str, value: str) -> None:
        for row in self.tables["configurations"].values():
            if row["name"] == name:
                row["value"] = value
                return
        self.insert("configurations", {"name": name, "value": value})

    def product_images(self, product_id: int) -> list[StoredImage]:
        if isinstance(self.images, ImageTable):
            found = list(self.images.by_product.get(product_id, {}).values())
        else:
            found = [i for i in self.images.values() if i.product_id == product_id]
        return sorted(found, key=lambda image: image.position)
