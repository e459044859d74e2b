"""Opening OSM's database: version check, unreachable servers, the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import text

from osmsyncd.config import ErpSettings
from osmsyncd.erp.models import Updates
from osmsyncd.erp.session import open_erp
from osmsyncd.erp.session import parse_version
from osmsyncd.errors import ErpError
from osmsyncd.errors import ErpUnavailable


def _versions(url: str, *versions: str) -> None:
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(delete(Updates))
        for version in versions:
            db.execute(insert(Updates).values(version=version, sql=1, script=1, done=1))
    engine.dispose()


def test_an_osm_older_than_2_11_is_refused_by_name(osm_url: str):
    """A 2.10.4 database is refused with a message naming 2.10.4."""
    _versions(osm_url, "2.9", "2.10", "2.10.4")

    with pytest.raises(ErpError, match=r"OpenSTAManager 2\.10\.4 is too old"):
        open_erp(ErpSettings(url=osm_url))


def test_versions_sort_numerically_not_as_text(osm_url: str):
    """2.11 beats 2.9 (text order would pick 2.9); 2.11.1 beats 2.11."""
    _versions(osm_url, "2.9", "2.11", "2.11.1", "2.4_beta")

    repository = open_erp(ErpSettings(url=osm_url))

    assert repository.version == "2.11.1"
    repository.close()


def test_a_database_without_versions_is_refused(osm_url: str):
    """An empty ``updates`` table (not an OSM database) is refused."""
    _versions(osm_url)

    with pytest.raises(ErpError, match="no OpenSTAManager version"):
        open_erp(ErpSettings(url=osm_url))


def test_a_server_that_does_not_answer_is_unavailable():
    """Nothing listening on the port: ErpUnavailable, retried next run."""
    with pytest.raises(ErpUnavailable, match="cannot be reached"):
        open_erp(ErpSettings(url="mysql+pymysql://root@127.0.0.1:1/osm"))


def test_a_missing_sqlite_file_names_the_key(tmp_path: Path):
    """A SQLite path with no file is a config error naming [erp] url."""
    with pytest.raises(ErpError, match=r"\[erp\] url"):
        open_erp(ErpSettings(url=f"sqlite:///{tmp_path / 'none.sqlite'}"))


def test_parse_version_pads_to_four_parts():
    """Versions compare as four numbers, like OSM's INET_ATON sort."""
    assert parse_version("2.11") == (2, 11, 0, 0)
    assert parse_version("2.9.13") < parse_version("2.10")


@pytest.mark.mysql
def test_mariadb_sessions_run_like_osm(osm_mysql: str):
    """Sessions use sql_mode '' and UTC; updated_at has OSM's ON UPDATE clause."""
    repository = open_erp(ErpSettings(url=osm_mysql))
    with repository.engine.connect() as db:
        mode = db.scalar(text("SELECT @@SESSION.sql_mode"))
        zone = db.scalar(text("SELECT @@SESSION.time_zone"))
        extra = db.scalar(
            text(
                "SELECT EXTRA FROM information_schema.COLUMNS WHERE "
                "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'mg_articoli' "
                "AND COLUMN_NAME = 'updated_at'"
            )
        )
    repository.close()
    assert (mode, zone) == ("", "+00:00")
    assert extra.lower() == "on update current_timestamp()"
