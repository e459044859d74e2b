"""When each job runs: one APScheduler job per connection, its jobs in order.

All jobs of a connection share its ``interval``, so they fall due together.
They run one after the other in :data:`JOB_ORDER` inside one scheduler job
(whose id is the connection's name): orders are imported before articles
are exported, so the stock pushed to the shop already counts the shop's
latest sales (DESIGN, stock rule). Connections run in parallel; a connection
never runs twice at once.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.jobstores.memory import MemoryJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from osmsyncd.config import Config
from osmsyncd.config import ConnectionSettings
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync.report import job_id

log = structlog.get_logger(__name__)

JOB_ORDER: tuple[tuple[Resource, Direction], ...] = (
    (Resource.ORDERS, Direction.IMPORT),
    (Resource.CUSTOMERS, Direction.IMPORT),
    (Resource.ARTICLES, Direction.IMPORT),
    (Resource.CUSTOMERS, Direction.EXPORT),
    (Resource.ARTICLES, Direction.EXPORT),
    (Resource.ORDERS, Direction.EXPORT),
)
WORKERS = 16
MISFIRE_GRACE = 3600
HEARTBEAT_JOB = "heartbeat"


def jobs_of(settings: ConnectionSettings) -> tuple[tuple[Resource, Direction], ...]:
    """The connection's jobs, in the order one cycle runs them."""
    wanted = {(r, Direction.IMPORT) for r in settings.import_}
    wanted |= {(r, Direction.EXPORT) for r in settings.export}
    return tuple(job for job in JOB_ORDER if job in wanted)


@dataclass(frozen=True)
class Cycle:
    """What the scheduler runs for one connection, and how often."""

    connection: str
    interval: float
    jobs: tuple[tuple[Resource, Direction], ...]

    def job_ids(self) -> list[str]:
        return [job_id(self.connection, r, d) for r, d in self.jobs]


def plan_cycles(config: Config) -> dict[str, Cycle]:
    """One cycle per connection that has at least one job."""
    cycles = {}
    for name, settings in config.connections.items():
        jobs = jobs_of(settings)
        if jobs:
            cycles[name] = Cycle(name, settings.interval, jobs)
    return cycles


class Schedule:
    """The daemon's scheduler, kept in step with the cycles it is given."""

    def __init__(
        self,
        run_cycle: Callable[[str], None],
        heartbeat: Callable[[], None],
        heartbeat_every: float,
    ) -> None:
        self._run_cycle = run_cycle
        self._cycles: dict[str, Cycle] = {}
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={
                "default": ThreadPoolExecutor(WORKERS),
                # Its own thread, so busy syncs never delay the watchdog.
                HEARTBEAT_JOB: ThreadPoolExecutor(1),
            },
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
            timezone=UTC,
        )
        self.scheduler.add_job(
            heartbeat,
            IntervalTrigger(seconds=heartbeat_every, timezone=UTC),
            id=HEARTBEAT_JOB,
            executor=HEARTBEAT_JOB,
            next_run_time=datetime.now(UTC),
        )

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self, cycles: Mapping[str, Cycle]) -> None:
        # Jobs are added while paused, so none starts before all are known.
        self.scheduler.start(paused=True)
        self.apply(cycles)
        self.scheduler.resume()

    def apply(self, cycles: Mapping[str, Cycle]) -> None:
        """Add, reschedule and remove jobs so that exactly ``cycles`` run."""
        for name in sorted(set(self._cycles) - set(cycles)):
            self.scheduler.remove_job(name)
            for job in self._cycles[name].job_ids():
                log.info("job_removed", job=job, connection=name)

        for name, cycle in sorted(cycles.items()):
            old = self._cycles.get(name)
            if old is None:
                self.scheduler.add_job(
                    self._run_cycle,
                    IntervalTrigger(seconds=cycle.interval, timezone=UTC),
                    args=(name,),
                    id=name,
                    name=f"cycle of {name}",
                    next_run_time=datetime.now(UTC),
                )
                for job in cycle.job_ids():
                    log.info("job_added", job=job, interval=cycle.interval)
                continue

            if old.interval != cycle.interval:
                self.scheduler.reschedule_job(
                    name, trigger=IntervalTrigger(seconds=cycle.interval, timezone=UTC)
                )
            for job in sorted(set(old.job_ids()) - set(cycle.job_ids())):
                log.info("job_removed", job=job, connection=name)
            for job in cycle.job_ids():
                if job not in old.job_ids():
                    log.info("job_added", job=job, interval=cycle.interval)
                elif old.interval != cycle.interval:
                    log.info(
                        "job_rescheduled",
                        job=job,
                        interval=cycle.interval,
                        previous=old.interval,
                    )

        self._cycles = dict(cycles)

    def shutdown(self) -> None:
        # Runs in flight are awaited by the daemon, with a deadline.
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
