"""A shop host that misbehaves: every sandbox fault, met by real runs.

Each fault is injected into an in-process sandbox at a seeded rate that
makes the runs hit it; the CLI runs (a subprocess, JSON logs on stderr)
until a run ends clean, at most a few times, with the fault still on. Then
the shop and OSM are audited: every article once, every order once, stock
exact, and a log line that says what happened.
"""

from __future__ import annotations

from collections import Counter

import pytest
from osmsyncd_prestashop.sandbox import Sandbox
from osmsyncd_prestashop.sandbox import parse_fault
from osmsyncd_prestashop.sandbox.shopper import Shopper
from osmsyncd_woocommerce.sandbox import Sandbox as WooSandbox
from osmsyncd_woocommerce.sandbox.shopper import Shopper as WooShopper

from osmsyncd.demo.shops import serve_folder
from tests.faults.audit import audit_catalogue
from tests.faults.audit import audit_orders
from tests.faults.audit import audit_shop_stock
from tests.faults.catalogue import CODES
from tests.faults.catalogue import SMALL
from tests.faults.catalogue import STOCK
from tests.faults.ledger import Findings
from tests.faults.runs import config_for
from tests.faults.runs import osmsyncd
from tests.faults.shops import ShopView
from tests.faults.shops import WooView

pytestmark = pytest.mark.mysql

ROUNDS = 4
SEED = 11


class Hits:
    """Counts the faults a sandbox actually fires."""

    def __init__(self, sandbox):
        self.count = Counter()
        draw = sandbox.faults.draw

        def counted(method):
            fired = draw(method)
            self.count.update(fired)
            return fired

        sandbox.faults.draw = counted


def until_clean(config, ledger, fault, *args):
    """Run ``osmsyncd sync ARGS`` until a run ends clean; every run made."""
    runs = []
    for _ in range(ROUNDS):
        done = osmsyncd(config, "sync", *args, "--json")
        ledger.ran(fault)
        runs.append(done)
        [summary] = done.summaries()
        if done.returncode == 0 and summary["failed"] == 0:
            return runs
    raise AssertionError(
        f"`sync {' '.join(args)}` still failing after {ROUNDS} runs under {fault}: "
        f"{runs[-1].stdout}{runs[-1].stderr[-2000:]}"
    )


def events(runs, name):
    return [e for done in runs for e in done.events if e.get("event") == name]


def audit_all(osm, shop, codes, ledger, fault):
    view = (WooView if ":" in shop.token else ShopView)(shop.url, shop.token)
    try:
        found = Findings()
        found.extend(audit_catalogue(osm, view, codes))
        found.extend(audit_orders(osm, view, {c: STOCK[c] for c in codes}))
        found.extend(audit_shop_stock(osm, view))
    finally:
        view.close()
    ledger.audited(fault, found)
    assert not found, found.describe()


def sell(shop):
    """Two orders of the first products, placed with the faults off."""
    faults = list(shop.faults.faults)
    shop.set_faults([])
    products = sorted(shop.rows("products"), key=lambda p: int(p["id"]))
    shopper = Shopper(shop.url, shop.token)
    try:
        shopper.place_order([(products[0]["id"], 2), (products[1]["id"], 1)])
        shopper.place_order([(products[2]["id"], 3)])
    finally:
        shopper.close()
    shop.set_faults(faults)


