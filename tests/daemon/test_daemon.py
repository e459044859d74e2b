from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.daemon.conftest import TOKEN
from tests.daemon.conftest import Datagrams
from tests.daemon.conftest import LogFile
from tests.daemon.conftest import parse_journal
from tests.daemon.conftest import write_config


class Daemon:
    """``osmsyncd run`` as systemd would start it, in a subprocess."""

    def __init__(self, config, env, tmp_path, *arguments: str) -> None:
        self.stdout = tmp_path / "stdout.log"
        self.stderr = tmp_path / "stderr.log"
        self.log = LogFile(self.stderr)
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            if env.get("JOURNAL_STREAM") == "stderr":
                stat = os.fstat(err.fileno())
                env = {**env, "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"}
            command = [sys.executable, "-m", "osmsyncd", "--config", str(config)]
            self.process = subprocess.Popen(
                [*command, *arguments, "run"],
                env=env,
                cwd=tmp_path,
                stdout=out,
                stderr=err,
            )

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self) -> int:
        self.signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def start(daemon_env, tmp_path):
    started = []

    def start(config, *arguments, **env):
        daemon = Daemon(config, {**daemon_env, **env}, tmp_path, *arguments)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


def test_reload_and_stop_follow_the_notify_protocol(start, notify_socket, tmp_path):
    """READY, RELOADING+READY on SIGHUP (good or bad config), STOPPING, exit 0."""
    config = write_config(tmp_path / "osmsyncd.toml", interval="1s")
    daemon = start(
        config, NOTIFY_SOCKET=str(notify_socket.path), WATCHDOG_USEC="2000000"
    )

    ready = notify_socket.until(b"READY=1")
    assert ready.startswith(b"READY=1\nSTATUS=1 connections; running at ")
    assert (tmp_path / "osmsyncd.pid").read_text() == f"{daemon.process.pid}\n"
    daemon.log.wait_for("job_started", connection="shop1", resource="orders")
    daemon.log.wait_for("job_started", connection="shop1", resource="articles")
    notify_socket.until(b"WATCHDOG=1")

    # A changed interval: the jobs are rescheduled, nothing else changes.
    write_config(config, interval="2s")
    daemon.signal(signal.SIGHUP)
    reloading = notify_socket.until(b"RELOADING=1")
    assert reloading.split(b"\n")[1].startswith(b"MONOTONIC_USEC=")
    assert b"STATUS=1 connections; reloaded" in notify_socket.until(b"READY=1")
    for job in ("shop1:orders:import", "shop1:articles:export"):
        event = daemon.log.wait_for("job_rescheduled", job=job)
        assert (event["interval"], event["previous"]) == (2.0, 1.0)

    # A broken config is refused; the old jobs keep running.
    config.write_text(config.read_text().replace('interval = "2s"', 'interval = "2"'))
    daemon.signal(signal.SIGHUP)
    notify_socket.until(b"RELOADING=1")
    assert b"reload failed (1 problem(s) in the config)" in notify_socket.until(
        b"READY=1"
    )
    rejected = daemon.log.wait_for("config_rejected")
    assert rejected["problem"].startswith("connections.shop1.interval: '2' is not")
    daemon.log.wait_for("job_started", connection="shop1")

    assert daemon.stop() == 0
    assert notify_socket.until(b"STOPPING=1") == b"STOPPING=1"
    assert daemon.stdout.read_text() == ""
    assert not (tmp_path / "osmsyncd.pid").exists()
    assert daemon.log.events()[-1]["event"] == "daemon_stopped"


def test_ready_comes_even_when_the_database_is_unreachable(
    start, notify_socket, tmp_path
):
    """A database that cannot be reached fails the jobs, not the daemon."""
    config = write_config(tmp_path / "osmsyncd.toml", interval="1s")
    config.write_text(
        config.read_text().replace(
            f'url = "sqlite:///{tmp_path}/osm.sqlite"',
            'url = "mysql+pymysql://nobody@127.0.0.1:9/osm"',
        )
    )
    daemon = start(config, NOTIFY_SOCKET=str(notify_socket.path))

    notify_socket.until(b"READY=1")
    daemon.log.wait_for("job_failed", connection="shop1")
    daemon.log.wait_for("job_started", connection="shop1")

    assert daemon.stop() == 0


