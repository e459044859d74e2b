"""An OSM database that is down at the start of a run, or dies in the middle.

The server is the fault suite's own MariaDB (its own data folder and port),
stopped, killed with SIGKILL and started again; the shared server is never
touched.
"""

from __future__ import annotations

import pytest
from osmsyncd_prestashop.sandbox import Sandbox
from osmsyncd_prestashop.sandbox.shopper import Buyer
from osmsyncd_prestashop.sandbox.shopper import Shopper

from osmsyncd.records import Resource
from tests.faults.audit import audit_catalogue
from tests.faults.audit import audit_orders
from tests.faults.audit import audit_shop_stock
from tests.faults.catalogue import CODES
from tests.faults.catalogue import SMALL
from tests.faults.catalogue import STOCK
from tests.faults.ledger import Findings
from tests.faults.runs import CONNECTION
from tests.faults.runs import config_for
from tests.faults.runs import osmsyncd
from tests.faults.shops import ShopView

pytestmark = [pytest.mark.mysql, pytest.mark.slow]

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def shop_writes(shop):
    return [(method, path) for method, path in shop.requests_made() if method in WRITES]


def test_an_unreachable_osm_database_fails_the_run_cleanly(
    own_mariadb, own_osm, tmp_path, ledger
):
    """With OSM's server down, `sync --json` reports the database error, exits
    1 and writes nothing anywhere; once the server is back the same command
    exports every article once."""
    fault = "OSM down at the start"
    with Sandbox(seed=5) as shop:
        config = config_for(tmp_path, own_osm, shop)
        own_mariadb.stop()
        ledger.tried(fault)
        try:
            failed = [
                osmsyncd(config, "sync", *job, "--json")
                for job in (("articles", "--export"), ("orders", "--import"))
            ]
            ledger.ran(fault, len(failed))
        finally:
            own_mariadb.start()

        for done in failed:
            assert done.returncode == 1
            [summary] = done.summaries()
            assert "OSM database" in summary["error"]
            assert "cannot be reached" in summary["error"]
            assert (summary["created"], summary["updated"]) == (0, 0)
            [logged] = done.named("run_failed")[-1:]
            assert logged["error"] == summary["error"]
        assert shop_writes(shop) == []
        assert own_osm.bindings(CONNECTION, Resource.ARTICLES) == {}
        assert own_osm.last_runs() == []

        again = osmsyncd(config, "sync", "articles", "--export", "--json")
        ledger.ran(fault)
        assert again.returncode == 0, again.stderr[-2000:]
        [summary] = again.summaries()
        assert (summary["created"], summary["failed"]) == (SMALL, 0)
        view = ShopView(shop.url, shop.token)
        found = audit_catalogue(own_osm, view, CODES[:SMALL])
        view.close()
        ledger.audited(fault, found)
        assert not found, found.describe()


def test_osm_killed_mid_import_is_completed_exactly_by_the_next_run(
    own_mariadb, own_osm, tmp_path, ledger
):
    """OSM's server killed with SIGKILL while orders are being imported fails
    that run; after a restart the next run imports every order once and moves
    each sold line's stock once."""
    fault = "OSM killed during order import"
    with Sandbox(seed=6) as shop:
        config = config_for(tmp_path, own_osm, shop)
        exported = osmsyncd(config, "sync", "articles", "--export", "--json")
        assert exported.returncode == 0, exported.stderr[-2000:]
        products = sorted(shop.rows("products"), key=lambda p: int(p["id"]))
        shopper = Shopper(shop.url, shop.token)
        for n in range(12):
            buyer = Buyer(
                email=f"cliente{n % 3}@example.com",
                last_name=("Neri", "Rossi", "Bianchi")[n % 3],
            )
            shopper.place_order([(products[n % SMALL]["id"], 1 + n % 2)], buyer)
        shopper.close()

        ledger.tried(fault)
        broken = osmsyncd(
            config,
            "sync",
            "orders",
            "--import",
            "--json",
            cut_after=2,
            cut_on=("order_created",),
            at_cut=own_mariadb.kill,
        )
        ledger.ran(fault, 2)
        own_mariadb.start()

        assert broken.killed and broken.returncode == 1, broken.stderr[-2000:]
        [summary] = broken.summaries()
        assert "cannot be reached" in summary["error"]
        assert 2 <= summary["created"] < 12

        done = osmsyncd(config, "sync", "orders", "--import", "--json")
        ledger.ran(fault)
        assert done.returncode == 0, done.stderr[-2000:]
        [summary] = done.summaries()
        assert summary["failed"] == 0

        after = osmsyncd(config, "sync", "articles", "--export", "--json")
        ledger.ran(fault)
        assert after.returncode == 0, after.stderr[-2000:]
        view = ShopView(shop.url, shop.token)
        found = Findings()
        found.extend(audit_orders(own_osm, view, {c: STOCK[c] for c in CODES[:SMALL]}))
        found.extend(audit_shop_stock(own_osm, view))
        view.close()
        ledger.audited(fault, found)
        assert not found, found.describe()
        assert len(own_osm.bindings(CONNECTION, Resource.ORDERS)) == 12
