from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading

import pytest
import structlog
from structlog.contextvars import bound_contextvars

from osmsyncd import journal
from osmsyncd import logs
from tests.daemon.conftest import Datagrams
from tests.daemon.conftest import parse_journal

log = structlog.get_logger("osmsyncd.test")


class Stderr:
    """stderr redirected to a real file, as under a service manager.

    pytest puts its own capture back before each test phase, so tests make
    the switch in their own body through :meth:`take`.
    """

    def __init__(self, path, monkeypatch) -> None:
        self.handle = open(path, "w+")  # noqa: SIM115 - closed by the fixture
        self.monkeypatch = monkeypatch

    def take(self) -> Stderr:
        self.monkeypatch.setattr(sys, "stderr", self.handle)
        return self

    def as_journal_stream(self) -> None:
        stat = os.fstat(self.handle.fileno())
        self.monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino}")

    def lines(self) -> list[str]:
        self.handle.flush()
        self.handle.seek(0)
        return self.handle.read().splitlines()


@pytest.fixture
def stderr_file(tmp_path, monkeypatch):
    stderr = Stderr(tmp_path / "stderr.log", monkeypatch)
    yield stderr
    stderr.handle.close()


@pytest.fixture
def journal_socket(tmp_path, monkeypatch):
    """A journal socket of our own."""
    sock = Datagrams(tmp_path / "journal.sock")
    monkeypatch.setenv(journal.SOCKET_VARIABLE, str(sock.path))
    yield sock
    sock.close()


def test_elsewhere_events_are_json_lines_on_stderr(stderr_file, capsys):
    """Off a terminal and off systemd, each event is one JSON object on stderr."""
    stderr = stderr_file.take()
    assert logs.configure_logging("info") == "json"

    log.info("product_created", connection="shop1", sku="A-1")
    log.debug("too_detailed")

    [line] = stderr.lines()
    event = json.loads(line)
    assert {k: event[k] for k in ("event", "level", "connection", "sku")} == {
        "event": "product_created",
        "level": "info",
        "connection": "shop1",
        "sku": "A-1",
    }
    assert event["timestamp"].endswith("Z")
    assert capsys.readouterr().out == ""


def test_the_level_threshold_drops_less_important_events(stderr_file):
    """At warning level, info events are not written."""
    stderr = stderr_file.take()
    logs.configure_logging("warning")

    log.info("job_started")
    log.warning("record_failed", record="7")

    assert [json.loads(line)["event"] for line in stderr.lines()] == ["record_failed"]


def test_under_systemd_events_go_to_the_journal_with_fields(
    journal_socket, stderr_file
):
    """Journal entries carry the run's fields, priority and identifier."""
    stderr_file.take().as_journal_stream()
    assert logs.configure_logging("info") == "journal"

    with bound_contextvars(
        connection="shop1", resource="orders", direction="import", run_id="r-42"
    ):
        log.warning("record_failed", record="1001", reason="bad\nthings")

    fields = parse_journal(journal_socket.next(2))
    assert fields == {
        "MESSAGE": "record_failed connection=shop1 resource=orders "
        "direction=import run_id=r-42 record=1001 reason=bad\nthings",
        "PRIORITY": "4",
        "SYSLOG_IDENTIFIER": "osmsyncd",
        "EVENT": "record_failed",
        "RECORD": "1001",
        "REASON": "bad\nthings",
        "CONNECTION": "shop1",
        "RESOURCE": "orders",
        "DIRECTION": "import",
        "RUN_ID": "r-42",
    }


def test_without_a_journal_socket_lines_fall_back_to_stderr(
    tmp_path, monkeypatch, stderr_file
):
    """A missing journal socket loses nothing: a <N>-prefixed line goes to stderr."""
    stderr = stderr_file.take()
    stderr.as_journal_stream()
    monkeypatch.setenv(journal.SOCKET_VARIABLE, str(tmp_path / "absent.sock"))
    logs.configure_logging("info")

    log.error("job_failed", connection="shop1")

    assert stderr.lines() == ["<3>job_failed connection=shop1"]


def test_a_journal_stream_of_another_file_is_not_trusted(tmp_path, monkeypatch):
    """JOURNAL_STREAM must match stderr itself, not whatever was inherited."""
    with open(tmp_path / "other", "w") as other, open(tmp_path / "err", "w") as err:
        stat = os.fstat(other.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino}")

        assert journal.is_journal_stream(other) is True
        assert journal.is_journal_stream(err) is False


def test_field_names_are_what_journald_keeps():
    """Keys become uppercase names without leading underscores or digits."""
    assert journal.field_name("run_id") == "RUN_ID"
    assert journal.field_name("_private") == "PRIVATE"
    assert journal.field_name("2fa-code") == "FA_CODE"
    assert journal.field_name("___") is None


def test_entries_too_big_for_a_datagram_travel_in_a_sealed_memfd(tmp_path):
    """A huge entry is passed as a file descriptor, as journald accepts it."""
    path = tmp_path / "journal.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(str(path))
        receiver.settimeout(2)
        sender = journal.JournalSender(str(path))
        big = "x" * 4_000_000

        assert sender.send({"MESSAGE": big, "PRIORITY": "6"})

        data, fds, _flags, _address = socket.recv_fds(receiver, 16, 1)
        sender.close()
        assert data == b""
        with os.fdopen(fds[0], "rb") as memfd:
            memfd.seek(0)
            assert parse_journal(memfd.read()) == {"MESSAGE": big, "PRIORITY": "6"}


def test_registered_secrets_never_reach_any_output(stderr_file):
    """A secret is cut from values, nested data, tracebacks and library logs."""
    stderr = stderr_file.take()
    logs.configure_logging("debug")
    logs.register_secrets(["ck_live123:cs_hidden456", None])

    log.debug("request_sent", url="https://s.test/?consumer_key=ck_live123")
    log.info(
        "payload", body={"auth": ["cs_hidden456"]}, note=ValueError("cs_hidden456")
    )
    try:
        raise RuntimeError("token ck_live123:cs_hidden456 refused")
    except RuntimeError:
        log.exception("job_failed")
    logging.getLogger("urllib3").warning("retrying with key %s", "ck_live123")

    text = "\n".join(stderr.lines())
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["event"] for e in events] == [
        "request_sent",
        "payload",
        "job_failed",
        "retrying with key ***",
    ]
    assert events[1]["body"] == {"auth": ["***"]}
    assert "RuntimeError: token *** refused" in events[2]["exception"]
    assert "ck_live123" not in text and "cs_hidden456" not in text
    assert logs.redact_text("key=ck_live123") == "key=***"


def test_lines_logged_from_many_threads_stay_whole(stderr_file):
    """Events logged at once from eight threads come out as whole JSON lines."""
    logs.configure_logging("info")
    stderr_file.take()

    def burst(worker: int) -> None:
        for n in range(800):
            log.info("burst", worker=worker, n=n, text="x" * 300)

    threads = [threading.Thread(target=burst, args=(w,)) for w in range(8)]
    # Switch threads as often as possible, as network waits do in a run.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    lines = stderr_file.lines()
    assert len(lines) == 6400
    events = [json.loads(line) for line in lines]
    assert {(e["worker"], e["n"]) for e in events} == {
        (w, n) for w in range(8) for n in range(800)
    }
