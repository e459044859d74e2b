"""The long-running process: signals, systemd, and the jobs on schedule.

The main thread only waits for signals and pings the watchdog; jobs run on
the scheduler's threads. SIGHUP re-reads the config and changes only the
jobs that changed (a broken config is refused, the old one keeps running);
SIGTERM stops after the runs in flight, which are told to stop through a
shared event that also cuts short any backoff wait.
"""

from __future__ import annotations

import os
import queue
import signal
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Protocol

import structlog
from structlog.contextvars import bound_contextvars

from osmsyncd import __version__
from osmsyncd import notify
from osmsyncd.config import Config
from osmsyncd.configfile import load_config
from osmsyncd.configfile import secrets_of
from osmsyncd.errors import ConfigError
from osmsyncd.errors import Interrupted
from osmsyncd.errors import JobBusy
from osmsyncd.errors import OsmsyncdError
from osmsyncd.logs import register_secrets
from osmsyncd.plugins import PluginHost
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.schedule import Schedule
from osmsyncd.schedule import jobs_of
from osmsyncd.schedule import plan_cycles
from osmsyncd.sync.report import RunOptions
from osmsyncd.sync.report import RunSummary

log = structlog.get_logger(__name__)

STOP_DEADLINE = 25.0
IDLE_TICK = 5.0
PIDFILE_NAME = "osmsyncd.pid"


class RunJob(Protocol):
    """The engine's entry point, :func:`osmsyncd.sync.run_job`."""

    def __call__(
        self,
        config: Config,
        connection: str,
        resource: Resource,
        direction: Direction,
        *,
        plugins: PluginHost,
        options: RunOptions | None = None,
        stop: threading.Event | None = None,
    ) -> RunSummary: ...


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def pidfile_path() -> Path:
    """Where ``run`` writes its pid and ``reload`` finds it.

    systemd's ``RuntimeDirectory`` under the unit; the user's runtime folder,
    or a per-user file in the temporary folder, when run by hand.
    """
    for variable in ("RUNTIME_DIRECTORY", "XDG_RUNTIME_DIR"):
        folder = os.environ.get(variable, "").split(":")[0]
        if folder:
            return Path(folder) / PIDFILE_NAME
    return Path(tempfile.gettempdir()) / f"osmsyncd-{os.getuid()}.pid"


