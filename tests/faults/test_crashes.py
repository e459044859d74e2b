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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from osmsyncd_prestashop.sandbox.shopper import Buyer as PrestaShopBuyer
from osmsyncd_prestashop.sandbox.shopper import Shopper as PrestaShopShopper
from osmsyncd_woocommerce.sandbox.shopper import Buyer as WooBuyer
from osmsyncd_woocommerce.sandbox.shopper import Shopper as WooShopper
from sqlalchemy import select

from osmsyncd.demo.shops import serve_folder
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


@dataclass(frozen=True)
class Cuts:
    """Where a provider's runs can be cut: log events of a clean run of each
    job on this catalogue (measured), among which a seeded point is drawn so
    that it always lands before the run's end."""

    export: tuple[str, ...]
    export_cuts: int
    imports: tuple[str, ...]
    import_cuts: int
    after_sales: tuple[str, ...]
    after_sales_cuts: int


ORDER_EVENTS = ("customer_created", "order_stock_moved", "order_imported")
CUTS = {
    # 44 requests in the first export; 36 events importing five orders (14
    # requests); the export after two more sales: its order import, one stock
    # push.
    "prestashop": Cuts(
        ("http_request",),
        40,
        ("http_request", *ORDER_EVENTS, "order_created"),
        34,
        ("http_request", "order_stock_moved", "order_created"),
        16,
    ),
    # A batch POST creates the catalogue: 9 requests and 12 product events;
    # one request, then 22 events, import five orders.
    "woocommerce": Cuts(
        ("http_request", "product_created"),
        18,
        ("http_request", *ORDER_EVENTS, "order_created"),
        20,
        ("http_request", "order_stock_moved", "order_created"),
        7,
    ),
}
SCENARIOS = [("prestashop", n) for n in range(4)] + [
    ("woocommerce", n) for n in range(2)
]
PEOPLE = (
    ("Giulia", "Verdi", "giulia.verdi@example.com"),
    ("Marco", "Neri", "marco.neri@example.com"),
    ("Anna", "Gialli", "anna.gialli@example.com"),
)


class Customers:
    """Places orders on either sandbox, each buyer reusing one account."""

    def __init__(self, shop):
        if shop.provider == "woocommerce":
            self.shopper = WooShopper(shop.url, shop.token)
            self.buyer = WooBuyer
        else:
            self.shopper = PrestaShopShopper(shop.url, shop.token)
            self.buyer = PrestaShopBuyer

    def order(self, lines, person):
        first, last, email = person
        buyer = self.buyer(first_name=first, last_name=last, email=email)
        self.shopper.place_order(lines, buyer)

    def close(self):
        self.shopper.close()


def place_orders(customers, products, rng, count):
    """``count`` seeded orders of one to three lines."""
    for _ in range(count):
        picked = rng.sample(products, rng.randint(1, 3))
        lines = [(int(p["id"]), rng.randint(1, 3)) for p in picked]
        customers.order(lines, rng.choice(PEOPLE))


def cut_then_finish(config, ledger, fault, args, cut, events):
    """Kill ``osmsyncd ARGS`` at the cut point, then run it to the end."""
    killed = osmsyncd(
        config, "--log-level", "debug", *args, "--json", cut_after=cut, cut_on=events
    )
    ledger.ran(fault, 2)
    assert killed.killed, (
        f"cut point {cut} fell after the end of `{' '.join(args)}`: "
        f"lower its range\n{killed.stderr[-2000:]}"
    )
    # On a busy machine the run may end in the moment the kill takes to
    # land; that run was not cut, but the next one must still find it done.
    if killed.returncode == -9:
        ledger.tried(fault)
    else:
        assert killed.returncode == 0, killed.stderr[-2000:]
    finished = osmsyncd(config, *args, "--json")
    assert finished.returncode == 0, finished.stderr[-3000:]
    summary = finished.summaries()[0]
    assert summary["error"] is None and summary["failed"] == 0, summary
    return summary


