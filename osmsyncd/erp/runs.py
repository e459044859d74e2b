"""Run history (30 days) and records that keep failing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from osmsyncd.erp.state import OsmsyncFailure
from osmsyncd.erp.state import OsmsyncRun
from osmsyncd.erp.state import utcnow

KEEP_RUNS = timedelta(days=30)
PRUNE_EVERY = 3600.0
_next_prune: dict[str, float] = {}
STUCK_AFTER = 5


def job_of(summary: dict[str, Any]) -> str:
    """The job a summary belongs to: ``connection:resource:direction``."""
    if summary.get("job"):
        return str(summary["job"])
    parts = (summary.get(key, "") for key in ("connection", "resource", "direction"))
    return ":".join(str(part) for part in parts)


def record_run(db: Connection, summary: dict[str, Any]) -> None:
    """Store a finished run and forget runs older than 30 days."""
    now = utcnow()
    stored = {**summary}
    stored.setdefault("finished_at", now.isoformat(timespec="seconds") + "+00:00")
    db.execute(
        insert(OsmsyncRun).values(
            job=job_of(summary)[:191],
            finished_at=now,
            summary_json=json.dumps(stored, default=str, ensure_ascii=False),
        )
    )
    _prune(db, now)


def _prune(db: Connection, now: datetime) -> None:
    # Runs are pruned once an hour per database, not after every run: an
    # unchanged cycle is two runs and a dozen statements, and each is a cost.
    key = db.engine.url.render_as_string(hide_password=True)
    clock = time.monotonic()
    if _next_prune.get(key, 0.0) > clock:
        return
    db.execute(delete(OsmsyncRun).where(OsmsyncRun.finished_at < now - KEEP_RUNS))
    _next_prune[key] = clock + PRUNE_EVERY


def last_runs(db: Connection) -> list[dict[str, Any]]:
    """The newest run of every job, by job name."""
    newest = select(func.max(OsmsyncRun.id)).group_by(OsmsyncRun.job)
    rows = db.execute(
        select(OsmsyncRun.summary_json)
        .where(OsmsyncRun.id.in_(newest))
        .order_by(OsmsyncRun.job)
    )
    runs: list[dict[str, Any]] = []
    for (text,) in rows:
        try:
            runs.append(json.loads(text))
        except ValueError:
            continue
    return runs


def record_failures(
    db: Connection, job: str, failed: dict[str, str], succeeded: Iterable[str]
) -> list[str]:
    """Count consecutive failures; return the keys that just reached five."""
    done = [key for key in succeeded if key not in failed]
    if done:
        db.execute(
            delete(OsmsyncFailure).where(
                OsmsyncFailure.job == job, OsmsyncFailure.record_key.in_(done)
            )
        )

    now = utcnow()
    stuck: list[str] = []
    for key, error in failed.items():
        count = db.scalar(
            select(OsmsyncFailure.failures).where(
                OsmsyncFailure.job == job, OsmsyncFailure.record_key == key
            )
        )
        if count is None:
            count = 1
            db.execute(
                insert(OsmsyncFailure).values(
                    job=job,
                    record_key=key,
                    failures=1,
                    error=error,
                    first_failed_at=now,
                    last_failed_at=now,
                )
            )
        else:
            count += 1
            db.execute(
                update(OsmsyncFailure)
                .where(OsmsyncFailure.job == job, OsmsyncFailure.record_key == key)
                .values(failures=count, error=error, last_failed_at=now)
            )
        if count == STUCK_AFTER:
            stuck.append(key)
    return stuck


def failing_records(
    db: Connection, threshold: int = STUCK_AFTER
) -> list[dict[str, Any]]:
    """Records failing ``threshold`` runs in a row or more."""
    rows = db.execute(
        select(OsmsyncFailure)
        .where(OsmsyncFailure.failures >= threshold)
        .order_by(OsmsyncFailure.job, OsmsyncFailure.record_key)
    )
    return [
        {
            "job": row.job,
            "record": row.record_key,
            "count": row.failures,
            "error": row.error,
            "since": row.first_failed_at.isoformat() + "+00:00",
            "last": row.last_failed_at.isoformat() + "+00:00",
        }
        for row in rows
    ]
