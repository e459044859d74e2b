"""What ``osmsyncd check`` says about the OSM side."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from osmsyncd.erp import fields
from osmsyncd.erp.lookups import ARTICLES_MODULE
from osmsyncd.erp.lookups import Lookups
from osmsyncd.erp.models import ZzModules
from osmsyncd.erp.session import MINIMUM_VERSION
from osmsyncd.erp.session import classify
from osmsyncd.erp.session import describe
from osmsyncd.erp.session import osm_version
from osmsyncd.erp.session import parse_version
from osmsyncd.erp.state import SCHEMA_VERSION
from osmsyncd.erp.state import missing_state_tables
from osmsyncd.erp.state import schema_version
from osmsyncd.errors import ErpError
from osmsyncd.provider import Finding

SETUP = "run: osmsyncd erp setup"


def check(engine: Engine, files_dir: Path | None) -> list[Finding]:
    """Reachability, version, osmsyncd's tables and fields, the files folder."""
    where = describe(engine.url)
    try:
        with engine.connect() as db:
            version = osm_version(db)
    except DBAPIError as exc:
        problem = classify(exc, where)
        return [Finding(False, "OSM database", str(problem), fix="check [erp] url")]

    findings = [Finding(True, "OSM database reachable", where)]
    if version is None or parse_version(version)[:2] < MINIMUM_VERSION:
        findings.append(
            Finding(
                False,
                "OSM version",
                f"found {version or 'no version'}, osmsyncd needs 2.11 or later",
                fix="update OpenSTAManager, or point [erp] url at OSM's database",
            )
        )
        return findings
    findings.append(Finding(True, "OSM version", version))
    findings.append(_tables(engine))
    findings += _fields_and_files(engine, files_dir)
    return findings


def _tables(engine: Engine) -> Finding:
    missing = missing_state_tables(engine)
    if missing:
        return Finding(
            False, "osmsyncd tables", f"missing: {', '.join(missing)}", SETUP
        )
    with engine.connect() as db:
        current = schema_version(db)
    if current != SCHEMA_VERSION:
        return Finding(
            False,
            "osmsyncd tables",
            f"schema {current}, this osmsyncd expects {SCHEMA_VERSION}",
            SETUP,
        )
    return Finding(True, "osmsyncd tables", f"schema {current}")


def _fields_and_files(engine: Engine, files_dir: Path | None) -> list[Finding]:
    try:
        with engine.connect() as db:
            module = Lookups(db).module_id(ARTICLES_MODULE)
            present = fields.field_ids(db, module)
            attachments = db.scalar(
                select(ZzModules.attachments_directory).where(ZzModules.id == module)
            )
    except ErpError as exc:
        return [Finding(False, "OSM module Articoli", str(exc))]

    missing = [label for label in fields.LABELS if label not in present]
    findings = [
        Finding(
            not missing,
            "custom fields of Articoli",
            f"missing: {', '.join(missing)}" if missing else "all four present",
            SETUP if missing else "",
        )
    ]
    if files_dir is None:
        findings.append(
            Finding(
                True,
                "OSM files folder",
                "files_dir is not set: article images are not synced",
                fix="set [erp] files_dir to OSM's files folder to sync images",
            )
        )
        return findings
    folder = files_dir / (attachments or "articoli")
    readable = folder.is_dir() and os.access(folder, os.R_OK | os.X_OK)
    writable = readable and os.access(folder, os.W_OK)
    findings.append(
        Finding(
            readable,
            "OSM files folder",
            f"{folder} is "
            + ("readable" + (" and writable" if writable else ", not writable"))
            if readable
            else f"{folder} is missing or not readable",
            fix=""
            if readable
            else "fix [erp] files_dir, or give osmsyncd's user read access to it",
        )
    )
    return findings
