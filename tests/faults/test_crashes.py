"""osmsyncd killed with SIGKILL mid-run, then run again: nothing lost or doubled.

Each scenario has its own shop (a sandbox process that outlives the kills)
and a fresh OSM on MariaDB. Three jobs are cut at seeded points and then run
to completion: the first export (cut between shop writes and the bindings
that record them), an order import (cut between requests or inside the OSM
transaction of an order) and an export that follows new sales and an OSM
purchase (cut in its order import or its stock push).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from osmsyncd_prestashop.sandbox.shopper import Buyer
from osmsyncd_prestashop.sandbox.shopper import Shopper
from sqlalchemy import select

from osmsyncd.erp.models import MgArticoli
from osmsyncd.erp.stock import move_stock
from tests.faults.audit import audit_catalogue
from tests.faults.audit import audit_orders
from tests.faults.audit import audit_shop_stock
from tests.faults.catalogue import CODES
from tests.faults.catalogue import STOCK
from tests.faults.ledger import Findings
from tests.faults.runs import config_for
from tests.faults.runs import osmsyncd
from tests.faults.shops import ShopProcess

pytestmark = [pytest.mark.mysql, pytest.mark.slow]

SCENARIOS = 5
# Log events of a clean run of each job on this catalogue (measured): a cut
# point is drawn among them, so it always lands before the run's end.
EXPORT_EVENTS = ("http_request",)
EXPORT_CUTS = 40  # of 44 requests in the first export
IMPORT_EVENTS = (
    "http_request",
    "customer_created",
    "order_stock_moved",
    "order_imported",
    "order_created",
)
IMPORT_CUTS = 34  # of 36 events importing five orders
# The export after two more sales: its order import, then one stock push.
AFTER_SALES_EVENTS = ("http_request", "order_stock_moved", "order_created")
AFTER_SALES_CUTS = 16
BUYERS = (
    Buyer(email="giulia.verdi@example.com"),
    Buyer(first_name="Marco", last_name="Neri", email="marco.neri@example.com"),
    Buyer(first_name="Anna", last_name="Gialli", email="anna.gialli@example.com"),
)


def place_orders(shopper, products, rng, count):
    """``count`` seeded orders of one to three lines; their ids."""
    placed = []
    for _ in range(count):
        picked = rng.sample(products, rng.randint(1, 3))
        lines = [(int(p["id"]), rng.randint(1, 3)) for p in picked]
        placed.append(shopper.place_order(lines, rng.choice(BUYERS)))
    return placed


def cut_then_finish(config, ledger, fault, args, cut, events):
    """Kill ``osmsyncd ARGS`` at the cut point, then run it to the end."""
    killed = osmsyncd(
        config, "--log-level", "debug", *args, "--json", cut_after=cut, cut_on=events
    )
    ledger.tried(fault)
    ledger.ran(fault, 2)
    assert killed.killed and killed.returncode == -9, (
        f"cut point {cut} fell after the end of `{' '.join(args)}`: "
        f"lower its range\n{killed.stderr[-2000:]}"
    )
    finished = osmsyncd(config, *args, "--json")
    assert finished.returncode == 0, finished.stderr[-3000:]
    [summary] = finished.summaries()
    assert summary["error"] is None and summary["failed"] == 0, summary
    return summary


def purchase(osm, code, quantity):
    """Stock received in OSM, as a manual movement in its warehouse form."""
    with osm.engine.begin() as db:
        article = db.scalar(select(MgArticoli.id).where(MgArticoli.codice == code))
        move_stock(db, article, Decimal(quantity), "Carico", 0, date.today())


@pytest.mark.parametrize("scenario", range(SCENARIOS))
def test_killed_runs_resume_without_loss_or_duplicates(scenario, osm, tmp_path, ledger):
    """After a SIGKILL at any cut point in an export or an order import, the
    next run completes it: every article once in the shop, every shop order
    once in OSM, OSM stock lowered once per sold line, shop stock equal to
    OSM's."""
    rng = random.Random(1000 + scenario)
    shop = ShopProcess(seed=scenario, latency_ms=2)
    view = shop.view()
    shopper = Shopper(shop.url, shop.token)
    found = Findings()
    try:
        config = config_for(tmp_path, osm, shop, debug=True)

        # 1. The first export, cut between its shop writes and the bindings.
        fault = "SIGKILL during export"
        cut_then_finish(
            config,
            ledger,
            fault,
            ("sync", "articles", "--export"),
            rng.randint(1, EXPORT_CUTS),
            EXPORT_EVENTS,
        )
        audited(ledger, fault, audit_catalogue(osm, view, CODES), found)
        audited(ledger, fault, audit_shop_stock(osm, view), found)

        # 2. Sales, then an order import cut in its reads or OSM writes.
        fault = "SIGKILL during order import"
        products = view.products()
        place_orders(shopper, products, rng, 5)
        cut_then_finish(
            config,
            ledger,
            fault,
            ("sync", "orders", "--import"),
            rng.randint(1, IMPORT_CUTS),
            IMPORT_EVENTS,
        )
        audited(ledger, fault, audit_orders(osm, view, STOCK), found)

        # 3. More sales and a purchase in OSM; the export that follows
        #    imports the sales first, then pushes stock: cut anywhere in it.
        fault = "SIGKILL during export after sales"
        place_orders(shopper, products, rng, 2)
        bought = rng.choice(CODES)
        purchase(osm, bought, 5)
        start = {**STOCK, bought: STOCK[bought] + 5}
        cut_then_finish(
            config,
            ledger,
            fault,
            ("sync", "articles", "--export"),
            rng.randint(1, AFTER_SALES_CUTS),
            AFTER_SALES_EVENTS,
        )
        audited(ledger, fault, audit_catalogue(osm, view, CODES), found)
        audited(ledger, fault, audit_orders(osm, view, start), found)
        audited(ledger, fault, audit_shop_stock(osm, view), found)

        # 4. Cursors are not ahead of what was applied: nothing is left over.
        again = osmsyncd(config, "sync", "orders", "--import", "--json")
        ledger.ran(fault)
        [summary] = again.summaries()
        left = Findings()
        if summary["created"] or summary["updated"]:
            left.lost.append(f"a later run still had {summary} to apply")
        audited(ledger, fault, left, found)

        assert not found, found.describe()
    finally:
        shopper.close()
        view.close()
        shop.stop()


def audited(ledger, fault, findings, found):
    """Add to ``found`` and the ledger what no earlier audit reported."""
    new = Findings(
        [d for d in findings.duplicates if d not in found.duplicates],
        [m for m in findings.mismatches if m not in found.mismatches],
        [lost for lost in findings.lost if lost not in found.lost],
    )
    ledger.audited(fault, new)
    found.extend(new)