class Daemon:
    """``osmsyncd run``: one process, every connection's jobs on schedule."""

    def __init__(self, config_path: Path, plugins: PluginHost, run: RunJob) -> None:
        self.config_path = config_path
        self.plugins = plugins
        self.run_job = run
        self.stop = threading.Event()
        self.config: Config | None = None
        self._signals: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._busy = 0
        self._idle = threading.Condition()
        self._beat = time.monotonic()
        self._watchdog = notify.watchdog_interval()
        self._heartbeat_every = max(0.5, (self._watchdog or 120.0) / 4)

    # -- life --------------------------------------------------------------

    def serve(self) -> int:
        """Run until SIGTERM; the exit status."""
        # Before anything else: SIGHUP's default action would kill us.
        for number in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_signal)

        self.config = self._load()
        pidfile = self._write_pidfile()
        schedule = Schedule(self.run_cycle, self._heartbeat, self._heartbeat_every)
        schedule.start(plan_cycles(self.config))
        log.info(
            "daemon_started",
            version=__version__,
            config=str(self.config_path),
            connections=sorted(self.config.connections),
        )
        notify.ready(self._status("running"))

        try:
            self._wait_for_signals(schedule)
        finally:
            self._finish(schedule, pidfile)
        return 0

    def _load(self) -> Config:
        config = load_config(self.config_path, self.plugins)
        register_secrets(secrets_of(config))
        return config

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        # Only queue it: the main loop acts outside the signal handler.
        self._signals.put(number)

    def _wait_for_signals(self, schedule: Schedule) -> None:
        tick = self._watchdog / 2 if self._watchdog else IDLE_TICK
        while True:
            try:
                number = self._signals.get(timeout=tick)
            except queue.Empty:
                self._ping_watchdog(schedule)
                continue

            if number == signal.SIGHUP:
                self._reload(schedule)
            else:
                log.info("daemon_stopping", signal=signal.Signals(number).name)
                return
            self._ping_watchdog(schedule)

    def _reload(self, schedule: Schedule) -> None:
        notify.reloading()
        log.info("reload_started", config=str(self.config_path))
        try:
            config = self._load()
        except ConfigError as exc:
            for problem in exc.problems:
                log.error("config_rejected", problem=problem)
            log.error("reload_failed", problems=len(exc.problems), kept="old config")
            notify.ready(
                self._status(
                    f"reload failed ({len(exc.problems)} problem(s) in the config)"
                )
            )
            return

        self.config = config
        schedule.apply(plan_cycles(config))
        log.info("reload_finished", connections=sorted(config.connections))
        notify.ready(self._status("reloaded"))

    def _finish(self, schedule: Schedule, pidfile: Path | None) -> None:
        notify.stopping()
        self.stop.set()
        schedule.shutdown()

        with self._idle:
            finished = self._idle.wait_for(lambda: self._busy == 0, STOP_DEADLINE)
        if pidfile is not None:
            pidfile.unlink(missing_ok=True)
        if not finished:
            # A run ignores the stop event; leave before systemd kills us.
            log.error("stop_deadline_passed", seconds=STOP_DEADLINE)
            os._exit(0)
        log.info("daemon_stopped")

    # -- jobs --------------------------------------------------------------

    def run_cycle(self, connection: str) -> None:
        """One scheduled cycle: the connection's jobs, in order."""
        config = self.config
        settings = config.connections.get(connection) if config else None
        if config is None or settings is None:
            return

        with self._idle:
            self._busy += 1
        try:
            for resource, direction in jobs_of(settings):
                if self.stop.is_set():
                    break
                self._run_one(config, connection, resource, direction)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()
        notify.status(self._status(f"last cycle {connection}"))

    def _run_one(
        self, config: Config, connection: str, resource: Resource, direction: Direction
    ) -> None:
        run_id = new_run_id()
        context = bound_contextvars(
            connection=connection,
            resource=str(resource),
            direction=str(direction),
            run_id=run_id,
        )
        with context:
            log.info("job_started")
            try:
                summary = self.run_job(
                    config,
                    connection,
                    resource,
                    direction,
                    plugins=self.plugins,
                    options=RunOptions(run_id=run_id, orders_first=False),
                    stop=self.stop,
                )
            except JobBusy:
                log.info("job_busy", fix="it runs elsewhere; the next cycle retries")
                return
            except Interrupted:
                log.info("job_interrupted")
                return
            except OsmsyncdError as exc:
                # Expected trouble (database down, shop refusing): no traceback.
                log.error("job_failed", error=str(exc), retry="next interval")
                return
            except Exception as exc:  # one job's bug never stops the others
                log.exception("job_failed", error=f"{type(exc).__name__}: {exc}")
                return

            if summary.error:
                log.error("job_failed", error=summary.error, retry="next interval")
            else:
                log.debug("job_finished", failed=summary.failed, writes=summary.writes)

    # -- systemd -----------------------------------------------------------

    def _heartbeat(self) -> None:
        self._beat = time.monotonic()

    def _ping_watchdog(self, schedule: Schedule) -> None:
        # A wedged scheduler stops the heartbeat, and then the pings.
        fresh = time.monotonic() - self._beat < 2 * self._heartbeat_every + 1
        if self._watchdog and schedule.running and fresh:
            notify.watchdog()

    def _status(self, what: str) -> str:
        count = len(self.config.connections) if self.config else 0
        return f"{count} connections; {what} at {datetime.now():%H:%M:%S}"

    def _write_pidfile(self) -> Path | None:
        path = pidfile_path()
        try:
            path.write_text(f"{os.getpid()}\n")
        except OSError as exc:
            log.warning("pidfile_not_written", path=str(path), error=str(exc))
            return None
        return path
