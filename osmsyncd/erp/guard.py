"""One run of a job at a time, with a lock that dies with its holder.

On MariaDB the lock is ``GET_LOCK`` held by a dedicated connection: when the
holding process dies, the server drops the connection and the lock with it.
On SQLite (demo, tests) it is an ``flock`` on a file next to the database,
which the kernel releases when the holder dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import structlog
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from osmsyncd.errors import ErpUnavailable

log = structlog.get_logger(__name__)

MYSQL = ("mysql", "mariadb")


def lock_name(database: str, job: str) -> str:
    """The server-wide lock name of a job in one database (64 chars at most)."""
    name = f"osmsyncd.{database}.{job}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(f"{database}\0{job}".encode()).hexdigest()
    return f"osmsyncd.{digest[:48]}"


def lock_path(database: str | None, job: str) -> Path:
    """The lock file of a job next to a SQLite database file."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", job)
    if not database or database == ":memory:":
        return Path(tempfile.gettempdir()) / f"osmsyncd-{os.getpid()}-{safe}.lock"
    path = Path(database)
    return path.with_name(f"{path.name}.{safe}.lock")


@contextlib.contextmanager
def job_guard(engine: Engine, job: str) -> Iterator[bool]:
    """Hold the job's lock for the block; yields False when someone has it."""
    if engine.dialect.name in MYSQL:
        with _server_lock(engine, job) as held:
            yield held
    else:
        with _file_lock(lock_path(engine.url.database, job)) as held:
            yield held


@contextlib.contextmanager
def _server_lock(engine: Engine, job: str) -> Iterator[bool]:
    name = lock_name(engine.url.database or "", job)
    try:
        connection = engine.connect()
    except DBAPIError as exc:
        raise ErpUnavailable(f"cannot take the lock of job {job}: {exc.orig}") from exc
    try:
        got = connection.scalar(select(func.get_lock(name, 0)))
    except DBAPIError as exc:
        connection.invalidate()
        connection.close()
        raise ErpUnavailable(f"cannot take the lock of job {job}: {exc.orig}") from exc

    if got != 1:
        connection.close()
        yield False
        return
    try:
        yield True
    finally:
        try:
            connection.scalar(select(func.release_lock(name)))
        except DBAPIError:
            # The connection is gone, and the lock went with it.
            connection.invalidate()
        connection.close()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    handle = path.open("a")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
