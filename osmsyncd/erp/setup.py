"""``osmsyncd erp setup`` and ``erp teardown``.

Setup creates osmsyncd's tables and the custom fields of the Articoli
module that OSM then shows in its own article form; running it again
changes nothing. Teardown removes both, values included.
"""

from __future__ import annotations

import secrets
import string

import structlog
from sqlalchemy import Engine
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from osmsyncd.erp import fields
from osmsyncd.erp.lookups import ARTICLES_MODULE
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import ZzFieldRecord
from osmsyncd.erp.models import ZzFields
from osmsyncd.erp.state import drop_state_tables
from osmsyncd.erp.state import migrate
from osmsyncd.erp.state import missing_state_tables

log = structlog.get_logger(__name__)

_HTML_NAME = string.ascii_lowercase + string.digits


def setup(engine: Engine) -> list[str]:
    """Create what is missing; returns what was created, one line each."""
    created = [f"table {name}" for name in missing_state_tables(engine)]
    migrate(engine)

    with engine.begin() as db:
        module = Lookups(db).module_id(ARTICLES_MODULE)
        present = fields.field_ids(db, module)
        taken = set(db.scalars(select(ZzFields.html_name)))
        order = db.scalar(
            select(func.max(ZzFields.order)).where(ZzFields.id_module == module)
        )
        position = (order or 0) + 1
        for spec in fields.FIELDS:
            if spec.label in present:
                continue
            html_name = _html_name(taken)
            taken.add(html_name)
            db.execute(
                insert(ZzFields).values(
                    id_module=module,
                    name=spec.label,
                    html_name=html_name,
                    content=spec.content,
                    order=position,
                    on_add=0,
                    top=0,
                )
            )
            position += 1
            created.append(f"custom field {spec.label!r} on module {ARTICLES_MODULE}")
    for line in created:
        log.info("erp_setup_created", what=line)
    return created


def teardown(engine: Engine) -> list[str]:
    """Remove the custom fields (with their values) and osmsyncd's tables."""
    removed: list[str] = []
    with engine.begin() as db:
        module = Lookups(db).module_id(ARTICLES_MODULE)
        present = fields.field_ids(db, module)
        if present:
            db.execute(
                delete(ZzFieldRecord).where(
                    ZzFieldRecord.id_field.in_(present.values())
                )
            )
            db.execute(delete(ZzFields).where(ZzFields.id.in_(present.values())))
        removed += [f"custom field {label!r}" for label in present]
    removed += [f"table {name}" for name in drop_state_tables(engine)]
    for line in removed:
        log.info("erp_teardown_removed", what=line)
    return removed


def _html_name(taken: set[str]) -> str:
    """Eight random characters, the form key OSM itself would generate."""
    while True:
        name = "".join(secrets.choice(_HTML_NAME) for _ in range(8))
        if name not in taken:
            return name
