from __future__ import annotations

from structlog.testing import capture_logs

from osmsyncd.config import Config
from osmsyncd.config import ConnectionSettings
from osmsyncd.config import ErpSettings
from osmsyncd.daemon import Daemon
from osmsyncd.errors import JobBusy
from osmsyncd.plugins import PluginHost
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.schedule import Cycle
from osmsyncd.schedule import Schedule
from osmsyncd.schedule import jobs_of
from osmsyncd.schedule import plan_cycles
from osmsyncd.sync.report import RunSummary

EVERYTHING = frozenset(Resource)


def connection(name: str, **settings) -> ConnectionSettings:
    values = {"provider": "example", "url": "https://s.test", "token": "t"}
    values.update(settings)
    return ConnectionSettings(name=name, **values)


def config(*connections: ConnectionSettings) -> Config:
    return Config(
        erp=ErpSettings(url="sqlite://"),
        connections={c.name: c for c in connections},
    )


def test_orders_are_imported_before_articles_are_exported():
    """A cycle imports before it exports, orders first (the stock rule)."""
    both = connection("a", import_=EVERYTHING, export=EVERYTHING)

    assert jobs_of(both) == (
        (Resource.ORDERS, Direction.IMPORT),
        (Resource.CUSTOMERS, Direction.IMPORT),
        (Resource.ARTICLES, Direction.IMPORT),
        (Resource.CUSTOMERS, Direction.EXPORT),
        (Resource.ARTICLES, Direction.EXPORT),
        (Resource.ORDERS, Direction.EXPORT),
    )


def test_connections_without_jobs_get_no_cycle():
    """Only connections that import or export something are scheduled."""
    cycles = plan_cycles(
        config(
            connection("idle"),
            connection("shop", interval=30.0, export=frozenset({Resource.ARTICLES})),
        )
    )

    assert cycles == {
        "shop": Cycle("shop", 30.0, ((Resource.ARTICLES, Direction.EXPORT),))
    }
    assert cycles["shop"].job_ids() == ["shop:articles:export"]


def test_applying_cycles_changes_only_what_changed():
    """A reload adds, reschedules and removes jobs, leaving the others alone."""
    schedule = Schedule(lambda name: None, lambda: None, 60.0)
    schedule.scheduler.start(paused=True)
    orders = ((Resource.ORDERS, Direction.IMPORT),)
    try:
        schedule.apply({"a": Cycle("a", 60.0, orders), "b": Cycle("b", 60.0, orders)})
        kept = schedule.scheduler.get_job("a").next_run_time

        with capture_logs() as logs:
            schedule.apply(
                {
                    "a": Cycle("a", 60.0, orders),
                    "b": Cycle("b", 120.0, orders),
                    "c": Cycle("c", 30.0, orders),
                }
            )
            schedule.apply({"a": Cycle("a", 60.0, orders), "b": Cycle("b", 120.0, ())})

        jobs = {job.id: job for job in schedule.scheduler.get_jobs()}
        assert sorted(jobs) == ["a", "b", "heartbeat"]
        assert jobs["a"].next_run_time == kept
        assert jobs["b"].trigger.interval.total_seconds() == 120.0
        assert jobs["b"].max_instances == 1 and jobs["b"].coalesce is True
        assert [(e["event"], e["job"]) for e in logs] == [
            ("job_rescheduled", "b:orders:import"),
            ("job_added", "c:orders:import"),
            ("job_removed", "c:orders:import"),
            ("job_removed", "b:orders:import"),
        ]
        assert logs[0]["interval"] == 120.0 and logs[0]["previous"] == 60.0
    finally:
        schedule.shutdown()


class FakeEngine:
    """Records the jobs it is asked to run; fails or blocks where told."""

    def __init__(self, failures=None) -> None:
        self.calls: list[str] = []
        self.failures = failures or {}

    def __call__(self, config, connection, resource, direction, **kwargs):
        self.calls.append(f"{resource}:{direction}")
        failure = self.failures.get(f"{resource}:{direction}")
        if failure is not None:
            raise failure
        return RunSummary(connection, resource, direction)


def daemon_with(engine, settings: ConnectionSettings) -> Daemon:
    daemon = Daemon(None, PluginHost.with_plugins(), engine)  # type: ignore[arg-type]
    daemon.config = config(settings)
    return daemon


def test_a_failing_job_is_logged_and_the_cycle_goes_on():
    """An exception or a busy job ends that job only; the next one runs."""
    engine = FakeEngine(
        {
            "orders:import": RuntimeError("shop down"),
            "customers:import": JobBusy("elsewhere"),
        }
    )
    daemon = daemon_with(engine, connection("a", import_=EVERYTHING, export=EVERYTHING))

    with capture_logs() as logs:
        daemon.run_cycle("a")

    assert engine.calls == [
        "orders:import",
        "customers:import",
        "articles:import",
        "customers:export",
        "articles:export",
        "orders:export",
    ]
    [failed] = [e for e in logs if e["event"] == "job_failed"]
    assert failed["error"] == "RuntimeError: shop down"
    assert failed["log_level"] == "error" and failed["exc_info"] is True
    assert [e["event"] for e in logs].count("job_busy") == 1


def test_a_stopping_daemon_starts_no_further_job():
    """Once the stop event is set, the rest of the cycle is skipped."""

    class StoppedByFirstJob(FakeEngine):
        def __call__(self, *args, stop, **kwargs):
            stop.set()
            return super().__call__(*args, stop=stop, **kwargs)

    engine = StoppedByFirstJob()
    daemon = daemon_with(engine, connection("a", import_=EVERYTHING))

    daemon.run_cycle("a")

    assert engine.calls == ["orders:import"]
