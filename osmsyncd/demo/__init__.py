"""``osmsyncd demo``: the main job, for real, on an embedded OSM and sandboxes.

Everything happens on this machine: an OSM database in SQLite with an
Italian catalogue, both sandbox shops on loopback, and the same engine,
providers and plugin loading the daemon uses. Nothing is left running.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine

from osmsyncd.config import Config
from osmsyncd.config import ConnectionSettings
from osmsyncd.config import ErpSettings
from osmsyncd.demo.catalogue import ARTICLES
from osmsyncd.demo.images import png
from osmsyncd.demo.shops import DemoShop
from osmsyncd.demo.shops import start_shops
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.reference import install_osm
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.erp.seed import SeedArticle
from osmsyncd.erp.seed import seed_articles
from osmsyncd.erp.session import open_erp
from osmsyncd.logs import configure_logging
from osmsyncd.plugins import PluginHost
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync import RunSummary
from osmsyncd.sync import run_job

COLUMNS = ("created", "updated", "hidden", "unchanged", "failed")


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(
        prog="osmsyncd demo",
        description="Run the main job on an embedded OSM and both sandbox shops.",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the demo folder to look at"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show every sync event on stderr"
    )
    args = parser.parse_args(list(argv))
    configure_logging("info" if args.verbose else "warning")

    started = time.monotonic()
    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="osmsyncd-demo-"))
        if not args.keep:
            stack.callback(_remove, folder)
        return _run(stack, folder, started)


def _run(stack: ExitStack, folder: Path, started: float) -> int:
    print("osmsyncd demo: OpenSTAManager and two sandbox shops, on this machine\n")
    erp_settings, repo = _osm(folder)
    stack.callback(repo.close)
    plugins = PluginHost.load()
    shops = stack.enter_context(start_shops(repo))
    if not shops:
        print("no sandbox shop is installed: pip install the provider plugins")
        return 1
    config = Config(
        erp=erp_settings,
        connections={shop.name: _connection(shop) for shop in shops},
    )
    print(f"OSM    SQLite database in {folder}")
    print(
        f"       {len(ARTICLES)} articles in 3 categories, with prices, VAT and photos"
    )
    for shop in shops:
        print(f"shop   {shop.name:<12} {shop.url}")

    print("\n1. Export the articles to each shop")
    first = [_sync(config, plugins, repo, s, Resource.ARTICLES, Direction.EXPORT)
             for s in shops]  # fmt: skip
    _table(first)

    print("\n2. Customers buy in each shop, through the shop's own API")
    before = _stock(repo)
    for shop in shops:
        for text in shop.place_orders():
            print(f"   {shop.name:<12} {text}")

    print("\n3. Import the orders into OSM (stock moves once per sold line)")
    imported = [_sync(config, plugins, repo, s, Resource.ORDERS, Direction.IMPORT)
                for s in shops]  # fmt: skip
    _table(imported)
    after = _stock(repo)
    print("\n   OSM stock   before  after")
    for code in sorted(before):
        if before[code] != after[code]:
            print(f"   {code:<10} {before[code]:>7} {after[code]:>6}")

    print("\n4. Push the new stock: each shop must see the other shop's sales")
    pushed = [_sync(config, plugins, repo, s, Resource.ARTICLES, Direction.EXPORT)
              for s in shops]  # fmt: skip
    _table(pushed)

    print("\n5. Run every job again: nothing changed, so nothing is written")
    second = [
        _sync(config, plugins, repo, s, resource, direction)
        for s in shops
        for resource, direction in (
            (Resource.ORDERS, Direction.IMPORT),
            (Resource.ARTICLES, Direction.EXPORT),
        )
    ]
    _table(second)

    orders = sum(s.created for s in imported)
    moved = sum(1 for code in before if before[code] != after[code])
    rewrites = sum(s.writes + _writes(s) for s in second)
    runs = first + imported + pushed + second
    failures = sum(s.failed for s in runs)
    errors = [s.error for s in runs if s.error]
    print(
        f"\nDone in {time.monotonic() - started:.1f} s: "
        f"{sum(s.created for s in first)} products exported, {orders} orders "
        f"imported, stock lowered for {moved} articles in OSM, "
        f"{rewrites} writes on the second run."
    )
    if errors or failures or rewrites or not orders:
        for error in errors:
            print(f"error: {error}")
        return 1
    return 0


def _osm(folder: Path) -> tuple[ErpSettings, OsmRepository]:
    settings = ErpSettings(
        url=f"sqlite:///{folder / 'osm.sqlite'}", files_dir=folder / "files"
    )
    engine = create_engine(settings.url)
    install_osm(engine)
    engine.dispose()
    repo = open_erp(settings)
    repo.setup()
    seed_articles(
        repo.engine,
        [
            SeedArticle(
                code=a.code,
                name=a.name,
                price=a.price,
                vat=a.vat,
                purchase_price=a.purchase_price,
                stock=a.stock,
                category=a.category,
                subcategory=a.subcategory,
                barcodes=(a.barcode,) if a.barcode else (),
                short_description=a.short_description,
                description=a.description,
                images=((f"{a.code.lower()}.png", png(a.colour)),) if a.photo else (),
            )
            for a in ARTICLES
        ],
        settings.files_dir,
    )
    return settings, repo


def _connection(shop: DemoShop) -> ConnectionSettings:
    return ConnectionSettings(
        name=shop.name,
        provider=shop.provider,
        url=shop.url,
        token=shop.token,
        export=frozenset({Resource.ARTICLES}),
        import_=frozenset({Resource.ORDERS}),
        disable_zero_quantity=True,
        images_url=shop.images_url,
        timeout=15,
    )


def _sync(
    config: Config,
    plugins: PluginHost,
    repo: OsmRepository,
    shop: DemoShop,
    resource: Resource,
    direction: Direction,
) -> RunSummary:
    summary = run_job(config, shop.name, resource, direction, plugins=plugins, erp=repo)
    shop.after_run(summary)
    return summary


def _table(summaries: list[RunSummary]) -> None:
    head = (
        "   " + f"{'connection':<12} {'job':<16}" + "".join(f"{c:>10}" for c in COLUMNS)
    )
    print(head + f"{'writes':>8}{'reads':>7}")
    for s in summaries:
        job = f"{s.resource} {s.direction}"
        counts = "".join(f"{getattr(s, c):>10}" for c in COLUMNS)
        print(
            f"   {s.connection:<12} {job:<16}{counts}"
            f"{_writes(s):>8}{s.requests.get('GET', 0):>7}"
        )
        if s.error:
            print(f"   {'':<12} error: {s.error}")


def _writes(summary: RunSummary) -> int:
    return sum(n for method, n in summary.requests.items() if method != "GET")


def _stock(repo: OsmRepository) -> dict[str, Decimal]:
    stock: dict[str, Decimal] = {}
    for page in repo.articles(ArticleScope()):
        for article in page:
            stock[article.code] = Decimal(article.quantity)
    return stock


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
