"""Speed of osmsyncd at catalogue scale, against the floor and a naive sync.

    .venv/bin/python bench/run.py [--sizes 2000,10000,50000]
        [--providers prestashop,woocommerce] [--naive-size 2000]
        [--concurrency 12] [--skip PROVIDER:SIZE] [--json FILE] [--keep DIR]

For each size and provider: a throwaway OSM on the local MariaDB with that
many articles, a sandbox shop in its own process answering after 30 ms, and
four measured runs of the real CLI (``osmsyncd sync ... --json``), each in a
child process: the first export, a cycle with nothing changed, a cycle with
1% of the prices changed, and the import of 1,000 orders of three lines.
At the naive size a naive sync runs two cycles against a fresh sandbox.
Not part of CI: the whole run takes about 25 minutes on two cores.
``docs/benchmarks.md`` says how the floor is counted and what was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tomli_w  # noqa: E402

from bench.catalogue import CATEGORIES  # noqa: E402
from bench.catalogue import SUBCATEGORIES  # noqa: E402
from bench.catalogue import Osm  # noqa: E402
from bench.catalogue import change_prices  # noqa: E402
from bench.catalogue import throwaway_osm  # noqa: E402
from bench.floor import Work  # noqa: E402
from bench.floor import floor_requests  # noqa: E402
from bench.floor import floor_seconds  # noqa: E402
from bench.orders import place_orders  # noqa: E402
from bench.shops import Shop  # noqa: E402
from bench.shops import cpu_seconds  # noqa: E402
from bench.shops import file_server  # noqa: E402
from bench.shops import sandbox  # noqa: E402
from osmsyncd.logs import configure_logging  # noqa: E402

ORDERS = 1000
PATHS = len(CATEGORIES) * (1 + len(SUBCATEGORIES))
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Figures:
    """One measured run."""

    provider: str
    size: int
    run: str
    wall: float
    run_seconds: float
    requests: dict[str, int]
    queries: int
    peak_mb: float
    floor_requests: int
    floor_seconds: float
    cpu: float = 0.0
    shop_cpu: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def writes(self) -> int:
        return sum(n for k, n in self.requests.items() if k.split()[0] in WRITES)

    @property
    def ratio(self) -> float:
        return self.wall / self.floor_seconds if self.floor_seconds else 0.0


def write_config(
    folder: Path, osm: Osm, shop: Shop, concurrency: int, images_url: str | None
) -> Path:
    """The connection a real shop would have: articles out, orders in."""
    token = folder / f"{shop.provider}.token"
    token.write_text(shop.token + "\n")
    token.chmod(0o600)
    connection: dict[str, Any] = {
        "provider": shop.provider,
        "url": shop.url,
        "token_file": str(token),
        "export": ["articles"],
        "import": ["orders"],
        "timeout": 120,
        "concurrency": concurrency,
    }
    if images_url:
        connection["images_url"] = images_url
    config = {
        "erp": {"url": osm.url, "files_dir": str(osm.files_dir)},
        "connections": {"bench": connection},
    }
    path = folder / f"{shop.provider}.toml"
    path.write_bytes(tomli_w.dumps(config).encode())
    return path


def measure(
    config: Path, shop: Shop, size: int, run: str, work: Work, *args: str
) -> Figures:
    """Run ``osmsyncd --config CONFIG ARGS --json`` in a child and measure it."""
    stats = config.parent / "stats.json"
    logs = config.parent / f"{shop.provider}-{size}-{run.replace(' ', '-')}.log"
    command = [
        sys.executable, "-m", "bench.measured", str(stats),
        "--config", str(config), *args, "--json",
    ]  # fmt: skip
    shop_before = cpu_seconds(shop.pid)
    started = time.monotonic()
    with logs.open("w") as errors:
        done = subprocess.run(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    wall = time.monotonic() - started
    shop_cpu = cpu_seconds(shop.pid) - shop_before
    if done.returncode not in (0, 3):
        tail = logs.read_text()[-3000:]
        raise RuntimeError(f"{run} failed ({done.returncode}): {tail}")
    summary = json.loads(done.stdout.splitlines()[-1])
    measured = json.loads(stats.read_text())
    wanted = floor_requests(shop.provider, work)
    counts = {
        name: summary[name]
        for name in ("created", "updated", "hidden", "shown", "unchanged", "failed")
    }
    return Figures(
        provider=shop.provider,
        size=size,
        run=run,
        wall=round(wall, 2),
        # The order import that runs first is part of the cycle.
        run_seconds=round(
            summary["seconds"] + (summary.get("orders_first") or {}).get("seconds", 0),
            3,
        ),
        requests=dict(sorted(measured["requests"].items())),
        queries=sum(measured["queries"].values()),
        peak_mb=measured["peak_rss_mb"],
        floor_requests=wanted,
        floor_seconds=round(floor_seconds(wanted), 2),
        cpu=measured["cpu_seconds"],
        shop_cpu=round(shop_cpu, 2),
        counts=counts,
    )


def naive(osm: Osm, provider: str, size: int, images_url: str | None) -> list[Figures]:
    """Two cycles of the naive sync against a fresh sandbox."""
    with sandbox(provider) as shop:
        command = [
            sys.executable, "-m", "bench.naive", provider, shop.url, shop.token,
            osm.url, str(osm.files_dir), images_url or "", "2",
        ]  # fmt: skip
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, check=True
        )
    figures = []
    works = (Work(articles=size, categories=PATHS, first=True), Work())
    names = ("naive first export", "naive unchanged")
    for line, name, work in zip(done.stdout.splitlines(), names, works, strict=True):
        data = json.loads(line)
        wanted = floor_requests(provider, work)
        figures.append(
            Figures(
                provider=provider,
                size=size,
                run=name,
                wall=data["seconds"],
                run_seconds=data["seconds"],
                requests=dict(sorted(data["requests"].items())),
                queries=0,
                peak_mb=round(data["peak_rss_mb"], 1),
                floor_requests=wanted,
                floor_seconds=round(floor_seconds(wanted), 2),
            )
        )
    return figures


def shop_products(osm: Osm) -> list[int]:
    """Shop ids of the exported products, from osmsyncd's bindings."""
    from osmsyncd.erp.session import open_erp
    from osmsyncd.records import Resource

    repository = open_erp(osm.settings, migrate=False)
    try:
        bindings = repository.bindings("bench", Resource.ARTICLES)
    finally:
        repository.close()
    return sorted(int(b.shop_id) for b in bindings.values())


