"""osmsyncd's own state: bindings, cursors, runs, failures and the job guard."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy import update

from osmsyncd.erp import runs as runs_module
from osmsyncd.erp.interface import Binding
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.erp.state import OsmsyncRun
from osmsyncd.records import Resource

ARTICLES = Resource.ARTICLES


def test_bindings_upsert_by_osm_id_and_hand_over_shop_ids(erp: OsmRepository):
    """Saving updates by OSM id; a shop id moving to another OSM id moves once."""
    erp.save_bindings(
        [
            Binding("negozio", ARTICLES, "10", "100", "h1", {"images": {"a": "5"}}),
            Binding("negozio", ARTICLES, "11", "101"),
            Binding("altro", ARTICLES, "10", "100"),
        ]
    )
    erp.save_bindings(
        [Binding("negozio", ARTICLES, "10", "100", "h2", {"hidden": True})]
    )
    erp.save_bindings([Binding("negozio", ARTICLES, "12", "101", "h3")])

    found = erp.bindings("negozio", ARTICLES)

    assert found == {
        "10": Binding("negozio", ARTICLES, "10", "100", "h2", {"hidden": True}),
        "12": Binding("negozio", ARTICLES, "12", "101", "h3", {}),
    }
    erp.drop_binding("negozio", ARTICLES, "10")
    assert list(erp.bindings("negozio", ARTICLES)) == ["12"]
    assert list(erp.bindings("altro", ARTICLES)) == ["10"]


def test_bindings_saved_together_end_as_if_saved_one_by_one(erp: OsmRepository):
    """A call's later bindings win: an OSM id moved twice keeps its last shop
    id, a shop id handed on within the call leaves its first holder unbound,
    and an existing row giving up its shop id to another makes way."""
    erp.save_bindings(
        [
            Binding("negozio", ARTICLES, "1", "501", "old"),
            Binding("negozio", ARTICLES, "2", "502", "old"),
        ]
    )

    erp.save_bindings(
        [
            Binding("negozio", ARTICLES, "3", "503", "a"),
            Binding("negozio", ARTICLES, "3", "504", "b"),
            Binding("negozio", ARTICLES, "4", "503", "c"),
            Binding("negozio", ARTICLES, "5", "505", "d"),
            Binding("negozio", ARTICLES, "6", "505", "e"),
            Binding("negozio", ARTICLES, "1", "502", "f"),
        ]
    )

    found = erp.bindings("negozio", ARTICLES)
    assert {k: (b.shop_id, b.hash) for k, b in found.items()} == {
        "1": ("502", "f"),
        "3": ("504", "b"),
        "4": ("503", "c"),
        "6": ("505", "e"),
    }


def test_bindings_save_hundreds_at_once(erp: OsmRepository):
    """More bindings than one statement takes, half of them new, all land."""
    erp.save_bindings(
        [Binding("negozio", ARTICLES, str(n), f"s{n}", "h1") for n in range(250)]
    )

    erp.save_bindings(
        [
            Binding("negozio", ARTICLES, str(n), f"s{n}", "h2", {"n": n})
            for n in range(125, 500)
        ]
    )

    found = erp.bindings("negozio", ARTICLES)
    assert len(found) == 500
    assert found["0"] == Binding("negozio", ARTICLES, "0", "s0", "h1", {})
    assert found["499"] == Binding("negozio", ARTICLES, "499", "s499", "h2", {"n": 499})
    assert sum(b.hash == "h2" for b in found.values()) == 375


def test_cursors_and_first_run(erp: OsmRepository):
    """Cursors are upserted; the first run time is kept from the first call."""
    assert erp.cursor("negozio:orders:import") is None
    erp.set_cursor("negozio:orders:import", "2026-03-01T10:00:00")
    erp.set_cursor("negozio:orders:import", "2026-03-02T10:00:00")
    first = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    erp.mark_first_run("negozio", first)
    erp.mark_first_run("negozio", first + timedelta(days=1))

    assert erp.cursor("negozio:orders:import") == "2026-03-02T10:00:00"
    assert erp.first_run_at("negozio") == first
    assert erp.first_run_at("altro") is None


def test_a_known_first_run_time_is_not_read_again(erp: OsmRepository):
    """Once set, the first run time never changes: later asks send nothing."""
    first = datetime(2026, 3, 1, 9, 30, 15, 250, tzinfo=UTC)
    erp.mark_first_run("negozio", first)
    sent: list[str] = []
    event.listen(
        erp.engine,
        "before_cursor_execute",
        lambda *a: sent.append(a[2]) if "osmsync_connections" in a[2] else None,
    )

    erp.mark_first_run("negozio", first + timedelta(days=1))
    again = erp.first_run_at("negozio")

    assert again == first.replace(microsecond=0)
    assert sent == []
    assert erp.first_run_at("altro") is None and len(sent) == 1


def test_runs_keep_the_newest_per_job_for_30_days(erp: OsmRepository, monkeypatch):
    """last_runs gives each job's newest summary; runs past 30 days go, at
    the first run an hour after the last pruning."""
    clock = [1000.0]
    monkeypatch.setattr(runs_module.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(runs_module, "_next_prune", {})
    old = {"connection": "negozio", "resource": "orders", "direction": "import"}
    erp.record_run({**old, "created": 1})
    with erp.engine.begin() as db:
        db.execute(update(OsmsyncRun).values(finished_at=datetime(2020, 1, 1)))
    erp.record_run({**old, "created": 2})
    kept_within_the_hour = _stored_runs(erp)
    clock[0] += 3601
    erp.record_run({**old, "created": 3})
    erp.record_run({**old, "resource": "articles", "direction": "export", "created": 4})

    runs = erp.last_runs()

    assert kept_within_the_hour == 2
    assert sorted(r["created"] for r in runs) == [3, 4]
    assert all("finished_at" in r for r in runs)
    assert _stored_runs(erp) == 3


def _stored_runs(erp: OsmRepository) -> int:
    with erp.engine.connect() as db:
        return len(db.execute(OsmsyncRun.__table__.select()).all())


def test_failures_count_in_a_row_and_reset_on_success(erp: OsmRepository):
    """A record failing five runs in a row is returned once; success resets it."""
    job = "negozio:articles:export"
    reached = [
        erp.record_failures(job, {"7": "bad sku", "8": "x"}, []) for _ in range(4)
    ]
    assert reached == [[], [], [], []]
    erp.record_failures(job, {"8": "x"}, ["7"])

    assert erp.record_failures(job, {"8": "still x"}, []) == []
    assert erp.record_failures(job, {"7": "again"}, []) == []
    stuck = erp.failing_records()
    assert [(r["job"], r["record"], r["count"], r["error"]) for r in stuck] == [
        (job, "8", 6, "still x")
    ]
    assert [r["record"] for r in erp.failing_records(threshold=1)] == ["7", "8"]


def test_five_failures_are_reported_exactly_when_reached(erp: OsmRepository):
    """The fifth consecutive failure returns the key; the sixth does not."""
    job = "negozio:orders:import"
    results = [erp.record_failures(job, {"1001": "refused"}, []) for _ in range(6)]
    assert results == [[], [], [], [], ["1001"], []]


HOLDER = """
import sys, time
from osmsyncd.config import ErpSettings
from osmsyncd.erp.session import open_erp
repository = open_erp(ErpSettings(url=sys.argv[1]))
with repository.job_guard("negozio:orders:import") as held:
    print("held" if held else "busy", flush=True)
    time.sleep(120)
"""


def test_job_guard_blocks_a_second_holder_and_dies_with_the_first(
    erp: OsmRepository,
):
    """While a process holds the job, others get False; killing it frees the job."""
    url = erp.engine.url.render_as_string(hide_password=False)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        # structlog's default output shares stdout: skip to the guard's word.
        said = ""
        while said not in ("held", "busy"):
            said = holder.stdout.readline().strip() or "busy"
        assert said == "held"
        with erp.job_guard("negozio:orders:import") as held:
            assert held is False
        with erp.job_guard("negozio:articles:export") as other:
            assert other is True
    finally:
        holder.kill()
        holder.wait()

    deadline = time.monotonic() + 30
    while True:
        with erp.job_guard("negozio:orders:import") as held:
            if held or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    assert held is True


def test_job_guard_is_released_at_the_end_of_the_block(erp: OsmRepository):
    """The same process can take the job again once its block ended."""
    with erp.job_guard("negozio:customers:import") as first:
        with erp.job_guard("negozio:customers:import") as nested:
            assert (first, nested) == (True, False)
    with erp.job_guard("negozio:customers:import") as again:
        assert again is True