FAULTS = {
    # fault: (rate, the log event, what its reason or text says)
    "429": ("429:0.06", "http_retry", "HTTP 429"),
    "timeout": ("timeout:0.04", "http_retry", "did not answer within 1 s"),
    "reset": ("reset:0.06", "http_retry", "could not reach the shop"),
    "truncated": ("truncated:0.06", "http_retry", "answer was cut short"),
    "html-200": ("html-200:0.06", "http_retry", "expected JSON, got text/html"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_transient_faults_are_retried_and_change_nothing(
    fault, small_osm, tmp_path, ledger
):
    """A 429 (after its Retry-After), a stalled answer, a reset connection,
    a cut body or a maintenance page is retried where that is safe and
    logged with its reason; export and order import end complete, nothing
    doubled."""
    spec, event, reason = FAULTS[fault]
    codes = CODES[:SMALL]
    with Sandbox(seed=SEED) as shop:
        hits = Hits(shop)
        config = config_for(tmp_path, small_osm, shop, timeout=1)
        shop.set_faults([parse_fault(spec)])
        runs = until_clean(config, ledger, fault, "articles", "--export")
        sell(shop)
        runs += until_clean(config, ledger, fault, "orders", "--import")
        runs += until_clean(config, ledger, fault, "articles", "--export")
        shop.set_faults([])
        ledger.tried(fault, hits.count[fault])

        assert hits.count[fault] >= 1
        said = [e for e in events(runs, event) if reason in str(e.get("reason"))]
        assert said, f"no {event} line saying {reason!r}"
        assert all(shop.token not in done.stderr for done in runs)
        audit_all(small_osm, shop, codes, ledger, fault)


def test_a_500_after_a_saved_write_is_adopted_not_repeated(small_osm, tmp_path, ledger):
    """A write the shop saved but answered with a 500 fails that record only,
    logged with the status; the next runs find the product by its reference
    and its images on the product instead of creating or uploading again."""
    fault = "500-after-write"
    codes = CODES[:SMALL]
    with Sandbox(seed=SEED) as shop:
        hits = Hits(shop)
        config = config_for(tmp_path, small_osm, shop, timeout=5)
        shop.set_faults([parse_fault("500-after-write:0.5")])
        runs = until_clean(config, ledger, fault, "articles", "--export")
        sell(shop)
        runs += until_clean(config, ledger, fault, "orders", "--import")
        runs += until_clean(config, ledger, fault, "articles", "--export")
        shop.set_faults([])
        ledger.tried(fault, hits.count[fault])

        assert hits.count[fault] >= 1
        told = [
            e
            for name in ("record_failed", "product_image_failed", "run_failed")
            for e in events(runs, name)
            if "HTTP 500" in str(e.get("reason") or e.get("error"))
        ]
        assert told, "no log line says the shop answered HTTP 500"
        if any(e["event"] == "record_failed" for e in told):
            assert runs[0].returncode == 3 or len(runs) > 1
        audit_all(small_osm, shop, codes, ledger, fault)


def test_a_redirected_write_fails_with_the_address_to_configure(
    small_osm, tmp_path, ledger
):
    """A host that redirects writes (http → https) gets no write followed: the
    run fails with the address to put in the connection's url, and once the
    url is right the export completes once."""
    fault = "redirect-write"
    with Sandbox(seed=SEED) as shop:
        hits = Hits(shop)
        config = config_for(tmp_path, small_osm, shop, timeout=5)
        shop.set_faults([parse_fault(fault)])
        done = osmsyncd(config, "sync", "articles", "--export", "--json")
        ledger.ran(fault)
        [summary] = done.summaries()
        written = [row for row in shop.rows("products") + shop.rows("categories")[2:]]
        shop.set_faults([])
        ledger.tried(fault, hits.count[fault])

        assert done.returncode in (1, 3)
        text = str(summary["error"] or "") + str(summary.get("failures", ""))
        assert "redirected a write" in text
        assert "set the connection's url to the address it redirects to" in text
        assert "https://127.0.0.1:" in text
        assert written == []
        runs = until_clean(config, ledger, fault, "articles", "--export")
        audit_all(small_osm, shop, CODES[:SMALL], ledger, fault)
        assert runs


def test_a_stripped_authorization_header_moves_the_key_to_the_query(
    small_osm, tmp_path, ledger
):
    """With auth = "auto", a host that drops the Authorization header is
    detected once, logged with the rewrite rule that fixes it, and the run
    completes with the key in the query string, which no log shows."""
    fault = "strip-auth"
    with Sandbox(seed=SEED) as shop:
        hits = Hits(shop)
        config = config_for(tmp_path, small_osm, shop, timeout=5)
        shop.set_faults([parse_fault(fault)])
        runs = until_clean(config, ledger, fault, "articles", "--export")
        sell(shop)
        runs += until_clean(config, ledger, fault, "orders", "--import")
        shop.set_faults([])
        ledger.tried(fault, hits.count[fault])

        assert len(runs) == 2
        for done in runs:
            stripped = done.named("prestashop_auth_header_stripped")
            assert stripped and "HTTP_AUTHORIZATION" in stripped[0]["fix"]
        assert all(shop.token not in done.stderr + done.stdout for done in runs)
        audit_all(small_osm, shop, CODES[:SMALL], ledger, fault)


WOO_FAULTS = {
    # fault: (rate, what a log line of its run says)
    "500-after-write": (0.5, "500"),
    "timeout": (0.25, "did not answer within 1 s"),
    "truncated": (0.25, "cut short"),
    "429": (0.25, "HTTP 429"),
    "reset": (0.25, "could not reach the shop"),
    "html-200": (0.25, "expected JSON, got text/html"),
}


def sell_woo(shop):
    """Two orders of the first products, placed with the faults off."""
    rates = dict(shop.faults.rates)
    shop.faults.clear()
    products = sorted(shop.admin_products(), key=lambda p: p["id"])
    shopper = WooShopper(shop.url, shop.token)
    try:
        shopper.place_order([(products[0]["id"], 2), (products[1]["id"], 1)])
        shopper.place_order([(products[2]["id"], 3)])
    finally:
        shopper.close()
    shop.faults.rates.update(rates)


@pytest.mark.parametrize("fault", sorted(WOO_FAULTS))
def test_woocommerce_writes_whose_answer_was_lost_are_not_repeated(
    fault, small_osm, tmp_path, ledger
):
    """On WooCommerce a batch the shop saved but answered with a 500, a cut
    body or nothing within the timeout fails its records, logged with the
    reason, and a 429, a reset or a maintenance page is retried or failed
    the same way; the next runs find the products by SKU instead of creating
    them again, and orders and stock end exact."""
    rate, said = WOO_FAULTS[fault]
    name = f"{fault} [woocommerce]"
    images = serve_folder(small_osm.files_dir)
    try:
        with WooSandbox(seed=SEED) as shop:
            config = config_for(
                tmp_path,
                small_osm,
                shop,
                timeout=1,
                images_url=f"http://127.0.0.1:{images.server_address[1]}",
            )
            shop.faults.rates[fault] = rate
            runs = until_clean(config, ledger, name, "articles", "--export")
            sell_woo(shop)
            runs += until_clean(config, ledger, name, "orders", "--import")
            runs += until_clean(config, ledger, name, "articles", "--export")
            shop.faults.clear()
            fired = shop.faults.fired.get(fault, 0)
            ledger.tried(name, fired)

            assert fired >= 1
            told = [
                e
                for done in runs
                for e in done.events
                if e.get("level") in ("warning", "error")
                and said in str(e.get("reason") or e.get("error") or "")
            ]
            assert told, f"no warning says {said!r}"
            assert all(shop.token.split(":")[1] not in d.stderr for d in runs)
            audit_all(small_osm, shop, CODES[:SMALL], ledger, name)
    finally:
        images.shutdown()
