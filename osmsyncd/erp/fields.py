"""The custom fields of the Articoli module that hold shop-only article data.

OSM finds a custom field by label and module; a record's value is a row of
``zz_field_record``, which has no unique key, so writes upsert by hand and
reads take the newest row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.models import ZzFieldRecord
from osmsyncd.erp.models import ZzFields

EXCLUDE = "Escludi dalla sincronizzazione"
SHORT_DESCRIPTION = "Descrizione breve e-commerce"
DESCRIPTION = "Descrizione e-commerce"
FRIENDLY_URL = "URL e-commerce"


@dataclass(frozen=True)
class FieldSpec:
    label: str
    widget: str

    @property
    def content(self) -> str:
        """The widget template OSM renders in the article form."""
        return (
            f'{{[ "type": "{self.widget}", "label": "|label|", '
            '"name": "|name|", "value": "|value|" ]}'
        )


FIELDS = (
    FieldSpec(EXCLUDE, "checkbox"),
    FieldSpec(SHORT_DESCRIPTION, "textarea"),
    FieldSpec(DESCRIPTION, "textarea"),
    FieldSpec(FRIENDLY_URL, "text"),
)

LABELS = tuple(spec.label for spec in FIELDS)


def field_ids(connection: Connection, module_id: int) -> dict[str, int]:
    """Label → ``zz_fields.id`` of osmsyncd's fields that exist."""
    rows = connection.execute(
        select(ZzFields.name, ZzFields.id)
        .where(ZzFields.id_module == module_id, ZzFields.name.in_(LABELS))
        .order_by(ZzFields.id)
    )
    found: dict[str, int] = {}
    for name, id_ in rows:
        found.setdefault(name, id_)
    return found


def read_values(
    connection: Connection, ids: dict[str, int], records: Iterable[int]
) -> dict[int, dict[str, str]]:
    """Record id → label → value, for the given records."""
    records = list(records)
    if not ids or not records:
        return {}
    labels = {id_: label for label, id_ in ids.items()}
    rows = connection.execute(
        select(ZzFieldRecord.id_record, ZzFieldRecord.id_field, ZzFieldRecord.value)
        .where(
            ZzFieldRecord.id_field.in_(labels),
            ZzFieldRecord.id_record.in_(records),
        )
        .order_by(ZzFieldRecord.id)
    )
    values: dict[int, dict[str, str]] = {}
    for record, field, value in rows:
        values.setdefault(record, {})[labels[field]] = value or ""
    return values


def write_value(connection: Connection, field_id: int, record: int, value: str) -> bool:
    """Store one value; returns whether it changed."""
    current = connection.execute(
        select(ZzFieldRecord.id, ZzFieldRecord.value)
        .where(ZzFieldRecord.id_field == field_id, ZzFieldRecord.id_record == record)
        .order_by(ZzFieldRecord.id.desc())
        .limit(1)
    ).one_or_none()
    if current is None:
        if not value:
            return False
        connection.execute(
            insert(ZzFieldRecord).values(
                id_field=field_id, id_record=record, value=value
            )
        )
        return True
    if current.value == value:
        return False
    connection.execute(
        update(ZzFieldRecord).where(ZzFieldRecord.id == current.id).values(value=value)
    )
    return True