def purchase(osm, code, quantity):
    """Stock received in OSM, as a manual movement in its warehouse form."""
    with osm.engine.begin() as db:
        article = db.scalar(select(MgArticoli.id).where(MgArticoli.codice == code))
        move_stock(db, article, Decimal(quantity), "Carico", 0, date.today())


@pytest.mark.parametrize(("provider", "scenario"), SCENARIOS)
def test_killed_runs_resume_without_loss_or_duplicates(
    provider, scenario, osm, tmp_path, ledger
):
    """After a SIGKILL at any cut point in an export or an order import, the
    next run completes it: every article and image once in the shop, every
    shop order once in OSM, OSM stock lowered once per sold line, shop stock
    equal to OSM's, nothing left for a later run."""
    rng = random.Random(f"{provider}-{scenario}")
    cuts = CUTS[provider]
    shop = ShopProcess(seed=scenario, latency_ms=2, provider=provider)
    images = serve_folder(osm.files_dir)
    view = shop.view()
    customers = Customers(shop)
    found = Findings()
    try:
        extra = {"debug": True}
        if provider == "woocommerce":
            extra["images_url"] = f"http://127.0.0.1:{images.server_address[1]}"
        config = config_for(tmp_path, osm, shop, **extra)

        # 1. The first export, cut between its shop writes and the bindings.
        fault = f"SIGKILL during export [{provider}]"
        cut_then_finish(
            config,
            ledger,
            fault,
            ("sync", "articles", "--export"),
            rng.randint(1, cuts.export_cuts),
            cuts.export,
        )
        audited(ledger, fault, audit_catalogue(osm, view, CODES), found)
        audited(ledger, fault, audit_shop_stock(osm, view), found)

        # 2. Sales, then an order import cut in its reads or OSM writes.
        fault = f"SIGKILL during order import [{provider}]"
        products = view.products()
        place_orders(customers, products, rng, 5)
        cut_then_finish(
            config,
            ledger,
            fault,
            ("sync", "orders", "--import"),
            rng.randint(1, cuts.import_cuts),
            cuts.imports,
        )
        audited(ledger, fault, audit_orders(osm, view, STOCK), found)

        # 3. More sales and a purchase in OSM; the export that follows
        #    imports the sales first, then pushes stock: cut anywhere in it.
        fault = f"SIGKILL during export after sales [{provider}]"
        place_orders(customers, products, rng, 2)
        bought = rng.choice(CODES)
        purchase(osm, bought, 5)
        start = {**STOCK, bought: STOCK[bought] + 5}
        cut_then_finish(
            config,
            ledger,
            fault,
            ("sync", "articles", "--export"),
            rng.randint(1, cuts.after_sales_cuts),
            cuts.after_sales,
        )
        audited(ledger, fault, audit_catalogue(osm, view, CODES), found)
        audited(ledger, fault, audit_orders(osm, view, start), found)
        audited(ledger, fault, audit_shop_stock(osm, view), found)

        # 4. Cursors are not ahead of what was applied: nothing is left over.
        again = osmsyncd(config, "sync", "orders", "--import", "--json")
        ledger.ran(fault)
        summary = again.summaries()[0]
        left = Findings()
        if summary["created"] or summary["updated"]:
            left.lost.append(f"a later run still had {summary} to apply")
        audited(ledger, fault, left, found)

        assert not found, found.describe()
    finally:
        customers.close()
        view.close()
        shop.stop()
        if images is not None:
            images.shutdown()


def audited(ledger, fault, findings, found):
    """Add to ``found`` and the ledger what no earlier audit reported."""
    new = Findings(
        [d for d in findings.duplicates if d not in found.duplicates],
        [m for m in findings.mismatches if m not in found.mismatches],
        [lost for lost in findings.lost if lost not in found.lost],
    )
    ledger.audited(fault, new)
    found.extend(new)
