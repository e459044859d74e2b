"""``erp setup`` and ``erp teardown``, and what ``check`` reports."""

from __future__ import annotations

from sqlalchemy import select

from osmsyncd.erp import fields
from osmsyncd.erp.models import ZzFields
from osmsyncd.erp.repository import OsmRepository
from tests.erp import osm


def _fields(erp: OsmRepository) -> list[tuple]:
    with erp.engine.connect() as db:
        rows = db.execute(
            select(
                ZzFields.id,
                ZzFields.id_module,
                ZzFields.name,
                ZzFields.html_name,
                ZzFields.content,
                ZzFields.order,
            ).order_by(ZzFields.id)
        )
        return [tuple(row) for row in rows]


def test_setup_creates_the_four_article_fields_once(erp: OsmRepository):
    """Setup made four Articoli fields with OSM widgets; a second run adds nothing."""
    before = _fields(erp)
    tables = osm.counts(erp.engine)

    assert erp.setup() == []

    assert _fields(erp) == before
    assert osm.counts(erp.engine) == tables
    assert [row[2] for row in before] == list(fields.LABELS)
    assert {row[1] for row in before} == {21}
    assert all(len(row[3]) == 8 and row[3].isalnum() for row in before)
    assert len({row[3] for row in before}) == 4
    assert before[0][4] == (
        '{[ "type": "checkbox", "label": "|label|", "name": "|name|", '
        '"value": "|value|" ]}'
    )
    assert ['"textarea"' in row[4] for row in before] == [False, True, True, False]
    assert '"type": "text"' in before[3][4]


def test_teardown_removes_fields_values_and_tables(erp: OsmRepository):
    """Teardown drops the fields with their values and osmsyncd's tables."""
    item = osm.article(erp.engine, "X")
    osm.exclude(erp.engine, item)

    removed = erp.teardown()

    assert "table osmsync_bindings" in removed
    assert _fields(erp) == []
    findings = {f.what: f for f in erp.check()}
    assert findings["osmsyncd tables"].ok is False
    assert findings["osmsyncd tables"].fix == "run: osmsyncd erp setup"
    assert findings["custom fields of Articoli"].ok is False
    assert len(erp.setup()) == 7 + 4


def test_check_reports_version_tables_fields_and_files(erp: OsmRepository, osm_files):
    """A set-up database passes every check and names the files folder."""
    findings = {f.what: f for f in erp.check()}

    assert all(f.ok for f in findings.values())
    assert findings["OSM version"].detail == "2.11.1"
    assert findings["OSM files folder"].detail == (
        f"{osm_files / 'articoli'} is readable and writable"
    )