def test_a_broken_config_stops_the_start_with_every_problem(start, tmp_path):
    """`run` with a broken config exits 1 and lists each problem on stderr."""
    config = write_config(tmp_path / "osmsyncd.toml", extra='colour = "red"')
    config.write_text(config.read_text().replace('"1s"', '"soon"'))

    daemon = start(config)

    assert daemon.process.wait(timeout=30) == 1
    lines = daemon.stderr.read_text().splitlines()
    assert "osmsyncd: 2 problems in the config:" in lines
    assert any(
        line.startswith("  connections.shop1.interval: 'soon'") for line in lines
    )
    assert "  connections.shop1.colour: unknown key; remove it" in lines


def test_journal_entries_carry_the_run_fields_and_never_the_token(start, tmp_path):
    """Under systemd each event is a journal entry with fields; no secret leaks.

    The config lives in a folder named after the token, and the daemon logs
    the config path, so only the redaction keeps the token out.
    """
    journal = Datagrams(tmp_path / "journal.sock")
    config = write_config(tmp_path / TOKEN / "osmsyncd.toml", interval="1s")
    daemon = start(
        config,
        "--log-level",
        "debug",
        JOURNAL_STREAM="stderr",
        OSMSYNCD_JOURNAL_SOCKET=str(journal.path),
    )

    entries = []
    deadline = time.monotonic() + 30
    while not any(e.get("EVENT") == "job_failed" for e in entries):
        assert time.monotonic() < deadline, entries
        entries.append(parse_journal(journal.next()))
    assert daemon.stop() == 0
    while True:
        try:
            entries.append(parse_journal(journal.next(0.5)))
        except TimeoutError:
            break
    journal.close()

    [started] = [e for e in entries if e.get("EVENT") == "job_started"][:1]
    assert {k: started[k] for k in ("CONNECTION", "RESOURCE", "DIRECTION")} == {
        "CONNECTION": "shop1",
        "RESOURCE": "orders",
        "DIRECTION": "import",
    }
    assert len(started["RUN_ID"]) == 12
    assert (started["PRIORITY"], started["SYSLOG_IDENTIFIER"]) == ("6", "osmsyncd")
    assert {e["EVENT"] for e in entries} >= {"daemon_started", "daemon_stopped"}
    assert any(e["PRIORITY"] == "7" for e in entries)
    [begun] = [e for e in entries if e["EVENT"] == "daemon_started"]
    assert "***" in begun["CONFIG"]

    everything = b"".join(journal.received)
    everything += daemon.stdout.read_bytes() + daemon.stderr.read_bytes()
    assert TOKEN.encode() not in everything


def test_reload_checks_the_config_then_signals_the_daemon(
    start, notify_socket, daemon_env, tmp_path
):
    """`osmsyncd reload` refuses a broken config, else sends SIGHUP via the pidfile."""
    config = write_config(tmp_path / "osmsyncd.toml", interval="1h")
    daemon = start(config, NOTIFY_SOCKET=str(notify_socket.path))
    notify_socket.until(b"READY=1")
    reload = [sys.executable, "-m", "osmsyncd", "--config", str(config), "reload"]

    config.write_text(config.read_text() + "\nbogus = 1\n")
    refused = subprocess.run(reload, env=daemon_env, capture_output=True, text=True)
    config.write_text(config.read_text().replace("bogus = 1", ""))
    accepted = subprocess.run(reload, env=daemon_env, capture_output=True, text=True)

    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "connections.shop1.bogus: unknown key; remove it"
    )
    assert accepted.returncode == 0, accepted.stderr
    assert (
        accepted.stdout
        == f"asked osmsyncd (pid {daemon.process.pid}) to reload {config}\n"
    )
    notify_socket.until(b"RELOADING=1")
    daemon.log.wait_for("reload_finished")
    assert [e["event"] for e in daemon.log.events()].count("reload_started") == 1
    assert daemon.stop() == 0
