"""Where log events go and how they look; configured once per process.

A terminal gets readable lines, systemd gets journal entries with fields
(``CONNECTION``, ``RESOURCE``, ``DIRECTION``, ``RUN_ID``...), anything else
gets one JSON object per line. Everything goes to stderr: stdout belongs to
command results. Every secret registered here is cut out of every event,
at every level, before it is written anywhere.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterable
from collections.abc import MutableMapping
from typing import Any

import structlog

from osmsyncd.httpclient import Redactor
from osmsyncd.journal import JournalSender
from osmsyncd.journal import field_name
from osmsyncd.journal import is_journal_stream

LEVELS = ("debug", "info", "warning", "error", "critical")
PRIORITIES = {
    "debug": 7,
    "info": 6,
    "notice": 5,
    "warning": 4,
    "warn": 4,
    "error": 3,
    "exception": 3,
    "critical": 2,
}
IDENTIFIER = "osmsyncd"
# Shown first in a journal line, in this order, whatever order they came in.
RUN_KEYS = ("connection", "resource", "direction", "run_id")

EventDict = MutableMapping[str, Any]

_redactor = Redactor()


def register_secrets(secrets: Iterable[str | None]) -> None:
    """Cut these values out of every event from now on."""
    for secret in secrets:
        _redactor.add(secret)


def redact_text(text: str) -> str:
    """The text without any registered secret, for messages outside logs."""
    return _redactor(text)


def configure_logging(level: str = "info") -> str:
    """Route structlog and the standard library's logging; return the format.

    The format is ``journal`` under systemd, ``console`` on a terminal and
    ``json`` elsewhere.
    """
    threshold = logging.getLevelName(level.upper())
    if level not in LEVELS or not isinstance(threshold, int):
        raise ValueError(f"unknown log level {level!r}; use one of {LEVELS}")

    if is_journal_stream(sys.stderr):
        form = "journal"
        tail: list[Any] = [_journal_fields]
        sender = JournalSender()
        factory: Any = lambda *_: _JournalLogger(sender)  # noqa: E731
    elif sys.stderr.isatty():
        form = "console"
        tail = [_timestamp, structlog.dev.ConsoleRenderer(colors=True)]
        factory = lambda *_: _StderrLogger()  # noqa: E731
    else:
        form = "json"
        tail = [_timestamp, structlog.processors.JSONRenderer()]
        factory = lambda *_: _StderrLogger()  # noqa: E731

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            redact,
            *tail,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
    _bridge_standard_logging(threshold)
    return form


def redact(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """Processor: replace every registered secret in every value."""
    for key, value in event.items():
        event[key] = _redact_value(value)
    return event


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return _redactor(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item) for item in value]

    # Anything else is rendered through str() later: redact that text now.
    return _redactor(str(value))


_timestamp = structlog.processors.TimeStamper(fmt="iso", utc=True)


def _journal_fields(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """Processor: the journal entry's fields, ready for the sender."""
    name = str(event.pop("event", ""))
    level = str(event.pop("level", "info"))
    keys = [k for k in RUN_KEYS if k in event]
    keys += [k for k in event if k not in RUN_KEYS and k != "exception"]
    details = " ".join(f"{k}={_flat(event[k])}" for k in keys)

    fields = {
        "MESSAGE": f"{name} {details}".rstrip(),
        "PRIORITY": str(PRIORITIES.get(level, 6)),
        "SYSLOG_IDENTIFIER": IDENTIFIER,
        "EVENT": name,
    }
    for key, value in event.items():
        field = field_name(key)
        if field and field not in fields:
            fields[field] = _flat(value)
    return fields


def _flat(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


_stderr_lock = threading.Lock()


def _write_line(text: str) -> None:
    """One line to whatever ``sys.stderr`` is at the moment, in one write.

    The engine logs from several threads; a lock keeps one line from being
    split by another.
    """
    with _stderr_lock:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


class _StderrLogger:
    """Writes rendered lines to stderr."""

    def msg(self, message: str) -> None:
        _write_line(message)

    debug = info = warning = warn = error = critical = exception = msg


class _JournalLogger:
    """Sends fields to the journal; falls back to a prefixed stderr line."""

    def __init__(self, sender: JournalSender) -> None:
        self.sender = sender

    def msg(self, **fields: str) -> None:
        if not self.sender.send(fields):
            # stderr is the journal stream: systemd reads the <N> prefix.
            priority = fields.get("PRIORITY", "6")
            _write_line(f"<{priority}>{fields['MESSAGE']}")

    debug = info = warning = warn = error = critical = exception = msg


class _StandardBridge(logging.Handler):
    """Hands records of libraries (APScheduler, SQLAlchemy) to structlog."""

    def emit(self, record: logging.LogRecord) -> None:
        logger = structlog.get_logger(record.name)
        logger.log(
            record.levelno,
            record.getMessage(),
            logger=record.name,
            exc_info=record.exc_info or False,
        )


def _bridge_standard_logging(threshold: int) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StandardBridge):
            root.removeHandler(handler)
    root.addHandler(_StandardBridge())

    # Libraries narrate at info what osmsyncd already says in its own events.
    root.setLevel(max(threshold, logging.WARNING))
    if threshold <= logging.DEBUG:
        root.setLevel(logging.INFO)