def bench(
    provider: str,
    size: int,
    folder: Path,
    *,
    concurrency: int,
    with_naive: bool,
    report: Any,
) -> list[Figures]:
    figures: list[Figures] = []

    def keep(figure: Figures) -> None:
        figures.append(figure)
        report(figure)

    export = ("sync", "articles", "--export")
    with throwaway_osm(size, folder) as osm, ExitStack() as stack:
        images_url = None
        if provider == "woocommerce":
            # The shop downloads each image from OSM's files folder.
            images_url = stack.enter_context(file_server(osm.files_dir))
        with sandbox(provider) as shop:
            config = write_config(folder, osm, shop, concurrency, images_url)
            first = Work(articles=size, categories=PATHS, first=True)
            keep(measure(config, shop, size, "first export", first, *export))
            keep(measure(config, shop, size, "unchanged", Work(), *export))
            changed = change_prices(osm)
            keep(
                measure(
                    config, shop, size, "1% changed", Work(changed=changed), *export
                )
            )
            place_orders(shop, shop_products(osm), ORDERS)
            imports = ("sync", "orders", "--import")
            keep(
                measure(
                    config, shop, size, "1000 orders", Work(orders=ORDERS), *imports
                )
            )
        if with_naive:
            for figure in naive(osm, provider, size, images_url):
                keep(figure)
    return figures


HEADER = (
    f"{'provider':<12}{'articles':>9}  {'run':<20}{'wall s':>9}{'run s':>9}"
    f"{'requests':>10}{'writes':>8}{'OSM q':>7}{'peak MB':>9}{'floor':>8}"
    f"{'floor s':>9}{'ratio':>8}{'cpu s':>8}{'shop cpu':>9}"
)


def line(f: Figures) -> str:
    kinds = ", ".join(f"{k} {n}" for k, n in f.requests.items())
    return (
        f"{f.provider:<12}{f.size:>9}  {f.run:<20}{f.wall:>9.2f}{f.run_seconds:>9.2f}"
        f"{f.total:>10}{f.writes:>8}{f.queries:>7}{f.peak_mb:>9.1f}"
        f"{f.floor_requests:>8}{f.floor_seconds:>9.2f}{f.ratio:>8.2f}"
        f"{f.cpu:>8.2f}{f.shop_cpu:>9.2f}\n"
        f"{'':<23}{kinds}"
    )


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python "
        f"{platform.python_version()}, {platform.platform()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,10000,50000")
    parser.add_argument("--providers", default="prestashop,woocommerce")
    parser.add_argument("--naive-size", type=int, default=2000)
    parser.add_argument(
        "--skip",
        action="append",
        default=None,
        metavar="PROVIDER:SIZE",
        help="leave out one size of one provider (repeatable)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=12, help="the connections' concurrency"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--keep", type=Path, help="keep configs and each run's log in this folder"
    )
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.sizes.split(",") if s]
    providers = [p for p in options.providers.split(",") if p]
    skipped = set(options.skip or [])

    configure_logging("warning")
    print(machine(), f"concurrency {options.concurrency}", flush=True)
    print(HEADER, flush=True)
    figures: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="osmsyncd-bench-") as tmp:
        for size in sizes:
            for provider in providers:
                if f"{provider}:{size}" in skipped:
                    continue
                folder = (options.keep or Path(tmp)) / f"{provider}-{size}"
                folder.mkdir(parents=True, exist_ok=True)
                figures += bench(
                    provider,
                    size,
                    folder,
                    concurrency=options.concurrency,
                    with_naive=size == options.naive_size,
                    report=lambda f: print(line(f), flush=True),
                )
    if options.json:
        options.json.write_text(json.dumps([asdict(f) for f in figures], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
